//! `plan-portal backup` and `restore`: a round trip loses nothing, evidence files included;
//! a bad or truncated backup is refused and changes nothing.

use std::path::Path;
use std::process::{Command, Output};

use sqlx::PgPool;

use crate::faults::open_dir;
use crate::fixtures::{cast, form_fields, open_round, report_form};
use crate::helpers::{TestApp, spawn_app, spawn_empty_app};
use crate::process::{self, BIN, Store};

fn cli(db_url: Option<&str>, args: &[&str], file: &Path) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).arg(file);
    match db_url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL"),
    };
    cmd.output().expect("the binary runs")
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Rows and a digest of every table's content, but for what a restore changes on purpose:
/// the dashboards' data versions move on, every session ends, and the audit log says so.
async fn fingerprint(pool: &PgPool) -> Vec<(String, i64, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
           AND table_name NOT IN ('plan_data_versions', 'catalog_version', 'sessions') ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    let mut out = Vec::new();
    for t in tables {
        let only = if t == "audit_log" {
            "WHERE x.action <> 'system.restore'"
        } else {
            ""
        };
        let sql = format!(
            "SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \"{t}\" x {only}"
        );
        let (n, digest): (i64, String) =
            sqlx::query_as(&sql).fetch_one(pool).await.expect("digest");
        out.push((t, n, digest));
    }
    out
}

/// A report with an evidence file, saved through the portal.
async fn some_work(app: &TestApp) {
    let round = open_round(app).await;
    let c = cast(app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let (_, csrf, _) = form_fields(&c.rep, &format!("{}{path}", app.address)).await;
    let saved = app
        .post_form(
            &c.rep,
            &path,
            &report_form(&csrf, "0", "save", "备份前的进展"),
        )
        .await;
    assert_eq!(saved.status(), 303);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4\n% kept\n".to_vec())
                .file_name("会议纪要.pdf"),
        );
    let uploaded = c
        .rep
        .post(format!("{}{path}/evidence", app.address))
        .multipart(form)
        .send()
        .await
        .expect("answered");
    assert_eq!(uploaded.status(), 303);
}

#[tokio::test]
async fn a_backup_restores_everything_and_a_bad_one_changes_nothing() {
    let app = spawn_app().await;
    some_work(&app).await;
    let before = fingerprint(&app.pool).await;
    let evidence = before
        .iter()
        .find(|(t, ..)| t == "evidence")
        .expect("evidence");
    assert_eq!(evidence.1, 1);

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("portal.dump");
    let out = cli(Some(&app.database_url()), &["backup"], &file);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains("1 plan(s), 1 report(s), 1 evidence file(s)"),
        "{}",
        said(&out)
    );
    assert!(!file.with_extension("partial").exists());
    // It holds password hashes: readable by its owner only, and it says so.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        assert!(said(&out).contains("0600"), "{}", said(&out));
    }

    // Into an empty database elsewhere: the same content.
    let other = spawn_empty_app().await;
    let out = cli(Some(&other.database_url()), &["restore"], &file);
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(fingerprint(&other.pool).await, before);

    // Over the same database after more work: back to the backup.
    sqlx::query("UPDATE reports SET progress = '备份后的改动'")
        .execute(&app.pool)
        .await
        .expect("changed");
    let sessions_at_backup: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&app.pool)
        .await
        .expect("sessions");
    assert!(
        sessions_at_backup > 0,
        "the backup holds signed-in sessions"
    );
    let versions_before: i64 =
        sqlx::query_scalar("SELECT coalesce(max(version), 0) FROM plan_data_versions")
            .fetch_one(&app.pool)
            .await
            .expect("versions");
    let out = cli(Some(&app.database_url()), &["restore"], &file);
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(fingerprint(&app.pool).await, before);
    // Sessions in the backup do not come back: everyone signs in again, and the log says why.
    let (sessions, restores): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM sessions),
                (SELECT count(*) FROM audit_log WHERE action = 'system.restore')",
    )
    .fetch_one(&app.pool)
    .await
    .expect("counts");
    assert_eq!((sessions, restores), (0, 1));
    // Instances still running will not reuse dashboards computed before the restore.
    let versions_after: i64 = sqlx::query_scalar("SELECT min(version) FROM plan_data_versions")
        .fetch_one(&app.pool)
        .await
        .expect("versions");
    assert!(versions_after > versions_before);
    let catalog: i64 = sqlx::query_scalar("SELECT version FROM catalog_version")
        .fetch_one(&app.pool)
        .await
        .expect("catalog version");
    assert!(
        catalog > 1_000_000,
        "public pages kept before are not reused: {catalog}"
    );
    // The portal serves the restored data, the evidence file included.
    let portal = process::serve(Store::Url(app.database_url()), &[]);
    let served = reqwest::get(format!("{}/healthz", portal.url))
        .await
        .expect("up");
    assert_eq!(served.status(), 200);
    drop(portal);

    // A file that is not a backup, and a backup cut short: refused, nothing changed.
    let garbage = dir.path().join("garbage.dump");
    std::fs::write(&garbage, "not a dump").expect("write");
    let bytes = std::fs::read(&file).expect("read");
    let cut = dir.path().join("cut.dump");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).expect("write");
    sqlx::query("UPDATE reports SET progress = '恢复失败也不能丢'")
        .execute(&app.pool)
        .await
        .expect("changed");
    let current = fingerprint(&app.pool).await;
    for bad in [&garbage, &cut] {
        let out = cli(Some(&app.database_url()), &["restore"], bad);
        assert!(!out.status.success(), "{}: {}", bad.display(), said(&out));
        assert!(said(&out).contains("error:"), "{}", said(&out));
        assert_eq!(fingerprint(&app.pool).await, current, "{}", bad.display());
    }
    let missing = cli(
        Some(&app.database_url()),
        &["restore"],
        &dir.path().join("none.dump"),
    );
    assert!(!missing.status.success());
}

#[tokio::test]
async fn the_private_server_is_backed_up_and_restored_with_its_own_tools() {
    let dir = open_dir();
    let data_dir = dir.path().join("data").join("postgres");
    let file = dir.path().join("private.dump");
    let data_arg = data_dir.display().to_string();
    let mut portal = process::serve(Store::Private(&data_dir), &[]);
    // A backup while the portal serves uses its server; a restore is refused.
    let out = cli(None, &["backup", "--data-dir", &data_arg], &file);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("1 plan(s)"), "{}", said(&out));
    let out = cli(None, &["restore", "--data-dir", &data_arg], &file);
    assert!(!out.status.success());
    assert!(
        said(&out).contains("stop it before restoring"),
        "{}",
        said(&out)
    );
    portal.signal(libc::SIGTERM);
    let stopped = portal.wait_exit(std::time::Duration::from_secs(60));
    assert!(stopped.is_some_and(|s| s.success()));
    let out = cli(None, &["restore", "--data-dir", &data_arg], &file);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("restored ("), "{}", said(&out));
}
