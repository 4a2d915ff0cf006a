use std::io::{Cursor, Read};

use super::*;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn part(bytes: &[u8], name: &str) -> TestResult<String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut s = String::new();
    zip.by_name(name)?.read_to_string(&mut s)?;
    Ok(s)
}

fn sample() -> TestResult<Vec<u8>> {
    let mut doc = Gongwen::new("关于评估情况的报告");
    doc.doc_number("晋市应急〔2026〕1号")
        .subtitle("（数据截至 2026-12-01）")
        .heading1("总体进展")
        .body("纳入统计的事项共 46 项。")
        .heading2("目标指标")
        .heading2("重点任务")
        .heading3("细项")
        .heading1("存在问题")
        .heading2("基层")
        .table(
            &["单位", "事项"],
            vec![vec!["市应急局".into(), "4".into()]],
            &[3, 1],
        )
        .signature(
            "晋城市安全生产委员会办公室",
            NaiveDate::from_ymd_opt(2026, 12, 2).ok_or("date")?,
        );
    let meta = Meta {
        creator: "晋城市安全生产委员会办公室".into(),
        last_modified_by: "王某".into(),
        at: DateTime::from_timestamp(1_795_000_000, 0).ok_or("time")?,
    };
    Ok(doc.to_docx(&meta)?)
}

#[test]
fn headings_are_numbered_per_level_and_restart_below() -> TestResult {
    let xml = part(&sample()?, "word/document.xml")?;
    for h in [
        "一、总体进展",
        "（一）目标指标",
        "（二）重点任务",
        "1.细项",
        "二、存在问题",
        "（一）基层",
    ] {
        assert!(xml.contains(h), "{h}");
    }
    Ok(())
}

#[test]
fn the_page_the_fonts_and_the_signature_follow_the_standard() -> TestResult {
    let bytes = sample()?;
    let xml = part(&bytes, "word/document.xml")?;
    for s in [
        r#"<w:pgSz w:w="11906" w:h="16838""#,
        r#"w:top="2098""#,
        r#"w:bottom="1984""#,
        r#"w:left="1587""#,
        r#"w:right="1474""#,
        r#"w:eastAsia="方正小标宋简体""#,
        r#"w:eastAsia="仿宋_GB2312""#,
        r#"w:eastAsia="黑体""#,
        r#"w:eastAsia="楷体_GB2312""#,
        r#"<w:sz w:val="44" />"#,
        r#"<w:sz w:val="32" />"#,
        r#"w:firstLine="640""#,
        r#"w:lineRule="exact""#,
        "晋市应急〔2026〕1号",
        "2026年12月2日",
    ] {
        assert!(xml.contains(s), "{s}");
    }
    // Signature 13 characters, date 2080 twips wide: the date starts two characters in.
    assert_eq!(
        signature_indents("晋城市安全生产委员会办公室", "2026年12月2日"),
        (640, 2080)
    );
    // A short signature moves left so the longer date keeps 「右空二字」.
    assert_eq!(signature_indents("市应急局", "2026年12月2日"), (2080, 640));
    let fonts = part(&bytes, "word/fontTable.xml")?;
    assert!(fonts.contains(r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>"#));
    Ok(())
}

#[test]
fn footers_carry_a_page_field_between_dashes_and_core_properties_are_real() -> TestResult {
    let bytes = sample()?;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone()))?;
    let footers: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("word/footer"))
        .map(|n| n.to_string())
        .collect();
    assert_eq!(footers.len(), 2, "odd and even pages");
    for f in &footers {
        let xml = part(&bytes, f)?;
        let page = xml.find(">PAGE<").ok_or("a PAGE field")?;
        assert!(xml[..page].contains("— "), "{xml}");
        assert!(xml[page..].contains(" —"), "{xml}");
    }
    let mut settings = String::new();
    zip.by_name("word/settings.xml")?
        .read_to_string(&mut settings)?;
    assert!(settings.contains("evenAndOddHeaders"));
    let core = part(&bytes, "docProps/core.xml")?;
    assert!(core.contains("<dc:creator>晋城市安全生产委员会办公室</dc:creator>"));
    assert!(core.contains("<dc:title>关于评估情况的报告</dc:title>"));
    assert!(
        !core.contains("1970") && !core.contains("unknown"),
        "{core}"
    );
    Ok(())
}
