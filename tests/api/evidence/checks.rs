//! What an upload must pass: the content's type, a name that agrees with it and carries no
//! executable part, a clean name, a readable multipart body; and what a download carries.

use std::io::Write;

use super::{draft, header, pdf_of, stored_counts, upload};
use crate::helpers::{spawn_app, texts};

/// A real zip with these entries, as Office writes its documents.
fn zip_of(entries: &[&str]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for name in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        zip.write_all(b"<xml/>").expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

#[tokio::test]
async fn refused_names_and_contents_are_explained_and_nothing_is_kept() {
    let app = spawn_app().await;
    let (c, path, csrf) = draft(&app).await;
    let pdf = pdf_of(2000);
    let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec();
    let docx = zip_of(&["[Content_Types].xml", "word/document.xml"]);
    let executable = "不接受可执行文件、脚本或网页";
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        ("page.html", html.clone(), vec![executable, ".html"]),
        ("page.htm", html.clone(), vec![executable, ".htm"]),
        ("logo.svg", svg, vec![executable, ".svg"]),
        (
            "run.bat",
            b"@echo off\r\ndel /q *\r\n".to_vec(),
            vec![executable, ".bat"],
        ),
        (
            "setup.exe",
            b"MZ\x90\x00\x03\x00\x00\x00".to_vec(),
            vec![executable, ".exe"],
        ),
        ("app.hta", html.clone(), vec![executable, ".hta"]),
        ("通知.exe.pdf", pdf.clone(), vec![executable, ".exe"]),
        ("报告.pdf.js", pdf.clone(), vec![executable, ".js"]),
        // A PDF under another type's name: the detected type is named.
        (
            "renamed.txt",
            pdf.clone(),
            vec!["文件内容是 PDF 文档", ".txt", ".pdf"],
        ),
        ("report.html", pdf.clone(), vec![executable, ".html"]),
        ("没有扩展名", pdf.clone(), vec!["PDF 文档", "没有扩展名"]),
        // Judged on its first 64 KiB before the rest arrives: refused just the same.
        (
            "long.txt",
            pdf_of(300_000),
            vec!["文件内容是 PDF 文档", ".txt"],
        ),
        ("evil.pdf", html, vec!["只接受 PDF"]),
        ("表格.xlsx", docx, vec!["文件内容是 Word 文档", ".docx"]),
        (
            "图.png",
            b"\xff\xd8\xff\xe0\x00\x10JFIF".to_vec(),
            vec!["JPEG 图片", ".jpg"],
        ),
    ];
    for (name, bytes, said) in cases {
        let resp = upload(&app, &c.rep, &path, &csrf, name, bytes).await;
        assert_eq!(resp.status(), 400, "{name}");
        let page = resp.text().await.expect("body");
        for s in said {
            assert!(page.contains(s), "{name}: «{s}» missing from\n{page}");
        }
    }
    assert_eq!(stored_counts(&app).await, (0, 0));
    // The form says what it takes, and what it refuses, beside the field.
    let doc = app.page_as(&c.rep, &path).await;
    let note = texts(&doc, "#file-rules").join("");
    for s in [
        "PDF",
        "OFD",
        "ZIP",
        "不接受可执行文件",
        "单个文件不超过 20 MB",
        "最多 20 个文件",
        "2 GB",
    ] {
        assert!(note.contains(s), "«{s}» missing from {note}");
    }
}

#[tokio::test]
async fn names_lose_bidi_characters_and_downloads_are_plain_attachments() {
    let app = spawn_app().await;
    let (c, path, csrf) = draft(&app).await;
    // Shown by a browser as 年度总结fdp.pdf with the tail reversed; kept without the marks.
    let name = "年度\u{202E}总结\u{200B}\u{2066}\u{FEFF}\u{061C}.pdf";
    let pdf = pdf_of(5000);
    // The client calls it a web page: the type sent back is the one judged from its content.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf.clone())
                .file_name(name.to_string())
                .mime_str("text/html")
                .expect("mime"),
        );
    let resp = c
        .rep
        .post(format!("{}{path}/evidence", app.address))
        .multipart(form)
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), 303);
    let docx = zip_of(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
    let resp = upload(&app, &c.rep, &path, &csrf, "方案.docx", docx.clone()).await;
    assert_eq!(resp.status(), 303);
    let png = [b"\x89PNG\r\n\x1a\n".to_vec(), vec![7; 100]].concat();
    let resp = upload(&app, &c.rep, &path, &csrf, "现场.PNG", png.clone()).await;
    assert_eq!(resp.status(), 303);

    let listed = texts(&app.page_as(&c.rep, &path).await, ".evidence-list a");
    assert_eq!(listed, ["年度总结.pdf", "方案.docx", "现场.PNG"]);
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM evidence ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .expect("ids");
    let expected = [
        (
            "application/pdf",
            "%E5%B9%B4%E5%BA%A6%E6%80%BB%E7%BB%93.pdf",
            pdf,
        ),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "%E6%96%B9%E6%A1%88.docx",
            docx,
        ),
        ("image/png", "%E7%8E%B0%E5%9C%BA.PNG", png),
    ];
    for (id, (content_type, encoded, bytes)) in ids.iter().zip(expected) {
        let resp = c
            .rep
            .get(format!("{}/evidence/{id}", app.address))
            .send()
            .await
            .expect("download");
        assert_eq!(resp.status(), 200);
        let disposition = header(&resp, "content-disposition");
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.ends_with(&format!("filename*=UTF-8''{encoded}")),
            "{disposition}"
        );
        // No trace of the marks, encoded or raw (U+202E is E2 80 AE).
        assert!(!disposition.contains("%E2%80"), "{disposition}");
        assert_eq!(header(&resp, "content-type"), content_type);
        assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
        assert!(header(&resp, "cache-control").contains("no-store"));
        assert_eq!(header(&resp, "content-length"), bytes.len().to_string());
        assert_eq!(resp.bytes().await.expect("bytes").to_vec(), bytes);
    }
}

#[tokio::test]
async fn a_malformed_multipart_body_is_a_bad_request_not_too_large() {
    let app = spawn_app().await;
    let (c, path, csrf) = draft(&app).await;
    let url = format!("{}{path}/evidence", app.address);
    let cut_short = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--XyZ\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4 and then nothing"
    );
    let no_headers = "--XyZ\r\nthis is not a part header\r\n\r\n--XyZ--\r\n".to_string();
    for body in [cut_short, no_headers] {
        let resp = c
            .rep
            .post(&url)
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(body)
            .send()
            .await
            .expect("answered");
        assert_eq!(resp.status(), 400);
        let page = resp.text().await.expect("body");
        assert!(page.contains("格式有误"), "{page}");
    }
    assert_eq!(stored_counts(&app).await, (0, 0));
}
