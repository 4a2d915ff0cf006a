//! `plan-portal seed import` through the real binary: the bundled document as .docx and as
//! text, a 任务分解表 in a layout of another office, and another city's text, each drafted
//! into a seed that `seed load --dry-run` accepts; measured against the bundled seed.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use docx_rs::{BreakType, Docx, Paragraph, Run};
use plan_portal::plan::model::ItemKind;
use plan_portal::seed::{self, Party, PlanSeed};
use rust_xlsxwriter::{Format, Workbook};

use crate::helpers::{TestApp, spawn_app};

pub const DOCUMENT: &str = include_str!("../../seeds/jincheng-2023-33.md");

pub fn run(app: Option<&TestApp>, args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plan-portal"));
    cmd.args(args).env("RUST_LOG", "warn");
    match app {
        Some(app) => cmd.env("DATABASE_URL", app.database_url()),
        None => cmd.env_remove("DATABASE_URL"),
    };
    let out = cmd.output().expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `plan-portal seed import FILE --out OUT`.
pub fn import_cli(file: &Path, out: &Path) -> (bool, String) {
    let path = |p: &Path| p.to_str().expect("utf-8 path").to_string();
    run(None, &["seed", "import", &path(file), "--out", &path(out)])
}

/// Drafts `file` into a seed, checks that `seed load --dry-run` accepts it, and parses it.
pub fn import_and_dry_run(app: &TestApp, file: &Path) -> (PlanSeed, String) {
    let out = file.with_extension("toml");
    let (ok, said) = import_cli(file, &out);
    assert!(ok, "{said}");
    let (ok, dry) = run(
        Some(app),
        &["seed", "load", out.to_str().expect("path"), "--dry-run"],
    );
    assert!(ok, "dry run refused the draft:\n{dry}");
    let text = std::fs::read_to_string(&out).expect("draft written");
    (seed::parse("draft", &text).expect("draft parses"), said)
}

/// The document's paragraphs as an official .docx would hold them: no markdown markup, and
/// a page break where the printed document turns a page.
pub fn document_docx() -> Vec<u8> {
    let mut doc = Docx::new();
    for (i, line) in DOCUMENT.lines().enumerate() {
        let text = line
            .trim_start_matches('#')
            .trim_start_matches("- ")
            .replace("**", "")
            .replace('$', "");
        let text = text.trim();
        if text.is_empty() || text == "---" {
            continue;
        }
        let mut run = Run::new();
        if i % 40 == 39 {
            run = run.add_break(BreakType::Page);
        }
        doc = doc.add_paragraph(Paragraph::new().add_run(run.add_text(text)));
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut buf).expect("docx packs");
    buf.into_inner()
}

/// (title, category key, [(party, role)]) of every task and project, by key.
type Shape = (String, Option<String>, Vec<(String, String)>);

fn shapes(seed: &PlanSeed) -> HashMap<String, Shape> {
    seed.items
        .iter()
        .filter(|i| matches!(i.kind, ItemKind::Task | ItemKind::Project))
        .map(|i| {
            let roles = i
                .assignments
                .iter()
                .map(|a| {
                    let name = match &a.party {
                        Party::Unit(n) | Party::Group(n) => n.clone(),
                    };
                    (name, a.role.slug().to_string())
                })
                .collect();
            (i.key.clone(), (i.title.clone(), i.parent.clone(), roles))
        })
        .collect()
}

/// How many of the bundled seed's 46 tasks and projects the draft holds exactly.
pub fn score(draft: &PlanSeed) -> (usize, Vec<String>) {
    let bundled = seed::parse(seed::BUNDLED_NAME, seed::BUNDLED).expect("bundled");
    let want = shapes(&bundled);
    let got = shapes(draft);
    let mut wrong = Vec::new();
    for (key, w) in &want {
        if got.get(key) != Some(w) {
            wrong.push(format!("{key}: want {w:?}\n      got {:?}", got.get(key)));
        }
    }
    wrong.sort();
    (want.len() - wrong.len(), wrong)
}

fn lead_of(seed: &PlanSeed, key: &str) -> Vec<String> {
    shapes(seed)[key]
        .2
        .iter()
        .filter(|(_, r)| r == "lead")
        .map(|(n, _)| n.clone())
        .collect()
}

#[tokio::test]
async fn the_bundled_document_as_docx_and_as_text_reproduces_the_bundled_seed() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("dir");
    let docx = dir.path().join("晋市安委办发2023-33.docx");
    std::fs::write(&docx, document_docx()).expect("write");
    let text = dir.path().join("plan.md");
    std::fs::write(&text, DOCUMENT).expect("write");
    for file in [docx, text] {
        let (draft, said) = import_and_dry_run(&app, &file);
        let (exact, wrong) = score(&draft);
        assert!(exact >= 44, "{exact}/46 exact\n{}", wrong.join("\n"));
        assert_eq!(
            draft.meta.key, "jincheng-2023-33",
            "same document, same plan"
        );
        assert_eq!(draft.meta.doc_number, "晋市安委办发〔2023〕33号");
        assert_eq!(
            draft.meta.issue_date,
            chrono::NaiveDate::from_ymd_opt(2023, 5, 12).expect("date")
        );
        assert_eq!((draft.meta.start_year, draft.meta.end_year), (2021, 2025));
        assert_eq!(lead_of(&draft, "task-15"), ["市应急局", "市消防救援支队"]);
        assert_eq!(lead_of(&draft, "task-16"), ["市应急局"]);
        assert_eq!(lead_of(&draft, "task-25"), ["市应急局"]);
        let task15 = draft
            .items
            .iter()
            .find(|i| i.key == "task-15")
            .expect("t15");
        assert!(task15.open_list, "「等」 is kept");
        // Indicators and sub-targets come with their numbers.
        let counts = |k| draft.items.iter().filter(|i| i.kind == k).count();
        assert_eq!(counts(ItemKind::Indicator), 4);
        assert_eq!(counts(ItemKind::Subtarget), 4);
        assert_eq!(counts(ItemKind::ColumnArea), 7);
        // The one name it could not match is listed with its place.
        assert!(said.contains("待确认"), "{said}");
    }
}

