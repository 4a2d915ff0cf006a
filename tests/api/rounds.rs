//! The supervisor's side: rounds, the submission board, reminders.

use crate::fixtures::cast;
use crate::helpers::{select, spawn_app, texts};

#[tokio::test]
async fn supervisors_see_the_board_create_rounds_and_send_reminders() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let sup_csrf = app.csrf(&c.sup).await;
    // A data call for the mid-term evaluation; bad dates come back with the input kept.
    let resp = app
        .post_form(
            &c.sup,
            "/rounds",
            &[
                ("csrf", &sup_csrf),
                ("title", "中期评估数据征集"),
                ("period_start", "2021-01-01"),
                ("period_end", "2023-06-30"),
                ("opens_on", "2099-01-10"),
                ("due_on", "2099-01-01"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert!(!texts(&doc, "#due_on-error").is_empty());
    assert_eq!(
        select(&doc, "#title")[0].value().attr("value"),
        Some("中期评估数据征集")
    );
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
                ("csrf", &sup_csrf),
                ("title", "中期评估数据征集"),
                ("scope", "截至2023年6月底的进展"),
                ("period_start", "2021-01-01"),
                ("period_end", "2023-06-30"),
                ("opens_on", &opens),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let board = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let round: i64 = board
        .split('/')
        .nth(2)
        .and_then(|s| s.parse().ok())
        .expect("round id");

    let doc = scraper::Html::parse_document(
        &c.sup
            .get(format!("{}{board}", app.address))
            .send()
            .await
            .expect("board")
            .text()
            .await
            .expect("body"),
    );
    let lines = select(&doc, "tbody tr").len();
    assert!(lines > 100, "every item × unit: {lines}");
    // The reporter sees only their own unit's lines.
    let doc = scraper::Html::parse_document(
        &c.rep
            .get(format!("{}{board}", app.address))
            .send()
            .await
            .expect("board")
            .text()
            .await
            .expect("body"),
    );
    let units: Vec<String> = texts(&doc, "td[data-label='单位']");
    assert!(
        !units.is_empty() && units.iter().all(|u| u.starts_with("高平市人民政府")),
        "{units:?}"
    );

    // A reminder lands on the unit's to-do list; others cannot send one.
    let gp: i64 = app.unit_id("高平市人民政府").await;
    let rep_csrf = app.csrf(&c.rep).await;
    let resp = app
        .post_form(
            &c.rep,
            &format!("/rounds/{round}/remind"),
            &[
                ("csrf", &rep_csrf),
                ("unit_id", &gp.to_string()),
                ("message", "x"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let resp = app
        .post_form(
            &c.sup,
            &format!("/rounds/{round}/remind"),
            &[
                ("csrf", &sup_csrf),
                ("unit_id", &gp.to_string()),
                ("message", "请尽快报送中期评估数据"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let todo = c
        .rep
        .get(format!("{}/todo", app.address))
        .send()
        .await
        .expect("todo")
        .text()
        .await
        .expect("body");
    assert!(todo.contains("请尽快报送中期评估数据"));
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"round.create".to_string())
            && actions.contains(&"round.remind".to_string())
    );
}
