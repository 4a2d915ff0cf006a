//! 目标指标 and 分项目标 read from their sentences: 「较“十三五”期末下降 15%」,
//! 「年均煤矿百万吨死亡率 <0.04」, 「……达标率达到 80%」, 「……占比超过60%」.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::draft::{Draft, Item, Kind, Target};
use crate::plan::model::{Aggregation, Comparator, IndicatorTarget, Percent};

pub fn read(item: &mut Item, draft: &mut Draft) {
    let text = item.text.trim().to_string();
    match item.kind {
        Kind::Indicator => indicator(item, &text, draft),
        _ => subtarget(item, &text, draft),
    }
}

fn indicator(item: &mut Item, text: &str, draft: &mut Draft) {
    let sentence = text.trim_end_matches(['。', ' ']).trim();
    if let Some(at) = sentence.find("下降") {
        let before = &sentence[..at];
        let (subject, baseline) = match before.rfind('较') {
            Some(b) => (&before[..b], Some(before[b + '较'.len_utf8()..].trim())),
            None => (before, None),
        };
        item.title = subject.trim().to_string();
        let Some(percent) = number_after(&sentence[at..])
            .and_then(|(p, _)| Decimal::from_str(&p).ok())
            .and_then(Percent::new)
        else {
            return unread(item, draft);
        };
        let label = match baseline {
            Some(b) if !b.is_empty() => b.to_string(),
            _ => {
                draft.note_item(item, "文件未写明基期：按上一规划期末理解，待确认");
                "上一规划期末".to_string()
            }
        };
        let target = IndicatorTarget::RelativeDecrease {
            percent,
            baseline_label: label,
            baseline_year: Some(draft.meta.start_year - 1),
            baseline_value: None,
        };
        item.target = Some(indicator_target(&item.title, target));
        return;
    }
    for (word, comparator) in [
        ("<=", "<="),
        ("≤", "<="),
        ("<", "<"),
        ("＜", "<"),
        ("低于", "<"),
        ("不超过", "<="),
        ("控制在", "<="),
        (">=", ">="),
        ("≥", ">="),
        (">", ">"),
        ("不低于", ">="),
        ("达到", ">="),
    ] {
        if let Some(at) = sentence.find(word) {
            let subject = sentence[..at].trim();
            item.title = subject.trim_start_matches("年均").trim().to_string();
            let value = number_after(&sentence[at + word.len()..])
                .and_then(|(v, _)| Decimal::from_str(&v).ok());
            let (Some(value), Some(comparator)) = (value, Comparator::parse(comparator)) else {
                return unread(item, draft);
            };
            let aggregation = if sentence.contains("年均") {
                Aggregation::AnnualAverage
            } else {
                Aggregation::EndYear
            };
            let target = IndicatorTarget::AbsoluteBound {
                comparator,
                value,
                aggregation,
            };
            item.target = Some(indicator_target(&item.title, target));
            return;
        }
    }
    unread(item, draft);
}

fn indicator_target(title: &str, target: IndicatorTarget) -> Target {
    Target::Indicator {
        measure_unit: indicator_unit(title).to_string(),
        target,
        note: None,
    }
}

/// The measure of an indicator, from the words of its metric.
fn indicator_unit(title: &str) -> &'static str {
    if title.contains("亿元") {
        "人/亿元"
    } else if title.contains("十万人") {
        "人/十万人"
    } else if title.contains("百万吨") {
        "人/百万吨"
    } else if title.contains("人数") {
        "人"
    } else if title.contains('率') {
        "%"
    } else {
        "待确认"
    }
}

fn unread(item: &mut Item, draft: &mut Draft) {
    if item.title.is_empty() {
        item.title = item.text.chars().take(30).collect();
    }
    draft.note_item(item, "未能读出目标值：此项未写入种子，请手工补充");
}

