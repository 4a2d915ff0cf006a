//! Word documents in the official document format (党政机关公文格式, GB/T 9704-2012): A4 with
//! the standard's margins, a 小标宋 title, 黑体 / 楷体 headings numbered 「一、」 and 「（一）」,
//! 仿宋 body text on a fixed 22-line grid, 「— 1 —」 page numbers, the issuing body and date at
//! the end, and document properties that name the author and the time.
//!
//! Generic on purpose: an evaluation report and a quarterly bulletin are both a title,
//! numbered headings, paragraphs and tables, so they share this builder.
//!
//! ```no_run
//! # use plan_portal::gongwen::{Gongwen, Meta};
//! let mut doc = Gongwen::new("关于2026年第三季度工作进展情况的通报");
//! doc.doc_number("晋市应急〔2026〕1号");
//! doc.heading1("总体情况").body("各单位按期报送……");
//! doc.table(&["单位", "报送"], vec![vec!["市应急局".into(), "4".into()]], &[3, 1]);
//! let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default();
//! doc.signature("晋城市应急管理局", date);
//! let bytes = doc.to_docx(&Meta::now("晋城市应急管理局", "王某"));
//! ```

mod package;

use chrono::{DateTime, NaiveDate, Utc};
use docx_rs::{
    AlignmentType, DocGrid, DocGridType, Docx, DocxError, FieldCharType, Footer, InstrPAGE,
    InstrText, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts,
    SpecialIndentType, Table, TableCell, TableLayoutType, TableRow, WidthType,
};

pub use package::{chinese_date, numeral};

/// Fonts as GB/T 9704 names them. Word and WPS fall back to an installed font when one is
/// missing: `package` declares 仿宋 (FangSong), 黑体 (SimHei), 楷体 (KaiTi) and 宋体 (SimSun) as
/// the alternatives in the font table, which is as far as a .docx can steer the choice.
pub const TITLE_FONT: &str = "方正小标宋简体";
pub const HEADING1_FONT: &str = "黑体";
pub const HEADING2_FONT: &str = "楷体_GB2312";
pub const BODY_FONT: &str = "仿宋_GB2312";
pub const PAGE_NUMBER_FONT: &str = "宋体";
/// Latin letters and digits beside the Chinese text.
const LATIN_FONT: &str = "Times New Roman";

/// Sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 小四 12 pt.
pub const SIZE_2: usize = 44;
pub const SIZE_3: usize = 32;
pub const SIZE_4: usize = 28;
pub const SIZE_SMALL_4: usize = 24;

/// A4 and the margins of GB/T 9704 (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm), in
/// twips; they leave the standard's 156 mm × 225 mm type area.
pub const PAGE_W: u32 = 11906;
pub const PAGE_H: u32 = 16838;
pub const MARGIN_TOP: i32 = 2098;
pub const MARGIN_BOTTOM: i32 = 1984;
pub const MARGIN_LEFT: i32 = 1587;
pub const MARGIN_RIGHT: i32 = 1474;
const TYPE_AREA_W: usize = 8845;
/// 22 lines in the 225 mm type area: a fixed line of 29 pt.
const LINE: i32 = 580;
/// One 三号 character, the unit of GB/T 9704's indents (「空二字」).
const CHAR: i32 = 320;
/// The page number stands one 四号 character in from the page's outer edge.
const FOOTER_INSET: i32 = 280;
/// The page number's em-dashes sit 7 mm below the type area; the footer's own bottom edge is
/// therefore about 23 mm above the page's.
const FOOTER_DISTANCE: i32 = 1304;

/// Who and when, for docProps/core.xml (docx-rs alone writes "unknown" and 1970).
#[derive(Debug, Clone)]
pub struct Meta {
    pub creator: String,
    pub last_modified_by: String,
    pub at: DateTime<Utc>,
}

impl Meta {
    pub fn now(creator: &str, last_modified_by: &str) -> Meta {
        Meta {
            creator: creator.into(),
            last_modified_by: last_modified_by.into(),
            at: Utc::now(),
        }
    }
}

#[derive(Debug, Clone)]
enum Block {
    Heading(usize, String),
    Body(String),
    Table(Vec<usize>, Vec<Vec<String>>),
}

/// A document under construction; numbering of headings is the builder's.
#[derive(Debug, Clone)]
pub struct Gongwen {
    title: String,
    doc_number: Option<String>,
    subtitle: Option<String>,
    blocks: Vec<Block>,
    signature: Option<(String, NaiveDate)>,
    counters: [usize; 3],
}

impl Gongwen {
    pub fn new(title: &str) -> Gongwen {
        Gongwen {
            title: title.into(),
            doc_number: None,
            subtitle: None,
            blocks: Vec::new(),
            signature: None,
            counters: [0; 3],
        }
    }

