//! Public pages are rendered once and kept until what they show changes (the catalog version);
//! `/units` and `/search` show one jurisdiction at a time, a page at a time.

use crate::helpers::{TestApp, select, spawn_app, texts};

async fn catalog_version(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT version FROM catalog_version")
        .fetch_one(&app.pool)
        .await
        .expect("version")
}

#[tokio::test]
async fn a_kept_page_shows_a_change_at_once() {
    let app = spawn_app().await;
    let pages = [
        "/",
        "/plans/jincheng-2023-33",
        "/plans/jincheng-2023-33/items/subtarget-1",
        "/units",
        "/search?q=%E6%B6%88%E9%98%B2", // 消防
    ];
    for p in pages {
        let html = app.get(p).await.text().await.expect("body");
        assert!(html.contains("市消防救援支队"), "{p} names the unit");
        assert!(!html.contains("市消防救援总队"), "{p}");
    }
    // Served again from what was kept: the same page.
    let first = app.get(pages[2]).await.text().await.expect("body");
    let again = app.get(pages[2]).await.text().await.expect("body");
    assert_eq!(first, again);

    sqlx::query("UPDATE units SET name = '市消防救援总队' WHERE name = '市消防救援支队'")
        .execute(&app.pool)
        .await
        .expect("rename");
    sqlx::query(
        "UPDATE name_spellings SET spelling = '市消防救援总队' WHERE spelling = '市消防救援支队'",
    )
    .execute(&app.pool)
    .await
    .expect("respell");
    for p in pages {
        let html = app.get(p).await.text().await.expect("body");
        assert!(html.contains("市消防救援总队"), "{p} shows the new name");
    }

    // Signed in, the same kept body sits under the signed-in header.
    app.create_user("li", plan_portal::accounts::model::UserRole::Leader, None)
        .await;
    app.login("li").await;
    let doc = app.page(pages[2]).await;
    assert!(!select(&doc, "form[action='/logout']").is_empty());
    assert!(texts(&doc, "main").concat().contains("市消防救援总队"));
}

#[tokio::test]
async fn every_table_the_public_pages_show_moves_the_catalog_version_and_reports_do_not() {
    let app = spawn_app().await;
    for table in [
        "jurisdictions",
        "plans",
        "items",
        "assignments",
        "units",
        "unit_groups",
        "unit_group_members",
        "name_spellings",
        "indicator_targets",
        "subtarget_targets",
        "milestones",
    ] {
        let before = catalog_version(&app).await;
        // A statement trigger fires even when no row changes.
        sqlx::query(&format!("DELETE FROM {table} WHERE false"))
            .execute(&app.pool)
            .await
            .expect("delete nothing");
        assert!(catalog_version(&app).await > before, "{table}");
    }
    let before = catalog_version(&app).await;
    for table in ["reports", "report_versions", "reporting_rounds", "sessions"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE false"))
            .execute(&app.pool)
            .await
            .expect("delete nothing");
    }
    assert_eq!(catalog_version(&app).await, before);
}

/// A second city with `n` units, each findable by name; returns the jurisdiction's id.
async fn another_city(app: &TestApp, n: usize) -> i64 {
    let j: i64 =
        sqlx::query_scalar("INSERT INTO jurisdictions (name) VALUES ('模拟市') RETURNING id")
            .fetch_one(&app.pool)
            .await
            .expect("jurisdiction");
    sqlx::query(
        "WITH u AS (INSERT INTO units (jurisdiction_id, name, kind)
                    SELECT $1, '模拟单位' || lpad(g::text, 3, '0'), 'department'
                    FROM generate_series(1, $2) g RETURNING id, name)
         INSERT INTO name_spellings (jurisdiction_id, spelling, unit_id) SELECT $1, name, id FROM u",
    )
    .bind(j)
    .bind(n as i32)
    .execute(&app.pool)
    .await
    .expect("units");
    j
}

