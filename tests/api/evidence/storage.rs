//! How files are kept: in chunks, whole, within the quotas, and never sent back wrong.

use plan_portal::Settings;
use plan_portal::reports::EvidenceQuota;

use super::{draft, header, pdf_of, stored_counts, upload};
use crate::helpers::{spawn_app, spawn_app_with, texts};

#[tokio::test]
async fn a_large_file_round_trips_through_its_chunks() {
    let app = spawn_app().await;
    let (c, path, csrf) = draft(&app).await;
    let big = pdf_of(15 * 1024 * 1024 + 12345);
    let resp = upload(
        &app,
        &c.rep,
        &path,
        &csrf,
        "全年台账扫描件.pdf",
        big.clone(),
    )
    .await;
    assert_eq!(resp.status(), 303);
    let chunks: Vec<i32> = sqlx::query_scalar(
        "SELECT octet_length(data) FROM evidence_chunks ORDER BY evidence_id, seq",
    )
    .fetch_all(&app.pool)
    .await
    .expect("chunks");
    assert_eq!(chunks.len(), 16, "{chunks:?}");
    assert!(chunks[..15].iter().all(|&n| n == 1024 * 1024), "{chunks:?}");
    assert_eq!(chunks[15], 12345);
    let id: i64 = sqlx::query_scalar("SELECT id FROM evidence")
        .fetch_one(&app.pool)
        .await
        .expect("id");
    let resp = c
        .rep
        .get(format!("{}/evidence/{id}", app.address))
        .send()
        .await
        .expect("download");
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-length"), big.len().to_string());
    let got = resp.bytes().await.expect("bytes");
    assert!(got.as_ref() == big.as_slice(), "the file came back changed");
}

