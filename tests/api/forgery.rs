//! Every state-changing request from another site, or without the form token, is refused.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = spawn_app().await;
    app.create_user("boss", UserRole::Admin, None).await;
    app.login("boss").await;
    let csrf = app.csrf(&app.client).await;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    // Right token, wrong origin.
    let resp = app
        .client
        .post(format!("{}/admin/users", app.address))
        .header("Origin", "https://evil.example")
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "mole"),
            ("display_name", "x"),
            ("role", "admin"),
        ])
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), 403);
    // Same origin, no token.
    let resp = app
        .post_form(
            &app.client,
            "/admin/users",
            &[
                ("username", "mole"),
                ("display_name", "x"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 403);
    // A browser marking the request cross-site.
    let resp = app
        .client
        .post(format!("{}/logout", app.address))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), 403);
    // A login form posted without the login page's cookie.
    let resp = app
        .post_form(
            &app.new_client(),
            "/login",
            &[("username", "boss"), ("password", PASSWORD), ("token", "x")],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(before, after, "nothing created");
    assert_eq!(app.get("/account").await.status(), 200, "still signed in");
}