    /// The 发文字号, centred above the title.
    pub fn doc_number(&mut self, s: &str) -> &mut Self {
        self.doc_number = Some(s.into());
        self
    }

    /// A line in 楷体 under the title, e.g. what the figures are as of.
    pub fn subtitle(&mut self, s: &str) -> &mut Self {
        self.subtitle = Some(s.into());
        self
    }

    fn heading(&mut self, level: usize, text: &str) -> &mut Self {
        self.counters[level] += 1;
        for c in &mut self.counters[level + 1..] {
            *c = 0;
        }
        let n = self.counters[level];
        let numbered = match level {
            0 => format!("{}、{text}", numeral(n)),
            1 => format!("（{}）{text}", numeral(n)),
            _ => format!("{n}.{text}"),
        };
        self.blocks.push(Block::Heading(level, numbered));
        self
    }

    /// 「一、」 in 黑体; numbered here.
    pub fn heading1(&mut self, text: &str) -> &mut Self {
        self.heading(0, text)
    }

    /// 「（一）」 in 楷体; numbering restarts under each level-1 heading.
    pub fn heading2(&mut self, text: &str) -> &mut Self {
        self.heading(1, text)
    }

    /// 「1.」 in bold 仿宋.
    pub fn heading3(&mut self, text: &str) -> &mut Self {
        self.heading(2, text)
    }

    pub fn body(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Body(text.into()));
        self
    }

    /// A table across the type area: a header row, then `rows`. `widths` are relative
    /// column widths (empty: equal).
    pub fn table(&mut self, heads: &[&str], rows: Vec<Vec<String>>, widths: &[usize]) -> &mut Self {
        let mut all = vec![heads.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
        all.extend(rows);
        self.blocks
            .push(Block::Table(grid(heads.len(), widths), all));
        self
    }

    /// The 落款: the issuing body and the date of the document.
    pub fn signature(&mut self, body: &str, date: NaiveDate) -> &mut Self {
        self.signature = Some((body.into(), date));
        self
    }

    /// The .docx file.
    pub fn to_docx(&self, meta: &Meta) -> Result<Vec<u8>, DocxError> {
        let mut doc = Docx::new()
            .page_size(PAGE_W, PAGE_H)
            .page_margin(
                PageMargin::new()
                    .top(MARGIN_TOP)
                    .bottom(MARGIN_BOTTOM)
                    .left(MARGIN_LEFT)
                    .right(MARGIN_RIGHT)
                    .header(851)
                    .footer(FOOTER_DISTANCE)
                    .gutter(0),
            )
            .default_fonts(fonts(BODY_FONT))
            .default_size(SIZE_3)
            // GB/T 9704 pages: odd page numbers on the right, even ones on the left.
            .footer(page_footer(AlignmentType::Right))
            .even_footer(page_footer(AlignmentType::Left));
        doc.document = doc
            .document
            .doc_grid(DocGrid::new().grid_type(DocGridType::Lines).line_pitch(579));
        if let Some(n) = &self.doc_number {
            doc = doc.add_paragraph(line(n, BODY_FONT, SIZE_3).align(AlignmentType::Center));
        }
        doc = doc.add_paragraph(line(&self.title, TITLE_FONT, SIZE_2).align(AlignmentType::Center));
        if let Some(s) = &self.subtitle {
            doc = doc.add_paragraph(line(s, HEADING2_FONT, SIZE_3).align(AlignmentType::Center));
        }
        // The standard leaves one empty line between the title and the text.
        doc = doc.add_paragraph(line("", BODY_FONT, SIZE_3));
        for b in &self.blocks {
            doc = match b {
                Block::Heading(0, t) => doc.add_paragraph(indented(t, HEADING1_FONT, false)),
                Block::Heading(1, t) => doc.add_paragraph(indented(t, HEADING2_FONT, false)),
                Block::Heading(_, t) => doc.add_paragraph(indented(t, BODY_FONT, true)),
                Block::Body(t) => doc.add_paragraph(indented(t, BODY_FONT, false)),
                Block::Table(widths, rows) => doc.add_table(table(widths, rows)),
            };
        }
        if let Some((body, date)) = &self.signature {
            let date = chinese_date(*date);
            let (sig_right, date_right) = signature_indents(body, &date);
            doc = doc
                .add_paragraph(line("", BODY_FONT, SIZE_3))
                .add_paragraph(
                    line(body, BODY_FONT, SIZE_3)
                        .align(AlignmentType::Right)
                        .indent(None, None, Some(sig_right), None),
                )
                .add_paragraph(
                    line(&date, BODY_FONT, SIZE_3)
                        .align(AlignmentType::Right)
                        .indent(None, None, Some(date_right), None),
                );
        }
        let mut xml = doc.build();
        xml.doc_props.core = package::core_xml(&self.title, meta).into_bytes();
        xml.font_table = package::FONT_TABLE.as_bytes().to_vec();
        let mut buf = std::io::Cursor::new(Vec::new());
        xml.pack(&mut buf)?;
        Ok(buf.into_inner())
    }
}

