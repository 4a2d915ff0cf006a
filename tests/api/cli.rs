//! `plan-portal user add | reset-password | disable` through the real binary.

use std::process::Command;

use crate::helpers::{TestApp, spawn_app};

fn cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_plan-portal"))
        .args(args)
        .env("DATABASE_URL", app.database_url())
        .env("RUST_LOG", "warn")
        .output()
        .expect("cli runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The password printed after the last ": ".
fn printed_password(stdout: &str) -> String {
    stdout
        .lines()
        .last()
        .and_then(|l| l.rsplit(": ").next())
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[tokio::test]
async fn user_commands_create_reset_and_disable_accounts() {
    let app = spawn_app().await;
    let (ok, out, err) = cli(
        &app,
        &[
            "user",
            "add",
            "zezhou",
            "--role",
            "reporter",
            "--unit",
            "泽州县人民政府",
            "--name",
            "泽州填报员",
        ],
    );
    assert!(ok, "{out}{err}");
    let first = printed_password(&out);
    assert!(first.len() >= 16, "{out}");
    assert_eq!(
        app.login_with(&app.new_client(), "zezhou", &first)
            .await
            .status(),
        303
    );

    // A unit that does not exist, or a reporter without a unit, is refused.
    let (ok, _, err) = cli(
        &app,
        &[
            "user",
            "add",
            "ghost",
            "--role",
            "reporter",
            "--unit",
            "不存在的局",
        ],
    );
    assert!(!ok && err.contains("no unit is named"), "{err}");
    let (ok, _, err) = cli(&app, &["user", "add", "ghost", "--role", "reporter"]);
    assert!(!ok && err.contains("unit"), "{err}");
    let (ok, _, err) = cli(&app, &["user", "add", "ghost", "--role", "emperor"]);
    assert!(!ok && err.contains("--role"), "{err}");

    let (ok, out, _) = cli(&app, &["user", "reset-password", "zezhou"]);
    assert!(ok);
    let second = printed_password(&out);
    assert_ne!(first, second);
    assert_eq!(
        app.login_with(&app.new_client(), "zezhou", &first)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.login_with(&app.new_client(), "zezhou", &second)
            .await
            .status(),
        303
    );

    let (ok, _, _) = cli(&app, &["user", "disable", "zezhou"]);
    assert!(ok);
    assert_eq!(
        app.login_with(&app.new_client(), "zezhou", &second)
            .await
            .status(),
        401
    );
    let actions = app.audit_actions().await;
    for a in ["user.create", "user.reset_password", "user.update"] {
        assert!(actions.contains(&a.to_string()), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn an_admin_is_created_whenever_none_exists() {
    use plan_portal::accounts::ops;
    let app = spawn_app().await;
    app.create_user(
        "early",
        plan_portal::accounts::model::UserRole::Reporter,
        Some("市应急局"),
    )
    .await;
    let password = ops::ensure_admin(&app.pool, &Default::default(), None)
        .await
        .expect("ensure")
        .expect("created");
    assert_eq!(
        app.login_with(&app.new_client(), "admin", &password)
            .await
            .status(),
        303
    );
    assert!(
        ops::ensure_admin(&app.pool, &Default::default(), None)
            .await
            .expect("ensure")
            .is_none(),
        "only once"
    );
}
