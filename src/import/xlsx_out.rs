//! The plan's tasks and projects written as a 任务分解表 in the layout `xlsx` reads, with a
//! 说明 sheet naming the plan, so that a copy edited in WPS or Excel imports as its edits.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::draft::{Draft, Kind};
use super::xlsx::META_SHEET;

/// The plan's tasks and projects as a 任务分解表, with a 说明 sheet naming the plan.
pub fn export(draft: &Draft) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    for (kind, sheet_name, title_header) in [
        (Kind::Task, "重点任务", "重点任务"),
        (Kind::Project, "重点工程", "工程名称"),
    ] {
        let sheet = book.add_worksheet().set_name(sheet_name)?;
        let headers = [
            "序号",
            "任务类别",
            title_header,
            "主要内容",
            "牵头单位",
            "责任单位",
            "配合单位",
            "完成时限",
        ];
        sheet.merge_range(
            0,
            0,
            0,
            7,
            &format!("{}{}分解表", draft.meta.title, sheet_name),
            &head,
        )?;
        for (c, h) in headers.iter().enumerate() {
            sheet.write_with_format(1, c as u16, *h, &head)?;
        }
        for (c, w) in [6.0, 18.0, 24.0, 60.0, 18.0, 30.0, 18.0, 12.0]
            .iter()
            .enumerate()
        {
            sheet.set_column_width(c as u16, *w)?;
        }
        let items = draft.items.iter().filter(|i| i.kind == kind);
        for (row, item) in (2u32..).zip(items) {
            let category = item
                .category
                .and_then(|n| {
                    draft
                        .items
                        .iter()
                        .find(|c| c.kind == Kind::Category && c.number == n)
                })
                .map(|c| c.title.clone())
                .unwrap_or_default();
            let deadline = item
                .milestones
                .iter()
                .filter_map(|m| m.due_year)
                .max()
                .map(|y| format!("{y}年底前"))
                .unwrap_or_default();
            let values = [
                item.number.to_string(),
                category,
                item.title.clone(),
                item.text.clone(),
                item.roles.lead.join("、"),
                item.roles.responsible.join("、"),
                item.roles.supporting.join("、"),
                deadline,
            ];
            for (c, v) in values.iter().enumerate() {
                sheet.write_with_format(row, c as u16, v.as_str(), &cell)?;
            }
        }
        sheet.set_freeze_panes(2, 0)?;
    }
    let meta = book.add_worksheet().set_name(META_SHEET)?;
    let mut m = draft.meta.clone();
    let period = format!("{}-{}", m.start_year, m.end_year);
    let rows = super::xlsx::meta_fields(&mut m);
    for (r, (label, value)) in rows.iter().enumerate() {
        meta.write(r as u32, 0, *label)?;
        meta.write(r as u32, 1, value.as_str())?;
    }
    meta.write(rows.len() as u32, 0, "规划期")?;
    meta.write(rows.len() as u32, 1, period)?;
    meta.set_column_width(1, 60)?;
    book.save_to_buffer()
}
