//! Before and after of an entry as a reader wants them: the fields that changed, each with
//! its old and new value in words; a seed load as its list of changes. A shape not known
//! here is shown as the stored JSON, so nothing recorded is ever hidden.

use serde_json::{Map, Value};

use super::labels;

/// One field of an entry.
pub struct FieldChange {
    pub label: String,
    /// The stored key, shown beside a label that is a translation.
    pub code: String,
    pub old: String,
    pub new: String,
}

/// How the fields read: a change has both sides, a creation only the new, a removal the old.
#[derive(PartialEq, Eq)]
pub enum Mode {
    Change,
    Created,
    Removed,
}

/// One line of a seed load's report: 新增 / 修改 / 删除 and what.
pub struct SeedLine {
    pub verb: &'static str,
    pub what: String,
}

pub struct Shown {
    pub mode: Mode,
    pub fields: Vec<FieldChange>,
    pub seed_lines: Vec<SeedLine>,
    /// Before and after exist and are equal in every field.
    pub unchanged: bool,
    /// Pretty JSON of a shape not understood here; empty otherwise.
    pub raw_before: String,
    pub raw_after: String,
}

/// Keys never shown, whatever an entry holds: a password or its hash is nobody's business.
fn secret(key: &str) -> bool {
    key.contains("password_hash") || key == "password"
}

pub fn show(action: &str, before: Option<Value>, after: Option<Value>) -> Shown {
    let mut shown = Shown {
        mode: Mode::Change,
        fields: Vec::new(),
        seed_lines: Vec::new(),
        unchanged: false,
        raw_before: String::new(),
        raw_after: String::new(),
    };
    let before = before.map(|b| settings_fields(action, b));
    let mut after = after;
    if let Some(Value::Object(a)) = &mut after
        && let Some(Value::Array(lines)) = a.remove("changes")
    {
        shown.seed_lines = lines
            .iter()
            .filter_map(Value::as_str)
            .map(seed_line)
            .collect();
    }
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            shown.fields = keys(&b, &a)
                .into_iter()
                .map(|k| field(&k, b.get(&k), a.get(&k)))
                // Compared in words: `1` and `"1"`, or null and "", say the same to a reader.
                .filter(|f| f.old != f.new)
                .collect();
            shown.unchanged = shown.fields.is_empty();
        }
        (None, Some(Value::Object(a))) => {
            shown.mode = Mode::Created;
            let empty = Map::new();
            shown.fields = keys(&empty, &a)
                .into_iter()
                .map(|k| field(&k, None, a.get(&k)))
                .collect();
        }
        (Some(Value::Object(b)), None) => {
            shown.mode = Mode::Removed;
            let empty = Map::new();
            shown.fields = keys(&b, &empty)
                .into_iter()
                .map(|k| field(&k, b.get(&k), None))
                .collect();
        }
        (before, after) => {
            shown.raw_before = pretty(before.as_ref());
            shown.raw_after = pretty(after.as_ref());
        }
    }
    shown
}

/// `item.settings` stores its old settings as the form's fingerprint
/// (`lifecycle|weight|baseline|binding`); split, they compare field by field with the new.
fn settings_fields(action: &str, before: Value) -> Value {
    let fingerprint = match (&before, action) {
        (Value::Object(m), "item.settings") if m.len() == 1 => m.get("settings"),
        _ => None,
    };
    let Some(parts) = fingerprint
        .and_then(Value::as_str)
        .map(|s| s.split('|').collect::<Vec<_>>())
        .filter(|p| p.len() == 4)
    else {
        return before;
    };
    let mut m = Map::new();
    for (key, v) in ["lifecycle", "weight", "baseline", "binding"]
        .into_iter()
        .zip(parts)
    {
        m.insert(key.into(), Value::String(v.to_string()));
    }
    Value::Object(m)
}

/// Keys of either side, secrets left out, known fields first in the order of the label table.
fn keys(b: &Map<String, Value>, a: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| !secret(k))
        .cloned()
        .collect();
    keys.sort_by_key(|k| (labels::field_rank(k), k.clone()));
    keys.dedup();
    keys
}

fn field(key: &str, old: Option<&Value>, new: Option<&Value>) -> FieldChange {
    FieldChange {
        label: labels::field(key).unwrap_or(key).to_string(),
        code: key.to_string(),
        old: old.map(|v| words(key, v)).unwrap_or_default(),
        new: new.map(|v| words(key, v)).unwrap_or_default(),
    }
}

