//! The audit log: written with each change, browsable by supervisors, never changed.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{spawn_app, texts};

#[tokio::test]
async fn the_audit_log_cannot_be_changed() {
    let app = spawn_app().await;
    app.create_user("auditor", UserRole::Supervisor, None).await;
    app.login("auditor").await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert!(n >= 2, "user.create and auth.login are logged");
    for sql in [
        "UPDATE audit_log SET actor_name = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let err = sqlx::query(sql).execute(&app.pool).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    // Supervisors browse and filter it.
    let doc = app.page("/admin/audit?action=auth.login").await;
    let actions = texts(&doc, "td[data-label='操作']");
    assert!(
        !actions.is_empty() && actions.iter().all(|a| a.starts_with("auth.login")),
        "{actions:?}"
    );
    let doc = app.page("/admin/audit?actor=nobody-at-all").await;
    assert!(texts(&doc, "td[data-label='操作']").is_empty());
    let resp = app.get("/admin/audit?from=2024-13-99").await;
    assert_eq!(resp.status(), 200, "a bad date is a message, not a failure");
    // A page number far past the end is an empty page, not an overflow.
    for page in ["9223372036854775807", "-9223372036854775808", "0"] {
        let resp = app.get(&format!("/admin/audit?page={page}")).await;
        assert_eq!(resp.status(), 200, "page={page}");
    }
}
