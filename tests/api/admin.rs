//! Account administration: roles enforced, forms that keep input, conflicting edits refused.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{select, spawn_app, texts};

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

#[tokio::test]
async fn an_admin_creates_an_account_whose_password_is_shown_once() {
    let app = spawn_app().await;
    app.create_user("root1", UserRole::Admin, None).await;
    app.login("root1").await;
    let csrf = app.csrf(&app.client).await;
    let unit_id: i64 = app.unit_id("高平市人民政府").await;
    let unit = unit_id.to_string();

    // Errors keep what was typed.
    let resp = app
        .post_form(
            &app.client,
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "Bad Name!"),
                ("display_name", "高平填报员"),
                ("role", "reporter"),
                ("unit_id", ""),
            ],
        )
        .await;
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

    let resp = app
        .post_form(
            &app.client,
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "gaoping"),
                ("display_name", "高平填报员"),
                ("role", "reporter"),
                ("unit_id", &unit),
            ],
        )
        .await;
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
    let resp = app
        .post_form(
            &app.client,
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "gaoping"),
                ("display_name", "重名"),
                ("role", "leader"),
                ("unit_id", ""),
            ],
        )
        .await;
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

async fn preview_seed(
    app: &crate::helpers::TestApp,
    client: &reqwest::Client,
    csrf: &str,
    text: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("edited.toml"),
        );
    client
        .post(format!("{}/admin/seeds/preview", app.address))
        .multipart(form)
        .send()
        .await
        .expect("answered")
}

#[tokio::test]
async fn admins_load_seed_files_through_the_browser_after_a_preview() {
    let app = spawn_app().await;
    app.create_user("adm", UserRole::Admin, None).await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    app.login("adm").await;
    let csrf = app.csrf(&app.client).await;
    let title = |app: &crate::helpers::TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT title FROM items WHERE key = 'task-6'")
                .fetch_one(&pool)
                .await
                .expect("title")
        }
    };

    // A bad file: every problem with its line and field, nothing written.
    let bad =
        plan_portal::seed::BUNDLED.replacen("kind = \"department\"", "kind = \"ministry\"", 1);
    let resp = preview_seed(&app, &app.client, &csrf, &bad).await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(texts(&doc, "td[data-label='字段']"), ["units.kind"]);
    assert!(!texts(&doc, "td[data-label='行']")[0].is_empty());

    // A good edit: the preview lists the change and writes nothing.
    let edited = plan_portal::seed::BUNDLED.replace(
        "title = \"推进产业结构调整\"",
        "title = \"推进产业结构优化调整\"",
    );
    let resp = preview_seed(&app, &app.client, &csrf, &edited).await;
    assert_eq!(resp.status(), 200);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(texts(&doc, ".change-list li"), ["~ item task-6: title"]);
    assert_eq!(title(&app).await, "推进产业结构调整");
    let hidden = |name: &str| {
        select(
            &doc,
            &format!("form[action='/admin/seeds/apply'] input[name={name}]"),
        )[0]
        .value()
        .attr("value")
        .unwrap_or_default()
        .to_string()
    };
    let (text, digest) = (hidden("text"), hidden("digest"));
    assert_eq!(text, edited);

    // Tampered between preview and confirmation: refused.
    let resp = app
        .post_form(
            &app.client,
            "/admin/seeds/apply",
            &[
                ("csrf", &csrf),
                ("file_name", "x.toml"),
                ("text", &text.replace("优化", "乱改")),
                ("digest", &digest),
            ],
        )
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(title(&app).await, "推进产业结构调整");
    // Confirmed: loaded and audited under the admin's name.
    let resp = app
        .post_form(
            &app.client,
            "/admin/seeds/apply",
            &[
                ("csrf", &csrf),
                ("file_name", "x.toml"),
                ("text", &text),
                ("digest", &digest),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(title(&app).await, "推进产业结构优化调整");
    let actor: String = sqlx::query_scalar(
        "SELECT actor_name FROM audit_log WHERE action = 'seed.load' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("audit");
    assert!(actor.contains("adm"), "{actor}");

    // Only admins.
    let sup = app.new_client();
    app.login_with(&sup, "sup", crate::helpers::PASSWORD).await;
    let sup_csrf = app.csrf(&sup).await;
    assert_eq!(
        sup.get(format!("{}/admin/seeds", app.address))
            .send()
            .await
            .expect("answered")
            .status(),
        403
    );
    assert_eq!(
        preview_seed(&app, &sup, &sup_csrf, &edited).await.status(),
        403
    );
}

#[tokio::test]
async fn admins_set_the_members_of_a_group_the_document_leaves_open() {
    let app = spawn_app().await;
    app.create_user("adm", UserRole::Admin, None).await;
    app.create_user("adm2", UserRole::Admin, None).await;
    app.login("adm").await;
    let other = app.new_client();
    app.login_with(&other, "adm2", crate::helpers::PASSWORD)
        .await;
    let group: i64 =
        sqlx::query_scalar("SELECT id FROM unit_groups WHERE name = '市安委会成员单位'")
            .fetch_one(&app.pool)
            .await
            .expect("group");
    let unit = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .expect("unit")
                .to_string()
        }
    };
    let (yjj, czj) = (unit("市应急局").await, unit("市财政局").await);
    let path = format!("/admin/groups/{group}");
    let doc = app.page(&path).await;
    let version = select(&doc, "input[name=version]")[0]
        .value()
        .attr("value")
        .unwrap_or_default()
        .to_string();
    let csrf = app.csrf(&app.client).await;
    let csrf2 = app.csrf(&other).await;
    let resp = app
        .post_form(
            &app.client,
            &path,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("unit", &yjj),
                ("unit", &czj),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    // The group now shows its members and no longer 待确认; each member answers for its items.
    let doc = app.page(&format!("/groups/{group}")).await;
    assert_eq!(texts(&doc, ".member-grid li"), ["市应急局", "市财政局"]);
    assert!(select(&doc, ".pending").is_empty());
    let duties: i64 = sqlx::query_scalar("SELECT count(*) FROM unit_duties d JOIN units u ON u.id = d.unit_id WHERE u.name = '市财政局' AND d.group_id IS NOT NULL")
        .fetch_one(&app.pool)
        .await
        .expect("duties");
    assert!(duties > 0);
    // A second admin working from the old version is refused, not silently obeyed.
    let resp = app
        .post_form(
            &other,
            &path,
            &[("csrf", &csrf2), ("version", &version), ("unit", &yjj)],
        )
        .await;
    assert_eq!(resp.status(), 409);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM unit_group_members WHERE group_id = $1")
        .bind(group)
        .fetch_one(&app.pool)
        .await
        .expect("n");
    assert_eq!(n, 2);
    assert!(
        app.audit_actions()
            .await
            .contains(&"group.members".to_string())
    );
    // Not for non-admins.
    app.create_user("sup", UserRole::Supervisor, None).await;
    let sup = app.new_client();
    app.login_with(&sup, "sup", crate::helpers::PASSWORD).await;
    assert_eq!(
        sup.get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("answered")
            .status(),
        403
    );
}
