//! Evidence files, and the lead unit's view of its partners' reports.

mod checks;
mod storage;

use plan_portal::accounts::model::UserRole;

use crate::fixtures::{Cast, cast, form_fields, open_round, report_form};
use crate::helpers::{PASSWORD, TestApp, select, spawn_app, texts};

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    client
        .post(format!("{}{path}/evidence", app.address))
        .multipart(form)
        .send()
        .await
        .expect("answered")
}

/// A 高平 reporter with a saved draft of task-1: the report path and the form token.
async fn draft(app: &TestApp) -> (Cast, String, String) {
    let round = open_round(app).await;
    let c = cast(app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let (_, csrf, _) = form_fields(&c.rep, &format!("{}{path}", app.address)).await;
    let saved = app
        .post_form(&c.rep, &path, &report_form(&csrf, "0", "save", "草稿"))
        .await;
    assert_eq!(saved.status(), 303);
    (c, path, csrf)
}

/// A PDF of `len` bytes whose body is varied enough that no layer could compress it away.
fn pdf_of(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.push(x as u8);
    }
    bytes.truncate(len);
    bytes
}

/// How many evidence rows and chunks are stored.
async fn stored_counts(app: &TestApp) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT count(*) FROM evidence), (SELECT count(*) FROM evidence_chunks)")
        .fetch_one(&app.pool)
        .await
        .expect("counts")
}

/// A header of a response, or "".
fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn evidence_is_checked_stored_and_served_only_to_readers() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    app.create_user("zz-rep", UserRole::Reporter, Some("泽州县人民政府"))
        .await;
    let other = app.new_client();
    app.login_with(&other, "zz-rep", PASSWORD).await;
    let gp: i64 = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let url = format!("{}{path}", app.address);
    let (_, csrf, _) = form_fields(&c.rep, &url).await;
    let pdf = b"%PDF-1.4\n% test evidence\n".to_vec();

    // Nothing to attach to before the first save.
    assert_eq!(
        upload(&app, &c.rep, &path, &csrf, "a.pdf", pdf.clone())
            .await
            .status(),
        400
    );
    app.post_form(&c.rep, &path, &report_form(&csrf, "0", "save", "草稿"))
        .await;

    // Judged by content: an HTML page named .pdf is refused.
    let resp = upload(
        &app,
        &c.rep,
        &path,
        &csrf,
        "evil.pdf",
        b"<html><script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.expect("body").contains("只接受 PDF"));
    // A good file, with a hostile name.
    let resp = upload(
        &app,
        &c.rep,
        &path,
        &csrf,
        "../../职责清单.pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(resp.status(), 303);
    let (name, sha): (String, Vec<u8>) = sqlx::query_as("SELECT filename, sha256 FROM evidence")
        .fetch_one(&app.pool)
        .await
        .expect("row");
    assert_eq!(name, "职责清单.pdf");
    assert_eq!(sha.len(), 32);

    // Listed on the page; downloaded as an attachment, byte for byte, by readers only.
    let doc = scraper::Html::parse_document(
        &c.rep
            .get(&url)
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body"),
    );
    let href = select(&doc, ".evidence-list a")[0]
        .value()
        .attr("href")
        .unwrap_or_default()
        .to_string();
    let resp = c
        .rep
        .get(format!("{}{href}", app.address))
        .send()
        .await
        .expect("download");
    assert_eq!(resp.status(), 200);
    let disposition = resp
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''"),
        "{disposition}"
    );
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), pdf);
    assert_eq!(
        c.sup
            .get(format!("{}{href}", app.address))
            .send()
            .await
            .expect("download")
            .status(),
        200
    );
    assert_eq!(
        other
            .get(format!("{}{href}", app.address))
            .send()
            .await
            .expect("download")
            .status(),
        403
    );
    assert_eq!(
        app.new_client()
            .get(format!("{}{href}", app.address))
            .send()
            .await
            .expect("download")
            .status(),
        303
    );

    // Too large: the report page again, the reason beside the upload field; nothing stored.
    let big = [b"%PDF-1.4\n".to_vec(), vec![b'x'; 21 * 1024 * 1024]].concat();
    let resp = upload(&app, &c.rep, &path, &csrf, "big.pdf", big).await;
    assert_eq!(resp.status(), 413);
    let page = resp.text().await.expect("body");
    assert!(
        page.contains(r#"id="file-error""#) && page.contains("单个文件不能超过 20 MB"),
        "{page}"
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM evidence")
        .fetch_one(&app.pool)
        .await
        .expect("n");
    assert_eq!(n, 1);
    assert!(
        app.audit_actions()
            .await
            .contains(&"evidence.upload".to_string())
    );
}

#[tokio::test]
async fn the_lead_unit_sees_its_partners_reports_beside_its_own() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    app.create_user("yjj-rep", UserRole::Reporter, Some("市应急局"))
        .await;
    let c = cast(&app).await;
    let lead = app.new_client();
    app.login_with(&lead, "yjj-rep", PASSWORD).await;
    let unit = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .expect("unit")
        }
    };
    let (yjj, gp) = (unit("市应急局").await, unit("高平市人民政府").await);
    // 高平 reports on sub-target 1, which 市应急局 leads.
    let gp_path = format!("/rounds/{round}/reports/subtarget-1/{gp}");
    let gp_url = format!("{}{gp_path}", app.address);
    let (_, csrf, _) = form_fields(&c.rep, &gp_url).await;
    let draft = report_form(&csrf, "0", "save", "高平已配备执法装备");
    assert_eq!(app.post_form(&c.rep, &gp_path, &draft).await.status(), 303);
    let pdf = b"%PDF-1.4\n% equipment list\n".to_vec();
    let resp = upload(&app, &c.rep, &gp_path, &csrf, "装备清单.pdf", pdf.clone()).await;
    assert_eq!(resp.status(), 303);
    let (_, csrf, version) = form_fields(&c.rep, &gp_url).await;
    let submit = report_form(&csrf, &version, "submit", "高平已配备执法装备");
    assert_eq!(app.post_form(&c.rep, &gp_path, &submit).await.status(), 303);

    let own = format!("{}/rounds/{round}/reports/subtarget-1/{yjj}", app.address);
    let doc = scraper::Html::parse_document(
        &lead
            .get(&own)
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body"),
    );
    let partners = texts(&doc, ".partner-list a");
    assert!(
        partners.contains(&"高平市人民政府".to_string())
            && partners.contains(&"市财政局".to_string()),
        "{partners:?}"
    );
    assert_eq!(
        select(&doc, ".notice-bar").len(),
        1,
        "told that its report is the consolidated one"
    );
    // It reads the partner's report but cannot change it, and reads nothing it does not lead.
    let resp = lead
        .get(format!("{}{gp_path}", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("高平已配备执法装备")
    );
    // Its files too, as the page lists them.
    let file: i64 = sqlx::query_scalar("SELECT id FROM evidence")
        .fetch_one(&app.pool)
        .await
        .expect("evidence");
    let resp = lead
        .get(format!("{}/evidence/{file}", app.address))
        .send()
        .await
        .expect("file");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), pdf);
    let lead_csrf = app.csrf(&lead).await;
    assert_eq!(
        app.post_form(&lead, &gp_path, &report_form(&lead_csrf, "2", "save", "x"))
            .await
            .status(),
        403
    );
    let not_led = format!("{}/rounds/{round}/reports/task-1/{gp}", app.address);
    assert_eq!(lead.get(&not_led).send().await.expect("page").status(), 403);
}
