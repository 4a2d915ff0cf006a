//! The body of a plan document read into items: sections by their headings (目标, 原则, 任务,
//! 工程, 要求), categories, tasks, 专栏, projects, and the 责任单位 of each.

use super::draft::{Draft, Item, Kind};
use super::numbering::{Mark, mark, trailing_units, units_line};
use super::source::Para;
use super::targets;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Section {
    Targets {
        indicators: bool,
    },
    Principles,
    Tasks,
    /// A section that is itself a category (「一、强化……」 in a task-allocation text).
    Category,
    Projects,
    Requirements,
    Other,
}

fn section_kind(title: &str) -> Section {
    let has = |w: &str| title.contains(w);
    if has("指导思想") || has("总体要求") || has("基本原则") && !has("工作原则") {
        Section::Other
    } else if has("原则") {
        Section::Principles
    } else if has("任务") || has("主要措施") {
        Section::Tasks
    } else if has("工程") || has("项目") {
        Section::Projects
    } else if has("目标") {
        Section::Targets { indicators: false }
    } else if has("要求") || has("保障措施") || has("组织实施") || has("保障") {
        Section::Requirements
    } else {
        Section::Category
    }
}

/// Paragraphs a page break cut in two are joined: a paragraph that does not end a sentence,
/// followed by one that starts no item, heading or 责任单位 line, continues into it.
pub fn mend(paras: &[Para]) -> Vec<Para> {
    let mut out: Vec<Para> = Vec::new();
    for p in paras {
        if let Some(last) = out.last_mut()
            && !ends_sentence(&last.text)
            && !is_heading(&last.text)
            && mark(&p.text).is_none()
            && units_line(&p.text).is_none()
        {
            last.text.push_str(&p.text);
            continue;
        }
        out.push(p.clone());
    }
    out
}

fn ends_sentence(t: &str) -> bool {
    t.ends_with([
        '。', '；', ';', '！', '？', '：', ':', '）', ')', '”', '」', '》', '.',
    ])
}

/// A numbered line without a sentence in it: 「（一）强化本质安全能力建设」.
fn is_heading(t: &str) -> bool {
    mark(t).is_some_and(|(_, rest)| !rest.contains('。') && rest.chars().count() <= 40)
}

/// 「强化安全生产责任体系建设。严格……」 → its title; the text is the whole.
pub fn title_of(text: &str) -> String {
    let cut = text
        .char_indices()
        .take(60)
        .find(|&(i, c)| {
            matches!(c, '。' | '：' | ':')
                // A half-width full stop ends a sentence too, but not in 「3.5」.
                || c == '.' && !text[i + 1..].starts_with(|n: char| n.is_ascii_digit())
        })
        .map(|(i, _)| i);
    let title = match cut {
        Some(i) => &text[..i],
        None => text,
    };
    title
        .trim()
        .trim_end_matches(['，', ',', '；', ';'])
        .to_string()
}

struct Walk<'d> {
    draft: &'d mut Draft,
    section: Section,
    category: Option<i32>,
    column: Option<i32>,
    last_task: i32,
    /// The item that takes continuation paragraphs and a following 责任单位 line.
    current: Option<usize>,
}

/// Reads the body; a text without 「一、」 sections is read as tasks throughout.
pub fn read(body: &[Para], has_sections: bool, draft: &mut Draft) {
    let mut w = Walk {
        draft,
        section: if has_sections {
            Section::Other
        } else {
            Section::Tasks
        },
        category: None,
        column: None,
        last_task: 0,
        current: None,
    };
    for p in body {
        w.paragraph(p);
    }
}

