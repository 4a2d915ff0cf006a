//! Exports in the formats officials circulate: the ledger and an evaluation as `.xlsx`,
//! the evaluation report as `.docx`. Both in Chinese, both read back by the tests.

use docx_rs::{AlignmentType, Docx, Paragraph, Run, RunFonts, Table, TableCell, TableRow};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::frozen::{Frozen, FrozenItem, LedgerLine};

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
        .map(|i| {
            vec![
                format!("{} {}", i.label, i.title),
                i.kind.clone(),
                i.baseline.clone(),
                i.latest.clone(),
                i.target.clone(),
                i.expected.clone(),
                i.projected.clone(),
                i.verdict.clone(),
            ]
        })
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
    let rows: Vec<Vec<String>> = f
        .units
        .iter()
        .map(|u| {
            vec![
                u.unit.clone(),
                u.assignments.to_string(),
                u.reported.to_string(),
                u.completed.to_string(),
                u.lagging.to_string(),
                u.returned.to_string(),
            ]
        })
        .collect();
    sheet(
        ws,
        &["单位", "承担事项", "已采纳报告", "已完成", "滞后", "被退回"],
        &rows,
        &[30, 10, 12, 10, 10, 10],
    )?;
    let ws = wb.add_worksheet();
    ws.set_name("台账")?;
    sheet(ws, &LEDGER_HEADS, &ledger_rows(&f.ledger), &LEDGER_WIDTHS)?;
    wb.save_to_buffer()
}

fn text(s: &str, size: usize, bold: bool) -> Run {
    let run = Run::new()
        .add_text(s)
        .size(size)
        .fonts(RunFonts::new().east_asia("宋体"));
    if bold { run.bold() } else { run }
}

fn para(s: &str) -> Paragraph {
    Paragraph::new().add_run(text(s, 24, false))
}

fn heading(s: &str) -> Paragraph {
    Paragraph::new().add_run(text(s, 30, true))
}

fn table(heads: &[&str], rows: &[Vec<String>]) -> Table {
    let cell = |s: &str, bold: bool| {
        TableCell::new().add_paragraph(Paragraph::new().add_run(text(s, 21, bold)))
    };
    let mut out = vec![TableRow::new(heads.iter().map(|h| cell(h, true)).collect())];
    out.extend(
        rows.iter()
            .map(|r| TableRow::new(r.iter().map(|c| cell(c, false)).collect())),
    );
    Table::new(out)
}

fn items_table(head: &str, items: &[FrozenItem]) -> Table {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            vec![
                format!("{} {}", i.label, i.title),
                i.status.clone(),
                i.units.clone(),
            ]
        })
        .collect();
    table(&[head, "状态", "责任单位"], &rows)
}

/// The evaluation report as a Word document, laid out like the print page.
pub fn evaluation_docx(title: &str, f: &Frozen) -> Result<Vec<u8>, docx_rs::DocxError> {
    let mut doc = Docx::new()
        .add_paragraph(
            Paragraph::new()
                .add_run(text(title, 36, true))
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            para(&format!("{}（数据截至 {}）", f.plan_title, f.cutoff))
                .align(AlignmentType::Center),
        )
        .add_paragraph(heading("一、总体进展"))
        .add_paragraph(para(&format!(
            "纳入统计的事项共 {} 项，序时进度 {}%。{}",
            f.total,
            f.expected,
            f.statuses
                .iter()
                .map(|(_, l, n, s)| format!("{l} {n} 项（{s}%）"))
                .collect::<Vec<_>>()
                .join("，")
        )))
        .add_paragraph(heading("二、目标指标"))
        .add_table(table(
            &["指标", "基期", "最新值", "目标", "判断"],
            &f.indicators
                .iter()
                .map(|i| {
                    vec![
                        format!("{} {}", i.label, i.title),
                        i.baseline.clone(),
                        i.latest.clone(),
                        i.target.clone(),
                        i.verdict.clone(),
                    ]
                })
                .collect::<Vec<_>>(),
        ))
        .add_paragraph(heading("三、重点任务"));
    for c in &f.categories {
        doc = doc
            .add_paragraph(Paragraph::new().add_run(text(&c.title, 26, true)))
            .add_table(items_table("事项", &c.items));
    }
    doc = doc
        .add_paragraph(heading("四、重点工程"))
        .add_table(items_table("工程", &f.projects))
        .add_paragraph(heading("五、存在问题"));
    if f.problems.is_empty() {
        doc = doc.add_paragraph(para("各单位报告未反映问题。"));
    }
    for p in &f.problems {
        doc = doc.add_paragraph(para(&format!("{}（{}）：{}", p.item, p.unit, p.text)));
    }
    doc = doc.add_paragraph(heading("六、单位情况")).add_table(table(
        &["单位", "承担事项", "已采纳报告", "已完成", "滞后", "被退回"],
        &f.units
            .iter()
            .map(|u| {
                vec![
                    u.unit.clone(),
                    u.assignments.to_string(),
                    u.reported.to_string(),
                    u.completed.to_string(),
                    u.lagging.to_string(),
                    u.returned.to_string(),
                ]
            })
            .collect::<Vec<_>>(),
    ));
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut buf)?;
    Ok(buf.into_inner())
}
