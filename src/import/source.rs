//! A document's text as paragraphs, each with its place in the source: lines of a .txt/.md
//! file (markdown markup dropped), paragraphs of a .docx (its pages where Word recorded them).

use std::io::{Cursor, Read};

use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::ImportError;

#[derive(Debug, Clone, PartialEq)]
pub struct Para {
    pub text: String,
    /// 「第12行」 or 「第3页 第2段」.
    pub place: String,
}

/// Lines of pasted text or markdown; blank lines dropped, markup removed.
pub fn from_text(text: &str) -> Vec<Para> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let clean = strip_markdown(line);
            (!clean.is_empty()).then(|| Para {
                text: clean,
                place: format!("第{}行", i + 1),
            })
        })
        .collect()
}

fn strip_markdown(line: &str) -> String {
    let mut s = line.trim();
    s = s.trim_start_matches('#').trim_start();
    for bullet in ["- ", "* ", "+ ", "> "] {
        if let Some(rest) = s.strip_prefix(bullet) {
            s = rest.trim_start();
        }
    }
    if s.chars()
        .all(|c| c == '-' || c == '*' || c == '=' || c == '_')
    {
        return String::new();
    }
    // Bold and LaTeX delimiters; a full-width space is the document's indentation.
    let cleaned = s.replace("**", "").replace("__", "").replace('$', "");
    cleaned
        .trim_matches(|c: char| c.is_whitespace())
        .to_string()
}

/// Most .docx files are well under 1 MB of XML; a bomb is refused rather than inflated.
const MAX_XML_BYTES: u64 = 32 * 1024 * 1024;

/// Paragraphs of a .docx's main document, tables included (one paragraph per cell line).
pub fn from_docx(bytes: &[u8]) -> Result<Vec<Para>, ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| ImportError::Unreadable("不是有效的 .docx 文件".into()))?;
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|_| ImportError::Unreadable(".docx 文件中没有正文 (word/document.xml)".into()))?;
    let mut xml = String::new();
    entry
        .take(MAX_XML_BYTES + 1)
        .read_to_string(&mut xml)
        .map_err(|_| ImportError::Unreadable(".docx 正文无法读取".into()))?;
    if xml.len() as u64 > MAX_XML_BYTES {
        return Err(ImportError::Unreadable(".docx 正文过大".into()));
    }
    paragraphs(&xml)
}

fn paragraphs(xml: &str) -> Result<Vec<Para>, ImportError> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let (mut page, mut on_page, mut paras) = (1u32, 0u32, 0u32);
    let mut saw_page_breaks = false;
    let mut current = String::new();
    let mut in_text = false;
    let mut break_after = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|_| ImportError::Unreadable(".docx 正文不是有效的 XML".into()))?;
        match event {
            Event::Eof => break,
            Event::Start(e) if e.local_name().as_ref() == "t" => in_text = true,
            Event::End(e) if e.local_name().as_ref() == "t" => in_text = false,
            Event::Text(t) if in_text => current.push_str(&t.xml_content(XmlVersion::Implicit1_0)),
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    current.push(c);
                } else {
                    current.push_str(match r.into_inner().as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" => current.push(' '),
                "lastRenderedPageBreak" => {
                    saw_page_breaks = true;
                    if !current.trim().is_empty() {
                        // The page turns inside this paragraph: it is placed on its first page.
                        break_after = true;
                    } else {
                        page += 1;
                        on_page = 0;
                    }
                }
                "br" => {
                    let is_page = e
                        .attributes()
                        .flatten()
                        .any(|a| a.key.local_name().as_ref() == "type" && &*a.value == "page");
                    if is_page {
                        saw_page_breaks = true;
                        break_after = true;
                    }
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "p" => {
                let text = current.trim().to_string();
                current.clear();
                paras += 1;
                if !text.is_empty() {
                    on_page += 1;
                    out.push(Para {
                        text,
                        place: format!("\u{0}{page}\u{0}{on_page}\u{0}{paras}"),
                    });
                }
                if break_after {
                    page += 1;
                    on_page = 0;
                    break_after = false;
                }
            }
            _ => {}
        }
    }
    // Pages are named only where Word recorded them; otherwise paragraphs are counted.
    for p in &mut out {
        let parts: Vec<&str> = p.place.split('\u{0}').collect();
        p.place = match (saw_page_breaks, parts.as_slice()) {
            (true, [_, page, on_page, _]) => format!("第{page}页 第{on_page}段"),
            (_, [.., all]) => format!("第{all}段"),
            _ => String::new(),
        };
    }
    Ok(out)
}

/// Characters used only in traditional script, common in plan documents.
const TRADITIONAL: &str = "個們會來為這與國發說對時實點體關應處機劃財務產報導區縣號單責級監災險劃門開長領問題當進經營與設書際環規職總業權壓辦黨護備會險執預統標網頁驗違層";

/// Refuses a text written in traditional characters: its unit names would match nothing.
pub fn refuse_traditional(paras: &[Para]) -> Result<(), ImportError> {
    let (mut han, mut traditional) = (0usize, 0usize);
    for c in paras.iter().flat_map(|p| p.text.chars()) {
        if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            han += 1;
            if TRADITIONAL.contains(c) {
                traditional += 1;
            }
        }
    }
    if traditional >= 5 && traditional * 50 >= han {
        return Err(ImportError::Traditional);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_markup_is_dropped() {
        let paras = from_text("# 标题\n\n- 1.一项 $<0.04$ 。\n**2. 粗体。**正文\n---\n");
        let texts: Vec<&str> = paras.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["标题", "1.一项 <0.04 。", "2. 粗体。正文"]);
        assert_eq!(paras[2].place, "第4行");
    }

    #[test]
    fn docx_paragraphs_know_their_page() -> Result<(), ImportError> {
        let xml = r#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>一、</w:t></w:r><w:r><w:t xml:space="preserve">总体 &amp; 目标</w:t></w:r></w:p><w:p/><w:p><w:r><w:br w:type="page"/><w:t>第二页</w:t></w:r></w:p><w:p><w:r><w:t>再一段</w:t></w:r></w:p></w:body></w:document>"#;
        let paras = paragraphs(xml)?;
        assert_eq!(paras[0].text, "一、总体 & 目标");
        assert_eq!(paras[0].place, "第1页 第1段");
        assert_eq!(paras[1].place, "第1页 第2段");
        assert_eq!(paras[2].place, "第2页 第1段");
        Ok(())
    }

    #[test]
    fn traditional_text_is_refused() {
        let t =
            from_text("各縣人民政府要加強監督，責任單位：市應急管理局、市財政局，這個計劃的實施。");
        assert!(matches!(
            refuse_traditional(&t),
            Err(ImportError::Traditional)
        ));
        let s = from_text("各县人民政府要加强监督，责任单位：市应急管理局、市财政局。");
        assert!(refuse_traditional(&s).is_ok());
    }
}
