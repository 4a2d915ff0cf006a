//! 启用日期: rounds due before the day the bureau started using the portal for a plan are
//! history. They may be filled in, but are never overdue, never flagged, never counted late;
//! moving the date back makes them count.

use crate::fixtures::cast;
use crate::helpers::{TestApp, spawn_app, texts};

const PLAN: &str = "/plans/jincheng-2023-33";

/// A round that closed ten days ago, before the plan was loaded (today, in a test).
async fn past_round(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end, opens_on, due_on, created_by)
           SELECT id, 'before-start', '启用前轮次', 'ad_hoc', current_date - 60, current_date - 20,
                  current_date - 30, current_date - 10, 'test' FROM plans RETURNING id"#,
    )
    .fetch_one(&app.pool)
    .await
    .expect("round")
}

async fn late_on_dashboard(app: &TestApp, c: &reqwest::Client, round: i64) -> String {
    let page = app
        .page_as(c, &format!("{PLAN}/dashboard?round={round}"))
        .await;
    texts(&page, ".stat-warn .stat-value").join("")
}

async fn red_flags(app: &TestApp, round: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM supervision_flags WHERE round_id = $1 AND level::text = 'red'",
    )
    .bind(round)
    .fetch_one(&app.pool)
    .await
    .expect("flags")
}

async fn sweep(app: &TestApp, sup: &reqwest::Client) {
    let csrf = app.csrf(sup).await;
    let resp = app
        .post_form(
            sup,
            &format!("{PLAN}/supervision/sweep"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn rounds_due_before_the_start_date_are_never_late() {
    let app = spawn_app().await;
    let round = past_round(&app).await;
    let c = cast(&app).await;

    // History: not overdue on 待办 (but offered to fill in), no 逾期 on the board, no red
    // flag, nothing late on the dashboard.
    let todo = app.page_as(&c.rep, "/todo").await;
    assert!(
        !texts(&todo, "#h-overdue ~ ul li")
            .join("")
            .contains("启用前轮次"),
        "not overdue"
    );
    assert!(
        texts(&todo, "details summary")
            .join("")
            .contains("启用日期前的轮次")
    );
    let board = app.page_as(&c.sup, &format!("/rounds/{round}/board")).await;
    assert!(texts(&board, ".tag-late").is_empty());
    sweep(&app, &c.sup).await;
    assert_eq!(red_flags(&app, round).await, 0);
    assert_eq!(late_on_dashboard(&app, &c.sup, round).await, "0");

    // The bureau sets the date back: the same round is overdue everywhere.
    let rules = app.page_as(&c.sup, &format!("{PLAN}/rules")).await;
    let version = crate::helpers::select(&rules, "input[name=version]")[0]
        .value()
        .attr("value")
        .expect("version")
        .to_string();
    let started = texts(&rules, "main li").join("");
    assert!(started.contains("启用日期："), "the rules page states it");
    let csrf = app.csrf(&c.sup).await;
    let resp = app
        .post_form(
            &c.sup,
            &format!("{PLAN}/rules"),
            &[
                ("csrf", csrf.as_str()),
                ("lag_points", "10"),
                ("on_path_percent", "10"),
                ("due_soon_days", "7"),
                ("share_basis", "count"),
                ("started_on", "2023-05-01"),
                ("version", version.as_str()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let todo = app.page_as(&c.rep, "/todo").await;
    assert!(
        texts(&todo, "#h-overdue ~ ul li")
            .join("")
            .contains("启用前轮次")
    );
    let board = app.page_as(&c.sup, &format!("/rounds/{round}/board")).await;
    assert!(!texts(&board, ".tag-late").is_empty());
    sweep(&app, &c.sup).await;
    assert!(red_flags(&app, round).await > 0);
    assert_ne!(late_on_dashboard(&app, &c.sup, round).await, "0");
    assert!(
        app.audit_actions()
            .await
            .contains(&"rules.update".to_string())
    );
}
