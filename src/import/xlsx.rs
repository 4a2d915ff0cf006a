//! The Excel 任务分解表: read whatever stands above its header row (merged titles), with the
//! usual columns, categories as a column or as merged rows, tasks and projects on several
//! sheets; and written back in the same layout, so that an edited copy imports as its edits.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use super::ImportError;
use super::draft::{Draft, Item, Kind, Meta};
use super::numbering::{Mark, leading_chinese, mark};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Number,
    Category,
    Title,
    Text,
    Lead,
    Responsible,
    Supporting,
    Deadline,
}

/// Header words, as 任务分解表 write them.
const HEADERS: &[(&str, Col)] = &[
    ("序号", Col::Number),
    ("编号", Col::Number),
    ("任务类别", Col::Category),
    ("类别", Col::Category),
    ("领域", Col::Category),
    ("重点任务", Col::Title),
    ("工作任务", Col::Title),
    ("任务名称", Col::Title),
    ("重点工程", Col::Title),
    ("工程名称", Col::Title),
    ("项目名称", Col::Title),
    ("主要内容", Col::Text),
    ("具体措施", Col::Text),
    ("工作内容", Col::Text),
    ("任务内容", Col::Text),
    ("建设内容", Col::Text),
    ("牵头单位", Col::Lead),
    ("牵头部门", Col::Lead),
    ("责任单位", Col::Responsible),
    ("责任部门", Col::Responsible),
    ("配合单位", Col::Supporting),
    ("协同单位", Col::Supporting),
    ("配合部门", Col::Supporting),
    ("完成时限", Col::Deadline),
    ("时间节点", Col::Deadline),
    ("完成时间", Col::Deadline),
];

pub(super) const META_SHEET: &str = "说明";

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e12 => format!("{}", *f as i64),
        Data::Empty => String::new(),
        other => other.to_string().trim().to_string(),
    }
}

/// Column letters as Excel shows them: 0 → A, 26 → AA.
pub fn column_letter(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(char::from(b'A' + (c % 26) as u8));
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.iter().rev().collect()
}

pub fn read(bytes: &[u8]) -> Result<Draft, ImportError> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| ImportError::Unreadable("不是有效的 .xlsx 文件".into()))?;
    let mut draft = Draft::default();
    for name in book.sheet_names() {
        let Ok(range) = book.worksheet_range(&name) else {
            draft.note(format!("工作表「{name}」"), "无法读取，已跳过");
            continue;
        };
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(cell_text).collect())
            .collect();
        if name == META_SHEET {
            read_meta(&rows, &mut draft.meta);
            continue;
        }
        let at = Sheet {
            name: &name,
            row0,
            col0,
        };
        read_sheet(&rows, &at, &mut draft);
    }
    super::source::refuse_traditional(
        &draft
            .items
            .iter()
            .map(|i| super::source::Para {
                text: format!(
                    "{}{}{}",
                    i.title,
                    i.text,
                    i.units_text.clone().unwrap_or_default()
                ),
                place: i.place.clone(),
            })
            .collect::<Vec<_>>(),
    )?;
    Ok(draft)
}

struct Sheet<'a> {
    name: &'a str,
    row0: u32,
    col0: u32,
}

impl Sheet<'_> {
    fn row(&self, i: usize) -> String {
        format!("{} 第{}行", self.name, self.row0 as usize + i + 1)
    }
    fn cell(&self, i: usize, c: usize) -> String {
        format!("{} {}列", self.row(i), column_letter(self.col0 + c as u32))
    }
}

fn read_meta(rows: &[Vec<String>], meta: &mut Meta) {
    for r in rows {
        let (Some(label), Some(value)) = (r.first(), r.get(1)) else {
            continue;
        };
        if label == "规划期" {
            let years: Vec<i32> = value
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|s| s.parse().ok())
                .collect();
            if let [a, b, ..] = years.as_slice() {
                meta.start_year = *a;
                meta.end_year = *b;
            }
        } else if let Some((_, field)) = meta_fields(meta).into_iter().find(|(l, _)| l == label) {
            *field = value.clone();
        }
    }
}

