//! 责任单位 text split into roles, in the shapes plan documents use:
//! 「A牵头，B、C按职责分工负责，D配合。」, a plain list (all responsible),
//! 「牵头单位：A；配合单位：B」, 「A、B等」, 「各县（市、区）党委、政府」.

use crate::plan::model::Role;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Split {
    /// Names as written (cleaned of 其他 and 等), each with its role, in order.
    pub names: Vec<(String, Role)>,
    /// The list ends in 「等」.
    pub open_list: bool,
}

/// Role words a name may end with, longest first within each role.
const MARKERS: &[(&str, Role)] = &[
    ("牵头负责", Role::Lead),
    ("牵头", Role::Lead),
    ("按照职责分工负责", Role::Responsible),
    ("按职责分工负责", Role::Responsible),
    ("按职责分工落实", Role::Responsible),
    ("按职责负责", Role::Responsible),
    ("分工负责", Role::Responsible),
    ("具体负责", Role::Responsible),
    ("共同负责", Role::Responsible),
    ("负责", Role::Responsible),
    ("落实", Role::Responsible),
    ("配合", Role::Supporting),
    ("协助", Role::Supporting),
    ("参与", Role::Supporting),
];

/// Labels that name the role of what follows them.
const LABELS: &[(&str, Option<Role>)] = &[
    ("牵头单位", Some(Role::Lead)),
    ("牵头部门", Some(Role::Lead)),
    ("配合单位", Some(Role::Supporting)),
    ("配合部门", Some(Role::Supporting)),
    ("协同单位", Some(Role::Supporting)),
    ("协办单位", Some(Role::Supporting)),
    ("主要责任单位", Some(Role::Responsible)),
    ("责任单位", None),
    ("责任部门", None),
];

/// Splits a 责任单位 text (with or without its 「责任单位：」 label).
pub fn split(text: &str) -> Split {
    let text = expand_party_and_government(text.trim());
    let mut out = Split::default();
    for (segment, label_role) in labelled_segments(&text) {
        split_segment(&segment, label_role, &mut out);
    }
    out
}

/// 「牵头单位：A；配合单位：B」 → [(A, Lead), (B, Supporting)]; unlabelled text is one segment.
fn labelled_segments(text: &str) -> Vec<(String, Option<Role>)> {
    let mut cuts: Vec<(usize, usize, Option<Role>)> = Vec::new();
    for (label, role) in LABELS {
        let mut from = 0;
        while let Some(at) = text[from..].find(label) {
            let start = from + at;
            let mut end = start + label.len();
            let rest = &text[end..];
            if let Some(c) = rest.chars().next().filter(|c| matches!(c, '：' | ':')) {
                end += c.len_utf8();
                // A longer label already claims this place (主要责任单位 ⊃ 责任单位).
                if !cuts.iter().any(|(s, e, _)| *s <= start && start < *e) {
                    cuts.push((start, end, *role));
                }
            }
            from = start + label.len();
        }
    }
    cuts.sort_by_key(|c| c.0);
    if cuts.is_empty() {
        return vec![(text.to_string(), None)];
    }
    let mut out = Vec::new();
    let head = text[..cuts[0].0].trim_matches(SEPARATORS_AND_SPACE);
    if !head.is_empty() {
        out.push((head.to_string(), None));
    }
    for (i, (_, end, role)) in cuts.iter().enumerate() {
        let stop = cuts.get(i + 1).map_or(text.len(), |c| c.0);
        out.push((text[*end..stop].to_string(), *role));
    }
    out
}

const SEPARATORS_AND_SPACE: &[char] = &[
    '、', '，', ',', '；', ';', '。', '.', ' ', '\u{3000}', '（', '）', '(', ')',
];

fn split_segment(segment: &str, label_role: Option<Role>, out: &mut Split) {
    let mut pending: Vec<String> = Vec::new();
    for token in tokens(segment) {
        let (mut name, marker) = take_marker(&token);
        if let Some(rest) = name.strip_suffix('等') {
            out.open_list = true;
            name = rest.to_string();
        }
        let name = clean_name(&name);
        if !name.is_empty() {
            pending.push(name);
        }
        if let Some(role) = marker {
            let role = label_role.unwrap_or(role);
            out.names.extend(pending.drain(..).map(|n| (n, role)));
        }
    }
    let role = label_role.unwrap_or(Role::Responsible);
    out.names.extend(pending.drain(..).map(|n| (n, role)));
}

/// A plain list of names as an admin types it (「A、各县(市、区)人民政府」): split where a
/// separator stands outside brackets.
pub fn names(list: &str) -> Vec<String> {
    tokens(&list.replace('\n', "、"))
}

