//! Hardening: password checks are a bounded resource, guesses are throttled and audited
//! wherever a password is checked, consequential writes are rate-limited.

use std::time::Duration;

use plan_portal::Settings;
use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_with};
use crate::seed_load::count;

/// With one check slot and no patience, a crowd of logins at once: those that find the slot
/// taken get 503 with Retry-After and a Chinese message, and are not counted as failures.
#[tokio::test]
async fn saturated_password_checks_answer_503_and_count_nothing() {
    let app = spawn_app_with(Settings {
        password_checks: Some(1),
        password_wait: Duration::from_millis(1),
        ..Settings::default()
    })
    .await;
    let mut logins = tokio::task::JoinSet::new();
    for i in 0..10 {
        let client = app.new_client();
        let (address, page) = (app.address.clone(), app.address.clone() + "/login");
        logins.spawn(async move {
            let form = client.get(page).send().await.expect("login page");
            let token = {
                let doc = scraper::Html::parse_document(&form.text().await.expect("body"));
                crate::helpers::select(&doc, "input[name=token]")[0]
                    .value()
                    .attr("value")
                    .unwrap_or_default()
                    .to_string()
            };
            let resp = client
                .post(format!("{address}/login"))
                .form(&[
                    ("username", format!("nobody{i}")),
                    ("password", "wrong-password-1".to_string()),
                    ("token", token),
                ])
                .send()
                .await
                .expect("answered");
            let retry = resp.headers().get("retry-after").is_some();
            (
                resp.status().as_u16(),
                retry,
                resp.text().await.expect("body"),
            )
        });
    }
    let answers = logins.join_all().await;
    let busy: Vec<_> = answers.iter().filter(|(s, ..)| *s == 503).collect();
    let refused = answers.iter().filter(|(s, ..)| *s == 401).count();
    assert!(
        !busy.is_empty(),
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert_eq!(busy.len() + refused, 10, "only 401 or 503");
    for (_, retry, body) in busy {
        assert!(retry, "503 carries Retry-After");
        assert!(body.contains("请稍候几秒再试"), "{body}");
    }
    let counted = count(&app, "SELECT count(*) FROM login_failures").await;
    assert_eq!(
        counted,
        i64::try_from(refused).expect("n"),
        "503s do not count"
    );
}

async fn change_password(
    app: &TestApp,
    client: &reqwest::Client,
    current: &str,
    new: &str,
) -> reqwest::Response {
    let csrf = app.csrf(client).await;
    app.post_form(
        client,
        "/account/password",
        &[
            ("csrf", &csrf),
            ("current", current),
            ("new", new),
            ("confirm", new),
        ],
    )
    .await
}

/// A stolen session cannot guess the password: wrong current passwords count against the
/// account like failed logins, each is audited, and the account locks.
#[tokio::test]
async fn wrong_current_passwords_are_throttled_and_audited() {
    let app = spawn_app().await;
    app.create_user("li", UserRole::Leader, None).await;
    let c = app.new_client();
    assert_eq!(app.login_with(&c, "li", PASSWORD).await.status(), 303);
    // The right current password with a refused new one is not a guess.
    let resp = change_password(&app, &c, PASSWORD, "short").await;
    assert_eq!(resp.status(), 422);
    assert_eq!(count(&app, "SELECT count(*) FROM login_failures").await, 0);
    for i in 0..5 {
        let resp =
            change_password(&app, &c, &format!("Guess-number-{i}"), "Brand-New-Pass-9").await;
        assert_eq!(resp.status(), 422);
        assert!(resp.text().await.expect("body").contains("当前密码不正确"));
    }
    let failed = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "auth.password_change_failed")
        .count();
    assert_eq!(failed, 5);
    // The sixth is refused before any check, even with the right password.
    let resp = change_password(&app, &c, PASSWORD, "Brand-New-Pass-9").await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_some());
    assert!(resp.text().await.expect("body").contains("已暂时锁定"));
    assert!(
        app.audit_actions()
            .await
            .contains(&"auth.password_change_refused".to_string())
    );
    // And so is a login to the same account, from anywhere.
    assert_eq!(
        app.login_with(&app.new_client(), "li", PASSWORD)
            .await
            .status(),
        429
    );
    let unchanged: i64 = count(
        &app,
        "SELECT count(*) FROM audit_log WHERE action = 'account.change_password'",
    )
    .await;
    assert_eq!(unchanged, 0);
}

