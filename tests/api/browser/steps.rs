//! What each person does, in the browser, and what they must see on the way.

use std::path::Path;

use super::harness::{Browser, Device};
use crate::helpers::PASSWORD;

const ROUND: &str = "测试填报轮次";
const ITEM: &str = "强化安全生产责任体系建设";
pub const UNIT: &str = "高平市人民政府";
pub const FIRST_FILE: &str = "高平市安全生产职责清单.pdf";
pub const SECOND_FILE: &str = "职责清单印发通知.pdf";
const FIRST_PROGRESS: &str = "已起草高平市安全生产职责清单，正在征求各乡镇意见。";
const REVISED_PROGRESS: &str =
    "已印发高平市安全生产职责清单（高安办〔2024〕3号），印发通知见佐证材料。";
const RETURN_COMMENT: &str = "请补充职责清单的印发文号和印发通知";

// What the report page shows, wherever it is opened from.
const STATE: &str = "//dl[@class='meta']//dt[.='状态']/following-sibling::dd/span";
const NOTICE: &str = "//p[contains(@class, 'form-ok')]";
const UPLOADED: &str = "佐证材料已上传，填写的内容已一并保存为草稿。";
const SENT_TO_APPROVER: &str = "已报送，等待高平市人民政府审核人签批。";
const EVIDENCE: &str = "//ul[@class='evidence-list']/li/a";
const REVIEW_BOX: &str = "//section[@class='review-box']";
const HEADER_TODO: &str = "//div[@class='session-box']/a[.='待办']";

/// The test round's row for this report in one section of the to-do page.
fn todo_row(section: &str) -> String {
    format!(
        "//section[h2[@id='{section}']]//tr[td[@data-label='轮次' and normalize-space()='{ROUND}'] \
         and td[@data-label='事项']//a[contains(., '{ITEM}')]]"
    )
}

pub async fn log_in(b: &Browser, username: &str) {
    b.goto("/login").await;
    b.type_into("//input[@id='username']", username).await;
    b.type_into("//input[@id='password']", PASSWORD).await;
    b.shot("login", "//form[@action='/login']").await;
    b.press("登录").await;
    // Units land on 待办, the bureau and leaders on the dashboard.
    b.expect_contains(
        "//main//h1",
        if username.starts_with("gp-") {
            "待办"
        } else {
            "进展总览"
        },
    )
    .await;
    b.expect_contains("//a[@class='who']", &format!("测试{username}"))
        .await;
}

/// The reporter finds the report on the to-do page, is refused an empty submission, saves a
/// draft, attaches a PDF and submits.
pub async fn first_report(b: &Browser, file: &Path) {
    let row = todo_row("h-due");
    b.expect_text(&format!("{row}/td[@data-label='单位']"), UNIT)
        .await;
    b.expect_text(&format!("{row}/td[@data-label='状态']"), "未填报")
        .await;
    // On a phone the to-do table turns into labelled cards: its header row shrinks out of
    // sight (kept for screen readers).
    let header = b.height("//section[h2[@id='h-due']]//thead").await;
    assert_eq!(
        header > 10.0,
        b.device == Device::Desktop,
        "to-do table header is {header}px high"
    );
    b.shot("todo", &row).await;
    b.click(&format!("{row}/td[@data-label='事项']/a")).await;
    b.expect_contains("//main//h1", ITEM).await;
    b.expect_text(STATE, "未填报").await;
    // Evidence goes up from the report form itself: what is typed is saved with it.
    b.expect_text(
        "//form[contains(@class, 'report-form')]//button[@formaction]",
        "上传文件并保存草稿",
    )
    .await;

    b.press("报送").await;
    b.expect_text("//*[@id='progress-error']", "报送前请填写工作进展")
        .await;
    b.expect_text(STATE, "未填报").await;
    b.shot("empty-submission-refused", "//*[@id='progress-error']")
        .await;

    b.choose("//select[@id='status']", "推进中").await;
    b.type_into("//input[@id='percent']", "40").await;
    b.type_into("//textarea[@id='progress']", FIRST_PROGRESS)
        .await;
    b.type_into(
        "//textarea[@id='problems']",
        "部分乡镇职责交叉，需进一步厘清。",
    )
    .await;
    b.type_into("//textarea[@id='next_steps']", "下季度印发职责清单。")
        .await;
    b.shot("form-filled", "//textarea[@id='progress']").await;
    b.press("保存草稿").await;
    b.expect_text(NOTICE, "草稿已保存。可继续修改，或点“报送”。")
        .await;
    b.expect_text(STATE, "草稿").await;

    b.attach("//input[@id='file']", file).await;
    b.press("上传文件并保存草稿").await;
    b.expect_text(NOTICE, UPLOADED).await;
    b.expect_text(EVIDENCE, FIRST_FILE).await;
    b.shot("evidence-attached", EVIDENCE).await;

    b.press("报送").await;
    b.expect_text(NOTICE, SENT_TO_APPROVER).await;
    b.expect_text(STATE, "待单位审核").await;
    b.expect_absent("//textarea[@id='progress']").await;
    b.shot("submitted", STATE).await;
}

