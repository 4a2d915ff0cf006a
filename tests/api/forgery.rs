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

/// Every route that changes something, posted from another site by a signed-in admin or
/// supervisor with a valid form token: refused, and the database unchanged.
#[tokio::test]
async fn every_state_changing_route_refuses_a_cross_site_request() {
    let app = spawn_app().await;
    let crate::fixtures::RouteCast {
        round,
        gp,
        item,
        boss_id,
        report,
        clients,
    } = crate::fixtures::route_cast(&app).await;
    let routes = [
        ("boss", "/logout".to_string()),
        ("boss", "/account/password".to_string()),
        ("boss", "/admin/users".to_string()),
        ("boss", format!("/admin/users/{boss_id}")),
        ("boss", format!("/admin/users/{boss_id}/reset-password")),
        ("boss", "/admin/seeds/preview".to_string()),
        ("boss", "/admin/seeds/apply".to_string()),
        ("boss", "/admin/groups/1".to_string()),
        ("boss", "/admin/units".to_string()),
        ("boss", format!("/admin/units/{gp}")),
        ("boss", format!("/admin/assignments/{item}")),
        ("boss", format!("/admin/assignments/{item}/remove")),
        ("boss", format!("/admin/assignments/{item}/settings")),
        ("sup", "/rounds".to_string()),
        ("sup", format!("/rounds/{round}/remind")),
        ("sup", format!("/rounds/{round}/accept")),
        ("sup", format!("{report}/review")),
        ("sup", "/plans/jincheng-2023-33/rules".to_string()),
        ("sup", "/plans/jincheng-2023-33/evaluations".to_string()),
        ("rep", report.clone()),
        ("rep", format!("{report}/evidence")),
        ("rep", format!("/rounds/{round}/units/{gp}/batch")),
        ("rep", "/evidence/1/remove".to_string()),
        ("rep", "/supervision/1/answer".to_string()),
    ];
    let snapshot = || async {
        let mut out = Vec::new();
        for t in [
            "users",
            "sessions",
            "units",
            "assignments",
            "reporting_rounds",
            "reports",
            "reminders",
            "plan_rules",
            "evaluations",
            "evidence",
            "audit_log",
        ] {
            out.push(
                sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {t}"))
                    .fetch_one(&app.pool)
                    .await
                    .expect("count"),
            );
        }
        out
    };
    let before = snapshot().await;
    for (who, path) in &routes {
        let (c, csrf) = &clients[who];
        for origin in ["https://evil.example", "null"] {
            let resp = c
                .post(format!("{}{path}", app.address))
                .header("Origin", origin)
                .form(&[("csrf", csrf.as_str()), ("name", "x"), ("title", "x")])
                .send()
                .await
                .expect("answered");
            assert_eq!(resp.status(), 403, "{who} POST {path} from {origin}");
        }
    }
    assert_eq!(snapshot().await, before, "nothing changed");
}
