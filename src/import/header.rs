//! The head of an official document (公文): 发文机关, 文号, title, 主送, the notice, 印发日期,
//! and the plan's period. What is not found is left blank for `fill_meta` to mark 待确认.

use super::draft::Meta;
use super::source::Para;

/// Reads the head (the paragraphs before the first 「一、」) and the plan's preamble.
pub fn read(head: &[Para], all: &[Para]) -> Meta {
    let mut meta = Meta::default();
    let mut title_at = None;
    for (i, p) in head.iter().enumerate() {
        let t = p.text.as_str();
        if meta.issuer.is_empty() && i < 3 && t.ends_with("文件") && t.chars().count() > 4 {
            meta.issuer = t.trim_end_matches("文件").trim().to_string();
        } else if meta.doc_number.is_empty() && is_doc_number(t) {
            meta.doc_number = t.replace(' ', "");
        } else if t.contains("关于印发") && t.contains('《') {
            if let Some(inner) = between(t, '《', '》') {
                meta.title = squeeze(inner);
            }
            if meta.issuer.is_empty() {
                meta.issuer = squeeze(t.split("关于印发").next().unwrap_or(""));
            }
        } else if meta.title.is_empty() && looks_like_title(t) {
            meta.title = squeeze(t);
            title_at = Some(i);
        } else if !meta.title.is_empty() && squeeze(t) == meta.title {
            title_at = Some(i);
        } else if meta.recipients.is_none()
            && !meta.title.is_empty()
            && title_at.is_none()
            && (t.ends_with('：') || t.ends_with(':'))
        {
            meta.recipients = Some(t.to_string());
        } else if meta.issue_date.is_empty()
            && let Some(date) = chinese_date(t)
        {
            meta.issue_date = date;
        }
    }
    // The notice: what stands between 主送 and the signature.
    if let Some(rec) = &meta.recipients
        && let Some(start) = head.iter().position(|p| &p.text == rec)
    {
        let body: Vec<&str> = head[start + 1..]
            .iter()
            .map(|p| p.text.as_str())
            .take_while(|t| {
                chinese_date(t).is_none() && !t.ends_with("办公室") && !t.ends_with("人民政府")
            })
            .filter(|t| !t.is_empty())
            .collect();
        if !body.is_empty() {
            meta.notice = Some(format!("{rec}\n{}", body.join("\n")));
        }
    }
    // The preamble: the paragraphs after the plan's own title line.
    if let Some(at) = title_at {
        let pre: Vec<&str> = head[at + 1..]
            .iter()
            .map(|p| p.text.as_str())
            .filter(|t| t.ends_with('。'))
            .collect();
        if !pre.is_empty() {
            meta.preamble = Some(pre.join("\n"));
        }
    }
    if meta.issue_date.is_empty() {
        // 「2023年5月12日印发」 at the foot of the document.
        if let Some(date) = all.iter().rev().take(6).find_map(|p| chinese_date(&p.text)) {
            meta.issue_date = date;
        }
    }
    let (start, end) = period(&meta.title);
    meta.start_year = start;
    meta.end_year = end;
    meta.jurisdiction = jurisdiction(&meta.issuer)
        .or_else(|| jurisdiction(&meta.title))
        .unwrap_or_default();
    meta
}

fn looks_like_title(t: &str) -> bool {
    let n = t.chars().count();
    (8..=80).contains(&n)
        && !t.contains('。')
        && (t.ends_with("方案")
            || t.ends_with("规划")
            || t.ends_with("分工")
            || t.ends_with("分解表")
            || t.ends_with("清单")
            || t.ends_with("计划")
            || t.ends_with("意见"))
}

/// 「晋市安委办发〔2023〕33号」, also with [ ] or ( ) around the year.
pub fn is_doc_number(t: &str) -> bool {
    let t = t.trim();
    t.ends_with('号')
        && t.chars().count() < 30
        && ["〔", "[", "（", "(", "［"].iter().any(|b| t.contains(b))
        && t.chars().any(|c| c.is_ascii_digit())
}

fn between(t: &str, open: char, close: char) -> Option<&str> {
    let start = t.find(open)? + open.len_utf8();
    let end = t[start..].find(close)? + start;
    Some(&t[start..end])
}

/// Line breaks inside a title leave spaces: 「国家及 省市」.
fn squeeze(t: &str) -> String {
    t.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect()
}

/// 「2023年5月12日」 (optionally followed by 印发) as 2023-05-12.
pub fn chinese_date(t: &str) -> Option<String> {
    let t = t.trim().trim_end_matches("印发");
    let (y, rest) = t.split_once('年')?;
    let (m, rest) = rest.split_once('月')?;
    let d = rest.strip_suffix('日')?;
    let (y, m, d): (i32, u32, u32) = (
        y.trim().parse().ok()?,
        m.trim().parse().ok()?,
        d.trim().parse().ok()?,
    );
    chrono::NaiveDate::from_ymd_opt(y, m, d).map(|date| date.format("%Y-%m-%d").to_string())
}

/// The plan period: 「十四五」 is 2021–2025, 「十五五」 2026–2030, or years written out.
fn period(title: &str) -> (i32, i32) {
    const FIVE_YEAR: &[(&str, i32)] = &[
        ("十三五", 2016),
        ("十四五", 2021),
        ("十五五", 2026),
        ("十六五", 2031),
    ];
    for (name, start) in FIVE_YEAR {
        if title.contains(name) {
            return (*start, start + 4);
        }
    }
    let years: Vec<i32> = title
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| s.len() == 4)
        .filter_map(|s| s.parse().ok())
        .collect();
    match years.as_slice() {
        [a, b, ..] if a <= b => (*a, *b),
        [a] => (*a, *a),
        _ => (0, 0),
    }
}

/// 「晋城市安全生产委员会办公室」 → 晋城市; 「长治市应急管理局」 → 长治市.
fn jurisdiction(name: &str) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate().take(8) {
        if matches!(c, '市' | '县' | '省') && i >= 1 {
            return Some(chars[..=i].iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_numbers_and_periods() {
        assert_eq!(
            chinese_date("2023年5月12日印发").as_deref(),
            Some("2023-05-12")
        );
        assert_eq!(chinese_date("2023年13月12日"), None);
        assert!(is_doc_number("晋市安委办发〔2023〕33号"));
        assert!(is_doc_number("长政办发[2026]5号"));
        assert!(!is_doc_number("重点任务共29号"));
        assert_eq!(period("“十五五”应急管理规划"), (2026, 2030));
        assert_eq!(period("2026—2028年行动计划"), (2026, 2028));
        assert_eq!(
            jurisdiction("晋城市安全生产委员会办公室").as_deref(),
            Some("晋城市")
        );
        assert_eq!(
            jurisdiction("长治市人民政府办公室").as_deref(),
            Some("长治市")
        );
    }
}
