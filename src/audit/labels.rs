//! Chinese names for what the audit log stores as codes: actions, object types, fields and
//! the coded values in before/after. One table each, so a new action needs one line here;
//! a code missing from a table is shown as it is stored.

use crate::accounts::model::UserRole;
use crate::plan::model::{Role, UnitKind};
use crate::reports::model::ReportState;

/// Every action `crate::audit::record` is called with, and `system.restore` written by the
/// restore script.
pub const ACTIONS: &[(&str, &str)] = &[
    ("auth.login", "登录"),
    ("auth.login_failed", "登录失败（密码错误）"),
    ("auth.login_refused", "登录被拒（尝试过于频繁）"),
    ("auth.logout", "退出登录"),
    (
        "auth.password_change_failed",
        "修改密码失败（当前密码错误）",
    ),
    (
        "auth.password_change_refused",
        "修改密码被拒（尝试过于频繁）",
    ),
    ("account.change_password", "修改本人密码"),
    ("user.create", "新建账户"),
    ("user.update", "修改账户"),
    ("user.reset_password", "重置密码"),
    ("seed.load", "载入种子文件"),
    ("plan.archive", "归档规划"),
    ("plan.restore", "取消归档规划"),
    ("item.settings", "修改事项设置"),
    ("assignment.add", "添加责任分工"),
    ("assignment.remove", "移除责任分工"),
    ("unit.create", "新增单位"),
    ("unit.update", "修改单位"),
    ("group.members", "修改集体名称的成员单位"),
    ("round.create", "新建填报轮次"),
    ("round.remind", "催报"),
    ("report.save", "保存填报草稿"),
    ("report.transition", "填报流转（报送、审核、采纳或退回）"),
    ("evidence.upload", "上传佐证材料"),
    ("evidence.remove", "移除佐证材料"),
    ("supervision.answer", "答复督办"),
    ("evaluation.create", "生成评估"),
    ("rules.update", "修改统计规则"),
    ("synth.plan", "生成合成规划"),
    ("synth.reports", "生成合成填报"),
    ("system.restore", "从备份恢复"),
];

pub fn action(code: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// Codes whose Chinese name contains `typed`, so the filter finds 催报 as well as round.remind.
pub fn actions_named(typed: &str) -> Vec<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Vec::new();
    }
    ACTIONS
        .iter()
        .filter(|(_, l)| l.contains(typed))
        .map(|(c, _)| c.to_string())
        .collect()
}

pub fn object_type(code: &str) -> &str {
    match code {
        "user" => "账户",
        "unit" => "单位",
        "group" => "集体名称",
        "report" => "填报",
        "item" => "事项",
        "plan" => "规划",
        "round" => "填报轮次",
        "assignment" => "责任分工",
        "evaluation" => "评估",
        "flag" => "督办提示",
        other => other,
    }
}

const FIELDS: &[(&str, &str)] = &[
    ("username", "用户名"),
    ("display_name", "姓名"),
    ("role", "角色"),
    ("unit", "所属单位"),
    ("disabled", "已停用"),
    ("must_change_password", "须修改密码"),
    ("name", "简称"),
    ("full_name", "全称"),
    ("kind", "类别"),
    ("lifecycle", "事项状态"),
    ("weight", "权重"),
    ("baseline", "基期值"),
    ("binding", "指标属性"),
    ("item", "事项"),
    ("party", "单位或集体"),
    ("title", "标题"),
    ("due_on", "截止日期"),
    ("scope", "征集内容"),
    ("scope_items", "涉及事项数"),
    ("scope_units", "涉及单位数"),
    ("version", "版本"),
    ("state", "状态"),
    ("action", "操作"),
    ("evidence", "材料编号"),
    ("filename", "文件名"),
    ("bytes", "大小（字节）"),
    ("sha256", "SHA-256 摘要"),
    ("members", "成员单位"),
    ("known", "成员已确认"),
    ("cutoff", "截止日期"),
    ("cutoff_warning", "截止日期提醒（已确认仍生成）"),
    ("lag_points", "滞后容差（百分点）"),
    ("due_soon_days", "临近截止提醒（天）"),
    ("on_path_percent", "“基本符合预期”范围（%）"),
    ("by_weight", "按事项权重统计占比"),
    ("started_on", "启用日期"),
    ("count", "变更数"),
    ("city", "城市"),
    ("units", "单位数"),
    ("assignments", "分工数"),
    ("rounds", "轮次数"),
    ("reports", "报告数"),
    ("skipped_unit", "跳过的单位"),
];

pub fn field(code: &str) -> Option<&'static str> {
    FIELDS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// Where a field comes in the table, so related fields stay together; unknown ones last.
pub fn field_rank(code: &str) -> usize {
    FIELDS
        .iter()
        .position(|(c, _)| *c == code)
        .unwrap_or(FIELDS.len())
}

/// The Chinese name of a coded value of `field`, as the forms that set it say it.
pub fn value(field: &str, v: &str) -> Option<&'static str> {
    match field {
        "role" => UserRole::parse(v)
            .map(UserRole::label)
            .or_else(|| Role::parse(v).map(Role::label)),
        "kind" => UnitKind::parse(v).map(UnitKind::label).or(match v {
            "mid_term" => Some("中期评估"),
            "final" => Some("总结评估"),
            "other" => Some("其他评估"),
            _ => None,
        }),
        "state" => {
            use ReportState::*;
            [Draft, AwaitingApproval, Submitted, Accepted, Returned]
                .into_iter()
                .find(|s| s.slug() == v)
                .map(ReportState::label)
        }
        "lifecycle" => match v {
            "active" => Some("正常"),
            "cancelled" => Some("已取消"),
            "merged" => Some("已合并"),
            _ => None,
        },
        // The settings form says binding/expected/""; the saved entry true/false/null.
        "binding" => match v {
            "" => Some("未标明"),
            "binding" | "true" => Some("约束性"),
            "expected" | "false" => Some("预期性"),
            _ => None,
        },
        // The step of a report's workflow, as its history on the report page names it.
        "action" => match v {
            "save" => Some("保存草稿"),
            "submit" => Some("报送"),
            "approve" => Some("单位审核通过"),
            "send_back" => Some("单位审核退回"),
            "accept" => Some("督办采纳"),
            "return" => Some("督办退回"),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_label_and_labels_find_codes() {
        for (i, (code, label)) in ACTIONS.iter().enumerate() {
            assert!(!label.is_empty());
            assert!(
                ACTIONS[i + 1..].iter().all(|(c, _)| c != code),
                "{code} twice"
            );
        }
        assert_eq!(action("user.create"), Some("新建账户"));
        assert_eq!(action("made.up"), None);
        assert_eq!(actions_named("催报"), ["round.remind"]);
        assert!(actions_named("登录").contains(&"auth.login".to_string()));
        assert!(actions_named(" ").is_empty());
    }

    #[test]
    fn coded_values_read_as_the_forms_say_them() {
        assert_eq!(value("role", "reporter"), Some("填报员"));
        assert_eq!(value("role", "lead"), Some("牵头"));
        assert_eq!(value("state", "submitted"), Some("已报送"));
        assert_eq!(value("title", "x"), None);
    }
}