/// The unit's approver opens the report from 待我审核 and signs it off to the bureau.
pub async fn sign_off(b: &Browser) {
    b.click(HEADER_TODO).await;
    let row = todo_row("h-approve");
    b.expect_text(&format!("{row}/td[@data-label='状态']"), "待单位审核")
        .await;
    b.shot("todo", &row).await;
    b.click(&format!("{row}/td[@data-label='事项']/a")).await;
    b.expect_text("//h2[@id='h-review']", "单位审核").await;
    b.expect_text(STATE, "待单位审核").await;
    b.expect_text(EVIDENCE, FIRST_FILE).await;
    b.shot("review", REVIEW_BOX).await;
    b.press("审核通过，报送市应急局").await;
    b.expect_text(NOTICE, "已审核通过，报送市应急局，等待审核。")
        .await;
    b.expect_text(STATE, "已报送").await;
    b.expect_absent(REVIEW_BOX).await;
    b.shot("signed-off", STATE).await;
}

/// The supervisor goes from the to-do page's queue through the round's board to the report.
async fn open_from_queue(b: &Browser) {
    b.click(HEADER_TODO).await;
    let queue = format!("//section[h2[@id='h-queues']]//li[contains(., '{ROUND}')]/a");
    b.expect_text(&queue, "1 份已报送待审核").await;
    b.shot("todo", &queue).await;
    b.click(&queue).await;
    b.expect_text("//main//h1", &format!("{ROUND} 报送情况"))
        .await;
    let line = format!(
        "//tr[td[@data-label='事项' and contains(., '{ITEM}')] \
         and td[@data-label='单位' and starts-with(normalize-space(), '{UNIT}')]]\
         /td[@data-label='状态']/a"
    );
    b.expect_text(&line, "已报送").await;
    b.shot("board", &line).await;
    b.click(&line).await;
    b.expect_text("//h2[@id='h-review']", "督办审核").await;
}

/// The supervisor returns the report: first without a reason (refused), then with one.
pub async fn return_with_comment(b: &Browser) {
    open_from_queue(b).await;
    b.press("退回修改").await;
    b.expect_text(
        &format!("{REVIEW_BOX}//p[@class='field-error']"),
        "退回时请写明退回原因和修改要求",
    )
    .await;
    b.expect_text(STATE, "已报送").await;
    b.type_into("//textarea[@id='comment']", RETURN_COMMENT)
        .await;
    b.shot("return-comment", REVIEW_BOX).await;
    b.press("退回修改").await;
    b.expect_text(NOTICE, "已退回，填报人将在待办中看到退回意见。")
        .await;
    b.expect_text(STATE, "已退回").await;
    b.expect_contains("//div[@class='notice-bar']", RETURN_COMMENT)
        .await;
    b.shot("returned", "//div[@class='notice-bar']").await;
}

