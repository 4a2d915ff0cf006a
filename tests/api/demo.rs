//! `serve --demo`: every role can log in, and there is a history to look at.

use plan_portal::demo;

use crate::helpers::{spawn_app, texts};

#[tokio::test]
async fn demo_mode_gives_every_role_an_account_and_a_history() {
    let app = spawn_app().await;
    assert!(demo::prepare(&app.pool).await.expect("demo"));
    assert!(
        !demo::prepare(&app.pool).await.expect("demo again"),
        "created once"
    );
    for (username, _, _, _) in demo::ACCOUNTS {
        assert_eq!(
            app.login_with(&app.new_client(), username, demo::PASSWORD)
                .await
                .status(),
            303,
            "{username}"
        );
    }
    let states: Vec<(String, i64)> = sqlx::query_as(
        "SELECT state::text, count(*) FROM reports GROUP BY state ORDER BY state::text",
    )
    .fetch_all(&app.pool)
    .await
    .expect("states");
    let has = |s: &str| states.iter().any(|(k, n)| k == s && *n > 0);
    assert!(
        has("accepted") && has("draft") && has("submitted"),
        "{states:?}"
    );
    let returned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM report_versions WHERE action = 'return'")
            .fetch_one(&app.pool)
            .await
            .expect("n");
    assert!(returned > 0, "some reports were returned and resubmitted");

    // The county reporter's to-do has the current round due.
    let client = app.new_client();
    app.login_with(&client, "demo-gaoping", demo::PASSWORD)
        .await;
    let page = client
        .get(format!("{}/todo", app.address))
        .send()
        .await
        .expect("todo")
        .text()
        .await
        .expect("body");
    let doc = scraper::Html::parse_document(&page);
    assert!(!texts(&doc, "#h-due ~ .table-wrap tbody tr").is_empty());
}
