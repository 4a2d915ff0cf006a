//! A unit's whole round on one page (批量填报): every item it reports on as one row, saved as
//! drafts in one go, the rows chosen submitted, rows started from the previous report
//! (沿用上期), and for the unit's approver the rows chosen signed off. A row that fails keeps
//! what was typed in it, and every other row is saved.

mod act;
mod print;
mod rows;

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::form::{MAX_TEXT, ReportForm, ValueRule};
use super::model::{ProgressStatus, ReportState};
use super::queries::{self, MilestoneCount, RoundRow};
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::accounts::session::SessionUser;
use crate::error::{AppError, render};
use crate::plan::model::ItemKind;
use crate::policy::{ReportCaps, report_caps};
use crate::web::extract::{Path, Query};
use crate::web::{Chrome, FormErrors};
use rows::Stored;

/// The largest sheet body accepted: 60 rows of three full text fields, percent-encoded.
pub const MAX_SHEET_BYTES: usize = 10 * 1024 * 1024;

/// What a row shows: as stored, or as typed when it comes back.
struct Input {
    form: ReportForm,
    picked: bool,
    errors: FormErrors,
    alert: Option<String>,
}

pub struct Row {
    item_id: i64,
    label: String,
    title: String,
    href: String,
    role: &'static str,
    state: &'static str,
    state_slug: &'static str,
    editable: bool,
    awaiting_approval: bool,
    form: ReportForm,
    value_label: Option<String>,
    milestones_note: Option<String>,
    prev_round: Option<String>,
    copied: bool,
    picked: bool,
    errors: FormErrors,
    alert: Option<String>,
    review_comment: Option<String>,
}

pub struct Group {
    title: String,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "reports/batch.html")]
struct SheetPage {
    chrome: Chrome,
    round: RoundRow,
    unit_id: i64,
    unit_name: String,
    groups: Vec<Group>,
    statuses: Vec<(&'static str, &'static str)>,
    caps: ReportCaps,
    editable: usize,
    awaiting: usize,
    max_text: usize,
    notice: Option<String>,
    alert: Option<String>,
}

impl SheetPage {
    fn action_path(&self) -> String {
        sheet_href(self.round.id, self.unit_id)
    }

    fn total(&self) -> usize {
        self.groups.iter().map(|g| g.rows.len()).sum()
    }

    /// A report the row cannot change, in a line: status, completion, the start of its text.
    fn summary(&self, r: &Row) -> String {
        if r.form.progress.is_empty() && r.state_slug == "missing" {
            return "尚未填报。".into();
        }
        let status = ProgressStatus::parse(&r.form.status).map_or("", ProgressStatus::label);
        let percent = if r.form.percent.is_empty() {
            String::new()
        } else {
            format!("，完成 {}%", r.form.percent)
        };
        let text: String = r.form.progress.chars().take(120).collect();
        let more = if r.form.progress.chars().count() > 120 {
            "……"
        } else {
            ""
        };
        format!("{status}{percent}。{text}{more}")
    }
}

pub fn sheet_href(round_id: i64, unit_id: i64) -> String {
    format!("/rounds/{round_id}/units/{unit_id}/batch")
}

