//! An admin loads an edited seed file in the browser: choose the file, read the preview,
//! confirm. The confirmation carries the file's text in a hidden field, which a browser sends
//! with CR LF line breaks: only a real browser shows that the two still agree.

use plan_portal::accounts::model::UserRole;

use super::driver::Driver;
use super::harness::{Browser, Device};
use crate::helpers::{PASSWORD, spawn_app};

const TITLE: &str = "推进产业结构调整";
const EDITED: &str = "推进产业结构优化调整";

pub async fn run(test: &str) {
    let Some(driver) = Driver::start_or_skip(test).await else {
        return;
    };
    let (app, admin) = tokio::join!(
        spawn_app(),
        Browser::open(&driver, "admin", Device::Desktop)
    );
    let admin = admin.at(&app.address);
    app.create_user("adm", UserRole::Admin, None).await;
    let folder = tempfile::tempdir().expect("temp folder");
    let file = folder.path().join("jincheng-edited.toml");
    let edited = plan_portal::seed::BUNDLED.replace(
        &format!("title = \"{TITLE}\""),
        &format!("title = \"{EDITED}\""),
    );
    std::fs::write(&file, edited).expect("seed file");

    admin.goto("/login").await;
    admin.type_into("//input[@id='username']", "adm").await;
    admin.type_into("//input[@id='password']", PASSWORD).await;
    admin.press("登录").await;
    admin.expect_contains("//a[@class='who']", "测试adm").await;
    admin.goto("/admin/seeds").await;
    admin.attach("//input[@type='file']", &file).await;
    admin.press("检查并预览").await;
    admin
        .expect_text("//ul[@class='change-list']/li", "~ item task-6: title")
        .await;
    admin
        .shot("preview", "//section[@aria-labelledby='h-preview']")
        .await;
    admin.press("确认载入").await;
    admin
        .expect_contains("//p[contains(@class, 'form-ok')]", "1 处变更")
        .await;
    admin
        .shot("applied", "//p[contains(@class, 'form-ok')]")
        .await;

    let title: String = sqlx::query_scalar("SELECT title FROM items WHERE key = 'task-6'")
        .fetch_one(&app.pool)
        .await
        .expect("title");
    assert_eq!(title, EDITED);
    admin.close().await;
}
