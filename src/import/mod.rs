//! Plans in from the documents people have: the official document (.docx, or its text pasted
//! from a website as .txt/.md) or an Excel 任务分解表 (.xlsx), drafted into a seed file that
//! `seed load` checks and loads. The importer never invents: what it is unsure of carries a
//! 待确认 note that says where in the source it stands.

pub mod carry;
pub mod db;
pub mod draft;
mod from_seed;
mod header;
pub mod merge;
mod milestones;
mod numbering;
mod outline;
mod resolve;
pub mod roles;
mod source;
mod targets;
pub mod toml_out;
pub mod vocab;
mod xlsx;
mod xlsx_out;

pub use draft::Draft;
pub use from_seed::draft_of;
pub use resolve::resolve;
pub use vocab::Vocabulary;
pub use xlsx_out::export as export_xlsx;

use draft::Kind;
use numbering::Mark;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Unreadable(String),
    #[error("这份文件是繁体中文：请先转换为简体中文再导入（单位名称须与门户中的简体名称一致）")]
    Traditional,
    #[error("不支持的文件类型「{0}」：请上传 .docx、.xlsx、.txt 或 .md 文件")]
    UnsupportedType(String),
    #[error("文件中没有找到任何重点任务或重点工程：请确认这是规划实施方案或任务分解表")]
    Nothing,
}

/// Drafts a plan from `bytes`, a file called `file_name`; names are matched to `vocabulary`
/// when the plan is of its jurisdiction.
pub fn import(
    file_name: &str,
    bytes: &[u8],
    vocabulary: &Vocabulary,
) -> Result<Draft, ImportError> {
    let draft = read(file_name, bytes)?;
    let names = vocabulary.for_jurisdiction(&draft.meta.jurisdiction);
    finish(draft, &names)
}

/// Reads the file into a draft whose names are still as written.
pub fn read(file_name: &str, bytes: &[u8]) -> Result<Draft, ImportError> {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "docx" => from_paragraphs(source::from_docx(bytes)?),
        "txt" | "md" | "text" => from_paragraphs(source::from_text(&decode_text(bytes)?)),
        "xlsx" => xlsx::read(bytes).map(|d| Draft {
            from_sheet: true,
            ..d
        }),
        "doc" | "wps" | "xls" | "et" => Err(ImportError::Unreadable(format!(
            "「.{extension}」是旧版格式：请在 WPS 或 Office 中另存为 .docx 或 .xlsx 后再导入"
        ))),
        _ => Err(ImportError::UnsupportedType(extension)),
    }
}

/// Fills what the document left out, matches the names to `vocabulary` (the units of the
/// plan's jurisdiction) and reads milestones from the texts.
pub fn finish(mut draft: Draft, vocabulary: &Vocabulary) -> Result<Draft, ImportError> {
    fill_meta(&mut draft, vocabulary);
    resolve::resolve(&mut draft, vocabulary);
    for item in &mut draft.items {
        if matches!(item.kind, Kind::Task | Kind::Project) && item.milestones.is_empty() {
            item.milestones = milestones::find(item);
        }
    }
    if draft.count(Kind::Task) + draft.count(Kind::Project) == 0 {
        return Err(ImportError::Nothing);
    }
    Ok(draft)
}

/// UTF-8 (with or without BOM), else GB18030 as Chinese Windows editors save text.
fn decode_text(bytes: &[u8]) -> Result<String, ImportError> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(ImportError::Unreadable(
            "文本文件的编码无法识别：请另存为 UTF-8 编码后再导入".into(),
        ));
    }
    Ok(text.into_owned())
}

fn from_paragraphs(paras: Vec<source::Para>) -> Result<Draft, ImportError> {
    source::refuse_traditional(&paras)?;
    let first_section = paras
        .iter()
        .position(|p| matches!(numbering::mark(&p.text), Some((Mark::Section(_), _))));
    // The foot of the document: 抄送, 印发 and 「此件公开发布」 are not the plan.
    let end = paras
        .iter()
        .position(|p| {
            let t = p.text.trim_start_matches(['（', '(']);
            t.starts_with("此件") || t.starts_with("抄送")
        })
        .unwrap_or(paras.len());
    let body_start = first_section.unwrap_or_else(|| {
        paras
            .iter()
            .position(|p| numbering::mark(&p.text).is_some())
            .unwrap_or(0)
    });
    let head = &paras[..body_start.min(end)];
    let mut draft = Draft {
        meta: header::read(head, &paras),
        ..Draft::default()
    };
    let body = outline::mend(&paras[body_start.min(end)..end]);
    outline::read(&body, first_section.is_some(), &mut draft);
    Ok(draft)
}

/// What the document did not say is filled so that the file loads, each with a note.
fn fill_meta(draft: &mut Draft, vocabulary: &Vocabulary) {
    let same_plan = vocabulary.plan.as_ref().filter(|p| {
        (!draft.meta.doc_number.is_empty() && p.doc_number == draft.meta.doc_number)
            || (!draft.meta.title.is_empty() && p.title == draft.meta.title)
    });
    let m = &mut draft.meta;
    let mut notes: Vec<&str> = Vec::new();
    if let Some(p) = same_plan {
        m.key = p.key.clone();
        if m.jurisdiction.is_empty() {
            m.jurisdiction = p.jurisdiction.clone();
        }
    }
    if m.key.is_empty() {
        let digits: Vec<&str> = m
            .doc_number
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .collect();
        m.key = if digits.is_empty() {
            notes.push("文件未写明文号：方案代码 (key) 为临时代码，待确认");
            format!("imported-{}", m.start_year.max(0))
        } else {
            format!("plan-{}", digits.join("-"))
        };
    }
    for (value, what) in [
        (&mut m.title, "文件标题未找到，待确认"),
        (&mut m.doc_number, "文号未找到，待确认"),
        (&mut m.issuer, "发文机关未找到，待确认"),
        (&mut m.jurisdiction, "行政区域未找到，待确认"),
    ] {
        if value.is_empty() {
            *value = "待确认".into();
            notes.push(what);
        }
    }
    if m.start_year == 0 {
        let year = m
            .issue_date
            .get(..4)
            .and_then(|y| y.parse().ok())
            .unwrap_or(2026);
        m.start_year = year;
        m.end_year = year + 4;
        notes.push("规划期未能从标题读出：按印发年份起五年，待确认");
    }
    if m.issue_date.is_empty() {
        m.issue_date = format!("{}-01-01", m.start_year);
        notes.push("印发日期未找到：暂记为规划期首日，待确认");
    }
    for n in notes {
        draft.note("文件头", n);
    }
}

/// One line on what a draft holds: 「29 项重点任务、17 项重点工程；单位 40 个（新 2 个）；待确认 3 处」.
pub fn summary(draft: &Draft) -> String {
    let new_units = draft.units.iter().filter(|u| !u.known).count()
        + draft.groups.iter().filter(|g| !g.known).count();
    format!(
        "{} 项目标指标、{} 项分项目标、{} 个任务类别、{} 项重点任务、{} 项重点工程、{} 项工作要求；单位与集合名称 {} 个（新 {} 个）；待确认 {} 处",
        draft.count(Kind::Indicator),
        draft.count(Kind::Subtarget),
        draft.count(Kind::Category),
        draft.count(Kind::Task),
        draft.count(Kind::Project),
        draft.count(Kind::Requirement),
        draft.units.len() + draft.groups.len(),
        new_units,
        draft.notes.len()
    )
}