/// Names separated by 、，,；; outside brackets; 「及其他」 and 「以及」 also separate.
fn tokens(segment: &str) -> Vec<String> {
    let segment = segment
        .replace("及其他", "、")
        .replace("以及", "、")
        .replace("及各", "、各");
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in segment.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth -= 1,
            _ => {}
        }
        if depth <= 0 && matches!(c, '、' | '，' | ',' | '；' | ';' | '。') {
            out.push(std::mem::take(&mut current));
            depth = 0;
        } else {
            current.push(c);
        }
    }
    out.push(current);
    out.into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn take_marker(token: &str) -> (String, Option<Role>) {
    for (marker, role) in MARKERS {
        if let Some(name) = token.strip_suffix(marker) {
            // 「负责」 alone is a role only after a name; 「市应急局负责」 is.
            return (name.trim().to_string(), Some(*role));
        }
    }
    (token.to_string(), None)
}

/// 「市安委会其他成员单位」 and 「其他市安委会成员单位」 both name 市安委会成员单位.
pub fn clean_name(name: &str) -> String {
    let mut n = name.trim().replace("其他", "");
    for prefix in ["由", "和", "及"] {
        if let Some(rest) = n.strip_prefix(prefix) {
            n = rest.to_string();
        }
    }
    n.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .to_string()
}

/// 「各县(市、区)党委、政府」, 「…党委政府」 and 「…党委、人民政府」 name two bodies: the
/// county party committees and the county governments.
fn expand_party_and_government(text: &str) -> String {
    let mut out = text.to_string();
    for joined in [
        "党委、人民政府",
        "党委和人民政府",
        "党委、政府",
        "党委和政府",
        "党委政府",
    ] {
        let mut from = 0;
        while let Some(at) = out[from..].find(joined) {
            let start = from + at;
            let prefix_start = prefix_start(&out[..start]);
            let prefix = out[prefix_start..start].to_string();
            let replacement = format!("{prefix}党委、{prefix}人民政府");
            out.replace_range(prefix_start..start + joined.len(), &replacement);
            from = prefix_start + replacement.len();
        }
    }
    out
}

/// Where the name ending at `before` starts: after the last separator outside brackets.
fn prefix_start(before: &str) -> usize {
    let mut depth = 0i32;
    for (i, c) in before.char_indices().rev() {
        match c {
            ')' | '）' => depth += 1,
            '(' | '（' => depth -= 1,
            '、' | '，' | ',' | '；' | ';' | '：' | ':' if depth <= 0 => {
                return i + c.len_utf8();
            }
            _ => {}
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    fn names(s: &Split) -> Vec<(&str, Role)> {
        s.names.iter().map(|(n, r)| (n.as_str(), *r)).collect()
    }

    #[test]
    fn lead_responsible_supporting_in_one_sentence() {
        let s =
            split("市应急局牵头,市消防救援支队,各县(市、区)人民政府按职责分工负责,市财政局配合。");
        assert_eq!(
            names(&s),
            [
                ("市应急局", Lead),
                ("市消防救援支队", Responsible),
                ("各县(市、区)人民政府", Responsible),
                ("市财政局", Supporting)
            ]
        );
        assert!(!s.open_list);
    }

    #[test]
    fn a_plain_list_is_all_responsible_and_other_is_dropped() {
        let s = split(
            "市应急局、市消防救援支队及其他市安委会成员单位、市安委会其他成员单位，各县（市、区）人民政府。",
        );
        assert_eq!(
            names(&s),
            [
                ("市应急局", Responsible),
                ("市消防救援支队", Responsible),
                ("市安委会成员单位", Responsible),
                ("市安委会成员单位", Responsible),
                ("各县（市、区）人民政府", Responsible)
            ]
        );
    }

    #[test]
    fn party_committees_and_governments_are_two_bodies_and_etc_is_kept() {
        let s =
            split("市应急局牵头，市网信办、市大数据局,各县(市、区)党委、政府等按职责分工负责。");
        assert_eq!(
            names(&s),
            [
                ("市应急局", Lead),
                ("市网信办", Responsible),
                ("市大数据局", Responsible),
                ("各县(市、区)党委", Responsible),
                ("各县(市、区)人民政府", Responsible)
            ]
        );
        assert!(s.open_list);
        let t = split("市委编办，各县（市、区）党委政府、经济技术开发区管委会。");
        assert_eq!(t.names[1].0, "各县（市、区）党委");
        assert_eq!(t.names[2].0, "各县（市、区）人民政府");
    }

    #[test]
    fn labelled_roles() {
        let s = split("牵头单位：市应急局；配合单位：市财政局、市发改委");
        assert_eq!(
            names(&s),
            [
                ("市应急局", Lead),
                ("市财政局", Supporting),
                ("市发改委", Supporting)
            ]
        );
        let t = split("责任单位：市应急局、市消防救援支队牵头，市财政局等按职责分工负责。");
        assert_eq!(
            names(&t),
            [
                ("市应急局", Lead),
                ("市消防救援支队", Lead),
                ("市财政局", Responsible)
            ]
        );
        assert!(t.open_list);
    }
}
