//! What is wrong at one place of a seed file, as a kind rather than a sentence: the command
//! line prints it in English (its output is stable and grepped), the admin page in Chinese.
//! One enum keeps the two wordings side by side, so neither can drift from the other.

use std::fmt;

use crate::plan::model::ItemKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The TOML reader refused the text; its own (English) message.
    Toml(String),
    /// The file could not be read (command line only).
    Unreadable(String),
    Nul,
    Empty,
    NotAKey {
        key: String,
        max: usize,
    },
    NotAYear(i64),
    NotADate,
    EndBeforeStart,
    NotAUnitKind(String),
    NameTaken(String),
    ListedTwice(String),
    GroupInGroup,
    UnknownUnit(String),
    UnknownParty(String),
    NamedTwice(String),
    NoUnitNamed,
    DuplicateKey(String),
    NumberRange {
        max: i32,
    },
    DuplicateNumber {
        number: i32,
        kind: ItemKind,
    },
    /// A field the item needs, named as in the file.
    MissingField(&'static str),
    MissingTable(&'static str),
    UnknownCategory(String),
    NotAllowedFor(ItemKind),
    OnlyColumnsHaveAreas,
    NotPositive,
    /// Shares of a milestone that has no count.
    SharesWithoutCount,
    /// The shares do not make the whole the document gives.
    SharesDoNotAddUp {
        sum: i64,
        target: i32,
    },
    CountWithoutUnit,
    UnitWithoutCount,
    NotATaskOfCategory(String),
    SubtargetIncomplete,
    NotAComparator(String),
    RelativeDecreaseIncomplete,
    PercentRange,
    Negative,
    AbsoluteBoundIncomplete,
    NotAnAggregation,
    NotARule(String),
}

impl fmt::Display for Problem {
    /// The English wording the command line has always printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Problem::*;
        match self {
            Toml(m) => write!(f, "{m}"),
            Unreadable(e) => write!(f, "cannot be read: {e}"),
            Nul => write!(f, "the NUL character is not allowed"),
            Empty => write!(f, "must not be empty"),
            NotAKey { key, max } => write!(
                f,
                "「{key}」 is not a key: use lower-case letters, digits and '-' (at most {max})"
            ),
            NotAYear(y) => write!(f, "{y} is not a plausible year"),
            NotADate => write!(f, "must be a date such as 2023-05-12"),
            EndBeforeStart => write!(f, "must not be before start_year"),
            NotAUnitKind(k) => write!(
                f,
                "「{k}」 is not a unit kind (department, party_department, vertical_agency, coordination_body, county, zone)"
            ),
            NameTaken(n) => write!(
                f,
                "「{n}」 is already the name or alias of another unit or group"
            ),
            ListedTwice(u) => write!(f, "「{u}」 is listed twice"),
            GroupInGroup => write!(f, "a group cannot be a member of a group"),
            UnknownUnit(u) => write!(f, "unknown unit 「{u}」"),
            UnknownParty(u) => write!(f, "unknown unit or group 「{u}」"),
            NamedTwice(u) => write!(f, "「{u}」 is named twice for this item"),
            NoUnitNamed => write!(f, "no unit is named in lead, responsible or supporting"),
            DuplicateKey(k) => write!(f, "duplicate key 「{k}」"),
            NumberRange { max } => write!(f, "must be a whole number from 1 to {max}"),
            DuplicateNumber { number, kind } => {
                write!(f, "duplicate number {number} among {}", kind.label())
            }
            MissingField(name) => write!(f, "missing field `{name}`"),
            MissingTable(name) => write!(f, "missing table `{name}`"),
            UnknownCategory(c) => write!(f, "unknown category 「{c}」"),
            NotAllowedFor(kind) => write!(f, "not allowed for {}", kind.label()),
            OnlyColumnsHaveAreas => write!(f, "only a column has areas"),
            NotPositive => write!(f, "must be a positive whole number"),
            CountWithoutUnit => write!(f, "a counted target needs its `unit` (个, 条 …)"),
            UnitWithoutCount => write!(f, "`unit` given without a `target` count"),
            NotATaskOfCategory(t) => write!(f, "「{t}」 is not a task of the column's category"),
            SubtargetIncomplete => write!(
                f,
                "a sub-target needs `metric`, `comparator`, `value` and `measure_unit`"
            ),
            NotAComparator(c) => write!(f, "「{c}」 is not one of <, <=, >, >="),
            RelativeDecreaseIncomplete => {
                write!(f, "relative_decrease needs `percent` and `baseline_label`")
            }
            PercentRange => write!(f, "must be more than 0 and at most 100"),
            SharesWithoutCount => write!(f, "shares need the milestone's count (target)"),
            SharesDoNotAddUp { sum, target } => {
                write!(f, "the shares add up to {sum}, not to the target {target}")
            }
            Negative => write!(f, "must not be negative"),
            AbsoluteBoundIncomplete => write!(
                f,
                "absolute_bound needs `comparator`, `value` and `aggregation`"
            ),
            NotAnAggregation => write!(f, "must be end_year or annual_average"),
            NotARule(r) => write!(f, "「{r}」 is not relative_decrease or absolute_bound"),
        }
    }
}

