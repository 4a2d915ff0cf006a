//! Property tests: whatever text the seed parser is given, it answers, and a refusal always
//! names a line and a field with a message.

use proptest::prelude::*;

use super::{BUNDLED, BUNDLED_NAME, SeedError, parse};

fn check_refusal(text: &str, e: &SeedError) {
    assert_eq!(e.file, "fuzz.toml");
    assert!(!e.issues.is_empty(), "a refusal says why");
    let lines = text.lines().count() + 1;
    for issue in &e.issues {
        assert!(!issue.field.is_empty(), "{issue:?}");
        assert!(!issue.problem.to_string().trim().is_empty(), "{issue:?}");
        assert!(!issue.problem.zh().trim().is_empty(), "{issue:?}");
        assert!(issue.line <= lines, "{issue:?} beyond {lines} lines");
    }
    assert!(e.to_string().starts_with("fuzz.toml:"));
}

/// Bytes cut out of the bundled seed and replaced with `insert`, at places chosen by the test.
fn mangle(cuts: &[(usize, usize, String)]) -> String {
    let mut text = BUNDLED.to_string();
    for (at, len, insert) in cuts {
        let mut start = at % text.len();
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + len).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        text.replace_range(start..end, insert);
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_answered(text in "\\PC{0,400}") {
        if let Err(e) = parse("fuzz.toml", &text) {
            check_refusal(&text, &e);
        }
    }

    #[test]
    fn toml_shaped_text_is_answered(
        text in "(\\[\\[?[a-z_.]{1,12}\\]\\]?\n|[a-z_]{1,10} = (\"[^\"\n]{0,20}\"|-?[0-9]{1,6}|true|\\[\\]|\\{\\})\n){0,25}"
    ) {
        if let Err(e) = parse("fuzz.toml", &text) {
            check_refusal(&text, &e);
        }
    }

    #[test]
    fn a_mangled_plan_is_loaded_whole_or_refused_with_reasons(
        cuts in prop::collection::vec((any::<usize>(), 0usize..120, "\\PC{0,30}"), 1..5)
    ) {
        let text = mangle(&cuts);
        match parse("fuzz.toml", &text) {
            Ok(plan) => prop_assert!(!plan.meta.key.is_empty()),
            Err(e) => check_refusal(&text, &e),
        }
    }
}

#[test]
fn the_bundled_plan_parses() {
    assert!(parse(BUNDLED_NAME, BUNDLED).is_ok());
}
