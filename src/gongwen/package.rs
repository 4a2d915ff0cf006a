//! The package parts docx-rs 0.4 cannot be told about: its core properties have no public
//! setter for title or author and default to "unknown" and 1970, and its font table lists only
//! Times New Roman, Symbol and Arial. Both are written here and swapped into the built package.
//! Also the Chinese numerals and dates the format uses.

use chrono::{Datelike, NaiveDate, SecondsFormat};

use super::Meta;

/// 一 … 九十九 for heading numbers; larger numbers (never seen in a heading) stay Arabic.
pub fn numeral(n: usize) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].into(),
        10 => "十".into(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

/// GB/T 9704-2012 dates: Arabic numerals, the year in full, no leading zeros (2026年12月2日).
pub fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Text content for XML: markup characters escaped, and the control characters XML 1.0 cannot
/// carry at all dropped, so a stray one in a title cannot make Word refuse the file.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// docProps/core.xml with the title, author and times Word shows under 文件 › 信息.
pub fn core_xml(title: &str, meta: &Meta) -> String {
    let at = meta.at.to_rfc3339_opts(SecondsFormat::Secs, true);
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
            r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{title}</dc:title>",
            "<dc:creator>{creator}</dc:creator>",
            "<cp:lastModifiedBy>{modifier}</cp:lastModifiedBy>",
            "<cp:revision>1</cp:revision>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{at}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{at}</dcterms:modified>"#,
            "<dc:language>zh-CN</dc:language>",
            "</cp:coreProperties>"
        ),
        title = escape(title),
        creator = escape(&meta.creator),
        modifier = escape(&meta.last_modified_by),
        at = at,
    )
}

/// The fonts the document names, each GB2312 one with the font Windows ships as its
/// `altName`: Word (and WPS) substitute that one when the named 公文 font is not installed,
/// where otherwise the choice is left to charset guessing. Nothing in a .docx can do more;
/// the 方正 and _GB2312 fonts themselves must be installed for the exact look.
pub const FONT_TABLE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" "#,
    r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
    r#"<w:font w:name="Times New Roman"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#,
    r#"<w:font w:name="宋体"><w:altName w:val="SimSun"/><w:panose1 w:val="02010600030101010101"/><w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>"#,
    r#"<w:font w:name="黑体"><w:altName w:val="SimHei"/><w:panose1 w:val="02010609060101010101"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="楷体_GB2312"><w:altName w:val="楷体"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/><w:charset w:val="86"/><w:family w:val="script"/><w:pitch w:val="variable"/></w:font>"#,
    r#"<w:font w:name="Symbol"><w:charset w:val="02"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#,
    r#"<w:font w:name="Arial"><w:charset w:val="00"/><w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>"#,
    "</w:fonts>"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals_and_dates() -> Result<(), &'static str> {
        let got: Vec<String> = [1, 9, 10, 11, 20, 23, 99, 100]
            .into_iter()
            .map(numeral)
            .collect();
        assert_eq!(
            got,
            ["一", "九", "十", "十一", "二十", "二十三", "九十九", "100"]
        );
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).ok_or("date")?;
        assert_eq!(chinese_date(d), "2026年12月2日");
        Ok(())
    }

    #[test]
    fn core_properties_are_escaped() -> Result<(), &'static str> {
        let meta = Meta {
            creator: "市应急局 <A&B>".into(),
            last_modified_by: "王某\u{1}".into(),
            at: chrono::DateTime::from_timestamp(1_795_000_000, 0).ok_or("time")?,
        };
        let xml = core_xml("评估 \"一\"", &meta);
        assert!(xml.contains("<dc:creator>市应急局 &lt;A&amp;B&gt;</dc:creator>"));
        assert!(xml.contains("<cp:lastModifiedBy>王某</cp:lastModifiedBy>"));
        assert!(xml.contains("<dc:title>评估 &quot;一&quot;</dc:title>"));
        assert!(xml.contains(">2026-11-18T"), "{xml}");
        Ok(())
    }
}
