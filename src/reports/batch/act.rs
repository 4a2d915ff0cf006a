//! What the sheet's buttons do: save every changed row and submit the rows chosen, start rows
//! from the previous report, sign off the rows chosen. A row that fails keeps what was typed.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Done, Input, Sheet, SheetPage, notice, rows, sheet_href};
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::accounts::session::SessionUser;
use crate::error::{AppError, render};
use crate::policy::SignedForm;
use crate::reports::form::{ReportForm, parse_draft};
use crate::reports::outcome::flow_alert;
use crate::reports::workflow::{self, FlowError, ReportKey, Review};
use crate::web::FormErrors;
use crate::web::extract::Path;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SheetForm {
    action: String,
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

impl SheetForm {
    fn ticked(&self, item_id: i64) -> bool {
        self.fields.contains_key(&format!("pick_{item_id}"))
    }
}

pub async fn act(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((round_id, unit_id)): Path<(i64, i64)>,
    SignedForm(form): SignedForm<SheetForm>,
) -> Result<Response, AppError> {
    let sheet = Sheet::load(&state, &user, round_id, unit_id).await?;
    let (edit, approve) = (sheet.caps.edit, sheet.caps.approve);
    let by = Signed {
        state: &state,
        user,
    };
    match form.action.as_str() {
        "save" | "submit" | "submit_filled" if edit => save(by, sheet, form).await,
        "approve" if approve => {
            let chosen = chosen(&sheet, &form);
            sign_off(by, sheet, chosen).await
        }
        a if edit && (a == "copy" || a.starts_with("copy_")) => {
            Ok(render(&copy(by.user, sheet, &form))?.into_response())
        }
        "save" | "submit" | "submit_filled" | "approve" => Err(AppError::Forbidden),
        a if a.starts_with("copy") => Err(AppError::Forbidden),
        _ => Err(AppError::BadRequest("未知的操作".into())),
    }
}

/// Who acts on the sheet.
struct Signed<'a> {
    state: &'a AppState,
    user: SessionUser,
}

