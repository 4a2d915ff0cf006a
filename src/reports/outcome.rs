//! What a change to a report came to, in words: the notice after it is done, and the report
//! page again when the workflow refuses it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::form::ReportForm;
use super::model::ReportState;
use super::page::{ReportPage, ReportPath, load, page};
use super::workflow::FlowError;
use crate::AppState;
use crate::accounts::model::UserRole;
use crate::accounts::session::SessionUser;
use crate::error::{AppError, render};

/// What just happened to the report, and what comes next, read from where it now stands.
pub(super) fn done_notice(done: &str, state: Option<ReportState>, unit_name: &str) -> String {
    match (done, state) {
        ("save", _) => "草稿已保存。可继续修改，或点“报送”。".into(),
        ("upload", _) => "佐证材料已上传，填写的内容已一并保存为草稿。".into(),
        ("remove", _) => "佐证材料已移除；移除记录保留在下方“已移除的材料”和审计日志中。".into(),
        (_, Some(ReportState::AwaitingApproval)) => {
            format!("已报送，等待{unit_name}审核人签批。")
        }
        ("submit", Some(ReportState::Submitted)) => "已报送市应急局，等待审核。".into(),
        (_, Some(ReportState::Submitted)) => "已审核通过，报送市应急局，等待审核。".into(),
        (_, Some(ReportState::Returned)) => "已退回，填报人将在待办中看到退回意见。".into(),
        (_, Some(ReportState::Accepted)) => "已采纳。该报告已定稿，不再修改。".into(),
        _ => "已处理。".into(),
    }
}

/// A save or review the workflow refused, answered with the report page as it is now: its
/// current version, so that the page does not offer the stale one again; the problem beside
/// its field and in the alert; and what the person typed, kept by `keep`.
pub(super) async fn refused(
    state: &AppState,
    user: SessionUser,
    (round_id, item_key, unit_id): &ReportPath,
    e: FlowError,
    form: Option<ReportForm>,
    keep: impl FnOnce(&mut ReportPage),
) -> Result<Response, AppError> {
    let status = match e {
        FlowError::Database(e) => return Err(e.into()),
        FlowError::Invalid(..) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::CONFLICT,
    };
    let fresh = load(state, &user, *round_id, item_key, *unit_id).await?;
    let mut p = page(user, fresh, form, *unit_id);
    keep(&mut p);
    if let FlowError::Invalid(field, m) = &e {
        p.errors.push((field, m.clone()));
    }
    p.alert = Some(flow_alert(&e));
    Ok((status, render(&p)?).into_response())
}

pub(super) fn flow_alert(e: &FlowError) -> String {
    match e {
        FlowError::Conflict(Some(_)) => "保存失败：在您编辑期间，这份报告已被他人保存了新版本。下面显示的是最新版本的内容摘要；您填写的内容仍保留在表单中，请核对后再次提交。".into(),
        FlowError::Conflict(None) => "保存失败：这份报告已被他人处理，请刷新页面后重试。".into(),
        FlowError::WrongState(Some(s)) => format!("操作未执行：报告当前状态为“{}”，不能进行此操作。", s.label()),
        FlowError::WrongState(None) => "操作未执行：这份报告尚未保存。".into(),
        FlowError::Invalid(_, m) => m.clone(),
        FlowError::Database(_) => "系统出错，请稍后再试。".into(),
    }
}

/// After a review, the next report waiting for the same reviewer (href, label), so that a
/// queue is worked through without going back to the list each time; `Some(None)` when none
/// is left, `None` when the page does not follow a review.
pub(super) async fn next_review(
    state: &AppState,
    user: &SessionUser,
    round_id: i64,
    done: Option<&str>,
) -> Result<Option<Option<(String, String)>>, AppError> {
    let (waiting, unit) = match user.role {
        UserRole::Supervisor => (ReportState::Submitted, None),
        UserRole::Approver => (ReportState::AwaitingApproval, user.unit_id),
        _ => return Ok(None),
    };
    if done != Some("review") {
        return Ok(None);
    }
    let next = super::queries::next_waiting(&state.pool, round_id, waiting, unit).await?;
    Ok(Some(next.map(|w| {
        let href = super::report_href(round_id, &w.item_key, w.unit_id);
        let label = format!(
            "{} {}（{}）",
            w.kind.number_label(w.number),
            w.title,
            w.unit_name
        );
        (href, label)
    })))
}
