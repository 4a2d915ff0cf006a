//! Where people are reached: each person sets an e-mail address and a mobile number with an
//! opt-out per channel on their own account page, an admin on anyone's; bad input comes back as
//! typed, two edits never overwrite each other, and an opt-out keeps the digest away.

use plan_portal::accounts::model::UserRole;
use plan_portal::notify::digest;

use crate::helpers::{PASSWORD, TestApp, spawn_app, texts};
use crate::supervision::{count, round};

/// The form's version field, as the page gives it.
async fn version(app: &TestApp, c: &reqwest::Client, path: &str) -> String {
    let page = app.page_as(c, path).await;
    let sel = scraper::Selector::parse("input[name='version']").expect("css");
    page.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect("version field")
        .to_string()
}

/// Posts the contact form with its token and version.
async fn send(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    [csrf, version]: [&str; 2],
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![("csrf", csrf), ("version", version)];
    form.extend_from_slice(fields);
    app.post_form(c, path, &form).await
}

#[tokio::test]
async fn people_set_how_they_are_reached_and_may_opt_out() {
    let app = spawn_app().await;
    round(&app, "late", -3).await;
    let gp = app
        .create_user("gp", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    app.create_user("root", UserRole::Admin, None).await;
    let me = app.new_client();
    app.login_with(&me, "gp", PASSWORD).await;

    // Bad input: refused with the reason, what was typed kept, nothing stored.
    let v = version(&app, &me, "/account/contact").await;
    let csrf = app.csrf(&me).await;
    let resp = send(
        &app,
        &me,
        "/account/contact",
        [&csrf, &v],
        &[("email", "gp at gaoping"), ("mobile", "1380000")],
    )
    .await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    let errors = texts(&doc, ".field-error").join(" ");
    assert!(
        errors.contains("有效的电子邮箱") && errors.contains("11 位手机号码"),
        "{errors}"
    );
    let kept = scraper::Selector::parse("input#email").expect("css");
    assert_eq!(
        doc.select(&kept)
            .next()
            .and_then(|e| e.value().attr("value")),
        Some("gp at gaoping")
    );
    let none = "SELECT count(*) FROM users WHERE username = 'gp' AND (email IS NOT NULL OR mobile IS NOT NULL)";
    assert_eq!(count(&app, none).await, 0);

    // Good input, mobile typed with dashes, e-mail opted out.
    let resp = send(
        &app,
        &me,
        "/account/contact",
        [&csrf, &v],
        &[
            ("email", "gp@gaoping.gov.cn"),
            ("mobile", "138-0000-0000"),
            ("email_opt_out", "on"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let stored: (Option<String>, Option<String>, bool, bool) =
        sqlx::query_as("SELECT email, mobile, email_opt_out, sms_opt_out FROM users WHERE id = $1")
            .bind(gp)
            .fetch_one(&app.pool)
            .await
            .expect("user");
    assert_eq!(
        stored,
        (
            Some("gp@gaoping.gov.cn".into()),
            Some("13800000000".into()),
            true,
            false
        )
    );

    // The same form sent again with the old version: 409, the typed input kept, nothing moved.
    let resp = send(
        &app,
        &me,
        "/account/contact",
        [&csrf, &v],
        &[("email", "other@gaoping.gov.cn")],
    )
    .await;
    assert_eq!(resp.status(), 409);
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("other@gaoping.gov.cn")
    );
    let email = "SELECT count(*) FROM users WHERE email = 'gp@gaoping.gov.cn'";
    assert_eq!(count(&app, email).await, 1);

    // A reporter may not set another account's; an admin may.
    let path = format!("/admin/users/{gp}/contact");
    let resp = app
        .post_form(&me, &path, &[("csrf", &csrf), ("email", "x@y.cn")])
        .await;
    assert_eq!(resp.status(), 403);
    let admin = app.new_client();
    app.login_with(&admin, "root", PASSWORD).await;
    let v = version(&app, &admin, &path).await;
    let csrf = app.csrf(&admin).await;
    let resp = send(
        &app,
        &admin,
        &path,
        [&csrf, &v],
        &[
            ("email", "gp@gaoping.gov.cn"),
            ("mobile", "13800000000"),
            ("email_opt_out", "on"),
            ("sms_opt_out", "on"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM users WHERE sms_opt_out AND email_opt_out"
        )
        .await,
        1
    );

    // Opted out of e-mail: the digest of a unit with overdue reports writes no mail for them.
    let today = plan_portal::clock::today();
    digest::prepare(&app.pool, today, today, "http://portal.test")
        .await
        .expect("digest");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE recipient = 'gp@gaoping.gov.cn'"
        )
        .await,
        0
    );
    // In again: the next day's digest reaches them.
    sqlx::query("UPDATE users SET email_opt_out = false WHERE id = $1")
        .bind(gp)
        .execute(&app.pool)
        .await
        .expect("opt in");
    sqlx::query("UPDATE digest_runs SET prepared_at = prepared_at - interval '1 day'")
        .execute(&app.pool)
        .await
        .expect("a day later");
    let tomorrow = today + chrono::Duration::days(1);
    digest::prepare(&app.pool, tomorrow, today, "http://portal.test")
        .await
        .expect("digest");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE recipient = 'gp@gaoping.gov.cn' AND kind = 'digest'"
        )
        .await,
        1
    );
    // The day after, hours later (a portal back at 07:00 after a day down): no second digest.
    let after = tomorrow + chrono::Duration::days(1);
    assert_eq!(
        digest::prepare(&app.pool, after, today, "http://portal.test")
            .await
            .expect("digest"),
        0
    );
}
