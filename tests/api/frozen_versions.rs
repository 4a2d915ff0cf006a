//! Stored evaluation snapshots outlive the code that wrote them: one stored before snapshots
//! carried a schema version still renders with its numbers, and new ones carry the version.
//!
//! `tests/fixtures/evaluation-snapshot-v1.json` is a snapshot as the portal stored it before
//! the version existed: the bundled plan, 高平市人民政府's report on task 1 (已完成, 职责清单已印发,
//! problem 基层执法力量不足) accepted, frozen at its day. Only its ledger was cut to task 1's
//! seven lines (from 521) to keep the file small; the ledger shows in the exports, not the page.

use plan_portal::reports::model::ProgressStatus;

use crate::evaluation::{accepted, download, evaluate, sheet, supervisor};
use crate::fixtures::open_round;
use crate::helpers::{select, spawn_app, text_of, texts};

const OLD: &str = include_str!("../fixtures/evaluation-snapshot-v1.json");

#[tokio::test]
async fn a_snapshot_stored_without_a_version_still_renders_with_its_numbers() {
    let app = spawn_app().await;
    assert!(!OLD.contains("schema_version"), "the fixture predates it");
    let id: i64 = sqlx::query_scalar(
        r#"INSERT INTO evaluations (plan_id, kind, title, cutoff, snapshot, created_by)
           SELECT id, 'mid_term', '旧版中期评估', '2026-12-02', $1::jsonb, 'test' FROM plans
           RETURNING id"#,
    )
    .bind(OLD)
    .fetch_one(&app.pool)
    .await
    .expect("stored");
    let (sup, csrf) = supervisor(&app).await;
    let url = format!("/plans/jincheng-2023-33/evaluations/{id}");
    let doc = app.page_as(&sup, &url).await;
    assert_eq!(texts(&doc, "h1"), ["旧版中期评估"]);
    let summary = texts(&doc, "#e-summary ~ p, section p");
    assert!(
        summary.iter().any(|p| p.contains("共 50 项")),
        "{summary:?}"
    );
    let chips = texts(&doc, ".status-bar li");
    assert!(chips.contains(&"已完成 1（2%）".to_string()), "{chips:?}");
    assert!(chips.contains(&"未报告 49（98%）".to_string()), "{chips:?}");
    let task = select(&doc, "section tr")
        .into_iter()
        .map(|r| text_of(&r))
        .find(|t| t.contains("强化安全生产责任体系建设"))
        .expect("task 1");
    assert!(
        task.contains("已完成") && task.contains("职责清单已印发"),
        "{task}"
    );
    let gaoping: Vec<String> = select(&doc, "#e-units ~ .table-wrap tbody tr")
        .into_iter()
        .map(|r| r.child_elements().map(|c| text_of(&c)).collect())
        .find(|cells: &Vec<String>| cells[0] == "高平市人民政府")
        .expect("高平's row");
    assert_eq!(gaoping[1..], ["48", "1", "1", "0", "0"]);
    assert_eq!(texts(&doc, ".problems li").len(), 1);
    // Four indicators and four sub-targets, with their verdicts.
    assert_eq!(texts(&doc, "#e-ind + .table-wrap tbody tr").len(), 8);

    // Its exports read back too.
    let xlsx = download(&sup, &format!("{}{url}/xlsx", app.address)).await;
    let ledger = sheet(&xlsx, "台账");
    assert!(
        ledger
            .iter()
            .any(|r| r[3] == "高平市人民政府" && r[9] == "职责清单已印发")
    );

    // A new evaluation stores the version, and compares with the old one.
    let round = open_round(&app).await;
    accepted(&app, round, ProgressStatus::Completed, "职责清单已印发").await;
    let today = plan_portal::reports::today().to_string();
    let new = evaluate(&app, &sup, &csrf, "新版评估", &today).await;
    let new_id = new.rsplit('/').next().unwrap_or_default();
    let version: Option<String> =
        sqlx::query_scalar("SELECT snapshot->>'schema_version' FROM evaluations WHERE id = $1")
            .bind(new_id.parse::<i64>().expect("id"))
            .fetch_one(&app.pool)
            .await
            .expect("version");
    assert_eq!(version.as_deref(), Some("2"));
    let cmp = app
        .page_as(
            &sup,
            &format!("/plans/jincheng-2023-33/evaluations/compare?a={id}&b={new_id}"),
        )
        .await;
    assert!(!texts(&cmp, "h1").is_empty());
}

#[test]
fn a_field_missing_from_a_stored_snapshot_reads_as_empty() {
    use plan_portal::evaluation::frozen::{Frozen, SCHEMA_VERSION};
    let old: serde_json::Value = serde_json::from_str(OLD).expect("json");
    let f = Frozen::stored(old.clone()).expect("loads");
    assert_eq!((f.schema_version, f.total, f.units.len()), (1, 50, 44));
    // Version 2 added the units' reporting record: a version 1 snapshot shows its own columns.
    assert!(!f.has_records());
    assert_eq!(
        SCHEMA_VERSION, 2,
        "raise it with a fixture of the old layout"
    );
    // As if `milestones` had been added after this snapshot was stored.
    let mut older = old;
    older.as_object_mut().expect("object").remove("milestones");
    let f = Frozen::stored(older).expect("loads");
    assert!(f.milestones.is_empty());
    assert_eq!(f.total, 50);
}
