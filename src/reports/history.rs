//! A report's history as its page lists it: every kept version, and each evidence file
//! uploaded or removed, newest first.

use super::queries::VersionRow;
use super::shanghai;

#[derive(Clone)]
pub(super) struct VersionView {
    pub(super) version: i32,
    pub(super) action: &'static str,
    pub(super) state: &'static str,
    pub(super) comment: String,
    pub(super) actor: String,
    pub(super) at: String,
}

pub(super) fn action_label(action: &str) -> &'static str {
    match action {
        "save" => "保存草稿",
        "submit" => "报送",
        "approve" => "单位审核通过",
        "send_back" => "单位审核退回",
        "accept" => "督办采纳",
        "return" => "督办退回",
        _ => "其他",
    }
}

/// The report's history: its versions, and each file uploaded or removed, newest first. A
/// file event has no version of its own (shown as 0: no link).
pub(super) fn history(
    versions: Vec<VersionRow>,
    files: &[super::evidence::EvidenceRow],
) -> Vec<VersionView> {
    let mut events: Vec<(chrono::DateTime<chrono::Utc>, VersionView)> = versions
        .into_iter()
        .map(|v| (v.at, version_view(v)))
        .collect();
    let file_event = |at, action, name: &Option<String>, filename: &str| VersionView {
        version: 0,
        action,
        state: "",
        comment: filename.to_string(),
        actor: name.clone().unwrap_or_default(),
        at: shanghai(at),
    };
    for f in files {
        events.push((
            f.uploaded_at,
            file_event(f.uploaded_at, "上传佐证材料", &f.uploaded_by, &f.filename),
        ));
        if let Some(at) = f.removed_at {
            events.push((
                at,
                file_event(at, "移除佐证材料", &f.removed_by, &f.filename),
            ));
        }
    }
    // Newest first, as the versions come.
    events.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    events.into_iter().map(|(_, v)| v).collect()
}

fn version_view(v: VersionRow) -> VersionView {
    VersionView {
        version: v.version,
        action: action_label(&v.action),
        state: v.state.label(),
        comment: v.comment.unwrap_or_default(),
        actor: v.actor_name,
        at: shanghai(v.at),
    }
}