impl Problem {
    /// The same, in Chinese, for the admin page.
    pub fn zh(&self) -> String {
        use Problem::*;
        match self {
            Toml(m) => toml_zh(m),
            Unreadable(e) => format!("无法读取文件（{e}）"),
            Nul => "不允许出现 NUL 空字符".into(),
            Empty => "不能为空".into(),
            NotAKey { key, max } => {
                format!("「{key}」不是有效的键：只能用小写字母、数字和“-”，最多 {max} 个字符")
            }
            NotAYear(y) => format!("{y} 不是合理的年份（应在 1949 至 2200 之间）"),
            NotADate => "应为日期，如 2023-05-12".into(),
            EndBeforeStart => "不能早于起始年份（start_year）".into(),
            NotAUnitKind(k) => format!(
                "「{k}」不是有效的单位类型（可选 department、party_department、vertical_agency、coordination_body、county、zone）"
            ),
            NameTaken(n) => format!("「{n}」已是另一个单位或单位组的名称或别名"),
            ListedTwice(u) => format!("「{u}」重复列出"),
            GroupInGroup => "单位组不能作为另一个单位组的成员".into(),
            UnknownUnit(u) => format!("未知单位「{u}」"),
            UnknownParty(u) => format!("未知单位或单位组「{u}」"),
            NamedTwice(u) => format!("「{u}」在本事项中重复出现"),
            NoUnitNamed => {
                "牵头（lead）、负责（responsible）、配合（supporting）中均未列出单位".into()
            }
            DuplicateKey(k) => format!("键「{k}」重复"),
            NumberRange { max } => format!("应为 1 至 {max} 之间的整数"),
            DuplicateNumber { number, kind } => {
                format!("{}中序号 {number} 重复", kind.label())
            }
            MissingField(name) => format!("缺少必填字段 {name}"),
            MissingTable(name) => format!("缺少 [{name}] 表"),
            UnknownCategory(c) => format!("未知任务类别「{c}」"),
            NotAllowedFor(kind) => format!("{}不允许填写此字段", kind.label()),
            OnlyColumnsHaveAreas => "只有专栏可以填写专项整治重点（areas）".into(),
            NotPositive => "应为正整数".into(),
            CountWithoutUnit => "填写了目标数量，但缺少计量单位 unit（个、条……）".into(),
            UnitWithoutCount => "填写了计量单位 unit，但缺少目标数量 target".into(),
            NotATaskOfCategory(t) => format!("「{t}」不是本专栏所属类别下的重点任务"),
            SubtargetIncomplete => {
                "分项目标须同时填写 metric、comparator、value 和 measure_unit".into()
            }
            NotAComparator(c) => format!("「{c}」不是 <、<=、>、>= 之一"),
            RelativeDecreaseIncomplete => {
                "relative_decrease（相对下降）须填写 percent 和 baseline_label".into()
            }
            PercentRange => "应大于 0 且不超过 100".into(),
            SharesWithoutCount => "分解到单位的数量需要该目标有总数（target）".into(),
            SharesDoNotAddUp { sum, target } => {
                format!("各单位分解数合计为 {sum}，与总数 {target} 不符")
            }
            Negative => "不能为负数".into(),
            AbsoluteBoundIncomplete => {
                "absolute_bound（绝对限值）须填写 comparator、value 和 aggregation".into()
            }
            NotAnAggregation => "应为 end_year（期末值）或 annual_average（年均值）".into(),
            NotARule(r) => format!("「{r}」不是 relative_decrease 或 absolute_bound"),
        }
    }
}

/// The TOML reader's messages are its own; the common ones are said in Chinese, any other
/// is kept in the original after a Chinese lead, so nothing the reader said is lost.
fn toml_zh(m: &str) -> String {
    let quoted = || {
        let start = m.find('`')? + 1;
        let len = m[start..].find('`')?;
        Some(&m[start..start + len])
    };
    if m.starts_with("missing field")
        && let Some(name) = quoted()
    {
        return format!("缺少必填字段 {name}");
    }
    if m.starts_with("unknown field")
        && let Some(name) = quoted()
    {
        return format!("未知字段 {name}（是否拼写有误？）");
    }
    if m.starts_with("invalid type") {
        return format!("值的类型不对（{m}）");
    }
    if m.starts_with("duplicate key") {
        return format!("键重复（{m}）");
    }
    format!("TOML 格式错误（{m}）")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_messages_name_the_field_in_chinese() {
        assert_eq!(toml_zh("missing field `title`"), "缺少必填字段 title");
        assert!(toml_zh("unknown field `titel`, expected one of …").starts_with("未知字段 titel"));
        assert!(toml_zh("invalid basic string").contains("invalid basic string"));
    }
}
