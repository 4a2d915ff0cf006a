//! One report: the unit's form, its history, and the sign-off and review actions.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::form::{ReportForm, ValueRule};
use super::model::{ProgressStatus, ReportState};
use super::queries::{self, ItemBrief, MilestoneCount, ReportRow, RoundRow};
use super::{shanghai, today};
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::accounts::session::SessionUser;
use crate::error::{AppError, render};
use crate::plan::model::Role;
use crate::policy::{ReportCaps, report_caps};
use crate::web::Chrome;
use crate::web::extract::{Path, Query};

use super::history::history;
pub(super) use super::history::{VersionView, action_label};

#[derive(Template)]
#[template(path = "reports/report.html")]
pub(super) struct ReportPage {
    pub(super) chrome: Chrome,
    pub(super) round: RoundRow,
    pub(super) item: ItemBrief,
    pub(super) item_label: String,
    pub(super) unit_name: String,
    pub(super) role: Role,
    pub(super) report: Option<ReportRow>,
    pub(super) caps: ReportCaps,
    pub(super) form: ReportForm,
    pub(super) statuses: Vec<(&'static str, &'static str)>,
    pub(super) milestones: Vec<MilestoneCount>,
    pub(super) versions: Vec<VersionView>,
    pub(super) evidence: Vec<EvidenceView>,
    pub(super) partners: Vec<Partner>,
    pub(super) errors: crate::web::FormErrors,
    /// A message about a refused action (conflict, wrong state).
    pub(super) alert: Option<String>,
    pub(super) notice: Option<String>,
    /// After a review: the next report waiting for this reviewer (href, label), or `Some(None)`
    /// when none is left.
    pub(super) next_review: Option<Option<(String, String)>>,
    /// This unit's own deadline (earlier for a 配合 unit when the plan stages deadlines).
    pub(super) due_on: chrono::NaiveDate,
    pub(super) overdue: bool,
    pub(super) action_path: String,
    pub(super) value_rule: ValueRule,
    /// The size limit and quotas, stated beside the upload field.
    pub(super) upload_note: String,
    /// The most characters a text field holds, stated beside each.
    pub(super) max_text: usize,
    /// Why the file just sent was not kept, told beside the upload field.
    pub(super) upload_error: Option<String>,
}

impl ReportPage {
    /// Files attached now (removed ones are listed apart).
    fn current_evidence(&self) -> usize {
        self.evidence.iter().filter(|e| e.removed.is_none()).count()
    }

    fn editable(&self) -> bool {
        self.caps.edit && self.report.as_ref().is_none_or(|r| r.state.editable())
    }

    fn has_value(&self) -> bool {
        self.value_rule != ValueRule::Absent
    }

    fn value_required(&self) -> bool {
        self.value_rule == ValueRule::RequiredToSubmit
    }

    fn accepted_types(&self) -> &'static str {
        super::evidence::ACCEPTED
    }

    fn accept_attr(&self) -> &'static str {
        super::evidence::ACCEPT_ATTR
    }

    fn state_is(&self, s: &str) -> bool {
        self.report.as_ref().is_some_and(|r| r.state.slug() == s)
    }
}

/// Everything the page needs, loaded and permission-checked.
pub(super) struct Loaded {
    pub(super) round: RoundRow,
    pub(super) item: ItemBrief,
    pub(super) unit_name: String,
    pub(super) role: Role,
    pub(super) caps: ReportCaps,
    pub(super) report: Option<ReportRow>,
    pub(super) milestones: Vec<MilestoneCount>,
    pub(super) versions: Vec<VersionView>,
    pub(super) evidence: Vec<EvidenceView>,
    pub(super) partners: Vec<Partner>,
    pub(super) upload_note: String,
}

impl Loaded {
    /// The value is asked of every unit on a numeric item, and needed from the lead unit
    /// (whose report is the item's) and from whoever answers for an indicator.
    pub(super) fn value_rule(&self) -> ValueRule {
        if self.item.measure_unit.is_none() {
            ValueRule::Absent
        } else if self.role == Role::Lead
            || self.item.kind == crate::plan::model::ItemKind::Indicator
        {
            ValueRule::RequiredToSubmit
        } else {
            ValueRule::Optional
        }
    }
}

/// A partner unit's report, listed on the lead unit's page.
#[derive(Clone)]
pub struct Partner {
    unit: String,
    role: &'static str,
    state: &'static str,
    state_slug: &'static str,
    href: String,
}

/// An attached file as listed on the page.
#[derive(Clone)]
pub struct EvidenceView {
    id: i64,
    filename: String,
    size: String,
    at: String,
    /// When it was removed; a removed file is listed apart, as a record, and not offered.
    removed: Option<String>,
}

/// The lead unit of an item reads its partners' reports (and their files) beside its own.
pub(super) async fn leads_the_item(
    pool: &sqlx::PgPool,
    user: &SessionUser,
    round_id: i64,
    item_id: i64,
) -> sqlx::Result<bool> {
    Ok(match user.unit_id {
        Some(own) => queries::duty_role(pool, round_id, item_id, own).await? == Some(Role::Lead),
        None => false,
    })
}

/// What a report's page shows whoever reads it: kept until the plan's data version moves on
/// (the report, its versions, milestones and files all move it), so that opening a report reads
/// one version number instead of eight tables.
#[derive(Clone)]
pub struct ReportData {
    round: RoundRow,
    item: ItemBrief,
    unit_name: String,
    role: Role,
    report: Option<ReportRow>,
    milestones: Vec<MilestoneCount>,
    versions: Vec<VersionView>,
    evidence: Vec<EvidenceView>,
    partners: Vec<Partner>,
}

