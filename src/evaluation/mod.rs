//! Evaluations (中期评估 / 总结评估): a frozen snapshot of the plan at a cut-off date, its
//! report laid out for print, its exports, and the comparison of two evaluations. Also the
//! live ledger export.

mod asof;
pub(crate) mod compare;
pub mod cutoff;
pub mod export;
pub mod frozen;
pub mod units;

use anyhow::Context;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::AppState;
use crate::accounts::session::SessionUser;
use crate::analytics::facts::{self, PlanInfo};
use crate::analytics::rollup::Snapshot;
use crate::audit::{self, Entry};
use crate::clock::{shanghai, shanghai_date, today};
use crate::dashboard::params::Params;
use crate::error::{AppError, render};
use crate::gongwen::Meta;
use crate::policy::{DashboardReader, SignedForm, SupervisorOnly, allows};
use crate::web::Chrome;
use crate::web::extract::{Path, Query};
use frozen::{Frozen, Inputs};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

async fn plan(state: &AppState, key: &str) -> Result<PlanInfo, AppError> {
    facts::plan_by_key(&state.pool, key)
        .await?
        .ok_or(AppError::NotFound)
}

/// The plan as it stood at the end of `cutoff`, frozen.
pub async fn freeze(
    state: &AppState,
    plan: PlanInfo,
    cutoff: NaiveDate,
) -> Result<Frozen, AppError> {
    let mut facts = facts::load(&state.pool, plan).await?;
    // Lateness is judged on every report sent by the cut-off (in on time, late, or not at
    // all), as the dashboard and the ledger judge it; one sent later was not in then. The
    // snapshot's content then reads accepted reports only.
    facts.reports.retain(|r| {
        r.submitted_at
            .is_none_or(|t| crate::clock::shanghai_date(t) <= cutoff)
    });
    let records = crate::analytics::ranking::record(&facts, cutoff);
    let asof = asof::accepted_by(&state.pool, &mut facts, cutoff).await?;
    let round = asof::cutoff_round(cutoff);
    let snap = Snapshot::new(&facts, &round);
    Ok(frozen::freeze(Inputs {
        snapshot: &snap,
        texts: &asof.texts,
        round_titles: &asof.round_titles,
        returned: &asof.returned,
        records: &records,
        cutoff,
    }))
}

pub struct EvaluationRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub cutoff: NaiveDate,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl EvaluationRow {
    fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            "mid_term" => "中期评估",
            "final" => "总结评估",
            _ => "专项评估",
        }
    }

    fn created(&self) -> String {
        shanghai(self.created_at)
    }
}

