//! Admins load seed files through the browser and set group memberships.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{select, spawn_app, texts};

pub(crate) async fn preview_seed(
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
async fn admins_load_seed_files_after_a_preview() {
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
    let (text, digest, changes) = (hidden("text"), hidden("digest"), hidden("changes"));
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
    // The data changed after the preview (another load changed task 7): nothing written, the
    // changes shown again as they now are (the file would put task 7 back), to be confirmed anew.
    let other = plan_portal::seed::BUNDLED.replace(
        "title = \"深化安全风险管控和隐患排查治理\"",
        "title = \"深化安全风险管控（他人）\"",
    );
    app.load_seed(&other, false).await.expect("other load");
    let confirm = |changes: String| {
        let form = vec![
            ("csrf", csrf.clone()),
            ("file_name", "x.toml".to_string()),
            ("text", text.clone()),
            ("digest", digest.clone()),
            ("changes", changes),
        ];
        let (client, url) = (
            app.client.clone(),
            format!("{}/admin/seeds/apply", app.address),
        );
        async move { client.post(url).form(&form).send().await.expect("answered") }
    };
    let resp = confirm(changes).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(title(&app).await, "推进产业结构调整");
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert!(texts(&doc, ".form-error").join("").contains("已有变化"));
    assert_eq!(
        texts(&doc, ".change-list li"),
        ["~ item task-6: title", "~ item task-7: title"]
    );
    let changes = select(
        &doc,
        "form[action='/admin/seeds/apply'] input[name=changes]",
    )[0]
    .value()
    .attr("value")
    .unwrap_or_default()
    .to_string();
    // Confirmed: loaded and audited under the admin's name.
    let resp = confirm(changes).await;
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
