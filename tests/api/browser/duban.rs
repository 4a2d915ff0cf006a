//! The bureau's 督办 journey on the demo, in a real browser: the dashboard's 逾期未报 leads to a
//! ledger with as many red flags, filtered to the counties' red flags, oldest first; the
//! dashboard links the 季度通报 with its ranking and the final evaluation's unit record; a county
//! prints its 报送表 for signatures.

use plan_portal::accounts::model::UserRole;
use plan_portal::demo;

use super::driver::Driver;
use super::harness::{Browser, Device};
use super::steps::{UNIT, log_in};
use crate::helpers::spawn_app;

const RED_OPEN: &str = "//ul[@class='status-bar']//a[contains(@class, 'flag-red')]/strong";

pub async fn run(test: &str, device: Device) {
    let Some(driver) = Driver::start_or_skip(test).await else {
        return;
    };
    let (app, duban, county) = tokio::join!(
        spawn_app(),
        Browser::open(&driver, "supervisor", device),
        Browser::open(&driver, "reporter", device)
    );
    demo::prepare(&app.pool).await.expect("demo");
    app.create_user("duban", UserRole::Supervisor, None).await;
    app.create_user("gp-rep", UserRole::Reporter, Some(UNIT))
        .await;

    let b = duban.at(&app.address);
    log_in(&b, "duban").await;
    let overdue = "//a[contains(@class, 'stat-warn')]//*[contains(@class, 'stat-value')]";
    b.shot("dashboard", overdue).await;
    let overdue: i64 = b.text(overdue).await.trim().parse().expect("逾期未报");
    assert!(overdue > 0, "the demo's latest quarter has overdue reports");
    b.click("//main//a[.='督办台账']").await;
    b.expect_text("//main//h1", "督办台账").await;
    b.press("立即核查").await;
    b.expect_contains("//main//p[@class='note']", "预警最近核查于")
        .await;
    let red: i64 = b.text(RED_OPEN).await.trim().parse().expect("红色未解除");
    assert_eq!(red, overdue, "ledger 红色未解除 vs dashboard 逾期未报");

    b.choose("//select[@id='f-level']", "红色").await;
    b.choose("//select[@id='f-state']", "仅未解除").await;
    b.choose("//select[@id='f-area']", "县（市、区）").await;
    b.choose("//select[@id='f-sort']", "按截止日期（最早在前）")
        .await;
    b.press("筛选").await;
    let reason = "(//td[@data-label='原因'])[1]";
    b.expect_contains(reason, "逾期").await;
    b.expect_contains("(//td[@data-label='单位'])[1]", "人民政府")
        .await;
    b.shot("ledger-county-red", reason).await;

    b.goto("/plans/jincheng-2023-33/dashboard").await;
    b.click("//main//a[.='季度通报']").await;
    b.expect_contains("//main//h1", "通报").await;
    let first = "//section[@aria-labelledby='h-rank']//tbody/tr[1]/td[@data-label='排名']";
    b.expect_text(first, "1").await;
    b.shot("bulletin", first).await;
    b.shot("bulletin-owing", "//h2[@id='h-owing']").await;

    // The final evaluation's unit table counts lateness by the same rule.
    b.goto("/plans/jincheng-2023-33/dashboard").await;
    b.click("//main//a[.='中期评估与总结评估']").await;
    b.type_into("//input[@id='title']", "规划实施总结评估")
        .await;
    b.press("生成评估").await;
    let units = "//section[@aria-labelledby='e-units']//th[.='逾期未报']";
    b.find(units).await;
    b.shot("evaluation-units", units).await;
    b.close().await;

    let c = county.at(&app.address);
    log_in(&c, "gp-rep").await;
    let link = "//section[h2[@id='h-due']]//a[contains(., '批量填报')]";
    c.click(link).await;
    c.click("//main//a[.='打印报送表']").await;
    c.expect_contains("//main//h1", "规划实施进展报送表").await;
    let sign = "//p[contains(., '分管领导（签字）')]";
    c.expect_contains("//p[contains(., '填报人（签字）')]", "联系电话")
        .await;
    c.expect_contains("//p[contains(., '审核人（签字）')]", "审核人")
        .await;
    c.shot("print-top", "//main//h1").await;
    c.shot("print-signatures", sign).await;
    c.close().await;
}