async fn evaluations(state: &AppState, plan_id: i64) -> sqlx::Result<Vec<EvaluationRow>> {
    sqlx::query_as!(
        EvaluationRow,
        r#"SELECT id, kind::text AS "kind!", title, cutoff, created_by, created_at
           FROM evaluations WHERE plan_id = $1 ORDER BY cutoff DESC, id DESC"#,
        plan_id
    )
    .fetch_all(&state.pool)
    .await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct NewForm {
    kind: String,
    title: String,
    cutoff: String,
    /// 「仍按此日期生成」: the cut-off does not fit the kind, and the user knows.
    confirm: String,
}

#[derive(Template)]
#[template(path = "evaluation/list.html")]
struct ListPage {
    chrome: Chrome,
    plan_key: String,
    plan_title: String,
    rows: Vec<EvaluationRow>,
    can_create: bool,
    form: NewForm,
    errors: crate::web::FormErrors,
    /// Why the cut-off looks wrong for the kind; the form then offers to go ahead anyway.
    warning: Option<String>,
}

async fn list_page(
    state: &AppState,
    user: SessionUser,
    plan: &PlanInfo,
    form: NewForm,
    errors: crate::web::FormErrors,
) -> Result<ListPage, AppError> {
    Ok(ListPage {
        warning: None,
        can_create: allows::<SupervisorOnly>(user.role),
        chrome: Chrome::new(Some(user)),
        rows: evaluations(state, plan.id).await?,
        plan_key: plan.key.clone(),
        plan_title: plan.title.clone(),
        form,
        errors,
    })
}

pub(crate) async fn list(
    State(state): State<AppState>,
    DashboardReader(user): DashboardReader,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let info = plan(&state, &key).await?;
    let form = NewForm {
        kind: cutoff::likely_kind(today(), info.end_date()).into(),
        cutoff: today().to_string(),
        ..NewForm::default()
    };
    Ok(
        render(&list_page(&state, user, &info, form, crate::web::FormErrors::default()).await?)?
            .into_response(),
    )
}

pub(crate) async fn create(
    State(state): State<AppState>,
    SupervisorOnly(user): SupervisorOnly,
    Path(key): Path<String>,
    SignedForm(form): SignedForm<NewForm>,
) -> Result<Response, AppError> {
    crate::audit::rate::check(&state.pool, &user.actor(), &crate::audit::rate::EVALUATIONS).await?;
    let info = plan(&state, &key).await?;
    let mut errors = crate::web::FormErrors::default();
    let kind = match form.kind.as_str() {
        k @ ("mid_term" | "final" | "other") => k,
        _ => {
            errors.push(("kind", "请选择评估类型".to_string()));
            "other"
        }
    };
    let title = form.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 80 {
        errors.push(("title", "请填写评估名称（不超过 80 字）".into()));
    }
    let cutoff = NaiveDate::parse_from_str(form.cutoff.trim(), "%Y-%m-%d").ok();
    match cutoff {
        None => errors.push(("cutoff", "请填写截止日期，格式如 2023-06-30".into())),
        Some(c) if c > today() => errors.push((
            "cutoff",
            "截止日期不能晚于今天：评估只能反映已经发生的情况".into(),
        )),
        Some(c) if c.year() < info.start_year => errors.push((
            "cutoff",
            format!("截止日期须在规划期开始（{} 年）之后", info.start_year),
        )),
        _ => {}
    }
    let warning = cutoff.and_then(|c| cutoff::mismatch(kind, c, info.end_date()));
    let confirmed = form.confirm == "1";
    let (Some(cutoff), true, false) = (cutoff, errors.is_empty(), warning.is_some() && !confirmed)
    else {
        let mut page = list_page(&state, user, &info, form, errors).await?;
        page.warning = warning;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let plan_id = info.id;
    let snapshot = freeze(&state, info, cutoff).await?;
    let json = serde_json::to_value(&snapshot).context("evaluation snapshot as JSON")?;
    let actor = user.actor();
    let mut after = serde_json::json!({ "title": title, "kind": kind, "cutoff": cutoff });
    if let Some(w) = &warning {
        // Made despite the warning: the log says so, with the words the user saw.
        after["cutoff_warning"] = w.as_str().into();
    }
    let mut tx = state.pool.begin().await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO evaluations (plan_id, kind, title, cutoff, snapshot, created_by)
           VALUES ($1, $2::text::evaluation_kind, $3, $4, $5, $6) RETURNING id"#,
        plan_id,
        kind,
        title,
        cutoff,
        json,
        actor.name
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &actor,
        Entry {
            action: "evaluation.create",
            object_type: Some("evaluation"),
            object_id: Some(id.to_string()),
            after: Some(after),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/plans/{key}/evaluations/{id}")).into_response())
}

pub struct Stored {
    pub row: EvaluationRow,
    pub frozen: Frozen,
}

pub async fn stored(state: &AppState, key: &str, raw: &str) -> Result<Stored, AppError> {
    let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
    let r = sqlx::query!(
        r#"SELECT e.id, e.kind::text AS "kind!", e.title, e.cutoff, e.created_by, e.created_at, e.snapshot
           FROM evaluations e JOIN plans p ON p.id = e.plan_id WHERE e.id = $1 AND p.key = $2"#,
        id,
        key
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let frozen = Frozen::stored(r.snapshot).context("evaluation snapshot")?;
    Ok(Stored {
        row: EvaluationRow {
            id: r.id,
            kind: r.kind,
            title: r.title,
            cutoff: r.cutoff,
            created_by: r.created_by,
            created_at: r.created_at,
        },
        frozen,
    })
}

#[derive(Template)]
#[template(path = "evaluation/report.html")]
struct ReportPage {
    chrome: Chrome,
    plan_key: String,
    e: EvaluationRow,
    f: Frozen,
}

impl ReportPage {
    fn basis(&self) -> String {
        export::basis(self.f.cutoff)
    }
}

pub(crate) async fn show(
    State(state): State<AppState>,
    DashboardReader(user): DashboardReader,
    Path((key, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let s = stored(&state, &key, &id).await?;
    Ok(render(&ReportPage {
        chrome: Chrome::new(Some(user)),
        plan_key: key,
        e: s.row,
        f: s.frozen,
    })?
    .into_response())
}

/// The evaluation as a file: `xlsx` (every table and the ledger) or `docx` (the report).
pub(crate) async fn export_file(
    State(state): State<AppState>,
    DashboardReader(user): DashboardReader,
    Path((key, id, format)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let s = stored(&state, &key, &id).await?;
    let (bytes, mime) = match format.as_str() {
        "xlsx" => (
            export::evaluation_xlsx(&s.row.title, &s.frozen).map_err(|e| e.to_string()),
            XLSX,
        ),
        "docx" => {
            // The report goes out under the plan's issuing office (the plan names no other
            // body for its evaluations), dated the day the evaluation was made.
            let plan = crate::plan::queries::plan_by_key(&state.pool, &key)
                .await?
                .ok_or(AppError::NotFound)?;
            let issued = export::Issued {
                by: &plan.issuer,
                on: shanghai_date(s.row.created_at),
                meta: Meta::now(&plan.issuer, &user.display_name),
            };
            (
                export::evaluation_docx(&s.row.title, &s.frozen, &issued)
                    .map_err(|e| e.to_string()),
                DOCX,
            )
        }
        _ => return Err(AppError::NotFound),
    };
    let bytes = bytes.map_err(|e| AppError::Internal(anyhow::anyhow!("evaluation export: {e}")))?;
    let name = format!("{}.{format}", s.row.title);
    Ok(crate::web::attachment(&name, mime, bytes))
}

/// The live 台账 as of the dashboard's round: every item × unit with its latest report.
pub(crate) async fn ledger(
    State(state): State<AppState>,
    DashboardReader(_user): DashboardReader,
    Path(key): Path<String>,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    let info = plan(&state, &key).await?;
    let facts = facts::load(&state.pool, info).await?;
    let round = params.round(&facts, today()).ok_or(AppError::NotFound)?;
    let snap = Snapshot::new(&facts, round);
    let ids: Vec<i64> = facts
        .reports
        .iter()
        .filter(|r| r.reported())
        .map(|r| r.id)
        .collect();
    let texts = asof::texts(&state.pool, &ids).await?;
    let titles = facts
        .rounds
        .iter()
        .map(|r| (r.id, r.title.clone()))
        .collect();
    let lines = frozen::ledger(&snap, &texts, &titles);
    let bytes = export::ledger_xlsx(&lines).context("ledger workbook")?;
    Ok(crate::web::attachment(
        &format!("台账-{}.xlsx", round.title),
        XLSX,
        bytes,
    ))
}