/// Guesses spread over many accounts pass no per-account limit: past a ceiling of failures
/// per minute, all addresses together, logins pause instead of hashing.
#[tokio::test]
async fn logins_pause_when_failures_everywhere_pass_the_ceiling() {
    let app = spawn_app_with(Settings {
        login_failures_per_minute: 3,
        ..Settings::default()
    })
    .await;
    app.create_user("real", UserRole::Leader, None).await;
    for i in 0..3 {
        let resp = app
            .login_with(&app.new_client(), &format!("guess{i}"), "nope-nope-1")
            .await;
        assert_eq!(resp.status(), 401);
    }
    let resp = app.login_with(&app.new_client(), "real", PASSWORD).await;
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().get("retry-after").is_some());
    assert!(resp.text().await.expect("body").contains("1 分钟后再试"));
    assert_eq!(count(&app, "SELECT count(*) FROM login_failures").await, 3);
    // A minute later (the failures age out) the real user gets in.
    sqlx::query("UPDATE login_failures SET at = at - interval '2 minutes'")
        .execute(&app.pool)
        .await
        .expect("aged");
    let resp = app.login_with(&app.new_client(), "real", PASSWORD).await;
    assert_eq!(resp.status(), 303);
}

/// Fills the actor's recent audit log with `action`, as if they had done it `n` times.
async fn did(app: &TestApp, username: &str, action: &str, n: i64) {
    sqlx::query(
        "INSERT INTO audit_log (actor_id, actor_name, action)
         SELECT u.id, u.username, $2 FROM users u, generate_series(1, $3) WHERE u.username = $1",
    )
    .bind(username)
    .bind(action)
    .bind(n)
    .execute(&app.pool)
    .await
    .expect("audit rows");
}

/// One account cannot create rounds (or make admin changes) without end.
#[tokio::test]
async fn rounds_and_admin_writes_are_rate_limited() {
    let app = spawn_app().await;
    let c = crate::fixtures::cast(&app).await;
    did(&app, "sup", "round.create", 20).await;
    let csrf = app.csrf(&c.sup).await;
    let today = plan_portal::reports::today();
    let (opens, due) = (
        today.to_string(),
        (today + chrono::Duration::days(5)).to_string(),
    );
    let resp = app
        .post_form(
            &c.sup,
            "/rounds",
            &[
                ("csrf", &csrf),
                ("title", "第二十一次征集"),
                ("period_start", "2025-01-01"),
                ("period_end", "2025-12-31"),
                ("opens_on", &opens),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(resp.status(), 429);
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("每小时最多新建 20 个")
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM reporting_rounds WHERE kind = 'ad_hoc'"
        )
        .await,
        0
    );

    app.create_user("boss", UserRole::Admin, None).await;
    let admin = app.new_client();
    app.login_with(&admin, "boss", PASSWORD).await;
    did(&app, "boss", "user.update", 120).await;
    let victim: i64 = count(&app, "SELECT id FROM users WHERE username = 'gp-rep'").await;
    let hash_before = count(
        &app,
        "SELECT hashtext(password_hash)::bigint FROM users WHERE username = 'gp-rep'",
    )
    .await;
    let csrf = app.csrf(&admin).await;
    let resp = app
        .post_form(
            &admin,
            &format!("/admin/users/{victim}/reset-password"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_some());
    let hash_after = count(
        &app,
        "SELECT hashtext(password_hash)::bigint FROM users WHERE username = 'gp-rep'",
    )
    .await;
    assert_eq!(hash_before, hash_after, "nothing changed");
    // Admin pages still read.
    let page = admin
        .get(format!("{}/admin/users", app.address))
        .send()
        .await
        .expect("answered");
    assert_eq!(page.status(), 200);
}