#[tokio::test]
async fn traditional_text_and_old_formats_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("plan.txt");
    std::fs::write(
        &file,
        "一、重點任務\n1.強化應急指揮體系建設。責任單位：市應急局、市財政局，各縣（市、區）人民政府。",
    )
    .expect("write");
    let out = dir.path().join("x.toml");
    let (ok, said) = import_cli(&file, &out);
    assert!(!ok);
    assert!(said.contains("繁体"), "{said}");
    assert!(!out.exists(), "nothing written");
    let doc = dir.path().join("plan.doc");
    std::fs::write(&doc, b"\xd0\xcf\x11\xe0").expect("write");
    let (ok, said) = import_cli(&doc, &out);
    assert!(!ok);
    assert!(said.contains("另存为 .docx"), "{said}");
}

/// A 任务分解表 as another office lays it out: two title rows above the header, categories
/// as merged rows, lead and supporting units in columns of their own, projects on a sheet of
/// their own, and one task whose 责任单位 cell was left empty.
fn foreign_breakdown(plan: &PlanSeed) -> Vec<u8> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let by_key: HashMap<&str, &seed::ItemSeed> =
        plan.items.iter().map(|i| (i.key.as_str(), i)).collect();
    let names = |i: &seed::ItemSeed, role: &str| -> String {
        i.assignments
            .iter()
            .filter(|a| a.role.slug() == role)
            .map(|a| match &a.party {
                Party::Unit(n) | Party::Group(n) => n.clone(),
            })
            .collect::<Vec<_>>()
            .join("、")
    };
    for (sheet_name, kind) in [
        ("任务清单", ItemKind::Task),
        ("重点工程", ItemKind::Project),
    ] {
        let sheet = book.add_worksheet().set_name(sheet_name).expect("sheet");
        sheet
            .merge_range(
                0,
                0,
                0,
                6,
                "晋城市“十四五”应急体系建设实施方案任务分解表",
                &bold,
            )
            .expect("title");
        sheet
            .write(1, 0, "填报单位：市应急局（盖章）")
            .expect("row");
        let header = [
            "序号",
            "工作任务",
            "具体措施",
            "牵头单位",
            "责任单位",
            "配合单位",
            "完成时限",
        ];
        for (c, h) in header.iter().enumerate() {
            sheet
                .write_with_format(2, c as u16, *h, &bold)
                .expect("header");
        }
        let mut row = 3u32;
        let mut category = None;
        for item in plan.items.iter().filter(|i| i.kind == kind) {
            if item.parent != category {
                category = item.parent.clone();
                let c = by_key[category.as_deref().expect("category")];
                sheet
                    .merge_range(
                        row,
                        0,
                        row,
                        6,
                        &format!("（{}）{}", c.number, c.title),
                        &bold,
                    )
                    .expect("category row");
                row += 1;
            }
            let values = [
                item.number.to_string(),
                item.title.clone(),
                item.body.clone(),
                names(item, "lead"),
                if item.key == "task-8" {
                    String::new()
                } else {
                    names(item, "responsible")
                },
                names(item, "supporting"),
                "2025年底前".to_string(),
            ];
            for (c, v) in values.iter().enumerate() {
                sheet.write(row, c as u16, v.as_str()).expect("cell");
            }
            row += 1;
        }
    }
    book.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn a_breakdown_table_in_another_layout_is_drafted_with_problems_located() {
    let app = spawn_app().await;
    let bundled = seed::parse(seed::BUNDLED_NAME, seed::BUNDLED).expect("bundled");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("分解表.xlsx");
    std::fs::write(&file, foreign_breakdown(&bundled)).expect("write");
    let (draft, said) = import_and_dry_run(&app, &file);
    let shapes = shapes(&draft);
    let want = self::shapes(&bundled);
    let titles = want
        .iter()
        .filter(|(k, w)| shapes.get(*k).is_some_and(|g| g.0 == w.0))
        .count();
    assert!(titles >= 42, "{titles}/46 titles");
    assert_eq!(lead_of(&draft, "task-15"), ["市应急局", "市消防救援支队"]);
    assert_eq!(lead_of(&draft, "task-16"), ["市应急局"]);
    assert_eq!(lead_of(&draft, "task-25"), ["市应急局"]);
    // Task 8's empty 责任单位 cell is pointed at by sheet, row and column.
    assert!(said.contains("任务清单 第12行 E列"), "{said}");
    // Categories came from the merged rows.
    let categories: Vec<&str> = draft
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Category)
        .map(|i| i.title.as_str())
        .collect();
    assert_eq!(categories.len(), 7, "{categories:?}");
    assert_eq!(categories[0], "强化本质安全能力建设");
    // The deadline column became dated milestones to confirm.
    let task1 = draft
        .items
        .iter()
        .find(|i| i.key == "task-1")
        .expect("task 1");
    assert_eq!(
        task1.milestones.first().and_then(|m| m.due_year),
        Some(2025)
    );
}

