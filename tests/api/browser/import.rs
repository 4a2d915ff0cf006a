//! An admin imports an edited 任务分解表 in a real browser: upload, read the differences,
//! correct one role in the preview, look again, load. At desktop and at phone width.

use plan_portal::accounts::model::UserRole;

use super::driver::Driver;
use super::harness::{Browser, Device};
use crate::helpers::{PASSWORD, spawn_app};
use crate::import_page::edited;

pub async fn run(test: &str, device: Device) {
    let Some(driver) = Driver::start_or_skip(test).await else {
        return;
    };
    let (app, admin) = tokio::join!(spawn_app(), Browser::open(&driver, "admin", device));
    let admin = admin.at(&app.address);
    app.create_user("adm", UserRole::Admin, None).await;
    // The office's copy: the exported table with task 5's title edited.
    let exported = app
        .get("/plans/jincheng-2023-33/breakdown.xlsx")
        .await
        .bytes()
        .await
        .expect("xlsx");
    let sheet = edited(
        &exported,
        &[("重点任务", "5", 2, "严格安全生产市场准入管理")],
    );
    let folder = tempfile::tempdir().expect("temp folder");
    let file = folder.path().join("任务分解表.xlsx");
    std::fs::write(&file, sheet).expect("xlsx file");

    admin.goto("/login").await;
    admin.type_into("//input[@id='username']", "adm").await;
    admin.type_into("//input[@id='password']", PASSWORD).await;
    admin.press("登录").await;
    admin.expect_contains("//a[@class='who']", "测试adm").await;
    admin.goto("/admin/users").await;
    admin.click("//a[normalize-space()='导入规划']").await;
    admin.attach("//input[@type='file']", &file).await;
    admin.press("读取并预览").await;
    admin
        .expect_contains("//h2[@id='h-diff']", "（1 处）")
        .await;
    admin
        .expect_contains(
            "//table[contains(@class,'diff')]//td[@data-label='导入']",
            "严格安全生产市场准入管理",
        )
        .await;
    admin.shot("preview", "//h2[@id='h-diff']").await;
    // One role corrected in the preview: 市财政局 supports task 16.
    admin
        .type_into("//textarea[@id='supporting-task-16']", "市财政局")
        .await;
    admin.shot("correction", "//tr[@id='row-task-16']").await;
    admin.press("按更正更新预览").await;
    admin
        .expect_contains("//h2[@id='h-diff']", "（2 处）")
        .await;
    admin.press("载入（一次完成）").await;
    admin
        .expect_contains("//p[contains(@class, 'form-ok')]", "已载入")
        .await;
    admin
        .shot("loaded", "//p[contains(@class, 'form-ok')]")
        .await;

    let supporting: Vec<String> = sqlx::query_scalar(
        "SELECT u.name FROM assignments a JOIN items i ON i.id = a.item_id
         JOIN units u ON u.id = a.unit_id WHERE i.key = 'task-16' AND a.role = 'supporting'",
    )
    .fetch_all(&app.pool)
    .await
    .expect("supporting");
    assert_eq!(supporting, ["市财政局"]);
    let title: String = sqlx::query_scalar("SELECT title FROM items WHERE key = 'task-5'")
        .fetch_one(&app.pool)
        .await
        .expect("title");
    assert_eq!(title, "严格安全生产市场准入管理");

    // Another city's text: a new plan, every unit new, each reading to confirm shown with its line.
    admin.goto("/admin/import").await;
    let text = std::path::Path::new("tests/fixtures/import/changzhi-2026.txt");
    let text = std::fs::canonicalize(text).expect("fixture");
    admin.attach("//input[@type='file']", &text).await;
    admin.press("读取并预览").await;
    admin.expect_contains("//h2[@id='h-notes']", "待确认").await;
    admin
        .expect_contains("//table//td[@data-label='位置']", "第31行")
        .await;
    admin.shot("document-notes", "//h2[@id='h-notes']").await;
    admin.shot("document-rows", "//tr[@id='row-task-1']").await;
    admin.close().await;
}
