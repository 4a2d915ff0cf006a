//! File names as stored and sent back: what a user sees must be what the file is called.

/// The longest name kept, in characters (the column allows 200).
pub const MAX_NAME_CHARS: usize = 120;

/// Unicode's format characters (general category Cf, Unicode 15), plus the line and paragraph
/// separators. They are invisible, and the bidirectional ones reorder what is shown:
/// `报告\u{202E}fdp.exe` reads as `报告exe.pdf`.
fn is_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// Characters Windows does not allow in a name, and quotes that would end a header value.
fn is_reserved(c: char) -> bool {
    matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?')
}

/// A name safe to store and to send back: no folders, no control or format characters, none
/// that Windows refuses, no leading dots (hidden files) or trailing dots and spaces (which
/// Windows drops, turning `a.exe.` into `a.exe`), at most [`MAX_NAME_CHARS`] characters with
/// the extension kept.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|&c| !c.is_control() && !is_format_char(c) && !is_reserved(c))
        .collect();
    let cleaned = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .trim();
    let cleaned = shorten(cleaned);
    if cleaned.is_empty() {
        "附件".to_string()
    } else {
        cleaned
    }
}

/// Cuts the stem, never the extension, when a name is too long.
fn shorten(name: &str) -> String {
    let total = name.chars().count();
    if total <= MAX_NAME_CHARS {
        return name.to_string();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if name[dot..].chars().count() <= 10 => name.split_at(dot),
        _ => (name, ""),
    };
    let keep = MAX_NAME_CHARS - ext.chars().count();
    let stem: String = stem.chars().take(keep).collect();
    format!("{}{ext}", stem.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_dropped() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\照片 1.jpg"), "照片 1.jpg");
        assert_eq!(clean_name("a/b\\c.pdf"), "c.pdf");
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(clean_name("a\u{0}b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_name("a\tb\u{7f}\u{85}c.pdf"), "abc.pdf");
    }

    #[test]
    fn every_bidi_and_format_character_is_dropped() {
        for c in [
            '\u{00AD}',
            '\u{061C}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{2028}',
            '\u{2029}',
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2060}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{FEFF}',
            '\u{E0041}',
        ] {
            assert_eq!(
                clean_name(&format!("报告{c}fdp.pdf")),
                "报告fdp.pdf",
                "{c:?}"
            );
        }
        // The classic: seen as 报告exe.pdf, kept as what it is.
        assert_eq!(clean_name("报告\u{202E}fdp.exe"), "报告fdp.exe");
    }

    #[test]
    fn reserved_characters_and_edges_are_dropped() {
        assert_eq!(clean_name("\"quote\".pdf"), "quote.pdf");
        assert_eq!(clean_name("a<b>c|d:e*f?.pdf"), "abcdef.pdf");
        assert_eq!(clean_name("  报告.pdf  "), "报告.pdf");
        assert_eq!(clean_name(".hidden.pdf"), "hidden.pdf");
        assert_eq!(clean_name("a.exe. . "), "a.exe");
    }

    #[test]
    fn empty_names_get_a_stand_in() {
        assert_eq!(clean_name(".."), "附件");
        assert_eq!(clean_name(""), "附件");
        assert_eq!(clean_name("\u{202E}\u{200B}"), "附件");
        assert_eq!(clean_name("dir/"), "附件");
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.pdf", "很".repeat(300));
        let kept = clean_name(&long);
        assert_eq!(kept.chars().count(), MAX_NAME_CHARS);
        assert!(kept.ends_with("很.pdf"), "{kept}");
        let no_ext = "x".repeat(300);
        assert_eq!(clean_name(&no_ext).chars().count(), MAX_NAME_CHARS);
    }
}