/// The sheet again after some rows failed: the rows saved as stored now, the others as typed,
/// with what was done and what was not.
async fn refused(
    by: Signed<'_>,
    sheet: &Sheet,
    inputs: HashMap<i64, Input>,
    done: Done,
    alert: String,
) -> Result<Response, AppError> {
    let fresh = Sheet::load(by.state, &by.user, sheet.round.id, sheet.unit_id).await?;
    let mut page = fresh.page(by.user, inputs);
    page.notice = notice(by.state, sheet.unit_id, &done).await?;
    page.alert = Some(alert);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// Saves every changed row as a draft and submits the rows chosen.
async fn save(by: Signed<'_>, sheet: Sheet, form: SheetForm) -> Result<Response, AppError> {
    // 报送所选: the rows ticked; 报送全部已填写: every row with its progress written.
    let send_row = |id: i64| match form.action.as_str() {
        "submit" => form.ticked(id),
        "submit_filled" => {
            rows::typed(&form.fields, id).is_some_and(|f| !f.progress.trim().is_empty())
        }
        _ => false,
    };
    let editable = || sheet.rows.iter().filter(|s| s.editable());
    let nothing_picked = form.action != "save" && !editable().any(|s| send_row(s.item_id));
    let actor = by.user.actor();
    let mut inputs = HashMap::new();
    let (mut saved, mut sent) = (0, 0);
    for s in editable() {
        let Some(mut typed) = rows::typed(&form.fields, s.item_id) else {
            continue;
        };
        let ms = sheet.milestones_of(s.item_id);
        typed.set_milestones(ms);
        let send = send_row(s.item_id);
        if nothing_picked || (!send && typed.same_content(&s.form(ms))) {
            inputs.insert(s.item_id, kept(typed, form.ticked(s.item_id)));
            continue;
        }
        typed.action = if send { "submit" } else { "save" }.into();
        let key = ReportKey {
            round_id: sheet.round.id,
            item_id: s.item_id,
            unit_id: sheet.unit_id,
        };
        let problem = match parse_draft(&typed, ms, s.value_rule()) {
            Err(errors) => Some((errors, None)),
            Ok(draft) => {
                let base = typed.version.parse::<i32>().unwrap_or(-1);
                match workflow::save(&by.state.pool, &actor, key, base, &draft, send).await {
                    Ok(_) => None,
                    Err(FlowError::Database(e)) => return Err(e.into()),
                    Err(e) => {
                        if let FlowError::Conflict(Some(newer)) = &e {
                            typed.version = newer.version.to_string();
                        }
                        let mut errors = FormErrors::default();
                        if let FlowError::Invalid(field, m) = &e {
                            errors.push((field, m.clone()));
                        }
                        Some((errors, Some(flow_alert(&e))))
                    }
                }
            }
        };
        match problem {
            None if send => sent += 1,
            None => saved += 1,
            Some((errors, alert)) => {
                let mut input = kept(typed, form.ticked(s.item_id));
                input.errors = errors;
                input.alert = alert.or_else(|| Some("此项未保存：请更正下面标出的问题。".into()));
                inputs.insert(s.item_id, input);
            }
        }
    }
    let failed = inputs.values().filter(|i| i.alert.is_some()).count();
    if failed == 0 && !nothing_picked {
        let href = sheet_href(sheet.round.id, sheet.unit_id);
        return Ok(Redirect::to(&format!("{href}?saved={saved}&sent={sent}")).into_response());
    }
    let alert = if nothing_picked {
        "没有可报送的事项：请勾选要报送的事项（每行的“报送此项”）或先填写工作进展，或点“保存全部草稿”。".into()
    } else {
        format!("有 {failed} 项未能保存，已在下方标出，其中填写的内容均已保留；其余各项已保存。")
    };
    let done = Done {
        saved,
        sent,
        approved: 0,
    };
    refused(by, &sheet, inputs, done, alert).await
}

fn kept(form: ReportForm, picked: bool) -> Input {
    Input {
        form,
        picked,
        errors: FormErrors::default(),
        alert: None,
    }
}

/// Starts rows from the unit's previous report: every row left blank, or the one asked for.
/// Nothing is saved: the page comes back filled in, each copied row marked until edited.
fn copy(user: SessionUser, sheet: Sheet, form: &SheetForm) -> SheetPage {
    let only = form
        .action
        .strip_prefix("copy_")
        .and_then(|id| id.parse::<i64>().ok());
    let mut inputs = HashMap::new();
    let mut copied = 0;
    for s in sheet.rows.iter().filter(|s| s.editable()) {
        let ms = sheet.milestones_of(s.item_id);
        let mut typed = rows::typed(&form.fields, s.item_id).unwrap_or_else(|| s.form(ms));
        let wanted = match only {
            Some(id) => id == s.item_id,
            None => typed.progress.trim().is_empty(),
        };
        if wanted && s.copy_previous(&mut typed) {
            copied += 1;
        }
        inputs.insert(s.item_id, kept(typed, form.ticked(s.item_id)));
    }
    let mut page = sheet.page(user, inputs);
    page.notice = Some(if copied > 0 {
        format!("已沿用上期内容填入 {copied} 项，尚未保存：请逐项核对修改后保存。")
    } else {
        "没有可沿用的上期内容（上期未填写工作进展，或该项已有内容）。".into()
    });
    page
}

/// The rows ticked for sign-off, each with the version the approver saw.
fn chosen(sheet: &Sheet, form: &SheetForm) -> Vec<(i64, i32)> {
    sheet
        .rows
        .iter()
        .filter(|s| form.ticked(s.item_id))
        .filter_map(|s| {
            let seen = form.fields.get(&format!("seen_{}", s.item_id))?;
            Some((s.item_id, seen.parse().ok()?))
        })
        .collect()
}

/// The unit's approver signs off the rows chosen, each against the version shown.
async fn sign_off(
    by: Signed<'_>,
    sheet: Sheet,
    chosen: Vec<(i64, i32)>,
) -> Result<Response, AppError> {
    let actor = by.user.actor();
    let mut approved = 0;
    let mut failures = Vec::new();
    for (item_id, base) in chosen {
        let key = ReportKey {
            round_id: sheet.round.id,
            item_id,
            unit_id: sheet.unit_id,
        };
        match workflow::review(&by.state.pool, &actor, key, base, Review::Approve, "").await {
            Ok(_) => approved += 1,
            Err(FlowError::Database(e)) => return Err(e.into()),
            Err(e) => {
                let label = sheet
                    .rows
                    .iter()
                    .find(|s| s.item_id == item_id)
                    .map(|s| s.kind.number_label(s.number))
                    .unwrap_or_default();
                failures.push(format!("{label}：{}", flow_alert(&e)));
            }
        }
    }
    if failures.is_empty() && approved > 0 {
        let href = sheet_href(sheet.round.id, sheet.unit_id);
        return Ok(Redirect::to(&format!("{href}?approved={approved}")).into_response());
    }
    let alert = if failures.is_empty() {
        "请勾选要签批的事项。".into()
    } else {
        format!("以下各项未签批：{}", failures.join("；"))
    };
    let done = Done {
        approved,
        ..Done::default()
    };
    refused(by, &sheet, HashMap::new(), done, alert).await
}