#[tokio::test]
async fn units_are_listed_one_jurisdiction_and_one_page_at_a_time() {
    let app = spawn_app().await;
    let j = another_city(&app, 150).await;

    // By default, the newest plan's city; the other is offered.
    let doc = app.page("/units").await;
    let names = texts(&doc, "#units td[data-label='单位'] a");
    assert!(names.contains(&"市应急局".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("模拟单位")));
    let options = texts(&doc, "#j option");
    assert!(
        options.iter().any(|o| o.starts_with("模拟市")),
        "{options:?}"
    );

    let doc = app.page(&format!("/units?j={j}")).await;
    let names = texts(&doc, "#units td[data-label='单位'] a");
    assert_eq!(names.len(), 100);
    assert_eq!(names[0], "模拟单位001");
    let next = select(&doc, "#units a[rel=next]")[0]
        .value()
        .attr("href")
        .map(str::to_string)
        .expect("a next page");
    let doc = app.page(&next).await;
    let names = texts(&doc, "#units td[data-label='单位'] a");
    assert_eq!(names.len(), 50);
    assert_eq!(names[49], "模拟单位150");
    assert!(select(&doc, "#units a[rel=next]").is_empty());

    for odd in [
        format!("/units?j={j}&page=3"),
        "/units?j=999999".to_string(),
    ] {
        assert_eq!(app.get(&odd).await.status(), 404, "{odd}");
    }
    // An odd value is read as the default, not refused.
    assert_eq!(app.get("/units?j=abc&page=x").await.status(), 200);
}

#[tokio::test]
async fn search_looks_in_one_jurisdiction_unless_asked_for_all() {
    let app = spawn_app().await;
    let j = another_city(&app, 120).await;
    let q = "%E6%A8%A1%E6%8B%9F%E5%8D%95%E4%BD%8D"; // 模拟单位

    let doc = app.page(&format!("/search?q={q}")).await;
    assert!(
        texts(&doc, ".lead")
            .concat()
            .contains("找到 0 项事项、0 个单位")
    );

    let doc = app.page(&format!("/search?q={q}&j=all")).await;
    assert!(
        texts(&doc, ".lead").concat().contains("120 个单位"),
        "{:?}",
        texts(&doc, ".lead")
    );
    assert_eq!(texts(&doc, "#h-bodies + ul li a").len(), 50);
    let page3 = format!("/search?q=%E6%A8%A1%E6%8B%9F%E5%8D%95%E4%BD%8D&j={j}&page=3");
    let doc = app.page(&page3).await;
    let bodies = texts(&doc, "#h-bodies + ul li a");
    assert_eq!(bodies.len(), 20);
    assert_eq!(bodies[19], "模拟单位120");
    assert!(!select(&doc, "a[rel=prev]").is_empty());
    assert_eq!(
        app.get(&format!("/search?q={q}&j={j}&page=4"))
            .await
            .status(),
        404
    );
}

/// A unit's to-do page and its report pages are kept too; a reminder, a flag or a renamed unit
/// shows at once.
#[tokio::test]
async fn a_units_to_do_and_report_pages_show_others_changes_at_once() {
    let app = spawn_app().await;
    let round = crate::fixtures::open_round(&app).await;
    let c = crate::fixtures::cast(&app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let get = |path: String| {
        let rep = c.rep.clone();
        let url = format!("{}{path}", app.address);
        async move {
            let resp = rep.get(url).send().await.expect("page");
            assert_eq!(resp.status(), 200);
            resp.text().await.expect("body")
        }
    };
    let note = "请于本周五前补报进展（测试提醒）";
    assert!(!get("/todo".into()).await.contains(note));
    sqlx::query(
        "INSERT INTO reminders (round_id, unit_id, message, sent_name) VALUES ($1, $2, $3, '督办员')",
    )
    .bind(round)
    .bind(gp)
    .bind(note)
    .execute(&app.pool)
    .await
    .expect("reminder");
    assert!(
        get("/todo".into()).await.contains(note),
        "the reminder shows"
    );

    let report = format!("/rounds/{round}/reports/task-1/{gp}");
    assert!(!get(report.clone()).await.contains("高平市政府（新）"));
    sqlx::query("UPDATE units SET name = '高平市政府（新）' WHERE id = $1")
        .bind(gp)
        .execute(&app.pool)
        .await
        .expect("rename");
    assert!(get(report).await.contains("高平市政府（新）"));
    assert!(get("/todo".into()).await.contains("高平市政府（新）"));
}