#[tokio::test]
async fn another_citys_allocation_text_is_drafted_in_its_own_shapes() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("changzhi.txt");
    std::fs::copy("tests/fixtures/import/changzhi-2026.txt", &file).expect("copy");
    let (draft, said) = import_and_dry_run(&app, &file);
    assert_eq!(draft.meta.jurisdiction, "长治市");
    assert_eq!(draft.meta.doc_number, "长政办发〔2026〕12号");
    assert_eq!((draft.meta.start_year, draft.meta.end_year), (2026, 2030));
    let s = shapes(&draft);
    let roles = |key: &str| s[key].2.clone();
    let pair = |n: &str, r: &str| (n.to_string(), r.to_string());
    // 「（A、B牵头，市级各有关部门及各县区政府按职责分工负责）」 at the end of the paragraph.
    assert_eq!(
        roles("task-1"),
        [
            pair("市应急局", "lead"),
            pair("市公安局", "lead"),
            pair("市级各有关部门", "responsible"),
            pair("各县区政府", "responsible")
        ]
    );
    // 「牵头单位：A；配合单位：B、C」
    assert_eq!(
        roles("task-2"),
        [
            pair("市应急局", "lead"),
            pair("市财政局", "supporting"),
            pair("市发展改革委", "supporting")
        ]
    );
    // One 「（责任单位：…）」 line after three sub-points; 各县区人民政府 is 各县区政府.
    assert_eq!(roles("task-3").len(), 3);
    let task3 = draft.items.iter().find(|i| i.key == "task-3").expect("t3");
    assert!(
        task3.body.contains("（3）加强城市排水防涝设施建设"),
        "{}",
        task3.body
    );
    assert_eq!(task3.milestones[0].target, Some((5, "个".to_string())));
    // A unit name cut by a page break is mended; 「等」 is kept.
    assert_eq!(roles("task-4")[0], pair("市住房城乡建设局", "responsible"));
    assert!(draft.items.iter().any(|i| i.key == "task-4" && i.open_list));
    // Half-width punctuation throughout.
    assert_eq!(s["task-5"].0, "加强应急物资保障");
    assert_eq!(roles("task-5")[0], pair("市发展改革委", "lead"));
    // Every unit is new to the portal, and the admin is told so, with the line.
    assert!(said.contains("第31行: 「市应急局」是新单位"), "{said}");
}

#[tokio::test]
async fn seed_export_writes_a_breakdown_that_seed_import_reads_back() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("dir");
    let xlsx = dir.path().join("分解表.xlsx");
    let path = |p: &Path| p.to_str().expect("utf-8 path").to_string();
    let (ok, said) = run(
        None,
        &["seed", "export", seed::BUNDLED_NAME, "--xlsx", &path(&xlsx)],
    );
    assert!(ok, "{said}");
    assert!(said.contains("29 项重点任务"), "{said}");
    let (draft, _) = import_and_dry_run(&app, &xlsx);
    let (exact, wrong) = score(&draft);
    assert_eq!(exact, 46, "{}", wrong.join("\n"));
    assert_eq!(
        draft.meta.key, "jincheng-2023-33",
        "the 说明 sheet names the plan"
    );
}
