//! Exports in the formats officials circulate: the ledger and an evaluation as `.xlsx`,
//! the evaluation report as `.docx` in the official document format. Both in Chinese, both
//! read back by the tests.

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::frozen::{Frozen, FrozenItem, LedgerLine};
use crate::gongwen::{Gongwen, Meta};

pub const LEDGER_HEADS: [&str; 12] = [
    "事项",
    "类型",
    "类别",
    "单位",
    "职责",
    "最近报告期次",
    "进展状态",
    "完成比例（%）",
    "指标值",
    "工作进展",
    "存在问题",
    "下步计划",
];

fn sheet(
    ws: &mut Worksheet,
    heads: &[&str],
    rows: &[Vec<String>],
    widths: &[u16],
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold().set_background_color("D9E2F3");
    for (c, h) in heads.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, c, *h, &bold)?;
        ws.set_column_width(c, f64::from(*widths.get(usize::from(c)).unwrap_or(&14)))?;
    }
    let wrap = Format::new().set_text_wrap();
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, v) in row.iter().enumerate() {
            ws.write_string_with_format(r, u16::try_from(c).unwrap_or(u16::MAX), v, &wrap)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn ledger_rows(lines: &[LedgerLine]) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|l| {
            vec![
                l.item.clone(),
                l.kind.clone(),
                l.category.clone(),
                l.unit.clone(),
                l.role.clone(),
                l.round.clone(),
                l.status.clone(),
                l.percent.clone(),
                l.value.clone(),
                l.progress.clone(),
                l.problems.clone(),
                l.next_steps.clone(),
            ]
        })
        .collect()
}

const LEDGER_WIDTHS: [u16; 12] = [36, 10, 22, 22, 8, 16, 12, 12, 10, 50, 36, 36];

/// The 台账: every item × unit with its latest report.
pub fn ledger_xlsx(lines: &[LedgerLine]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("台账")?;
    sheet(ws, &LEDGER_HEADS, &ledger_rows(lines), &LEDGER_WIDTHS)?;
    wb.save_to_buffer()
}

fn item_rows(items: &[FrozenItem]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|i| {
            vec![
                i.label.clone(),
                i.title.clone(),
                i.status.clone(),
                i.units.clone(),
                i.progress.clone(),
            ]
        })
        .collect()
}

/// The evaluation: summary, indicators, tasks, projects, units, and its ledger.
pub fn evaluation_xlsx(title: &str, f: &Frozen) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("概况")?;
    let mut rows = vec![
        vec!["评估".to_string(), title.to_string()],
        vec!["规划".into(), f.plan_title.clone()],
        vec!["截止日期".into(), f.cutoff.to_string()],
        vec!["序时进度（%）".into(), f.expected.to_string()],
        vec!["纳入统计的事项".into(), f.total.to_string()],
    ];
    rows.extend(
        f.statuses
            .iter()
            .map(|(_, l, n, s)| vec![l.clone(), format!("{n}（{s}%）")]),
    );
    sheet(ws, &["项目", "内容"], &rows, &[20, 60])?;
    let ws = wb.add_worksheet();
    ws.set_name("指标")?;
    let rows: Vec<Vec<String>> = f
        .indicators
        .iter()
        .map(|i| indicator_cells(i).to_vec())
        .collect();
    sheet(
        ws,
        &[
            "指标",
            "属性",
            "基期",
            "最新值",
            "目标",
            "序时目标",
            "预计期末值",
            "判断",
        ],
        &rows,
        &[40, 8, 20, 24, 24, 14, 14, 14],
    )?;
    let heads = ["序号", "事项", "状态", "责任单位", "进展摘要"];
    let widths = [12, 36, 10, 50, 60];
    let ws = wb.add_worksheet();
    ws.set_name("重点任务")?;
    let tasks: Vec<FrozenItem> = f
        .categories
        .iter()
        .flat_map(|c| c.items.iter().cloned())
        .collect();
    sheet(ws, &heads, &item_rows(&tasks), &widths)?;
    let ws = wb.add_worksheet();
    ws.set_name("重点工程")?;
    sheet(ws, &heads, &item_rows(&f.projects), &widths)?;
    let ws = wb.add_worksheet();
    ws.set_name("单位")?;
    // Snapshots stored before the units' reporting record have its first six columns only.
    let all: Vec<usize> = (0..UNIT_HEADS.len()).collect();
    let (heads, units) = unit_table(f, if f.has_records() { &all } else { &UNIT_WORK });
    let widths = [30, 10, 12, 10, 10, 10, 8, 10, 8, 10, 8];
    sheet(ws, &heads, &units, &widths)?;
    let ws = wb.add_worksheet();
    ws.set_name("台账")?;
    sheet(ws, &LEDGER_HEADS, &ledger_rows(&f.ledger), &LEDGER_WIDTHS)?;
    wb.save_to_buffer()
}

/// What the evaluation page says its figures count, in the page's and the document's words.
pub fn basis(cutoff: NaiveDate) -> String {
    format!(
        "本评估只计截至 {cutoff} 已采纳的报告；已报送但尚未采纳的报告不计入，\
         故数字可能与进展总览（计入已报送及已采纳的报告）不同。"
    )
}

fn item_lines(items: &[FrozenItem]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|i| {
            vec![
                format!("{} {}", i.label, i.title),
                i.status.clone(),
                i.units.clone(),
                i.progress.clone(),
            ]
        })
        .collect()
}

const ITEM_HEADS: [&str; 4] = ["事项", "状态", "责任单位", "进展摘要"];
const ITEM_WIDTHS: [usize; 4] = [4, 2, 4, 5];