/// A value in words: the Chinese name of a coded value, 是/否 for other flags, lists joined.
fn words(key: &str, v: &Value) -> String {
    let text = match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(list) if list.is_empty() => return "（空）".into(),
        Value::Array(list) => {
            return list
                .iter()
                .map(|v| words(key, v))
                .collect::<Vec<_>>()
                .join("、");
        }
        Value::Object(_) => return v.to_string(),
    };
    if let Some(label) = labels::value(key, &text) {
        return label.to_string();
    }
    match v {
        Value::Bool(true) => "是".into(),
        Value::Bool(false) => "否".into(),
        _ if text.is_empty() => "（空）".into(),
        _ => text,
    }
}

fn pretty(v: Option<&Value>) -> String {
    v.and_then(|v| serde_json::to_string_pretty(v).ok())
        .unwrap_or_default()
}

/// A line of the loader's report (`+ unit 「市应急局」`, `~ item task-6: title`), its verb and
/// leading noun in Chinese; the names and keys after it are the file's own.
fn seed_line(line: &str) -> SeedLine {
    let (verb, rest) = match line.split_at_checked(2) {
        Some(("+ ", rest)) => ("新增", rest),
        Some(("~ ", rest)) => ("修改", rest),
        Some(("- ", rest)) => ("删除", rest),
        _ => ("", line),
    };
    const NOUNS: [(&str, &str); 9] = [
        ("jurisdiction ", "行政区 "),
        ("plan ", "规划 "),
        ("unit ", "单位 "),
        ("group ", "集体名称 "),
        ("members of ", "成员单位 "),
        ("spelling ", "名称写法 "),
        ("item ", "事项 "),
        ("milestone ", "节点 "),
        ("target of ", "目标 "),
    ];
    let what = NOUNS
        .iter()
        .find_map(|(en, zh)| rest.strip_prefix(en).map(|r| format!("{zh}{r}")))
        .unwrap_or_else(|| rest.to_string());
    SeedLine {
        verb,
        what: changed_parts(&what).unwrap_or(what),
    }
}

/// `事项 task-6: title, text` names the parts of an item or plan that changed; said in
/// Chinese when every one is known.
fn changed_parts(what: &str) -> Option<String> {
    const PARTS: [(&str, &str); 13] = [
        ("kind", "类别"),
        ("number", "序号"),
        ("parent", "上级"),
        ("title", "标题"),
        ("text", "正文"),
        ("units_text", "责任单位原文"),
        ("jurisdiction", "行政区"),
        ("doc_number", "文号"),
        ("issuer", "印发机关"),
        ("issue_date", "印发日期"),
        ("years", "起止年份"),
        ("notice", "通知"),
        ("preamble", "前言"),
    ];
    let (head, parts) = what.split_once(": ")?;
    let zh: Option<Vec<&str>> = parts
        .split(", ")
        .map(|p| PARTS.iter().find(|(en, _)| *en == p).map(|(_, zh)| *zh))
        .collect();
    Some(format!("{head}：{}", zh?.join("、")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_changed_fields_are_shown_in_words() {
        let s = show(
            "user.update",
            Some(json!({"username": "a", "role": "reporter", "disabled": false})),
            Some(json!({"username": "a", "role": "approver", "disabled": true})),
        );
        let rows: Vec<_> = s
            .fields
            .iter()
            .map(|f| (f.label.as_str(), f.old.as_str(), f.new.as_str()))
            .collect();
        assert_eq!(
            rows,
            [("角色", "填报员", "单位审核人"), ("已停用", "否", "是")]
        );
    }

    #[test]
    fn item_settings_compare_with_the_old_fingerprint() {
        let s = show(
            "item.settings",
            Some(json!({"settings": "active|1||expected"})),
            Some(
                json!({"lifecycle": "cancelled", "weight": 1, "baseline": null, "binding": false}),
            ),
        );
        let rows: Vec<_> = s
            .fields
            .iter()
            .map(|f| (f.label.as_str(), f.old.as_str(), f.new.as_str()))
            .collect();
        assert_eq!(rows, [("事项状态", "正常", "已取消")]);
    }

    #[test]
    fn secrets_unknown_shapes_and_seed_reports() {
        let s = show("x.y", None, Some(json!({"password_hash": "h", "n": 1})));
        assert_eq!(s.fields.len(), 1);
        let s = show("x.y", Some(json!([1])), None);
        assert!(s.raw_before.contains('1'));
        let s = show(
            "seed.load",
            None,
            Some(json!({"changes": ["+ unit 「甲」", "~ item task-6: title"], "count": 2})),
        );
        let lines: Vec<_> = s
            .seed_lines
            .iter()
            .map(|l| (l.verb, l.what.as_str()))
            .collect();
        assert_eq!(
            lines,
            [("新增", "单位 「甲」"), ("修改", "事项 task-6：标题")]
        );
        let odd = seed_line("~ unit 「甲」: full name or kind");
        assert_eq!(
            odd.what, "单位 「甲」: full name or kind",
            "unknown parts stay as written"
        );
    }
}
