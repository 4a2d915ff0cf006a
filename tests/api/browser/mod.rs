//! End-to-end tests in a real Chromium driven through chromedriver (WebDriver): people click
//! and type through the server-rendered pages, at desktop and at phone size. Screenshots of
//! every step go to `target/browser-artifacts/<test>/`. Without chromedriver and Chromium the
//! tests say so and pass, unless `PLAN_PORTAL_REQUIRE_BROWSER=1` (CI) makes that a failure.

mod batch;
mod driver;
mod duban;
mod flow;
mod harness;
mod import;
mod seeds;
mod steps;

use harness::Device;

#[tokio::test]
async fn a_county_report_goes_through_the_workflow_in_a_desktop_browser() {
    flow::run("desktop-workflow", Device::Desktop).await;
}

#[tokio::test]
async fn a_county_report_goes_through_the_workflow_on_a_phone() {
    flow::run("phone-workflow", Device::Phone).await;
}

#[tokio::test]
async fn an_admin_loads_an_edited_seed_file_in_the_browser() {
    seeds::run("admin-seed-load").await;
}

#[tokio::test]
async fn an_admin_imports_an_edited_breakdown_and_corrects_a_role_in_a_desktop_browser() {
    import::run("desktop-import", Device::Desktop).await;
}

#[tokio::test]
async fn an_admin_imports_an_edited_breakdown_and_corrects_a_role_on_a_phone() {
    import::run("phone-import", Device::Phone).await;
}

#[tokio::test]
async fn a_county_fills_its_round_on_one_page_in_a_desktop_browser() {
    batch::run("desktop-batch", Device::Desktop).await;
}

#[tokio::test]
async fn a_county_fills_its_round_on_one_page_on_a_phone() {
    batch::run("phone-batch", Device::Phone).await;
}

#[tokio::test]
async fn the_bureau_chases_overdue_reports_and_a_county_prints_its_sheet_in_a_desktop_browser() {
    duban::run("desktop-duban", Device::Desktop).await;
}

#[tokio::test]
async fn the_bureau_chases_overdue_reports_and_a_county_prints_its_sheet_on_a_phone() {
    duban::run("phone-duban", Device::Phone).await;
}
