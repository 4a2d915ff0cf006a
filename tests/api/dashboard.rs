//! Dashboards: the rollups agree with direct counts, every link resolves, filters combine,
//! the rules are the plan's own.

use std::collections::BTreeSet;
use std::sync::Arc;

use plan_portal::accounts::model::UserRole;

use crate::fixtures::open_round;
use crate::helpers::{PASSWORD, TestApp, select, spawn_app, texts};

const STATUSES: [&str; 4] = ["completed", "in_progress", "lagging", "ongoing"];

/// Every unit of every counted item reports, all with the item's one status (by position),
/// so the expected counts are plain SQL counts.
async fn reports_for_every_duty(app: &TestApp, round: i64) {
    sqlx::query(
        r#"INSERT INTO reports (round_id, item_id, unit_id, state, status, percent, progress, submitted_at)
           SELECT $1, i.id, d.unit_id, 'submitted',
                  ($2::text[])[1 + dense_rank() OVER (ORDER BY i.position) % 4]::progress_status,
                  NULL, '进展', now()
           FROM round_duties d JOIN items i ON i.id = d.item_id
           WHERE d.round_id = $1 AND i.kind IN ('subtarget', 'task', 'project')"#,
    )
    .bind(round)
    .bind(STATUSES.map(String::from).to_vec())
    .execute(&app.pool)
    .await
    .expect("reports");
}

pub async fn leader(app: &TestApp) -> reqwest::Client {
    app.create_user("boss", UserRole::Leader, None).await;
    let c = app.new_client();
    assert_eq!(app.login_with(&c, "boss", PASSWORD).await.status(), 303);
    c
}

pub fn chip_count(doc: &scraper::Html, slug: &str) -> i64 {
    select(doc, &format!(".status-bar .status-{slug} strong"))
        .first()
        .map(crate::helpers::text_of)
        .and_then(|t| t.parse().ok())
        .unwrap_or(-1)
}

#[tokio::test]
async fn rollups_agree_with_direct_counts() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    reports_for_every_duty(&app, round).await;
    let boss = leader(&app).await;
    let doc = app
        .page_as(
            &boss,
            &format!("/plans/jincheng-2023-33/dashboard?round={round}"),
        )
        .await;
    for slug in STATUSES {
        let direct: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT item_id) FROM reports WHERE round_id = $1 AND status::text = $2",
        )
        .bind(round)
        .bind(slug)
        .fetch_one(&app.pool)
        .await
        .expect("count");
        assert_eq!(chip_count(&doc, slug), direct, "{slug}");
    }
    let unreported: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM items i WHERE i.kind IN ('subtarget', 'task', 'project')
         AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.item_id = i.id AND r.round_id = $1)",
    )
    .bind(round)
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(chip_count(&doc, "not_reported"), unreported);
    // Per category, the item totals are the tasks filed under it.
    let per_category: Vec<i64> = sqlx::query_scalar(
        "SELECT count(t.id) FROM items c LEFT JOIN items t ON t.parent_id = c.id AND t.kind = 'task'
         WHERE c.kind = 'category' GROUP BY c.id, c.position ORDER BY c.position",
    )
    .fetch_all(&app.pool)
    .await
    .expect("categories");
    let shown: Vec<i64> = texts(&doc, "#h-categories ~ .table-wrap td[data-label='事项'] a")
        .iter()
        .map(|t| t.parse().expect("number"))
        .collect();
    assert_eq!(shown, per_category);
    // A unit's scorecard counts what the round asks of it.
    let gp = app.unit_id("高平市人民政府").await;
    let due: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM round_duties d JOIN items i ON i.id = d.item_id
         WHERE d.round_id = $1 AND d.unit_id = $2 AND i.kind IN ('subtarget', 'task', 'project')",
    )
    .bind(round)
    .bind(gp)
    .fetch_one(&app.pool)
    .await
    .expect("due");
    // The scorecard is on the dashboard's units page, with the same figures.
    let units = app
        .page_as(
            &boss,
            &format!("/plans/jincheng-2023-33/dashboard?round={round}&view=units"),
        )
        .await;
    assert!(select(&doc, "#h-units").is_empty(), "not on the overview");
    let row = select(&units, "#h-units ~ .table-wrap tr")
        .into_iter()
        .find(|r| crate::helpers::text_of(r).contains("高平市人民政府"))
        .expect("高平 row");
    let first = row
        .select(&scraper::Selector::parse("td a").expect("selector"))
        .next()
        .map(|a| crate::helpers::text_of(&a))
        .unwrap_or_default();
    assert_eq!(first, due.to_string());
}

