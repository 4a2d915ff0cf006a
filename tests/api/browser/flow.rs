//! One county report through the whole workflow, each person in their own browser, clicking
//! and typing as they would: reporter, unit approver, bureau supervisor, then a leader who
//! drills down from the dashboard to the accepted report.

use std::path::{Path, PathBuf};

use plan_portal::accounts::model::UserRole;

use super::driver::Driver;
use super::harness::{Browser, Device};
use super::steps::{
    FIRST_FILE, SECOND_FILE, UNIT, accept, drill_down, first_report, log_in, return_with_comment,
    revise, sign_off,
};
use crate::fixtures::{open_round, state_of};
use crate::helpers::{TestApp, spawn_app};

pub async fn run(test: &str, device: Device) {
    let Some(driver) = Driver::start_or_skip(test).await else {
        return;
    };
    let started = std::time::Instant::now();
    let open = |who| Browser::open(&driver, who, device);
    // The four browsers and the app with its database start side by side, not one by one.
    let (app, (reporter, approver, supervisor, leader)) = tokio::join!(spawn_app(), async {
        tokio::join!(
            open("reporter"),
            open("approver"),
            open("supervisor"),
            open("leader")
        )
    });
    let [reporter, approver, supervisor, leader] =
        [reporter, approver, supervisor, leader].map(|b| b.at(&app.address));
    let round = open_round(&app).await;
    app.create_user("gp-rep", UserRole::Reporter, Some(UNIT))
        .await;
    app.create_user("gp-appr", UserRole::Approver, Some(UNIT))
        .await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    app.create_user("boss", UserRole::Leader, None).await;
    let folder = tempfile::tempdir().expect("temp folder");
    let first = write_pdf(
        folder.path(),
        FIRST_FILE,
        "Gaoping safety duty list (draft)",
    );
    let second = write_pdf(folder.path(), SECOND_FILE, "Notice: duty list issued");
    eprintln!(
        "{test}: browsers and app ready after {:.1?}",
        started.elapsed()
    );

    log_in(&reporter, "gp-rep").await;
    first_report(&reporter, &first).await;
    log_in(&approver, "gp-appr").await;
    sign_off(&approver).await;
    log_in(&supervisor, "sup").await;
    return_with_comment(&supervisor).await;
    revise(&reporter, &second).await;
    sign_off(&approver).await;
    accept(&supervisor).await;
    log_in(&leader, "boss").await;
    drill_down(&leader).await;

    check_database(&app, round, &[(FIRST_FILE, &first), (SECOND_FILE, &second)]).await;
    tokio::join!(
        reporter.close(),
        approver.close(),
        supervisor.close(),
        leader.close()
    );
    eprintln!("{test}: passed in {:.1?}", started.elapsed());
}

/// A small but complete PDF (one page of text), as a scanner or Word would save it.
fn pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 18 Tf 72 760 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .into(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    let size = objects.len() + 1;
    out.extend(format!("xref\n0 {size}\n0000000000 65535 f \n").bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").bytes(),
    );
    out
}

fn write_pdf(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pdf(text)).expect("write PDF");
    path
}

async fn check_database(app: &TestApp, round: i64, files: &[(&str, &Path)]) {
    assert_eq!(state_of(app, round).await.as_deref(), Some("accepted"));
    let stored: Vec<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT e.filename, (SELECT string_agg(data, ''::bytea ORDER BY seq)
                             FROM evidence_chunks WHERE evidence_id = e.id)
         FROM evidence e JOIN reports r ON r.id = e.report_id
         WHERE r.round_id = $1 ORDER BY e.id",
    )
    .bind(round)
    .fetch_all(&app.pool)
    .await
    .expect("evidence");
    let expected: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(name, path)| (name.to_string(), std::fs::read(path).expect("PDF")))
        .collect();
    assert_eq!(stored, expected, "evidence stored as uploaded");
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT v.action FROM report_versions v JOIN reports r ON r.id = v.report_id
         WHERE r.round_id = $1 ORDER BY v.version",
    )
    .bind(round)
    .fetch_all(&app.pool)
    .await
    .expect("versions");
    // The second "save" is the revised text, saved by the upload it was typed before.
    assert_eq!(
        actions,
        [
            "save", "submit", "approve", "return", "save", "submit", "approve", "accept"
        ]
    );
}
