//! The numbering levels of Chinese official documents: 一、 / （一） / 1. / （1）, 专栏 N, and
//! the 责任单位 lines that follow an item.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// 一、总体目标
    Section(i32),
    /// （一）强化本质安全能力建设
    Sub(i32),
    /// 1. 强化安全生产责任体系建设。
    Item(i32),
    /// （1）……
    Point(i32),
    /// 专栏 2 安全生产专项整治重点
    Column(i32),
}

/// The paragraph's number and the text after it.
pub fn mark(text: &str) -> Option<(Mark, &str)> {
    let t = text.trim_start();
    if let Some(rest) = t.strip_prefix("专栏") {
        let (n, after) = leading_digits(rest.trim_start());
        if let Some(n) = n {
            return Some((Mark::Column(n), after.trim_start()));
        }
    }
    // 一、
    let (n, after) = leading_chinese(t);
    if let Some(n) = n
        && let Some(rest) = after.strip_prefix('、')
    {
        return Some((Mark::Section(n), rest.trim_start()));
    }
    // （一） and （1）
    if let Some(inner) = t.strip_prefix(['（', '(']) {
        let inner = inner.trim_start();
        let (cn, after) = leading_chinese(inner);
        if let Some(n) = cn
            && let Some(rest) = after.trim_start().strip_prefix(['）', ')'])
        {
            return Some((Mark::Sub(n), rest.trim_start()));
        }
        let (dn, after) = leading_digits(inner);
        if let Some(n) = dn
            && let Some(rest) = after.trim_start().strip_prefix(['）', ')'])
        {
            return Some((Mark::Point(n), rest.trim_start()));
        }
    }
    // 1. 1． 1、 (not a year: 2025.)
    let (n, after) = leading_digits(t);
    if let Some(n) = n
        && n < 1000
        && let Some(rest) = after.trim_start().strip_prefix(['.', '．', '、'])
        && !rest.starts_with(|c: char| c.is_ascii_digit())
    {
        return Some((Mark::Item(n), rest.trim_start()));
    }
    None
}

/// A 责任单位 line: 「责任单位：…」, 「牵头单位：…」, or the whole line in brackets.
pub fn units_line(text: &str) -> Option<&str> {
    let t = text.trim();
    let inner = t
        .strip_prefix(['（', '('])
        .and_then(|s| s.strip_suffix(['）', ')']).or(Some(s)))
        .unwrap_or(t);
    for label in [
        "责任单位",
        "牵头单位",
        "责任部门",
        "牵头部门",
        "主要责任单位",
    ] {
        if let Some(rest) = inner.strip_prefix(label) {
            let rest = rest.trim_start();
            if rest.starts_with(['：', ':']) {
                return Some(if label.starts_with("牵头") {
                    inner
                } else {
                    rest[rest.chars().next().map_or(0, char::len_utf8)..].trim()
                });
            }
        }
    }
    None
}

/// A paragraph that ends in a bracketed role sentence: 「……。（A、B牵头，C按职责分工负责）」.
/// Returns the text before it and the sentence.
pub fn trailing_units(text: &str) -> Option<(&str, &str)> {
    let t = text.trim_end();
    let body = t.strip_suffix(['）', ')'])?;
    let open = body.rfind(['（', '('])?;
    let inner = &body[open + body[open..].chars().next().map_or(1, char::len_utf8)..];
    let has_role = ["牵头", "负责", "配合", "责任单位"]
        .iter()
        .any(|w| inner.contains(w));
    // A role sentence names units: it has separators, and it is not a remark in passing.
    if has_role && (inner.contains('、') || inner.contains('，') || inner.contains("责任单位"))
    {
        let inner = units_line(inner).unwrap_or(inner);
        Some((t[..open].trim_end(), inner))
    } else {
        None
    }
}

fn leading_digits(s: &str) -> (Option<i32>, &str) {
    let end = s
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(s.len(), |(i, _)| i);
    (s[..end].parse().ok(), &s[end..])
}

/// 一 … 九十九, as written in headings.
pub fn leading_chinese(s: &str) -> (Option<i32>, &str) {
    let end = s
        .char_indices()
        .find(|(_, c)| !"一二三四五六七八九十".contains(*c))
        .map_or(s.len(), |(i, _)| i);
    (chinese_number(&s[..end]), &s[end..])
}

fn chinese_number(s: &str) -> Option<i32> {
    if s.is_empty() {
        return None;
    }
    let digit = |c: char| "一二三四五六七八九".find(c).map(|i| (i / 3) as i32 + 1);
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(mark("一、总体目标"), Some((Mark::Section(1), "总体目标")));
        assert_eq!(mark("(十二)科技装备"), Some((Mark::Sub(12), "科技装备")));
        assert_eq!(mark("（ 三）保障"), Some((Mark::Sub(3), "保障")));
        assert_eq!(
            mark("29.提升社会服务能力。"),
            Some((Mark::Item(29), "提升社会服务能力。"))
        );
        assert_eq!(mark("1. 强化"), Some((Mark::Item(1), "强化")));
        assert_eq!(mark("（2）开展"), Some((Mark::Point(2), "开展")));
        assert_eq!(mark("专栏 2 安全生产"), Some((Mark::Column(2), "安全生产")));
        assert_eq!(mark("2025.6完成"), None);
        assert_eq!(mark("2025年完成"), None);
        assert_eq!(mark("二十一、其他"), Some((Mark::Section(21), "其他")));
    }

    #[test]
    fn units_lines() {
        assert_eq!(
            units_line("责任单位:市应急局牵头。"),
            Some("市应急局牵头。")
        );
        assert_eq!(
            units_line("（责任单位：市应急局、市财政局）"),
            Some("市应急局、市财政局")
        );
        assert_eq!(
            units_line("牵头单位：市应急局；配合单位：市财政局"),
            Some("牵头单位：市应急局；配合单位：市财政局")
        );
        assert_eq!(units_line("市应急局牵头"), None);
        assert_eq!(
            trailing_units(
                "加强执法。（市应急局、市公安局牵头，市级各有关部门及各县市区政府按职责分工负责）"
            ),
            Some((
                "加强执法。",
                "市应急局、市公安局牵头，市级各有关部门及各县市区政府按职责分工负责"
            ))
        );
        assert_eq!(trailing_units("开展调查(含评估)"), None);
    }
}
