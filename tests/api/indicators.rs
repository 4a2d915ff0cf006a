//! Indicator values in reports, every version readable, and ad-hoc rounds limited in scope.

use plan_portal::accounts::model::UserRole;

use crate::fixtures::{cast, form_fields, open_round};
use crate::helpers::{PASSWORD, TestApp, select, spawn_app, texts};

/// Gives indicator 1 to 市应急局 as an admin would; returns that unit's id.
async fn assign_indicator(app: &TestApp) -> i64 {
    let unit = app.unit_id("市应急局").await;
    sqlx::query(
        "INSERT INTO assignments (item_id, unit_id, role, position, source)
         SELECT id, $1, 'lead', 0, 'admin' FROM items WHERE key = 'indicator-1'",
    )
    .bind(unit)
    .execute(&app.pool)
    .await
    .expect("assign");
    unit
}

fn value_form<'a>(
    csrf: &'a str,
    version: &'a str,
    action: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("version", version),
        ("action", action),
        ("status", "in_progress"),
        ("measured_value", value),
        ("progress", "上半年生产安全事故死亡人数同比下降"),
    ]
}

#[tokio::test]
async fn the_unit_answering_for_an_indicator_reports_its_value_and_every_version_stays_readable() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let unit = assign_indicator(&app).await;
    app.create_user("yjj-rep", UserRole::Reporter, Some("市应急局"))
        .await;
    let rep = app.new_client();
    app.login_with(&rep, "yjj-rep", PASSWORD).await;
    let todo = app.page_as(&rep, "/todo").await;
    assert!(
        texts(&todo, "td[data-label='事项']")
            .iter()
            .any(|t| t.contains("生产安全事故死亡人数")),
        "{:?}",
        texts(&todo, "td[data-label='事项']")
    );
    let path = format!("/rounds/{round}/reports/indicator-1/{unit}");
    let url = format!("{}{path}", app.address);
    let (status, csrf, _) = form_fields(&rep, &url).await;
    assert_eq!(status, 200);

    // Submitting without the value, or with words, is refused with the input kept.
    let resp = app
        .post_form(&rep, &path, &value_form(&csrf, "0", "submit", ""))
        .await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(
        texts(&doc, "#measured_value-error"),
        ["报送前请填写本期指标值"]
    );
    let resp = app
        .post_form(&rep, &path, &value_form(&csrf, "0", "save", "十二"))
        .await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(
        select(&doc, "#measured_value")[0].value().attr("value"),
        Some("十二")
    );
    let saved: Option<i64> = sqlx::query_scalar("SELECT id FROM reports WHERE round_id = $1")
        .bind(round)
        .fetch_optional(&app.pool)
        .await
        .expect("query");
    assert_eq!(saved, None, "nothing saved");

    assert_eq!(
        app.post_form(&rep, &path, &value_form(&csrf, "0", "save", "15"))
            .await
            .status(),
        303
    );
    assert_eq!(
        app.post_form(&rep, &path, &value_form(&csrf, "1", "submit", "12"))
            .await
            .status(),
        303
    );
    let value: String =
        sqlx::query_scalar("SELECT measured_value::text FROM reports WHERE round_id = $1")
            .bind(round)
            .fetch_one(&app.pool)
            .await
            .expect("value");
    assert_eq!(value, "12.0000");

    // The supervisor reads the value; version 1 still shows the draft's 15.
    app.create_user("sup", UserRole::Supervisor, None).await;
    let sup = app.new_client();
    app.login_with(&sup, "sup", PASSWORD).await;
    let page = app.page_as(&sup, &path).await;
    let fields = texts(&page, ".report-fields div");
    assert!(
        fields
            .iter()
            .any(|f| f.contains("本期指标值") && f.contains("12")),
        "{fields:?}"
    );
    let links = texts(&page, "td[data-label='版本'] a");
    assert_eq!(links, ["第 2 版", "第 1 版"]);
    let v1 = app.page_as(&sup, &format!("{path}/versions/1")).await;
    let fields = texts(&v1, ".report-fields div");
    assert!(
        fields
            .iter()
            .any(|f| f.contains("本期指标值") && f.contains("15")),
        "{fields:?}"
    );
    assert!(
        !texts(&v1, ".notice-bar").is_empty(),
        "says it is not the latest"
    );
    let resp = sup
        .get(format!("{url}/versions/9"))
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), 404);
    // Another unit's reporter may not read it, nor its versions.
    app.create_user("xf-rep", UserRole::Reporter, Some("市消防救援支队"))
        .await;
    let other = app.new_client();
    app.login_with(&other, "xf-rep", PASSWORD).await;
    let resp = other
        .get(format!("{url}/versions/1"))
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn an_ad_hoc_round_asks_only_the_chosen_items_of_the_chosen_units() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let csrf = app.csrf(&c.sup).await;
    let gp = app.unit_id("高平市人民政府").await.to_string();
    let today = plan_portal::reports::today();
    let (opens, due) = (
        (today - chrono::Duration::days(1)).to_string(),
        (today + chrono::Duration::days(5)).to_string(),
    );
    let resp = app
        .post_form(
            &c.sup,
            "/rounds",
            &[
                ("csrf", csrf.as_str()),
                ("title", "重点工程专项调度"),
                ("period_start", "2024-01-01"),
                ("period_end", "2024-06-30"),
                ("opens_on", &opens),
                ("due_on", &due),
                ("part", "projects"),
                ("unit", &gp),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let round: i64 =
        sqlx::query_scalar("SELECT id FROM reporting_rounds WHERE title = '重点工程专项调度'")
            .fetch_one(&app.pool)
            .await
            .expect("round");
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM unit_duties d JOIN items i ON i.id = d.item_id
         WHERE i.kind = 'project' AND d.unit_id = $1",
    )
    .bind(gp.parse::<i64>().expect("id"))
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert!(expected > 0);
    let board = app.page_as(&c.sup, &format!("/rounds/{round}/board")).await;
    let units = texts(&board, "td[data-label='单位']");
    assert_eq!(units.len() as i64, expected, "{units:?}");
    assert!(units.iter().all(|u| u.contains("高平市人民政府")));
    let rounds = app.page_as(&c.sup, "/rounds").await;
    assert!(
        texts(&rounds, "td[data-label='范围']")
            .iter()
            .any(|t| t.contains("个事项") && t.contains("1 个单位"))
    );
    // A task outside the scope has no report in this round.
    let resp = c
        .rep
        .get(format!(
            "{}/rounds/{round}/reports/task-1/{gp}",
            app.address
        ))
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), 404);
    let resp = c
        .rep
        .get(format!(
            "{}/rounds/{round}/reports/project-1/{gp}",
            app.address
        ))
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), 200);
}