/// The reporter sees the returned report and the comment, adds the document asked for,
/// revises the text and submits again.
pub async fn revise(b: &Browser, file: &Path) {
    b.click(HEADER_TODO).await;
    let row = todo_row("h-returned");
    b.expect_text(&format!("{row}/td[@data-label='状态']"), "已退回")
        .await;
    b.shot("todo-returned", &row).await;
    b.click(&format!("{row}/td[@data-label='事项']/a")).await;
    b.expect_text(STATE, "已退回").await;
    b.expect_text(
        "//div[@class='notice-bar']",
        &format!("审核意见：{RETURN_COMMENT}"),
    )
    .await;
    b.expect_text("//textarea[@id='progress']", FIRST_PROGRESS)
        .await;
    b.shot("comment-seen", "//div[@class='notice-bar']").await;

    // Text typed before the upload is still there after it (saved with the file).
    b.type_into("//textarea[@id='progress']", REVISED_PROGRESS)
        .await;
    b.attach("//input[@id='file']", file).await;
    b.press("上传文件并保存草稿").await;
    b.expect_text(NOTICE, UPLOADED).await;
    b.expect_text(&format!("({EVIDENCE})[2]"), SECOND_FILE)
        .await;
    b.expect_text("//textarea[@id='progress']", REVISED_PROGRESS)
        .await;
    b.shot("revised", "//textarea[@id='progress']").await;
    b.press("报送").await;
    b.expect_text(NOTICE, SENT_TO_APPROVER).await;
    b.expect_text(STATE, "待单位审核").await;
    b.expect_text("//div[dt[.='工作进展']]/dd", REVISED_PROGRESS)
        .await;
}

pub async fn accept(b: &Browser) {
    open_from_queue(b).await;
    b.expect_text("//div[dt[.='工作进展']]/dd", REVISED_PROGRESS)
        .await;
    b.expect_text(&format!("({EVIDENCE})[2]"), SECOND_FILE)
        .await;
    b.press("采纳").await;
    b.expect_text(NOTICE, "已采纳。该报告已定稿，不再修改。")
        .await;
    b.expect_text(STATE, "已采纳").await;
    b.expect_absent(REVIEW_BOX).await;
    b.shot("accepted", STATE).await;
}

/// A leader opens the dashboard as of the test round and follows the county's 被退回 figure
/// down to the report itself.
pub async fn drill_down(b: &Browser) {
    b.goto("/dashboard").await;
    b.expect_contains("//main//h1", "进展总览").await;
    b.choose("//select[@id='f-round']", ROUND).await;
    b.press("筛选").await;
    b.expect_text(
        "//main//h1/span[@class='subtitle']",
        &format!("截至 {ROUND}"),
    )
    .await;
    // The scorecard is on the dashboard's units page; its tab keeps the round.
    b.click("//nav[@class='tabs']//a[normalize-space()='单位与县区']")
        .await;
    b.expect_text(
        "//nav[@class='tabs']//a[@aria-current='page']",
        "单位与县区",
    )
    .await;
    b.expect_text(
        "//main//h1/span[@class='subtitle']",
        &format!("截至 {ROUND}"),
    )
    .await;
    let row = format!("//section[h2[@id='h-units']]//tr[th[normalize-space()='{UNIT}']]");
    let returned = format!("{row}/td[@data-label='被退回']/a");
    b.expect_text(&returned, "1").await;
    b.shot("dashboard-scorecard", &row).await;
    b.click(&returned).await;

    b.expect_contains("//main//h1", "事项与报告").await;
    b.expect_text("//main/p[@class='note']", "共 1 项。").await;
    let line = format!(
        "//section[@class='drill-item'][h2[contains(., '{ITEM}')]]\
         //tr[td[@data-label='单位']/a[normalize-space()='{UNIT}']]"
    );
    b.expect_text(&format!("{line}/td[@data-label='本期']/span"), "已采纳")
        .await;
    b.shot("drill-down", &line).await;
    b.click(&format!("{line}/td[@data-label='单位']/a")).await;

    b.expect_contains("//main//h1", ITEM).await;
    b.expect_text(STATE, "已采纳").await;
    b.expect_text(&format!("({EVIDENCE})[1]"), FIRST_FILE).await;
    b.expect_text(&format!("({EVIDENCE})[2]"), SECOND_FILE)
        .await;
    b.expect_text("//div[dt[.='工作进展']]/dd", REVISED_PROGRESS)
        .await;
    let history = "//section[h2[@id='h-history']]//tbody/tr";
    b.expect_text(
        &format!("{history}[td[@data-label='操作']='督办退回']/td[@data-label='意见']"),
        RETURN_COMMENT,
    )
    .await;
    // Newest first: the acceptance heads the history.
    b.expect_text(
        &format!("({history})[1]/td[@data-label='操作']"),
        "督办采纳",
    )
    .await;
    b.expect_absent("//textarea").await;
    b.shot("report-accepted", EVIDENCE).await;
}