#[tokio::test]
async fn every_dashboard_link_resolves_and_filters_combine() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    reports_for_every_duty(&app, round).await;
    let boss = Arc::new(leader(&app).await);
    // Every part of the dashboard, reached through its tab.
    let dash = format!("/plans/jincheng-2023-33/dashboard?round={round}");
    let overview = app.page_as(&boss, &dash).await;
    let tabs: Vec<String> = select(&overview, "nav.tabs a")
        .iter()
        .filter_map(|a| a.value().attr("href").map(String::from))
        .collect();
    assert_eq!(tabs.len(), 4, "{tabs:?}");
    let mut links = BTreeSet::new();
    let mut sections = BTreeSet::new();
    for tab in &tabs {
        assert!(
            tab.contains(&format!("round={round}")),
            "{tab} keeps the round"
        );
        let doc = app.page_as(&boss, tab).await;
        let current = select(&doc, "nav.tabs a[aria-current='page']");
        assert_eq!(current.len(), 1, "{tab}");
        assert_eq!(current[0].value().attr("href"), Some(tab.as_str()));
        for h2 in select(&doc, "main section > h2[id]") {
            let id = h2.value().attr("id").unwrap_or_default().to_string();
            assert!(sections.insert(id.clone()), "{id} is on more than one page");
        }
        links.extend(
            select(&doc, "main a[href^='/']")
                .iter()
                .filter_map(|a| a.value().attr("href").map(String::from))
                .filter(|h| !h.ends_with(".xlsx")),
        );
    }
    for id in [
        "h-overall",
        "h-categories",
        "h-indicators",
        "h-projects",
        "h-units",
        "h-counties",
        "h-grid",
    ] {
        assert!(sections.contains(id), "{id} is on no page: {sections:?}");
    }
    assert!(links.len() > 50, "{}", links.len());
    let mut tasks = tokio::task::JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(6));
    for href in links {
        let (c, gate, url) = (boss.clone(), gate.clone(), format!("{}{href}", app.address));
        tasks.spawn(async move {
            let _permit = gate.acquire().await.expect("permit");
            let status = c.get(&url).send().await.expect("answered").status();
            (href, status.as_u16())
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (href, status) = done.expect("task");
        assert_eq!(status, 200, "{href}");
    }

    // Category and status together: every listed item is of both.
    let base = format!("/plans/jincheng-2023-33/dashboard/items?round={round}");
    let list = app
        .page_as(&boss, &format!("{base}&category=category-1&status=lagging"))
        .await;
    let listed = texts(&list, ".drill-item h2 .status-chip");
    assert!(!listed.is_empty());
    assert!(listed.iter().all(|s| s == "滞后"), "{listed:?}");
    let keys: Vec<String> = select(&list, ".drill-item h2 a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .map(|h| h.rsplit('/').next().unwrap_or_default().to_string())
        .collect();
    let in_category: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM items t JOIN items c ON c.id = t.parent_id
         WHERE c.key = 'category-1' AND t.key = ANY($1)",
    )
    .bind(&keys)
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(in_category as usize, keys.len());
    // A county and a status: only that county's lines, only items of that status.
    let zz = app.unit_id("泽州县人民政府").await;
    let list = app
        .page_as(&boss, &format!("{base}&county={zz}&status=completed"))
        .await;
    let units: BTreeSet<String> = texts(&list, "td[data-label='单位']").into_iter().collect();
    assert_eq!(units.into_iter().collect::<Vec<_>>(), ["泽州县人民政府"]);
    assert!(
        texts(&list, ".drill-item h2 .status-chip")
            .iter()
            .all(|s| s == "已完成")
    );
    // The filters stay in the URL: the form shows them chosen.
    let category = select(&list, "#f-county option[selected]");
    assert_eq!(
        category[0].value().attr("value"),
        Some(zz.to_string().as_str())
    );
}

#[tokio::test]
async fn only_the_bureau_and_leaders_read_dashboards_and_rules_are_the_plans_own() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    app.create_user("rep", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    let rep = app.new_client();
    app.login_with(&rep, "rep", PASSWORD).await;
    let url = format!("{}/plans/jincheng-2023-33/dashboard", app.address);
    assert_eq!(rep.get(&url).send().await.expect("answered").status(), 403);
    assert_eq!(
        app.new_client()
            .get(&url)
            .send()
            .await
            .expect("answered")
            .status(),
        303
    );

    // One task at 30% against a path near 100% at the round's end… lagging with the default
    // tolerance; a supervisor who widens the tolerance to 100 points sees it in progress.
    sqlx::query(
        "INSERT INTO reports (round_id, item_id, unit_id, state, status, percent, progress, submitted_at)
         SELECT $1, d.item_id, d.unit_id, 'submitted', 'in_progress', 30, 'x', now()
         FROM round_duties d JOIN items i ON i.id = d.item_id WHERE d.round_id = $1 AND i.key = 'task-1'",
    )
    .bind(round)
    .execute(&app.pool)
    .await
    .expect("reports");
    app.create_user("sup", UserRole::Supervisor, None).await;
    let sup = app.new_client();
    app.login_with(&sup, "sup", PASSWORD).await;
    let item = format!("/plans/jincheng-2023-33/dashboard/items?round={round}&item=task-1");
    let before = texts(
        &app.page_as(&sup, &item).await,
        ".drill-item h2 .status-chip",
    );
    let csrf = app.csrf(&sup).await;
    let form = |v: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("lag_points", "100".to_string()),
            ("on_path_percent", "10".to_string()),
            ("due_soon_days", "7".to_string()),
            ("share_basis", "count".to_string()),
            ("started_on", "2023-05-01".to_string()),
            ("version", v.to_string()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>, c: reqwest::Client| {
        let url = format!("{}/plans/jincheng-2023-33/rules", app.address);
        async move {
            c.post(url)
                .form(&f)
                .send()
                .await
                .expect("answered")
                .status()
                .as_u16()
        }
    };
    assert_eq!(post(form("0"), rep.clone()).await, 403);
    assert_eq!(post(form("0"), sup.clone()).await, 303);
    assert_eq!(post(form("0"), sup.clone()).await, 409, "stale version");
    let after = texts(
        &app.page_as(&sup, &item).await,
        ".drill-item h2 .status-chip",
    );
    // The test round ends today, after the plan's last year: the path stands at 100%.
    assert_eq!((before[0].as_str(), after[0].as_str()), ("滞后", "推进中"));
    assert!(
        app.audit_actions()
            .await
            .contains(&"rules.update".to_string())
    );
}
