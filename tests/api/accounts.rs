//! Login, sessions, logout, password change, throttling, forgery protection.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, select, spawn_app, texts};

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pp_session=") && !c.starts_with("pp_session=;"))
        .map(str::to_string)
}

/// Opens the login page in `client` (which keeps its cookie) and returns the form's token.
async fn login_token(app: &crate::helpers::TestApp, client: &reqwest::Client) -> String {
    let page = client
        .get(format!("{}/login", app.address))
        .send()
        .await
        .expect("page");
    let doc = scraper::Html::parse_document(&page.text().await.expect("body"));
    select(&doc, "input[name=token]")[0]
        .value()
        .attr("value")
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login_and_come_back() {
    let app = spawn_app().await;
    app.create_user("admin1", UserRole::Admin, None).await;
    let resp = app.get("/admin/users").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/login?next=/admin/users");

    // The login form sends them back where they were going.
    let page = app
        .get("/login?next=/admin/users")
        .await
        .text()
        .await
        .expect("body");
    let doc = scraper::Html::parse_document(&page);
    let token = select(&doc, "input[name=token]")[0]
        .value()
        .attr("value")
        .unwrap_or_default()
        .to_string();
    let next = select(&doc, "input[name=next]")[0]
        .value()
        .attr("value")
        .unwrap_or_default()
        .to_string();
    assert_eq!(next, "/admin/users");
    let resp = app
        .post_form(
            &app.client,
            "/login",
            &[
                ("username", "admin1"),
                ("password", PASSWORD),
                ("token", &token),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/admin/users");
    let cookie = session_cookie(&resp).expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let doc = app.page("/admin/users").await;
    assert!(texts(&doc, "td[data-label='用户名']").contains(&"admin1".to_string()));
    // The header shows who is signed in.
    assert!(
        texts(&doc, ".session-box .who")
            .join("")
            .contains("测试admin1")
    );
}

#[tokio::test]
async fn no_open_redirect_after_login() {
    let app = spawn_app().await;
    app.create_user("someone", UserRole::Leader, None).await;
    for evil in [
        "//evil.example/x",
        "https://evil.example",
        "/\\evil.example",
        // Browsers drop tabs and newlines in a URL: these would become `//evil.example`.
        "/\t/evil.example",
        "/\n/evil.example",
    ] {
        let client = app.new_client();
        let token = login_token(&app, &client).await;
        let resp = app
            .post_form(
                &client,
                "/login",
                &[
                    ("username", "someone"),
                    ("password", PASSWORD),
                    ("token", &token),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303);
        assert_eq!(location(&resp), "/", "{evil}");
    }
    // Nor does the login page carry such a path into its form.
    let page = app.get("/login?next=/%09/evil.example").await;
    let doc = scraper::Html::parse_document(&page.text().await.expect("body"));
    assert_eq!(
        select(&doc, "input[name=next]")[0].value().attr("value"),
        Some("/")
    );
}

#[tokio::test]
async fn a_wrong_password_keeps_the_username_and_is_logged() {
    let app = spawn_app().await;
    app.create_user("zhang", UserRole::Leader, None).await;
    let resp = app
        .login_with(&app.client, "zhang", "wrong-password-1")
        .await;
    assert_eq!(resp.status(), 401);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(texts(&doc, ".form-error"), ["用户名或密码不正确。"]);
    assert_eq!(
        select(&doc, "#username")[0].value().attr("value"),
        Some("zhang")
    );
    // An unknown account gets the very same answer.
    let resp = app
        .login_with(&app.client, "nobody-here", "wrong-password-1")
        .await;
    assert_eq!(resp.status(), 401);
    let actions = app.audit_actions().await;
    assert_eq!(
        actions.iter().filter(|a| *a == "auth.login_failed").count(),
        2
    );
}

#[tokio::test]
async fn parallel_guesses_get_no_more_tries_than_the_limit() {
    let app = spawn_app().await;
    app.create_user("target", UserRole::Leader, None).await;
    // Each guess from its own browser, every login form fetched first, then all sent at once.
    let mut ready = Vec::new();
    for _ in 0..12 {
        let client = app.new_client();
        let token = login_token(&app, &client).await;
        ready.push((client, token));
    }
    let mut guesses = tokio::task::JoinSet::new();
    for (client, token) in ready {
        let url = format!("{}/login", app.address);
        guesses.spawn(async move {
            let form = [
                ("username", "target"),
                ("password", "bad-guess-123"),
                ("token", &token),
                ("next", "/"),
            ];
            client
                .post(url)
                .form(&form)
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
    }
    let mut statuses = Vec::new();
    while let Some(done) = guesses.join_next().await {
        statuses.push(done.expect("task").expect("answered"));
    }
    let tried = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((tried, refused), (5, 7), "{statuses:?}");
}

#[tokio::test]
async fn logins_are_throttled_per_account_and_per_address() {
    let app = spawn_app().await;
    app.create_user("target", UserRole::Leader, None).await;
    app.create_user("bystander", UserRole::Leader, None).await;
    for _ in 0..5 {
        assert_eq!(
            app.login_with(&app.client, "target", "bad-guess-123")
                .await
                .status(),
            401
        );
    }
    // Locked: even the right password is refused now.
    let resp = app.login_with(&app.client, "target", PASSWORD).await;
    assert_eq!(resp.status(), 429);
    assert!(resp.text().await.expect("body").contains("已暂时锁定"));
    // Other accounts still work from this address until the address limit.
    app.login("bystander").await;
    for i in 0..15 {
        let name = format!("ghost{i}");
        assert_eq!(
            app.login_with(&app.new_client(), &name, "bad-guess-123")
                .await
                .status(),
            401
        );
    }
    let resp = app
        .login_with(&app.new_client(), "bystander", PASSWORD)
        .await;
    assert_eq!(
        resp.status(),
        429,
        "20 failures from one address lock the address"
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"auth.login_refused".to_string())
    );
}

#[tokio::test]
async fn login_renews_the_session_and_logout_is_a_post_with_token() {
    let app = spawn_app().await;
    app.create_user("li", UserRole::Supervisor, None).await;
    let first = app.login_with(&app.client, "li", PASSWORD).await;
    let first_cookie = session_cookie(&first).expect("cookie");
    let second = app.login_with(&app.client, "li", PASSWORD).await;
    let second_cookie = session_cookie(&second).expect("cookie");
    assert_ne!(
        first_cookie, second_cookie,
        "a new session id at each login"
    );
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(sessions, 1, "the old session was ended");

    // No logout by GET.
    assert_eq!(app.get("/logout").await.status(), 405);
    // No logout without the form token.
    let resp = app
        .post_form(&app.client, "/logout", &[("csrf", "forged")])
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(app.get("/account").await.status(), 200, "still signed in");
    let csrf = app.csrf(&app.client).await;
    let resp = app
        .post_form(&app.client, "/logout", &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(app.get("/account").await.status(), 303, "signed out");
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"auth.login".to_string()) && actions.contains(&"auth.logout".to_string())
    );
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let app = spawn_app().await;
    app.create_user("wang", UserRole::Leader, None).await;
    app.login("wang").await;
    let other = app.new_client();
    assert_eq!(app.login_with(&other, "wang", PASSWORD).await.status(), 303);
    let csrf = app.csrf(&app.client).await;

    // Errors come back beside their fields.
    let resp = app
        .post_form(
            &app.client,
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", PASSWORD),
                ("new", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(texts(&doc, "#new-error"), ["密码至少需要 10 个字符"]);
    let resp = app
        .post_form(
            &app.client,
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", "not-it-123"),
                ("new", "New-Secret-2024"),
                ("confirm", "New-Secret-2024"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);

    let resp = app
        .post_form(
            &app.client,
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", PASSWORD),
                ("new", "New-Secret-2024"),
                ("confirm", "New-Secret-2024"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        app.get("/account").await.status(),
        200,
        "this browser goes on"
    );
    let resp = other
        .get(format!("{}/account", app.address))
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), 303, "the other browser is signed out");
    assert_eq!(
        app.login_with(&app.new_client(), "wang", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.login_with(&app.new_client(), "wang", "New-Secret-2024")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn a_generated_password_must_be_changed_first() {
    let app = spawn_app().await;
    let id = app.create_user("chen", UserRole::Leader, None).await;
    sqlx::query("UPDATE users SET must_change_password = true WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .expect("flag");
    app.login("chen").await;
    let resp = app.get("/account").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/account/password");
    assert_eq!(app.get("/").await.status(), 200, "public pages stay open");
    let doc = app.page("/account/password").await;
    assert_eq!(select(&doc, ".notice-bar").len(), 1);
}
