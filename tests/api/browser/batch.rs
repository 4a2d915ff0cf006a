//! A county's whole round on one page, in a real browser: 待办 links the 批量填报 page, which
//! has a status field for each of the county's items; 6,000 characters pasted into 工作进展 are
//! kept whole by the browser and refused by the server with the limit in 字, still whole.

use plan_portal::accounts::model::UserRole;

use super::driver::Driver;
use super::harness::{Browser, Device};
use super::steps::{UNIT, log_in};
use crate::fixtures::open_round;
use crate::helpers::spawn_app;

pub async fn run(test: &str, device: Device) {
    let Some(driver) = Driver::start_or_skip(test).await else {
        return;
    };
    let (app, reporter) = tokio::join!(spawn_app(), Browser::open(&driver, "reporter", device));
    let b = reporter.at(&app.address);
    open_round(&app).await;
    app.create_user("gp-rep", UserRole::Reporter, Some(UNIT))
        .await;

    log_in(&b, "gp-rep").await;
    let link = "//section[h2[@id='h-due']]//a[contains(., '批量填报')]";
    b.shot("todo", link).await;
    b.click(link).await;
    b.expect_text("//main//h1", &format!("批量填报：{UNIT}"))
        .await;
    let rows = b.count("//select[starts-with(@name, 'status_')]").await;
    assert!(rows >= 40, "a status field for each item due: {rows}");
    b.shot("sheet", "//main//h1").await;

    let first = "(//textarea[starts-with(@name, 'progress_')])[1]";
    let long = "安".repeat(6000);
    b.type_into(first, &long).await;
    assert_eq!(
        b.value(first).await.chars().count(),
        6000,
        "the browser cuts nothing"
    );
    b.press("保存全部草稿").await;
    let error = "//span[contains(@class, 'field-error')]";
    b.expect_contains(error, "不能超过 5000 字（现有 6000 字）")
        .await;
    assert_eq!(
        b.value(first).await.chars().count(),
        6000,
        "the refused text comes back whole"
    );
    b.shot("too-long-refused", error).await;

    b.type_into(first, "本季度完成责任清单修订。").await;
    b.press("保存全部草稿").await;
    b.expect_text("//p[contains(@class, 'form-ok')]", "已保存 1 项草稿。")
        .await;
    b.shot("saved", "//p[contains(@class, 'form-ok')]").await;
    b.close().await;
}
