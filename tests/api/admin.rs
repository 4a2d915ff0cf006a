//! Account administration: roles enforced, forms that keep input, conflicting edits refused.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{TestApp, select, spawn_app, texts};

#[tokio::test]
async fn only_admins_manage_accounts_and_only_admins_and_supervisors_read_the_log() {
    let app = spawn_app().await;
    app.create_user("rep", UserRole::Reporter, Some("市消防救援支队"))
        .await;
    app.create_user("lead", UserRole::Leader, None).await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    for (who, users, audit) in [("rep", 403, 403), ("lead", 403, 403), ("sup", 403, 200)] {
        let client = app.new_client();
        assert_eq!(
            app.login_with(&client, who, crate::helpers::PASSWORD)
                .await
                .status(),
            303
        );
        let get = |p: &str| client.get(format!("{}{p}", app.address)).send();
        assert_eq!(
            get("/admin/users").await.expect("answered").status(),
            users,
            "{who} /admin/users"
        );
        assert_eq!(
            get("/admin/users/new").await.expect("answered").status(),
            users,
            "{who} new"
        );
        assert_eq!(
            get("/admin/audit").await.expect("answered").status(),
            audit,
            "{who} audit"
        );
        let csrf = app.csrf(&client).await;
        let before: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&app.pool)
            .await
            .expect("n");
        let resp = app
            .post_form(
                &client,
                "/admin/users",
                &[
                    ("csrf", &csrf),
                    ("username", "sneaky"),
                    ("display_name", "x"),
                    ("role", "admin"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 403, "{who} cannot create accounts");
        let after: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&app.pool)
            .await
            .expect("n");
        assert_eq!(before, after);
    }
}

/// Sends the new-account form: username, display name, role, unit id.
async fn create_account(app: &TestApp, csrf: &str, fields: [&str; 4]) -> reqwest::Response {
    let [username, display_name, role, unit_id] = fields;
    let form = [
        ("csrf", csrf),
        ("username", username),
        ("display_name", display_name),
        ("role", role),
        ("unit_id", unit_id),
    ];
    app.post_form(&app.client, "/admin/users", &form).await
}

#[tokio::test]
async fn an_admin_creates_an_account_whose_password_is_shown_once() {
    let app = spawn_app().await;
    app.create_user("root1", UserRole::Admin, None).await;
    app.login("root1").await;
    let csrf = app.csrf(&app.client).await;
    let unit_id: i64 = app.unit_id("高平市人民政府").await;
    let unit = unit_id.to_string();

    // Errors keep what was typed.
    let resp = create_account(&app, &csrf, ["Bad Name!", "高平填报员", "reporter", ""]).await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(
        select(&doc, "#username")[0].value().attr("value"),
        Some("Bad Name!")
    );
    assert_eq!(
        select(&doc, "#display_name")[0].value().attr("value"),
        Some("高平填报员")
    );
    assert_eq!(select(&doc, "#username[aria-invalid=true]").len(), 1);
    assert!(
        !texts(&doc, "#unit-error").is_empty(),
        "a reporter needs a unit"
    );

    // A unit that no longer exists (removed while the form was open) is refused by the
    // database's foreign key: a page that says so, not a failure.
    let resp = create_account(
        &app,
        &csrf,
        ["gaoping", "高平填报员", "reporter", "987654321"],
    )
    .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.expect("body").contains("已不存在"));

    let resp = create_account(&app, &csrf, ["gaoping", "高平填报员", "reporter", &unit]).await;
    assert_eq!(resp.status(), 201);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    let password = texts(&doc, ".secret").join("");
    assert!(password.len() >= 16, "{password}");
    let newcomer = app.new_client();
    assert_eq!(
        app.login_with(&newcomer, "gaoping", &password)
            .await
            .status(),
        303
    );
    let resp = newcomer
        .get(format!("{}/account", app.address))
        .send()
        .await
        .expect("answered");
    assert_eq!(
        resp.status(),
        303,
        "must change the generated password first"
    );

    // Taken names are refused.
    let resp = create_account(&app, &csrf, ["gaoping", "重名", "leader", ""]).await;
    assert_eq!(resp.status(), 422);
    assert!(
        app.audit_actions()
            .await
            .contains(&"user.create".to_string())
    );
}

