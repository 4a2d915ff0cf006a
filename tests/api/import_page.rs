//! 导入规划 in the portal: upload, preview with problems and differences, corrections, the
//! seed downloaded, the plan loaded in one transaction; and the 任务分解表 round trip.

use std::io::Cursor;

use calamine::{Reader, Xlsx, open_workbook_from_rs};
use plan_portal::accounts::model::UserRole;
use rust_xlsxwriter::Workbook;
use scraper::Html;

use crate::helpers::{TestApp, select, spawn_app, texts};

pub async fn upload(app: &TestApp, csrf: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let file = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    post_import(app, csrf, |form| form.part("file", file)).await
}

/// The upload form of 导入规划, with its token and what `fill` adds.
async fn post_import(
    app: &TestApp,
    csrf: &str,
    fill: impl FnOnce(reqwest::multipart::Form) -> reqwest::multipart::Form,
) -> reqwest::Response {
    let form = fill(reqwest::multipart::Form::new().text("csrf", csrf.to_string()));
    app.client
        .post(format!("{}/admin/import", app.address))
        .multipart(form)
        .send()
        .await
        .expect("answered")
}

/// The review form's hidden fields and every edit field as the page has them.
pub fn review_fields(doc: &Html) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for el in select(
        doc,
        "form[action='/admin/import/review'] input, form[action='/admin/import/review'] textarea, form[action='/admin/import/review'] select",
    ) {
        let Some(name) = el.value().attr("name") else {
            continue;
        };
        let value = match el.value().name() {
            "textarea" => el.text().collect::<String>(),
            "select" => el
                .select(&scraper::Selector::parse("option[selected]").expect("selector"))
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or_default()
                .to_string(),
            _ => el.value().attr("value").unwrap_or_default().to_string(),
        };
        out.push((name.to_string(), value));
    }
    out
}

pub fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    let f = fields.iter_mut().find(|(n, _)| n == name).expect(name);
    f.1 = value.to_string();
}

pub async fn post_review(
    app: &TestApp,
    fields: &[(String, String)],
    action: &str,
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    form.push(("action", action));
    app.post_form(&app.client, "/admin/import/review", &form)
        .await
}

/// 「载入」 with the previewed form: the page that says it loaded, or the test fails with the
/// problems the page lists.
pub async fn load(app: &TestApp, fields: &[(String, String)]) -> Html {
    let resp = post_review(app, fields, "load").await;
    let status = resp.status();
    let doc = Html::parse_document(&resp.text().await.expect("page"));
    assert_eq!(
        status,
        200,
        "{:?}",
        texts(&doc, ".form-error, .change-list li")
    );
    doc
}

/// The sheets of an .xlsx as text, then written back with one cell changed, as an office
/// would after editing it in WPS.
pub fn edited(bytes: &[u8], edits: &[(&str, &str, usize, &str)]) -> Vec<u8> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("xlsx");
    let mut out = Workbook::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("sheet");
        let sheet = out.add_worksheet().set_name(&name).expect("name");
        for (r, row) in range.rows().enumerate() {
            let number = row.first().map(|c| c.to_string()).unwrap_or_default();
            for (c, cell) in row.iter().enumerate() {
                let mut value = cell.to_string();
                for (s, n, col, new) in edits {
                    if *s == name && number == *n && *col == c {
                        value = new.to_string();
                    }
                }
                sheet.write(r as u32, c as u16, value).expect("cell");
            }
        }
    }
    out.save_to_buffer().expect("saved")
}

async fn lead_of(app: &TestApp, key: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT COALESCE(u.name, g.name) FROM assignments a JOIN items i ON i.id = a.item_id
         LEFT JOIN units u ON u.id = a.unit_id LEFT JOIN unit_groups g ON g.id = a.group_id
         WHERE i.key = $1 AND a.role = 'lead' ORDER BY a.position",
    )
    .bind(key)
    .fetch_all(&app.pool)
    .await
    .expect("leads")
}