/// The 说明 sheet's rows that hold text, by label.
pub(super) fn meta_fields(meta: &mut Meta) -> [(&'static str, &mut String); 6] {
    [
        ("方案代码", &mut meta.key),
        ("标题", &mut meta.title),
        ("文号", &mut meta.doc_number),
        ("发文机关", &mut meta.issuer),
        ("印发日期", &mut meta.issue_date),
        ("行政区域", &mut meta.jurisdiction),
    ]
}

fn header_row(rows: &[Vec<String>]) -> Option<(usize, Vec<Option<Col>>)> {
    for (i, r) in rows.iter().enumerate().take(15) {
        let cols: Vec<Option<Col>> = r
            .iter()
            .map(|c| {
                let c: String = c.chars().filter(|c| !c.is_whitespace()).collect();
                HEADERS
                    .iter()
                    .find(|(h, _)| c == *h || c.starts_with(h))
                    .map(|(_, col)| *col)
            })
            .collect();
        if cols.iter().flatten().count() >= 3 && cols.contains(&Some(Col::Title)) {
            return Some((i, cols));
        }
    }
    None
}

fn read_sheet(rows: &[Vec<String>], at: &Sheet<'_>, draft: &mut Draft) {
    let Some((header, cols)) = header_row(rows) else {
        if rows.iter().any(|r| r.iter().any(|c| !c.is_empty())) {
            draft.note(
                at.row(0),
                "这张工作表没有找到表头（序号、重点任务、责任单位等），已跳过",
            );
        }
        return;
    };
    let header_titles: String = rows[header].join("");
    let kind = if at.name.contains("工程")
        || at.name.contains("项目")
        || header_titles.contains("工程名称")
        || header_titles.contains("重点工程")
    {
        Kind::Project
    } else {
        Kind::Task
    };
    // A merged title above the header: the plan's title.
    if draft.meta.title.is_empty()
        && let Some(title) = rows[..header]
            .iter()
            .flat_map(|r| r.iter())
            .find(|c| c.chars().count() >= 8)
    {
        draft.meta.title = title
            .trim_end_matches("任务分解表")
            .trim_end_matches("重点任务分解表")
            .trim_end_matches("分解表")
            .to_string();
    }
    let col = |c: Col| cols.iter().position(|x| *x == Some(c));
    let get = |r: &Vec<String>, c: Col| col(c).and_then(|i| r.get(i)).cloned().unwrap_or_default();
    let mut category: Option<(i32, String)> = None;
    for (i, r) in rows.iter().enumerate().skip(header + 1) {
        let filled: Vec<&String> = r.iter().filter(|c| !c.is_empty()).collect();
        if filled.is_empty() {
            continue;
        }
        let title = get(r, Col::Title);
        // A merged row across the table: a category heading.
        if filled.len() == 1 && title.is_empty()
            || filled.len() == 1 && kind == Kind::Task && is_category_heading(filled[0])
        {
            if kind == Kind::Task {
                category = Some(new_category(draft, filled[0], &at.row(i)));
            }
            continue;
        }
        if title.is_empty() {
            let c = col(Col::Title).unwrap_or(0);
            draft.note(at.cell(i, c), "这一行没有任务名称，已跳过");
            continue;
        }
        let written_category = get(r, Col::Category);
        if kind == Kind::Task
            && !written_category.is_empty()
            && category
                .as_ref()
                .is_none_or(|(_, t)| *t != strip_number(&written_category))
        {
            category = Some(new_category(
                draft,
                &written_category,
                &at.cell(i, col(Col::Category).unwrap_or(0)),
            ));
        }
        let number_text = get(r, Col::Number);
        let last = draft
            .items
            .iter()
            .filter(|x| x.kind == kind)
            .map(|x| x.number)
            .max()
            .unwrap_or(0);
        let number = number_text
            .trim_end_matches(['.', '．', '、'])
            .parse::<i32>()
            .ok()
            .or_else(|| match mark(&number_text) {
                Some((Mark::Sub(n) | Mark::Section(n) | Mark::Item(n), _)) => Some(n),
                _ => leading_chinese(&number_text).0,
            })
            .filter(|n| *n > last)
            .unwrap_or(last + 1);
        let mut item = Item::new(kind, number, strip_number(&title), at.row(i));
        item.text = get(r, Col::Text);
        if kind == Kind::Task {
            if category.is_none() {
                category = Some(new_category(draft, "重点任务", &at.row(i)));
                draft.note(at.row(i), "表中没有任务类别：已归入「重点任务」，待确认");
            }
            item.category = category.as_ref().map(|c| c.0);
        }
        item.units_text = units_text(
            &get(r, Col::Lead),
            &get(r, Col::Responsible),
            &get(r, Col::Supporting),
        );
        if item.units_text.is_none() {
            let c = col(Col::Responsible).or(col(Col::Lead)).unwrap_or(0);
            draft.note(at.cell(i, c), format!("「{}」没有填写责任单位", item.title));
        }
        let deadline = get(r, Col::Deadline);
        item.milestones
            .extend(super::milestones::from_deadline(&deadline, &item.title));
        draft.items.push(item);
    }
}

fn is_category_heading(t: &str) -> bool {
    matches!(mark(t), Some((Mark::Section(_) | Mark::Sub(_), rest)) if !rest.contains('。'))
}

fn strip_number(t: &str) -> String {
    match mark(t) {
        Some((_, rest)) => rest.trim().to_string(),
        None => t.trim().to_string(),
    }
}

fn new_category(draft: &mut Draft, written: &str, place: &str) -> (i32, String) {
    let title = strip_number(written);
    if let Some(c) = draft
        .items
        .iter()
        .find(|i| i.kind == Kind::Category && i.title == title)
    {
        return (c.number, title);
    }
    let number = draft.count(Kind::Category) as i32 + 1;
    draft.items.push(Item::new(
        Kind::Category,
        number,
        title.clone(),
        place.to_string(),
    ));
    (number, title)
}

/// The three role columns as one 责任单位 sentence the role reader splits back.
fn units_text(lead: &str, responsible: &str, supporting: &str) -> Option<String> {
    let list = |s: &str| -> String {
        s.split(['\n', '，', ',', ';', '；', '/'])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join("、")
    };
    let (lead, responsible, supporting) = (list(lead), list(responsible), list(supporting));
    let mut parts = Vec::new();
    if !lead.is_empty() {
        parts.push(format!("{lead}牵头"));
    }
    if !responsible.is_empty() {
        // A cell that already says who leads (「A牵头，B负责」) is kept as written.
        let has_roles = ["牵头", "负责", "配合"]
            .iter()
            .any(|w| responsible.contains(w));
        parts.push(if has_roles || lead.is_empty() && supporting.is_empty() {
            responsible
        } else {
            format!("{responsible}负责")
        });
    }
    if !supporting.is_empty() {
        parts.push(format!("{supporting}配合"));
    }
    (!parts.is_empty()).then(|| format!("{}。", parts.join("，")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_units() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(5), "F");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(
            units_text("市应急局", "市财政局\n各县（市、区）人民政府", "").as_deref(),
            Some("市应急局牵头，市财政局、各县（市、区）人民政府负责。")
        );
        assert_eq!(
            units_text("", "市应急局、市财政局", "").as_deref(),
            Some("市应急局、市财政局。")
        );
    }
}
