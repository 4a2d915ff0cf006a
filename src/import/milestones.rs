//! Dated and counted commitments in an item's text, as milestones to confirm:
//! 「2025年底前完成……」, 「2022年10月底前……」, 「到2025年，建成3个……」.

use super::draft::{Item, Milestone};

const VERBS: &[&str] = &[
    "编制完成",
    "建成",
    "完成",
    "创建",
    "建立",
    "实现",
    "达到",
    "建设",
];
const MEASURES: &[char] = &[
    '个', '条', '座', '支', '处', '所', '家', '项', '套', '台', '名', '人',
];

/// The milestones found in `item.text`, each with the sentence it comes from.
pub fn find(item: &Item) -> Vec<Milestone> {
    let mut out = Vec::new();
    for clause in item.text.split(['。', '；', ';', '\n']) {
        let Some((year, after)) = year_in(clause) else {
            continue;
        };
        let Some((verb_at, verb)) = VERBS
            .iter()
            .filter_map(|v| after.find(v).map(|at| (at, *v)))
            .min_by_key(|(at, _)| *at)
        else {
            continue;
        };
        let deliverable = after[verb_at..]
            .split(['，', ','])
            .next()
            .unwrap_or("")
            .trim();
        if deliverable.chars().count() <= verb.chars().count() + 1 {
            continue;
        }
        let target = count_in(&deliverable[verb.len()..]);
        let title = match &target {
            Some((n, measure)) => deliverable.replacen(&format!("{n}{measure}"), "", 1),
            None => deliverable.to_string(),
        };
        out.push(Milestone {
            key: None,
            shares: Vec::new(),
            shares_add_up: false,
            title: title.chars().take(60).collect(),
            target,
            due_year: Some(year),
            quote: clause.trim().trim_start_matches(['，', ',']).to_string(),
            note: Some("导入时从原文读出，待确认".into()),
        });
    }
    out
}

/// A 完成时限 cell (「2025年底前」, 「2022年10月底前」) as a dated milestone for the whole item;
/// 「持续推进」 and other undated words give none.
pub fn from_deadline(deadline: &str, title: &str) -> Option<Milestone> {
    let (year, _) = year_in(deadline)?;
    Some(Milestone {
        key: None,
        shares: Vec::new(),
        shares_add_up: false,
        title: title.to_string(),
        target: None,
        due_year: Some(year),
        quote: deadline.trim().to_string(),
        note: Some("导入时从完成时限一栏读出，待确认".into()),
    })
}

/// 「2025年」 (also 「到2025年」, 「2025年底前」, 「2022年10月底前」) and the text after it.
fn year_in(clause: &str) -> Option<(i32, &str)> {
    let at = clause.find('年')?;
    let digits: String = clause[..at]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let year: i32 = digits.parse().ok().filter(|y| (2000..2100).contains(y))?;
    let mut after = &clause[at + '年'.len_utf8()..];
    // 「10月底前」, 「底前」, 「前」, 「，」
    if let Some(m) = after.find("月底前").or_else(|| after.find("月前"))
        && after[..m].chars().all(|c| c.is_ascii_digit())
    {
        after = after[m..]
            .trim_start_matches("月底前")
            .trim_start_matches("月前");
    }
    let after = after
        .trim_start_matches("底前")
        .trim_start_matches("前")
        .trim_start_matches(['，', ',']);
    Some((year, after))
}

/// 「3个市级……」 → (3, 个), when a count opens the deliverable.
fn count_in(s: &str) -> Option<(i64, String)> {
    let s = s.trim_start();
    let end = s.find(|c: char| !c.is_ascii_digit())?;
    let n: i64 = s[..end].parse().ok()?;
    let measure = s[end..].trim_start().chars().next()?;
    MEASURES
        .contains(&measure)
        .then(|| (n, measure.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::draft::Kind;

    fn item(text: &str) -> Item {
        let mut i = Item::new(Kind::Project, 1, "x".into(), "第1行".into());
        i.text = text.into();
        i
    }

    #[test]
    fn dated_and_counted_deliverables() {
        let m = find(&item(
            "建设培训基地。2025年建成市级综合应急实训演练基地，强化实训功能。",
        ));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].title, "建成市级综合应急实训演练基地");
        assert_eq!(m[0].target, None);
        assert_eq!(m[0].due_year, Some(2025));
        let m = find(&item("到2025年，建成3个市级应急救援保障中心。"));
        assert_eq!(m[0].target, Some((3, "个".into())));
        assert_eq!(m[0].title, "建成市级应急救援保障中心");
        let m = find(&item("2022年10月底前完成风险普查，持续推进。"));
        assert_eq!(m[0].due_year, Some(2022));
        assert_eq!(m[0].title, "完成风险普查");
        assert!(find(&item("持续推进安全生产专项整治。")).is_empty());
    }
}