fn subtarget(item: &mut Item, text: &str, draft: &mut Draft) {
    item.title = super::outline::title_of(text);
    let first_clause = text.find(['，', ',']).map(|i| &text[..i]);
    if let Some(clause) = first_clause
        && clause.chars().count() < item.title.chars().count()
    {
        item.title = clause.to_string();
    }
    for (word, comparator) in [
        ("达到", ">="),
        ("不低于", ">="),
        ("超过", ">"),
        ("高于", ">"),
        ("以上", ">="),
    ] {
        let Some(at) = text.find(word) else {
            continue;
        };
        let before = &text[..at];
        let start = before.rfind(['。', '，', ',', '；']).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
        let metric = before[start..].trim().to_string();
        let number = number_after(&text[at + word.len()..]);
        if let (Some((value, unit)), Some(comparator)) = (number, Comparator::parse(comparator))
            && let Ok(value) = Decimal::from_str(&value)
        {
            item.target = Some(Target::Subtarget {
                metric,
                comparator,
                value,
                measure_unit: if unit.is_empty() {
                    "待确认".into()
                } else {
                    unit
                },
            });
            return;
        }
    }
    draft.note_item(item, "未能读出分项目标的数值：此项未写入种子，请手工补充");
}

/// The first number after `s`'s start (skipping spaces) and the unit right after it (%, ‰).
fn number_after(s: &str) -> Option<(String, String)> {
    let start = s.find(|c: char| c.is_ascii_digit())?;
    // Only a few characters of wording may stand between the verb and the number.
    if s[..start].chars().count() > 4 {
        return None;
    }
    let rest = &s[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let number = rest[..end].trim_end_matches('.').to_string();
    let unit = rest[end..]
        .trim_start()
        .chars()
        .next()
        .filter(|c| matches!(c, '%' | '‰' | '％'))
        .map(|c| {
            if c == '％' {
                "%".to_string()
            } else {
                c.to_string()
            }
        })
        .unwrap_or_default();
    Some((number, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: Kind, text: &str) -> (Item, Draft) {
        let mut d = Draft::default();
        d.meta.start_year = 2021;
        let mut i = Item::new(kind, 1, String::new(), "第1行".into());
        i.text = text.into();
        read(&mut i, &mut d);
        (i, d)
    }

    #[test]
    fn indicators() -> Result<(), Box<dyn std::error::Error>> {
        let (i, d) = item(
            Kind::Indicator,
            "生产安全事故死亡人数较“十三五”期末下降 15%。",
        );
        assert_eq!(i.title, "生产安全事故死亡人数");
        assert_eq!(
            i.target,
            Some(Target::Indicator {
                measure_unit: "人".into(),
                target: IndicatorTarget::RelativeDecrease {
                    percent: Percent::new(Decimal::from(15)).ok_or("percent")?,
                    baseline_label: "“十三五”期末".into(),
                    baseline_year: Some(2020),
                    baseline_value: None,
                },
                note: None,
            })
        );
        assert!(d.notes.is_empty());
        let (i, d) = item(
            Kind::Indicator,
            "工矿商贸就业人员十万人生产安全事故死亡率下降 10%。",
        );
        assert_eq!(i.title, "工矿商贸就业人员十万人生产安全事故死亡率");
        assert_eq!(d.notes.len(), 1);
        let (i, _) = item(Kind::Indicator, "年均煤矿百万吨死亡率 <0.04 。");
        assert_eq!(i.title, "煤矿百万吨死亡率");
        assert_eq!(
            i.target,
            Some(Target::Indicator {
                measure_unit: "人/百万吨".into(),
                target: IndicatorTarget::AbsoluteBound {
                    comparator: Comparator::Lt,
                    value: Decimal::from_str("0.04")?,
                    aggregation: Aggregation::AnnualAverage,
                },
                note: None,
            })
        );
        Ok(())
    }

    #[test]
    fn subtargets() {
        let (i, _) = item(
            Kind::Subtarget,
            "应急管理体制机制更加完善。市县两级应急管理部门行政执法装备配备达标率达到 80%。",
        );
        assert_eq!(i.title, "应急管理体制机制更加完善");
        assert_eq!(
            i.target,
            Some(Target::Subtarget {
                metric: "市县两级应急管理部门行政执法装备配备达标率".into(),
                comparator: Comparator::Ge,
                value: Decimal::from(80),
                measure_unit: "%".into()
            })
        );
        let (i, _) = item(
            Kind::Subtarget,
            "灾害应对能力显著增强，专职消防人员占全市总人口的比例达到0.4‰。",
        );
        assert_eq!(i.title, "灾害应对能力显著增强");
        let (i, _) = item(
            Kind::Subtarget,
            "应急要素资源配置更加优化。市县两级应急管理部门专业人才占比超过60%。",
        );
        assert!(matches!(
            i.target,
            Some(Target::Subtarget {
                comparator: Comparator::Gt,
                ..
            })
        ));
    }
}
