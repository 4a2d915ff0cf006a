//! Two admins at the same moment: a unit created or renamed to a name another admin takes
//! meanwhile, and one item's settings changed by both. As in `races`, the test holds the other
//! side's transaction open until the request under test waits for it.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, TestApp, spawn_app};
use crate::races::after_the_other_commits;

/// An admin sends the unit form at `path` with `fields` while another admin's new unit named
/// 市数据局 is inserted and not yet committed: the form's check cannot see it, and its write
/// waits on the unique key until the other commits.
async fn race_for_the_name(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.create_user("boss", UserRole::Admin, None).await;
    let admin = app.new_client();
    app.login_with(&admin, "boss", PASSWORD).await;
    let csrf = app.csrf(&admin).await;
    let mut other = app.pool.begin().await.expect("transaction");
    sqlx::query(
        "INSERT INTO units (jurisdiction_id, name, kind)
         SELECT id, '市数据局', 'department' FROM jurisdictions ORDER BY id LIMIT 1",
    )
    .execute(&mut *other)
    .await
    .expect("other unit");
    let mut form = vec![("csrf".to_string(), csrf)];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let url = format!("{}{path}", app.address);
    let sent = tokio::spawn(async move { admin.post(url).form(&form).send().await });
    let resp = after_the_other_commits(app, other, sent).await;
    assert_eq!(resp.status(), 422);
    resp
}

fn name_error(doc: &scraper::Html) -> Vec<String> {
    crate::helpers::texts(doc, "#name-error")
}

const TAKEN: &str = "该名称刚刚已被他人使用，请换一个名称";

#[tokio::test]
async fn a_unit_name_taken_while_the_form_was_sent_is_a_message_on_the_form() {
    let app = spawn_app().await;
    let jurisdiction: i64 = sqlx::query_scalar("SELECT id FROM jurisdictions ORDER BY id LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .expect("jurisdiction");
    let jurisdiction = jurisdiction.to_string();
    let fields = [
        ("jurisdiction_id", jurisdiction.as_str()),
        ("name", "市数据局"),
        ("full_name", "晋城市数据局"),
        ("kind", "department"),
    ];
    let resp = race_for_the_name(&app, "/admin/units", &fields).await;
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(name_error(&doc), [TAKEN]);
    assert_eq!(
        crate::helpers::select(&doc, "#full_name")[0]
            .value()
            .attr("value"),
        Some("晋城市数据局"),
        "the input is kept"
    );
    let named: i64 = sqlx::query_scalar("SELECT count(*) FROM units WHERE name = '市数据局'")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(named, 1);
}

#[tokio::test]
async fn a_rename_to_a_name_taken_meanwhile_is_a_message_on_the_form() {
    let app = spawn_app().await;
    let unit = app.unit_id("市财政局").await;
    let version: i32 = sqlx::query_scalar("SELECT version FROM units WHERE id = $1")
        .bind(unit)
        .fetch_one(&app.pool)
        .await
        .expect("unit");
    let version = version.to_string();
    let fields = [
        ("name", "市数据局"),
        ("full_name", "晋城市财政局"),
        ("kind", "department"),
        ("version", version.as_str()),
    ];
    let resp = race_for_the_name(&app, &format!("/admin/units/{unit}"), &fields).await;
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(name_error(&doc), [TAKEN]);
    let name: String = sqlx::query_scalar("SELECT name FROM units WHERE id = $1")
        .bind(unit)
        .fetch_one(&app.pool)
        .await
        .expect("name");
    assert_eq!(name, "市财政局");
}

#[tokio::test]
async fn an_item_settings_save_racing_another_does_not_overwrite_it() {
    let app = spawn_app().await;
    app.create_user("boss", UserRole::Admin, None).await;
    let admin = app.new_client();
    app.login_with(&admin, "boss", PASSWORD).await;
    let csrf = app.csrf(&admin).await;
    let task: i64 = sqlx::query_scalar("SELECT id FROM items WHERE key = 'task-1'")
        .fetch_one(&app.pool)
        .await
        .expect("item");

    // The other admin's save holds the item's row, not yet committed.
    let mut other = app.pool.begin().await.expect("transaction");
    sqlx::query("UPDATE items SET lifecycle = 'cancelled' WHERE id = $1")
        .bind(task)
        .execute(&mut *other)
        .await
        .expect("other save");
    let form: Vec<(&str, String)> = vec![
        ("csrf", csrf),
        ("lifecycle", "merged".into()),
        ("weight", "1".into()),
        ("was", "active|1||".into()),
    ];
    let url = format!("{}/admin/assignments/{task}/settings", app.address);
    let save = tokio::spawn(async move { admin.post(url).form(&form).send().await });
    let resp = after_the_other_commits(&app, other, save).await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.expect("body").contains("已被他人修改"));
    let lifecycle: String = sqlx::query_scalar("SELECT lifecycle FROM items WHERE id = $1")
        .bind(task)
        .fetch_one(&app.pool)
        .await
        .expect("lifecycle");
    assert_eq!(lifecycle, "cancelled", "the other admin's change stands");
}