#[tokio::test]
async fn a_damaged_file_is_never_sent_whole() {
    let app = spawn_app().await;
    let (c, path, csrf) = draft(&app).await;
    let file = pdf_of(2 * 1024 * 1024 + 100);
    let resp = upload(&app, &c.rep, &path, &csrf, "a.pdf", file.clone()).await;
    assert_eq!(resp.status(), 303);
    let id: i64 = sqlx::query_scalar("SELECT id FROM evidence")
        .fetch_one(&app.pool)
        .await
        .expect("id");
    let url = format!("{}/evidence/{id}", app.address);
    // A byte changed in the middle chunk: the checksum fails while streaming and the last
    // chunk is withheld, so the client sees a broken download, never a whole wrong file.
    sqlx::query(
        "UPDATE evidence_chunks SET data = set_byte(data, 10, (get_byte(data, 10) + 1) % 256)
         WHERE evidence_id = $1 AND seq = 1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .expect("damage");
    let resp = c.rep.get(&url).send().await.expect("answered");
    assert_eq!(resp.status(), 200);
    match resp.bytes().await {
        Ok(got) => assert!(got.len() < file.len(), "a damaged file was sent whole"),
        Err(e) => assert!(e.is_body() || e.is_decode(), "{e:?}"),
    }
    // A chunk missing is seen before anything is sent.
    sqlx::query("DELETE FROM evidence_chunks WHERE evidence_id = $1 AND seq = 2")
        .bind(id)
        .execute(&app.pool)
        .await
        .expect("lose a chunk");
    assert_eq!(
        c.rep.get(&url).send().await.expect("answered").status(),
        500
    );
}

#[tokio::test]
async fn quotas_per_report_and_per_unit_are_kept() {
    let quota = EvidenceQuota {
        files_per_report: 3,
        bytes_per_report: 100 * 1024,
        bytes_per_unit: 150 * 1024,
    };
    let app = spawn_app_with(Settings {
        evidence_quota: quota,
        ..Settings::default()
    })
    .await;
    let (c, path, csrf) = draft(&app).await;
    let note = texts(&app.page_as(&c.rep, &path).await, "#file-rules").join("");
    assert!(
        note.contains("每份报告最多 3 个文件、合计不超过 100 KB；每个单位合计不超过 150 KB"),
        "{note}"
    );
    // Files per report: up to the limit, then refused before the file is read.
    for n in 0..3 {
        let resp = upload(
            &app,
            &c.rep,
            &path,
            &csrf,
            &format!("{n}.pdf"),
            pdf_of(1024),
        )
        .await;
        assert_eq!(resp.status(), 303);
    }
    let resp = upload(&app, &c.rep, &path, &csrf, "3.pdf", pdf_of(1024)).await;
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.expect("body");
    assert!(
        page.contains("每份报告最多上传 3 个佐证材料，本报告已有 3 个"),
        "{page}"
    );
    assert_eq!(stored_counts(&app).await, (3, 3));

    // Bytes per report, on another report of the same unit (3 KB used so far).
    let second = draft_another(&app, &c.rep, &path, "task-2").await;
    let kb60 = pdf_of(60 * 1024);
    let resp = upload(&app, &c.rep, &second, &csrf, "a.pdf", kb60.clone()).await;
    assert_eq!(resp.status(), 303);
    let resp = upload(&app, &c.rep, &second, &csrf, "b.pdf", kb60.clone()).await;
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.expect("body");
    assert!(
        page.contains("每份报告的佐证材料合计不能超过 100 KB，本报告已用 60 KB"),
        "{page}"
    );
    // Bytes per unit: 63 KB used; a third report takes 60 KB, then 40 KB more is too much
    // for the unit though not for the report.
    let third = draft_another(&app, &c.rep, &path, "task-3").await;
    let resp = upload(&app, &c.rep, &third, &csrf, "c.pdf", kb60).await;
    assert_eq!(resp.status(), 303);
    let resp = upload(&app, &c.rep, &third, &csrf, "d.pdf", pdf_of(40 * 1024)).await;
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.expect("body");
    assert!(
        page.contains("每个单位的佐证材料合计不能超过 150 KB，本单位已用 123 KB"),
        "{page}"
    );
    assert_eq!(stored_counts(&app).await.0, 5);
}

/// Saves a draft of `item` for the unit of `path`'s report; returns its path.
async fn draft_another(
    app: &crate::helpers::TestApp,
    client: &reqwest::Client,
    path: &str,
    item: &str,
) -> String {
    let other = path.replace("/task-1/", &format!("/{item}/"));
    let (_, csrf, _) =
        crate::fixtures::form_fields(client, &format!("{}{other}", app.address)).await;
    let form = crate::fixtures::report_form(&csrf, "0", "save", "草稿");
    assert_eq!(app.post_form(client, &other, &form).await.status(), 303);
    other
}

/// A file can be taken off a report until it is sent on: its bytes go, its record stays on the
/// page and in the audit log; nobody else may remove it, and after submission nobody can.
#[tokio::test]
async fn evidence_is_removed_before_submission_and_kept_on_record() {
    let app = spawn_app().await;
    let (c, path, csrf) = super::draft(&app).await;
    let pdf = b"%PDF-1.4\n% to be replaced\n".to_vec();
    let resp = super::upload(&app, &c.rep, &path, &csrf, "旧版清单.pdf", pdf.clone()).await;
    assert_eq!(resp.status(), 303);
    let id: i64 = sqlx::query_scalar("SELECT id FROM evidence")
        .fetch_one(&app.pool)
        .await
        .expect("id");
    let remove = format!("/evidence/{id}/remove");

    // The bureau's supervisor reads the report but does not change it.
    let sup_csrf = app.csrf(&c.sup).await;
    let resp = app.post_form(&c.sup, &remove, &[("csrf", &sup_csrf)]).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(super::stored_counts(&app).await, (1, 1));

    let resp = app.post_form(&c.rep, &remove, &[("csrf", &csrf)]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        super::stored_counts(&app).await,
        (1, 0),
        "the bytes are gone, the record stays"
    );
    let page = app.page_as(&c.rep, &path).await;
    assert!(crate::helpers::texts(&page, ".evidence-list a").is_empty());
    let removed = crate::helpers::texts(&page, "details .evidence-list li").join("");
    assert!(
        removed.contains("旧版清单.pdf") && removed.contains("移除于"),
        "{removed}"
    );
    let history = crate::helpers::texts(&page, "#h-history ~ .table-wrap td[data-label='操作']");
    assert!(
        history.iter().any(|a| a == "上传佐证材料") && history.iter().any(|a| a == "移除佐证材料"),
        "the report's history keeps both: {history:?}"
    );
    let download = c
        .rep
        .get(format!("{}/evidence/{id}", app.address))
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 404);
    assert!(
        app.audit_actions()
            .await
            .contains(&"evidence.remove".to_string())
    );

    // Removed twice: nothing left to remove.
    let resp = app.post_form(&c.rep, &remove, &[("csrf", &csrf)]).await;
    assert_eq!(resp.status(), 404);

    // A file on a report sent on stays.
    let resp = super::upload(&app, &c.rep, &path, &csrf, "新版清单.pdf", pdf).await;
    assert_eq!(resp.status(), 303);
    let (_, _, version) =
        crate::fixtures::form_fields(&c.rep, &format!("{}{path}", app.address)).await;
    let sent = app
        .post_form(
            &c.rep,
            &path,
            &crate::fixtures::report_form(&csrf, &version, "submit", "已修订"),
        )
        .await;
    assert_eq!(sent.status(), 303);
    let kept: i64 = sqlx::query_scalar("SELECT max(id) FROM evidence")
        .fetch_one(&app.pool)
        .await
        .expect("id");
    let resp = app
        .post_form(
            &c.rep,
            &format!("/evidence/{kept}/remove"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(super::stored_counts(&app).await, (2, 1));
}