/// A round and a unit's name, or 404.
async fn round_and_unit(
    pool: &sqlx::PgPool,
    round_id: i64,
    unit_id: i64,
) -> Result<(RoundRow, String), AppError> {
    let round = queries::round(pool, round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit_name = queries::unit_name(pool, unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((round, unit_name))
}

/// The round, the unit and its rows, for someone who may fill them in or sign them off.
struct Sheet {
    round: RoundRow,
    unit_id: i64,
    unit_name: String,
    caps: ReportCaps,
    rows: Vec<Stored>,
    milestones: HashMap<i64, Vec<MilestoneCount>>,
}

impl Sheet {
    async fn load(
        state: &AppState,
        user: &SessionUser,
        round_id: i64,
        unit_id: i64,
    ) -> Result<Sheet, AppError> {
        let caps = report_caps(user, unit_id);
        if !caps.edit && !caps.approve {
            return Err(AppError::Forbidden);
        }
        let pool = &state.pool;
        let (round, unit_name) = round_and_unit(pool, round_id, unit_id).await?;
        // An archived plan's round is read on its reports' own pages, never filled in.
        if round.archived {
            return Err(AppError::Forbidden);
        }
        Ok(Sheet {
            round,
            unit_id,
            unit_name,
            caps,
            rows: rows::stored(pool, round_id, unit_id).await?,
            milestones: rows::milestones(pool, round_id, unit_id).await?,
        })
    }

    fn milestones_of(&self, item_id: i64) -> &[MilestoneCount] {
        self.milestones.get(&item_id).map_or(&[], Vec::as_slice)
    }

    fn page(self, user: SessionUser, mut inputs: HashMap<i64, Input>) -> SheetPage {
        let unit_id = self.unit_id;
        let mut groups: Vec<Group> = Vec::new();
        let (mut editable, mut awaiting) = (0, 0);
        for s in &self.rows {
            let ms = self.milestones_of(s.item_id);
            let input = inputs.remove(&s.item_id).unwrap_or_else(|| Input {
                form: s.form(ms),
                picked: false,
                errors: FormErrors::default(),
                alert: None,
            });
            let awaiting_approval = s.state == Some(ReportState::AwaitingApproval);
            editable += usize::from(s.editable());
            awaiting += usize::from(awaiting_approval);
            let row = Row {
                item_id: s.item_id,
                label: s.kind.number_label(s.number),
                title: s.title.clone(),
                href: super::report_href(self.round.id, &s.item_key, unit_id),
                role: s.role.label(),
                state: s.state.map_or("未填报", ReportState::label),
                state_slug: s.state.map_or("missing", ReportState::slug),
                editable: s.editable() && self.caps.edit,
                awaiting_approval,
                value_label: value_label(s),
                milestones_note: (!ms.is_empty()).then(|| {
                    format!(
                        "该事项有 {} 项量化目标，完成数请在完整表单中填写。",
                        ms.len()
                    )
                }),
                prev_round: s.prev_round.clone(),
                copied: s.is_copy(&input.form),
                picked: input.picked,
                form: input.form,
                errors: input.errors,
                alert: input.alert,
                review_comment: s.review_comment.clone(),
            };
            let title = group_title(s);
            match groups.last_mut() {
                Some(g) if g.title == title => g.rows.push(row),
                _ => groups.push(Group {
                    title,
                    rows: vec![row],
                }),
            }
        }
        SheetPage {
            chrome: Chrome::new(Some(user)),
            round: self.round,
            unit_id,
            unit_name: self.unit_name,
            groups,
            statuses: ProgressStatus::ALL
                .iter()
                .map(|s| (s.slug(), s.label()))
                .collect(),
            caps: self.caps,
            editable,
            awaiting,
            max_text: MAX_TEXT,
            notice: None,
            alert: None,
        }
    }
}

/// Rows are grouped as the plan is: indicators, sub-targets, each category's tasks, projects.
fn group_title(s: &Stored) -> String {
    match (&s.parent_title, s.kind) {
        (Some(parent), ItemKind::Task | ItemKind::ColumnArea) => parent.clone(),
        _ => s.kind.label().to_string(),
    }
}

fn value_label(s: &Stored) -> Option<String> {
    let needed = match s.value_rule() {
        ValueRule::Absent => return None,
        ValueRule::Optional => "可不填",
        ValueRule::RequiredToSubmit => "报送时必填",
    };
    Some(format!(
        "本期指标值：{}（{}，{needed}）",
        s.metric.as_deref().unwrap_or_default(),
        s.measure_unit.as_deref().unwrap_or_default()
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    saved: usize,
    sent: usize,
    approved: usize,
}

pub async fn show(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((round_id, unit_id)): Path<(i64, i64)>,
    Query(done): Query<Done>,
) -> Result<Response, AppError> {
    let sheet = Sheet::load(&state, &user, round_id, unit_id).await?;
    let mut page = sheet.page(user, HashMap::new());
    page.notice = notice(&state, unit_id, &done).await?;
    Ok(render(&page)?.into_response())
}

pub use act::act;
pub use print::print;

/// What happened and what comes next.
async fn notice(state: &AppState, unit_id: i64, d: &Done) -> Result<Option<String>, AppError> {
    let mut parts = Vec::new();
    if d.saved > 0 {
        parts.push(format!("已保存 {} 项草稿", d.saved));
    }
    if d.sent > 0 {
        parts.push(if queries::unit_has_approver(&state.pool, unit_id).await? {
            format!("已报送 {} 项，等待本单位审核人签批", d.sent)
        } else {
            format!("已报送 {} 项至市应急局，等待审核", d.sent)
        });
    }
    if d.approved > 0 {
        parts.push(format!("已签批 {} 项，报送市应急局", d.approved));
    }
    Ok((!parts.is_empty()).then(|| parts.join("；") + "。"))
}