#[tokio::test]
async fn two_admins_editing_one_account_do_not_overwrite_each_other() {
    let app = spawn_app().await;
    app.create_user("adm-a", UserRole::Admin, None).await;
    app.create_user("adm-b", UserRole::Admin, None).await;
    let target = app.create_user("target", UserRole::Leader, None).await;
    let a = app.new_client();
    let b = app.new_client();
    assert_eq!(
        app.login_with(&a, "adm-a", crate::helpers::PASSWORD)
            .await
            .status(),
        303
    );
    assert_eq!(
        app.login_with(&b, "adm-b", crate::helpers::PASSWORD)
            .await
            .status(),
        303
    );
    let path = format!("/admin/users/{target}");
    let form_of = |html: String| {
        let doc = scraper::Html::parse_document(&html);
        let v = |sel: &str| {
            select(&doc, sel)[0]
                .value()
                .attr("value")
                .unwrap_or_default()
                .to_string()
        };
        (v("form.stacked input[name=csrf]"), v("input[name=version]"))
    };
    let (csrf_a, version_a) = form_of(
        a.get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("a")
            .text()
            .await
            .expect("a"),
    );
    let (csrf_b, version_b) = form_of(
        b.get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("b")
            .text()
            .await
            .expect("b"),
    );
    assert_eq!(version_a, version_b);

    let resp = app
        .post_form(
            &a,
            &path,
            &[
                ("csrf", &csrf_a),
                ("version", &version_a),
                ("display_name", "甲改的名字"),
                ("role", "leader"),
                ("unit_id", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let resp = app
        .post_form(
            &b,
            &path,
            &[
                ("csrf", &csrf_b),
                ("version", &version_b),
                ("display_name", "乙改的名字"),
                ("role", "supervisor"),
                ("unit_id", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 409);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    let alert = texts(&doc, ".form-error").join("");
    assert!(
        alert.contains("已被他人修改") && alert.contains("甲改的名字"),
        "{alert}"
    );
    assert_eq!(
        select(&doc, "#display_name")[0].value().attr("value"),
        Some("乙改的名字"),
        "input kept"
    );
    let (name, role): (String, String) =
        sqlx::query_as("SELECT display_name, role::text FROM users WHERE id = $1")
            .bind(target)
            .fetch_one(&app.pool)
            .await
            .expect("row");
    assert_eq!(
        (name.as_str(), role.as_str()),
        ("甲改的名字", "leader"),
        "nothing overwritten"
    );
}

#[tokio::test]
async fn disabling_or_resetting_an_account_ends_its_sessions() {
    let app = spawn_app().await;
    app.create_user("adm", UserRole::Admin, None).await;
    let victim = app.create_user("victim", UserRole::Leader, None).await;
    app.login("adm").await;
    let victim_client = app.new_client();
    assert_eq!(
        app.login_with(&victim_client, "victim", crate::helpers::PASSWORD)
            .await
            .status(),
        303
    );
    let csrf = app.csrf(&app.client).await;
    let resp = app
        .post_form(
            &app.client,
            &format!("/admin/users/{victim}/reset-password"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let status = victim_client
        .get(format!("{}/account", app.address))
        .send()
        .await
        .expect("answered")
        .status();
    assert_eq!(status, 303, "signed out by the reset");
    assert_eq!(
        app.login_with(&app.new_client(), "victim", crate::helpers::PASSWORD)
            .await
            .status(),
        401
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"user.reset_password".to_string())
    );

    // An admin cannot disable themself.
    let me: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'adm'")
        .fetch_one(&app.pool)
        .await
        .expect("id");
    let resp = app
        .post_form(
            &app.client,
            &format!("/admin/users/{me}"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("display_name", "x"),
                ("role", "admin"),
                ("unit_id", ""),
                ("disabled", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
}