impl Walk<'_> {
    fn paragraph(&mut self, p: &Para) {
        if let Some(units) = units_line(&p.text) {
            self.units(units, p);
            return;
        }
        match mark(&p.text) {
            Some((Mark::Section(n), rest)) => self.section(n, rest, p),
            Some((Mark::Sub(n), rest)) => self.sub(n, rest, p),
            Some((Mark::Item(n), rest)) => self.item(n, rest, p),
            Some((Mark::Column(n), rest)) if self.in_tasks() => {
                let mut item = Item::new(Kind::Column, n, title_of(rest), p.place.clone());
                item.category = self.category;
                item.after = Some(self.last_task);
                self.column = Some(n);
                self.push(item, "");
            }
            // Sub-points and plain paragraphs belong to the item above them.
            _ => self.continuation(p),
        }
    }

    fn in_tasks(&self) -> bool {
        matches!(self.section, Section::Tasks | Section::Category)
    }

    fn section(&mut self, n: i32, rest: &str, p: &Para) {
        self.section = section_kind(rest);
        self.current = None;
        self.column = None;
        if self.section == Section::Category {
            let title = title_of(rest);
            let number = self.draft.count(Kind::Category) as i32 + 1;
            self.category = Some(number);
            self.push(
                Item::new(Kind::Category, number, title, p.place.clone()),
                "",
            );
            let _ = n;
        }
    }

    fn sub(&mut self, n: i32, rest: &str, p: &Para) {
        self.column = None;
        match self.section {
            Section::Targets { .. } if !rest.contains('。') => {
                self.section = Section::Targets {
                    indicators: rest.contains("指标"),
                };
                self.current = None;
            }
            Section::Tasks if !rest.contains('。') && rest.chars().count() <= 40 => {
                self.category = Some(n);
                self.current = None;
                self.push(
                    Item::new(Kind::Category, n, title_of(rest), p.place.clone()),
                    "",
                );
            }
            Section::Tasks | Section::Category => self.task(n, rest, p),
            Section::Projects => self.numbered(Kind::Project, n, rest, p),
            Section::Principles => self.numbered(Kind::Principle, n, rest, p),
            Section::Requirements => self.numbered(Kind::Requirement, n, rest, p),
            Section::Targets { .. } | Section::Other => self.continuation(p),
        }
    }

    fn item(&mut self, n: i32, rest: &str, p: &Para) {
        match self.section {
            Section::Targets { indicators } => {
                let kind = if indicators {
                    Kind::Indicator
                } else {
                    Kind::Subtarget
                };
                let mut item = Item::new(kind, n, String::new(), p.place.clone());
                item.text = rest.to_string();
                targets::read(&mut item, self.draft);
                self.push(item, "");
            }
            Section::Tasks | Section::Category => {
                let areas = self.column.map(|c| self.areas_of(c)).unwrap_or_default();
                match self.column {
                    Some(column) if n == areas + 1 && n != self.last_task + 1 => {
                        let mut item =
                            Item::new(Kind::ColumnArea, n, title_of(rest), p.place.clone());
                        item.after = Some(column);
                        item.text = rest.to_string();
                        self.push(item, "");
                    }
                    _ => {
                        self.column = None;
                        self.task(n, rest, p);
                    }
                }
            }
            Section::Projects => self.numbered(Kind::Project, n, rest, p),
            Section::Principles => self.numbered(Kind::Principle, n, rest, p),
            Section::Requirements => self.numbered(Kind::Requirement, n, rest, p),
            Section::Other => self.continuation(p),
        }
    }

    fn areas_of(&self, column: i32) -> i32 {
        self.draft
            .items
            .iter()
            .filter(|i| i.kind == Kind::ColumnArea && i.after == Some(column))
            .count() as i32
    }

    fn task(&mut self, n: i32, rest: &str, p: &Para) {
        // Numbering that restarts in each category would repeat keys: count on instead.
        let number = if n > self.last_task {
            n
        } else {
            self.draft.note(
                p.place.clone(),
                format!(
                    "任务编号 {n} 与前文重复，已顺延为 {}，待确认",
                    self.last_task + 1
                ),
            );
            self.last_task + 1
        };
        self.last_task = number;
        if self.category.is_none() {
            self.push(
                Item::new(Kind::Category, 1, "重点任务".into(), p.place.clone()),
                "文件未分任务类别：已归入「重点任务」，待确认",
            );
            self.category = Some(1);
        }
        let mut item = Item::new(Kind::Task, number, String::new(), p.place.clone());
        item.category = self.category;
        self.fill(item, rest);
    }

    fn numbered(&mut self, kind: Kind, n: i32, rest: &str, p: &Para) {
        let number = match self.draft.items.iter().rev().find(|i| i.kind == kind) {
            Some(last) if last.number >= n => last.number + 1,
            _ => n,
        };
        let item = Item::new(kind, number, String::new(), p.place.clone());
        self.fill(item, rest);
    }

    /// Title, text and a trailing 「（A牵头，B负责）」 of a numbered paragraph.
    fn fill(&mut self, mut item: Item, rest: &str) {
        let (text, units) = match trailing_units(rest) {
            Some((text, units)) if item.kind.takes_units() => (text, Some(units)),
            _ => (rest, None),
        };
        item.title = title_of(text);
        // A heading alone (「（一）灾害风险调查工程」) is a title; its text follows it.
        item.text = if item.title == text.trim() {
            String::new()
        } else {
            text.to_string()
        };
        if item.title.is_empty() {
            item.title = item.text.chars().take(30).collect();
        }
        self.push(item, "");
        if let Some(units) = units {
            self.set_units(units.to_string());
        }
    }

    fn push(&mut self, item: Item, note: &str) {
        if !note.is_empty() {
            self.draft.note_item(&item, note);
        }
        let has_body = !matches!(item.kind, Kind::Category | Kind::Column);
        self.draft.items.push(item);
        self.current = has_body.then(|| self.draft.items.len() - 1);
    }

    fn continuation(&mut self, p: &Para) {
        let Some(i) = self.current else {
            return;
        };
        let (text, units) = match trailing_units(&p.text) {
            Some((t, u)) if self.draft.items[i].kind.takes_units() => (t, Some(u)),
            _ => (p.text.as_str(), None),
        };
        let item = &mut self.draft.items[i];
        if item.text.is_empty() {
            item.text = text.to_string();
        } else if !text.is_empty() {
            item.text.push('\n');
            item.text.push_str(text);
        }
        if item.title.is_empty() {
            item.title = title_of(text);
        }
        if let Some(units) = units {
            self.set_units(units.to_string());
        }
    }

    fn units(&mut self, units: &str, p: &Para) {
        match self.current {
            Some(i) if self.draft.items[i].kind.takes_units() => {
                if self.draft.items[i].units_text.is_some() {
                    let item = self.draft.items[i].clone();
                    self.draft
                        .note_item(&item, "此事项有两处责任单位，已合并，待确认");
                }
                self.set_units(units.to_string());
            }
            _ => self.draft.note(
                p.place.clone(),
                format!("这行责任单位不属于任何任务或工程，未导入：{units}"),
            ),
        }
    }

    fn set_units(&mut self, units: String) {
        if let Some(i) = self.current {
            let item = &mut self.draft.items[i];
            item.units_text = Some(match item.units_text.take() {
                Some(before) => format!("{before}；{units}"),
                None => units,
            });
        }
    }
}

#[cfg(test)]
mod tests;
