//! `serve --demo`: every role can log in, and there is a history to look at.

use std::time::{Duration, Instant};

use plan_portal::demo;

use crate::helpers::{spawn_app, texts};
use crate::lateness::{DASHBOARD, number};
use crate::process::{self, Store};
use crate::sinks::smtp_sink;

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

/// The check, through the real binary: `serve --demo --smtp-url …` against a local SMTP
/// sink. The dashboard's default round has overdue reports, the ledger has as many open red
/// flags, and within 90 seconds of start a demo account has mail with a Chinese subject.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_with_smtp_flags_what_is_overdue_and_mails_a_demo_account() {
    let app = spawn_app().await;
    let (smtp, mails) = smtp_sink().await;
    let started = Instant::now();
    let portal = tokio::task::spawn_blocking({
        let url = app.database_url();
        move || process::serve(Store::Url(url), &["--demo", "--smtp-url", &smtp])
    })
    .await
    .expect("serve");
    let remote = portal.app(&app);
    let duban = remote.new_client();
    assert_eq!(
        remote
            .login_with(&duban, "demo-duban", demo::PASSWORD)
            .await
            .status(),
        303
    );
    let dash = remote.page_as(&duban, DASHBOARD).await;
    let overdue = number(&dash, "a.stat-warn .stat-value");
    assert!(overdue > 0, "the demo's default round has overdue reports");
    // The dashboard's 督办台账 link keeps its round; the background sweep raises the flags
    // shortly after start (the ledger only reads them).
    let link = dash
        .select(&scraper::Selector::parse("main a").expect("css"))
        .find(|a| a.text().collect::<String>() == "督办台账")
        .and_then(|a| a.value().attr("href"))
        .expect("督办台账 link")
        .to_string();
    assert!(link.contains("round="), "{link}");
    let mut red = 0;
    while started.elapsed() < Duration::from_secs(90) {
        let ledger = remote.page_as(&duban, &link).await;
        red = number(&ledger, ".status-bar .flag-red strong");
        if red == overdue {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        red, overdue,
        "ledger 红色未解除 vs dashboard 逾期未报, same round"
    );

    let deadline = started + Duration::from_secs(90);
    let mail = loop {
        let arrived = mails.arrived.notified();
        let found = mails.all().into_iter().find(|m| {
            m.to.iter().any(|t| t.ends_with("@demo.invalid"))
                && m.subject()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        });
        if let Some(m) = found {
            break m;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if tokio::time::timeout(left, arrived).await.is_err() {
            panic!("no mail to a demo account within 90 s: {:?}", mails.all());
        }
    };
    assert!(started.elapsed() <= Duration::from_secs(90));
    assert!(
        mail.body().contains("http://"),
        "a link to the portal: {}",
        mail.body()
    );
}
