//! Admins edit units and assign items (such as the document's unassigned indicators) in the
//! portal; a seed reload keeps what they did.

use plan_portal::accounts::model::UserRole;
use plan_portal::seed;

use crate::helpers::{TestApp, select, spawn_app, texts};

async fn admin(app: &TestApp) -> (reqwest::Client, String) {
    app.create_user("adm", UserRole::Admin, None).await;
    let c = app.new_client();
    assert_eq!(
        app.login_with(&c, "adm", crate::helpers::PASSWORD)
            .await
            .status(),
        303
    );
    let csrf = app.csrf(&c).await;
    (c, csrf)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.pool)
        .await
        .expect("count")
}

async fn unit_version(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar::<_, i32>("SELECT version FROM units WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("version")
        .to_string()
}

#[tokio::test]
async fn admins_add_and_rename_units_and_a_seed_reload_keeps_the_new_name() {
    let app = spawn_app().await;
    let (adm, csrf) = admin(&app).await;
    let units_before = count(&app, "SELECT count(*) FROM units").await;

    // A name already used by another body is refused, the input kept.
    let resp = app
        .post_form(
            &adm,
            "/admin/units",
            &[
                ("csrf", &csrf),
                ("jurisdiction_id", "1"),
                ("name", "市应急局"),
                ("full_name", "重复的单位"),
                ("kind", "department"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(texts(&doc, "#name-error"), ["该名称已用于「市应急局」"]);
    assert_eq!(
        select(&doc, "#full_name")[0].value().attr("value"),
        Some("重复的单位")
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM units").await,
        units_before
    );

    let resp = app
        .post_form(
            &adm,
            "/admin/units",
            &[
                ("csrf", &csrf),
                ("jurisdiction_id", "1"),
                ("name", "市数据局"),
                ("full_name", "晋城市数据局"),
                ("kind", "department"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let list = app.page_as(&adm, "/admin/units").await;
    assert!(texts(&list, "td[data-label='单位'] a").contains(&"市数据局".to_string()));

    // Rename 市消防救援支队; the old name stays a spelling that leads to the same unit.
    let id = app.unit_id("市消防救援支队").await;
    let version = unit_version(&app, id).await;
    let edit = |name: &'static str, version: String| {
        vec![
            ("csrf", csrf.clone()),
            ("name", name.to_string()),
            ("full_name", "晋城市消防救援支队".to_string()),
            ("kind", "vertical_agency".to_string()),
            ("version", version),
        ]
    };
    let path = format!("/admin/units/{id}");
    let form = edit("市消防救援局", version.clone());
    let resp = app.post_form(&adm, &path, &form_ref(&form)).await;
    assert_eq!(resp.status(), 303);
    // A second admin still holding the old version is told, and changes nothing.
    let form = edit("市消防支队（旧）", version);
    let resp = app.post_form(&adm, &path, &form_ref(&form)).await;
    assert_eq!(resp.status(), 409);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert!(texts(&doc, "[role=alert] li").contains(&"简称：市消防救援局".to_string()));
    assert_eq!(
        select(&doc, "#name")[0].value().attr("value"),
        Some("市消防支队（旧）")
    );
    let name: String = sqlx::query_scalar("SELECT name FROM units WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("name");
    assert_eq!(name, "市消防救援局");

    // The bundled seed still says 市消防救援支队: it finds the renamed unit, adds none.
    let duties_before = count(&app, "SELECT count(*) FROM unit_duties").await;
    app.load_seed(seed::BUNDLED, false).await.expect("reload");
    assert_eq!(
        count(&app, "SELECT count(*) FROM units").await,
        units_before + 1
    );
    assert_eq!(app.unit_id("市消防救援局").await, id);
    assert_eq!(
        count(&app, "SELECT count(*) FROM unit_duties").await,
        duties_before
    );
    let search = app.page("/search?q=市消防救援支队").await;
    assert!(
        texts(&search, "main a")
            .iter()
            .any(|t| t.contains("市消防救援局")),
        "the old name still finds the unit"
    );
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"unit.create".to_string())
            && actions.contains(&"unit.update".to_string())
    );
}

#[tokio::test]
async fn a_unit_form_opened_before_a_seed_reload_does_not_put_the_old_values_back() {
    let app = spawn_app().await;
    let (adm, csrf) = admin(&app).await;
    let id = app.unit_id("市财政局").await;
    let opened = unit_version(&app, id).await;
    let reseeded = seed::BUNDLED.replacen(
        "full_name = \"晋城市财政局\"",
        "full_name = \"晋城市财政局（新）\"",
        1,
    );
    assert_ne!(reseeded, seed::BUNDLED);
    app.load_seed(&reseeded, false).await.expect("reload");
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "市财政局"),
        ("full_name", "晋城市财政局"),
        ("kind", "department"),
        ("version", opened.as_str()),
    ];
    let resp = app
        .post_form(&adm, &format!("/admin/units/{id}"), &form)
        .await;
    assert_eq!(resp.status(), 409);
    let full_name: String = sqlx::query_scalar("SELECT full_name FROM units WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("full name");
    assert_eq!(full_name, "晋城市财政局（新）", "the reload's value stands");
}

fn form_ref<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

async fn assignment_count(app: &TestApp, item: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM assignments a JOIN items i ON i.id = a.item_id WHERE i.key = $1",
    )
    .bind(item)
    .fetch_one(&app.pool)
    .await
    .expect("count")
}

async fn item_id(app: &TestApp, key: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM items WHERE key = $1")
        .bind(key)
        .fetch_one(&app.pool)
        .await
        .expect("item")
}

#[tokio::test]
async fn admins_assign_indicators_and_seed_reloads_keep_those_assignments() {
    let app = spawn_app().await;
    let (adm, csrf) = admin(&app).await;
    let list = app.page_as(&adm, "/admin/assignments").await;
    assert_eq!(
        texts(&list, ".tag-late").len(),
        4,
        "the four indicators have no unit in the document"
    );
    let item = item_id(&app, "indicator-1").await;
    let yjj = app.unit_id("市应急局").await;
    let party = format!("u:{yjj}");
    let path = format!("/admin/assignments/{item}");
    // The page's title is plain text: no form or markup inside `<title>`.
    let page = app.page_as(&adm, &path).await;
    let title = texts(&page, "title");
    assert_eq!(title.len(), 1);
    assert!(
        title[0].starts_with("分工 · ") && !title[0].contains('<'),
        "{title:?}"
    );
    let add = [
        ("csrf", csrf.as_str()),
        ("party", party.as_str()),
        ("role", "lead"),
    ];
    assert_eq!(app.post_form(&adm, &path, &add).await.status(), 303);
    assert_eq!(
        app.post_form(&adm, &path, &add).await.status(),
        409,
        "twice"
    );
    assert_eq!(assignment_count(&app, "indicator-1").await, 1);
    let page = app.page_as(&adm, &path).await;
    assert_eq!(texts(&page, "td[data-label='单位']"), ["市应急局"]);

    // A reload neither removes the admin's assignment nor lets the admin remove the seed's.
    app.load_seed(seed::BUNDLED, false).await.expect("reload");
    assert_eq!(assignment_count(&app, "indicator-1").await, 1);
    let seed_one: i64 = sqlx::query_scalar(
        "SELECT a.id FROM assignments a JOIN items i ON i.id = a.item_id WHERE i.key = 'task-1' LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("seed assignment");
    let task = item_id(&app, "task-1").await;
    let resp = app
        .post_form(
            &adm,
            &format!("/admin/assignments/{task}/remove"),
            &[("csrf", &csrf), ("assignment", &seed_one.to_string())],
        )
        .await;
    assert_eq!(resp.status(), 409);
    assert_eq!(assignment_count(&app, "task-1").await, 3);

    // The unit now reports the indicator; a reporter may not touch assignments.
    app.create_user("yjj-rep", UserRole::Reporter, Some("市应急局"))
        .await;
    let rep = app.new_client();
    app.login_with(&rep, "yjj-rep", crate::helpers::PASSWORD)
        .await;
    let rep_csrf = app.csrf(&rep).await;
    let resp = app
        .post_form(
            &rep,
            &path,
            &[
                ("csrf", rep_csrf.as_str()),
                ("party", party.as_str()),
                ("role", "supporting"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let ours: i64 = sqlx::query_scalar("SELECT a.id FROM assignments a WHERE a.item_id = $1")
        .bind(item)
        .fetch_one(&app.pool)
        .await
        .expect("ours");
    let ours = ours.to_string();
    let remove = [("csrf", csrf.as_str()), ("assignment", ours.as_str())];
    assert_eq!(
        app.post_form(&adm, &format!("{path}/remove"), &remove)
            .await
            .status(),
        303
    );
    assert_eq!(assignment_count(&app, "indicator-1").await, 0);
    let actions = app.audit_actions().await;
    for a in ["assignment.add", "assignment.remove"] {
        assert!(actions.contains(&a.to_string()), "{a} in {actions:?}");
    }
}