/// Who signs the report and when, and the file's properties.
pub struct Issued<'a> {
    /// The 落款: the body that issues the report.
    pub by: &'a str,
    pub on: NaiveDate,
    pub meta: Meta,
}

const UNIT_HEADS: [&str; 11] = [
    "单位",
    "承担事项",
    "已采纳报告",
    "已完成",
    "滞后",
    "被退回",
    "应报",
    "按时报送",
    "迟报",
    "逾期未报",
    "得分",
];

/// The unit table's columns of what each unit was given and did, and of its reporting record.
const UNIT_WORK: [usize; 6] = [0, 1, 2, 3, 4, 5];
const UNIT_RECORD: [usize; 6] = [0, 6, 7, 8, 9, 10];

/// The units' scorecards in the columns `cols` (of `UNIT_HEADS`), heads and a row each, for the
/// sheet and the report alike.
fn unit_table(f: &Frozen, cols: &[usize]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let heads = cols.iter().map(|c| UNIT_HEADS[*c]).collect();
    let rows = f
        .units
        .iter()
        .map(|u| {
            let all = [
                u.unit.clone(),
                u.assignments.to_string(),
                u.reported.to_string(),
                u.completed.to_string(),
                u.lagging.to_string(),
                u.returned.to_string(),
                u.due_reports.to_string(),
                u.on_time.to_string(),
                u.late.to_string(),
                u.overdue.to_string(),
                if u.score.is_empty() {
                    "—".into()
                } else {
                    u.score.clone()
                },
            ];
            cols.iter().map(|c| all[*c].clone()).collect()
        })
        .collect();
    (heads, rows)
}

/// An indicator's row: name, kind, baseline, latest, target, expected, projected, verdict.
fn indicator_cells(i: &super::frozen::FrozenIndicator) -> [String; 8] {
    [
        format!("{} {}", i.label, i.title),
        i.kind.clone(),
        i.baseline.clone(),
        i.latest.clone(),
        i.target.clone(),
        i.expected.clone(),
        i.projected.clone(),
        i.verdict.clone(),
    ]
}

/// The evaluation report as a Word document in the official format (GB/T 9704), with the
/// sections of the print page.
pub fn evaluation_docx(
    title: &str,
    f: &Frozen,
    issued: &Issued,
) -> Result<Vec<u8>, docx_rs::DocxError> {
    let mut doc = Gongwen::new(title);
    doc.subtitle(&format!("（数据截至 {}）", f.cutoff))
        .heading1("总体进展")
        .body(&format!(
            "《{}》纳入统计的事项共 {} 项，截止日序时进度 {}%。其中{}。",
            f.plan_title,
            f.total,
            f.expected,
            f.statuses
                .iter()
                .map(|(_, l, n, s)| format!("{l} {n} 项（{s}%）"))
                .collect::<Vec<_>>()
                .join("，")
        ))
        .body(&basis(f.cutoff))
        .heading1("目标指标与分目标");
    // The page is narrower than a sheet: no 属性 (kind) or 序时目标 (expected).
    let indicators: Vec<Vec<String>> = f
        .indicators
        .iter()
        .map(|i| {
            let [
                name,
                _kind,
                baseline,
                latest,
                target,
                _expected,
                projected,
                verdict,
            ] = indicator_cells(i);
            vec![name, baseline, latest, target, projected, verdict]
        })
        .collect();
    let heads = ["指标", "基期", "最新值", "目标", "预计期末值", "判断"];
    if f.milestones.is_empty() {
        doc.table(&heads, indicators, &[5, 3, 3, 3, 3, 2]);
    } else {
        doc.heading2("指标完成情况")
            .table(&heads, indicators, &[5, 3, 3, 3, 3, 2])
            .heading2("量化目标");
        let rows = f
            .milestones
            .iter()
            .map(|m| {
                vec![
                    m.item.clone(),
                    m.title.clone(),
                    m.achieved.clone(),
                    m.committed.clone(),
                    m.due.clone(),
                ]
            })
            .collect();
        doc.table(
            &["事项", "目标", "已完成", "承诺", "期限"],
            rows,
            &[3, 5, 2, 2, 2],
        );
    }
    doc.heading1("重点任务");
    for c in &f.categories {
        doc.heading2(&c.title)
            .table(&ITEM_HEADS, item_lines(&c.items), &ITEM_WIDTHS);
    }
    doc.heading1("重点工程").table(
        &["工程", "状态", "责任单位", "进展摘要"],
        item_lines(&f.projects),
        &ITEM_WIDTHS,
    );
    doc.heading1("存在问题");
    if f.problems.is_empty() {
        doc.body("各单位已采纳的报告未反映问题。");
    }
    for p in &f.problems {
        doc.body(&format!("{}（{}）：{}", p.item, p.unit, p.text));
    }
    // Eleven columns do not fit a 公文 page: the units' work, then their reporting record.
    let (work_heads, work) = unit_table(f, &UNIT_WORK);
    doc.heading1("单位情况")
        .table(&work_heads, work, &[5, 2, 2, 2, 2, 2]);
    if f.has_records() {
        let (record_heads, record) = unit_table(f, &UNIT_RECORD);
        doc.body("各单位截至评估截止日的报送情况（按时报送 100 分、迟报 60 分、逾期未报 0 分，报告进度滞后的减 20 分，取平均）：")
            .table(&record_heads, record, &[5, 2, 2, 2, 2, 2]);
    }
    doc.signature(issued.by, issued.on);
    doc.to_docx(&issued.meta)
}