#[tokio::test]
async fn an_exported_breakdown_edited_and_imported_shows_exactly_its_edits_and_loads() {
    let app = spawn_app().await;
    app.create_user("adm", UserRole::Admin, None).await;
    app.login("adm").await;
    let csrf = app.csrf(&app.client).await;
    let exported = app.get("/plans/jincheng-2023-33/breakdown.xlsx").await;
    assert_eq!(exported.status(), 200);
    let bytes = exported.bytes().await.expect("xlsx").to_vec();
    // Unedited, it imports as no change at all.
    let resp = upload(&app, &csrf, "分解表.xlsx", bytes.clone()).await;
    assert_eq!(resp.status(), 200);
    let doc = Html::parse_document(&resp.text().await.expect("page"));
    assert!(
        texts(&doc, "#h-diff").concat().contains("（0 处）"),
        "{:?}",
        texts(&doc, ".diff tr")
    );
    // Two edits in the sheet: a title, and who leads task 16.
    let bytes = edited(
        &bytes,
        &[
            ("重点任务", "5", 2, "严格安全生产市场准入管理"),
            ("重点任务", "16", 4, "市应急局、市消防救援支队"),
        ],
    );
    let resp = upload(&app, &csrf, "分解表（修改）.xlsx", bytes).await;
    assert_eq!(resp.status(), 200);
    let doc = Html::parse_document(&resp.text().await.expect("page"));
    let rows: Vec<String> = select(&doc, ".diff tbody tr")
        .iter()
        .map(|r| r.text().collect::<Vec<_>>().join("|"))
        .collect();
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert!(
        rows[0].contains("标题") && rows[0].contains("严格安全生产市场准入管理"),
        "{rows:?}"
    );
    assert!(
        rows[1].contains("牵头") && rows[1].contains("市应急局、市消防救援支队"),
        "{rows:?}"
    );
    let changes = texts(&doc, ".change-list li");
    assert!(
        changes
            .iter()
            .all(|c| c.contains("task-5") || c.contains("task-16")),
        "{changes:?}"
    );
    // Nothing is written by a preview.
    assert_eq!(lead_of(&app, "task-16").await, ["市应急局"]);

    // The admin corrects one role in the preview, looks at it again, and loads.
    let mut fields = review_fields(&doc);
    set(&mut fields, "supporting/task-16", "市财政局");
    let resp = post_review(&app, &fields, "review").await;
    assert_eq!(resp.status(), 200);
    let doc = Html::parse_document(&resp.text().await.expect("page"));
    assert_eq!(select(&doc, ".diff tbody tr").len(), 3);
    // Loading with a form that differs from what was previewed is refused.
    let mut stale = fields.clone();
    set(&mut stale, "title/task-6", "另一个标题");
    let resp = post_review(&app, &stale, "load").await;
    assert_eq!(resp.status(), 409);
    assert_eq!(lead_of(&app, "task-16").await, ["市应急局"]);
    let fields = review_fields(&doc);
    let doc = load(&app, &fields).await;
    assert!(texts(&doc, ".form-ok").concat().contains("已载入"));
    assert_eq!(
        lead_of(&app, "task-16").await,
        ["市应急局", "市消防救援支队"]
    );
    let title: String = sqlx::query_scalar("SELECT title FROM items WHERE key = 'task-5'")
        .fetch_one(&app.pool)
        .await
        .expect("title");
    assert_eq!(title, "严格安全生产市场准入管理");
    assert!(
        app.audit_actions().await.iter().any(|a| a.contains("seed")),
        "audited"
    );
}

#[tokio::test]
async fn the_document_previews_with_its_problems_and_downloads_as_a_seed() {
    let app = spawn_app().await;
    app.create_user("adm", UserRole::Admin, None).await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    app.login("adm").await;
    let csrf = app.csrf(&app.client).await;
    let resp = upload(&app, &csrf, "方案.docx", crate::import::document_docx()).await;
    assert_eq!(resp.status(), 200);
    let doc = Html::parse_document(&resp.text().await.expect("page"));
    // 46 tasks and projects, 4 sub-targets, 3 requirements, 4 indicators, 3 principles.
    assert_eq!(select(&doc, ".import-items tbody tr").len(), 60);
    let places = texts(&doc, "td[data-label='原文位置']");
    assert!(places.iter().all(|p| p.contains('段')), "{places:?}");
    // Same document as the loaded plan: it is compared with it, key kept.
    assert!(
        texts(&doc, "#h-diff")
            .concat()
            .contains("与已载入规划的差异")
    );
    let mut fields = review_fields(&doc);
    set(&mut fields, "title/task-3", "");
    let resp = post_review(&app, &fields, "review").await;
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.expect("page"));
    assert!(texts(&doc, ".form-error").concat().contains("标题不能为空"));
    let fields = review_fields(&doc);
    assert!(
        fields
            .iter()
            .any(|(n, v)| n == "title/task-3" && v == "加强安全生产监管执法能力建设")
    );
    let resp = post_review(&app, &fields, "download").await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.expect("toml");
    plan_portal::seed::parse("downloaded.toml", &text).expect("a seed load accepts");

    // Only admins import.
    let sup = app.new_client();
    app.login_with(&sup, "sup", crate::helpers::PASSWORD).await;
    assert_eq!(
        sup.get(format!("{}/admin/import", app.address))
            .send()
            .await
            .expect("r")
            .status(),
        403
    );
    let token = app.csrf(&sup).await;
    let form = [
        ("csrf", token.as_str()),
        ("draft", "{}"),
        ("action", "load"),
    ];
    assert_eq!(
        app.post_form(&sup, "/admin/import/review", &form)
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn a_refused_paste_is_shown_again_with_the_reason() {
    let app = spawn_app().await;
    app.create_user("adm", UserRole::Admin, None).await;
    app.login("adm").await;
    let csrf = app.csrf(&app.client).await;
    let pasted = "一、重點任務\n1.強化應急指揮體系建設。責任單位：市應急局、市財政局，各縣（市、區）人民政府。";
    let resp = post_import(&app, &csrf, |f| f.text("text", pasted.to_string())).await;
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.expect("page"));
    assert!(texts(&doc, ".form-error").concat().contains("繁体"));
    let kept: String = select(&doc, "textarea#text")[0].text().collect();
    assert_eq!(kept, pasted, "kept as typed, line breaks and all");
}