/// `east` for Chinese, Times New Roman for Latin letters and digits; the eastAsia hint keeps
/// quotation marks and dashes in the Chinese font, as Chinese text sets them.
fn fonts(east: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east)
        .ascii(LATIN_FONT)
        .hi_ansi(LATIN_FONT)
        .cs(LATIN_FONT)
        .hint("eastAsia")
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).size(size).fonts(fonts(font))
}

fn exact(twips: i32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(twips)
}

/// A paragraph of one run on the document's fixed line.
fn line(text: &str, font: &str, size: usize) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, font, size))
        .line_spacing(exact(LINE))
        .fonts(fonts(font))
        .size(size)
}

/// Body text and headings: justified, the first line indented two characters.
fn indented(text: &str, font: &str, bold: bool) -> Paragraph {
    let r = run(text, font, SIZE_3);
    Paragraph::new()
        .add_run(if bold { r.bold() } else { r })
        .align(AlignmentType::Both)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(2 * CHAR)),
            None,
            None,
        )
        .line_spacing(exact(LINE))
}

/// Relative widths → twips across the type area.
fn grid(columns: usize, widths: &[usize]) -> Vec<usize> {
    let weights: Vec<usize> = if widths.len() == columns && widths.iter().all(|w| *w > 0) {
        widths.to_vec()
    } else {
        vec![1; columns]
    };
    let total: usize = weights.iter().sum::<usize>().max(1);
    weights.iter().map(|w| TYPE_AREA_W * w / total).collect()
}

/// Tables in 小四: 黑体 heads, 仿宋 cells, single-spaced so a long cell stays compact.
fn table(widths: &[usize], rows: &[Vec<String>]) -> Table {
    let cell = |text: &str, w: usize, head: bool| {
        let font = if head { HEADING1_FONT } else { BODY_FONT };
        let p = Paragraph::new()
            .add_run(run(text, font, SIZE_SMALL_4))
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Auto)
                    .line(240),
            )
            .fonts(fonts(font))
            .size(SIZE_SMALL_4);
        let p = if head {
            p.align(AlignmentType::Center)
        } else {
            p
        };
        TableCell::new().add_paragraph(p).width(w, WidthType::Dxa)
    };
    let out = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            TableRow::new(
                widths
                    .iter()
                    .enumerate()
                    .map(|(c, w)| cell(r.get(c).map_or("", String::as_str), *w, i == 0))
                    .collect(),
            )
        })
        .collect();
    Table::new(out)
        .set_grid(widths.to_vec())
        .width(TYPE_AREA_W, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// 「— 1 —」 in 四号 宋体, a real PAGE field between the dashes, one 四号 character in from
/// the outer edge.
fn page_footer(side: AlignmentType) -> Footer {
    let f = || {
        RunFonts::new()
            .east_asia(PAGE_NUMBER_FONT)
            .ascii(PAGE_NUMBER_FONT)
            .hi_ansi(PAGE_NUMBER_FONT)
            .hint("eastAsia")
    };
    let r = || Run::new().size(SIZE_4).fonts(f());
    let p = Paragraph::new()
        .add_run(r().add_text("— "))
        .add_run(r().add_field_char(FieldCharType::Begin, false))
        .add_run(r().add_instr_text(InstrText::PAGE(InstrPAGE::new())))
        .add_run(r().add_field_char(FieldCharType::Separate, false))
        .add_run(r().add_text("1"))
        .add_run(r().add_field_char(FieldCharType::End, false))
        .add_run(r().add_text(" —"))
        .align(side);
    let p = match side {
        AlignmentType::Left => p.indent(Some(FOOTER_INSET), None, None, None),
        _ => p.indent(None, None, Some(FOOTER_INSET), None),
    };
    Footer::new().add_paragraph(p)
}

/// How far the signature and the date stand from the right margin, in twips, by GB/T 9704's
/// rule for documents without a seal: the signature 「右空二字」, the date under it starting
/// two characters further right; a date longer than that stands 「右空二字」 itself and the
/// signature moves left to keep the two-character step.
fn signature_indents(signature: &str, date: &str) -> (i32, i32) {
    let width = |s: &str| -> i32 {
        s.chars()
            .map(|c| if c.is_ascii() { CHAR / 2 } else { CHAR })
            .sum()
    };
    let (sig, date) = (width(signature), width(date));
    if sig - date >= 2 * CHAR {
        (2 * CHAR, sig - date)
    } else {
        (4 * CHAR + date - sig, 2 * CHAR)
    }
}

#[cfg(test)]
mod tests;