pub(super) async fn load(
    state: &AppState,
    user: &SessionUser,
    round_id: i64,
    item_key: &str,
    unit_id: i64,
) -> Result<Loaded, AppError> {
    let pool = &state.pool;
    let version = queries::round_plan_version(pool, round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let data = state
        .reports
        .get_or_compute(format!("{round_id}|{item_key}|{unit_id}"), version, || {
            read(pool, round_id, item_key, unit_id)
        })
        .await?;
    let mut caps = report_caps(user, unit_id);
    caps.read = caps.read || leads_the_item(pool, user, round_id, data.item.id).await?;
    if !caps.read {
        return Err(AppError::Forbidden);
    }
    if data.round.archived {
        caps = caps.read_only();
    }
    let d = (*data).clone();
    Ok(Loaded {
        round: d.round,
        item: d.item,
        unit_name: d.unit_name,
        role: d.role,
        caps,
        report: d.report,
        milestones: d.milestones,
        versions: d.versions,
        evidence: d.evidence,
        partners: d.partners,
        upload_note: state.settings.evidence_quota.note(),
    })
}

async fn read(
    pool: &sqlx::PgPool,
    round_id: i64,
    item_key: &str,
    unit_id: i64,
) -> Result<ReportData, AppError> {
    let round = queries::round(pool, round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let item = queries::item_in_plan(pool, round.plan_id, item_key)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit_name = queries::unit_name(pool, unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = queries::duty_role(pool, round.id, item.id, unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let partners = if role == Role::Lead {
        // This item's duties only: a round's every duty is thousands of rows at national scale.
        queries::duties(pool, &[round.id], None, Some(item.id))
            .await?
            .into_iter()
            .filter(|d| d.unit_id != unit_id)
            .map(|d| Partner {
                href: super::report_href(round.id, &item.key, d.unit_id),
                unit: d.unit_name,
                role: d.role.label(),
                state: d.state.map(ReportState::label).unwrap_or("未填报"),
                state_slug: d.state.map(ReportState::slug).unwrap_or("missing"),
            })
            .collect()
    } else {
        Vec::new()
    };
    let report = queries::report(pool, round.id, item.id, unit_id).await?;
    let milestones =
        queries::milestone_counts(pool, item.id, unit_id, report.as_ref().map(|r| r.id)).await?;
    let (versions, evidence) = match &report {
        Some(r) => {
            let files = super::evidence::list(pool, r.id).await?;
            let versions = history(queries::versions(pool, r.id).await?, &files);
            let evidence = files
                .into_iter()
                .map(|e| EvidenceView {
                    id: e.id,
                    filename: e.filename,
                    size: super::evidence::size_label(i64::from(e.size_bytes)),
                    at: shanghai(e.uploaded_at),
                    removed: e.removed_at.map(shanghai),
                })
                .collect();
            (versions, evidence)
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(ReportData {
        round,
        item,
        unit_name,
        role,
        report,
        milestones,
        versions,
        evidence,
        partners,
    })
}

pub(super) fn page(
    user: SessionUser,
    l: Loaded,
    form: Option<ReportForm>,
    unit_id: i64,
) -> ReportPage {
    let form = form.unwrap_or_else(|| match &l.report {
        Some(r) => ReportForm::of(r, &l.milestones),
        None => ReportForm::blank(),
    });
    let submitted = l
        .report
        .as_ref()
        .is_some_and(|r| !r.state.editable() && r.state != ReportState::Draft);
    ReportPage {
        value_rule: l.value_rule(),
        chrome: Chrome::new(Some(user)),
        action_path: format!("/rounds/{}/reports/{}/{unit_id}", l.round.id, l.item.key),
        due_on: l.round.due_for(l.role),
        overdue: !submitted && !l.round.history && today() > l.round.due_for(l.role),
        item_label: l.item.kind.number_label(l.item.number),
        round: l.round,
        unit_name: l.unit_name,
        role: l.role,
        report: l.report,
        caps: l.caps,
        form,
        statuses: ProgressStatus::ALL
            .iter()
            .map(|s| (s.slug(), s.label()))
            .collect(),
        milestones: l.milestones,
        versions: l.versions,
        evidence: l.evidence,
        partners: l.partners,
        upload_note: l.upload_note,
        max_text: super::form::MAX_TEXT,
        upload_error: None,
        errors: crate::web::FormErrors::default(),
        alert: None,
        notice: None,
        next_review: None,
        item: l.item,
    }
}

#[derive(Deserialize)]
pub struct Notice {
    done: Option<String>,
}

/// A report's address: round, item key, unit (an address that does not parse names no page).
pub(super) type ReportPath = (i64, String, i64);

pub async fn show(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((round_id, item_key, unit_id)): Path<ReportPath>,
    Query(q): Query<Notice>,
) -> Result<Response, AppError> {
    let loaded = load(&state, &user, round_id, &item_key, unit_id).await?;
    let state_now = loaded.report.as_ref().map(|r| r.state);
    let unit_name = loaded.unit_name.clone();
    let next = super::outcome::next_review(&state, &user, round_id, q.done.as_deref()).await?;
    let mut p = page(user, loaded, None, unit_id);
    p.notice = q
        .done
        .as_deref()
        .map(|d| super::outcome::done_notice(d, state_now, &unit_name));
    p.next_review = next;
    Ok(render(&p)?.into_response())
}
