//! Leaders' dashboards: a plan's standing as of a round, by category, project, unit and
//! county; indicators against their targets; the period grid and trends; the list behind
//! every figure; and the page where a keeper sets the rules. What the figures are is computed
//! by `analytics`.

mod attention;
mod charts;
mod drill;
mod indicators;
mod page;
pub mod params;
pub(crate) mod rules_page;
mod scorecards;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::analytics::facts::{self, Facts};
use crate::analytics::rollup::{Snapshot, is_county};
use crate::analytics::rules::ItemStatus;
use crate::clock::today;
use crate::error::{AppError, render};
use crate::policy::DashboardReader;
use crate::web::body_cache as cache;
use crate::web::extract::{Path, Query};
use crate::web::{CachedPage, Chrome};
use charts::Chart;
use params::{Params, View};

pub use indicators::{
    IndicatorRow, MilestoneRow, indicator_rows as indicator_table,
    milestone_rows as milestone_table,
};

pub(crate) async fn default_dashboard(
    State(state): State<AppState>,
    DashboardReader(_user): DashboardReader,
) -> Result<Response, AppError> {
    let plan = crate::plan::queries::default_plan(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/plans/{}/dashboard", plan.key)).into_response())
}

pub async fn load(state: &AppState, key: &str) -> Result<Facts, AppError> {
    let plan = facts::plan_by_key(&state.pool, key)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(facts::load(&state.pool, plan).await?)
}

/// Options of the filter selects: (value, label).
struct Choices {
    rounds: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    units: Vec<(String, String)>,
    counties: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
}

fn choices(f: &Facts) -> Choices {
    let mut rounds: Vec<(String, String)> = f
        .rounds
        .iter()
        .map(|r| (r.id.to_string(), r.title.clone()))
        .collect();
    rounds.reverse();
    Choices {
        rounds,
        categories: f
            .items
            .iter()
            .filter(|i| i.kind == crate::plan::model::ItemKind::Category)
            .map(|i| (i.key.clone(), i.title.clone()))
            .collect(),
        units: f
            .units
            .iter()
            .filter(|u| !is_county(u) && f.duties.iter().any(|d| d.unit_id == u.id))
            .map(|u| (u.id.to_string(), u.name.clone()))
            .collect(),
        counties: f
            .units
            .iter()
            .filter(|u| is_county(u))
            .map(|u| (u.id.to_string(), u.name.clone()))
            .collect(),
        statuses: ItemStatus::ALL
            .iter()
            .map(|s| (s.slug().to_string(), s.label().to_string()))
            .collect(),
    }
}

/// The dashboard's body: the same for every reader, so it can be kept (see `cache`).
#[derive(Template)]
#[template(path = "dashboard/body.html")]
struct DashboardBody {
    plan_key: String,
    plan_title: String,
    round_title: String,
    round_id: i64,
    /// The 督办台账 on this round once its deadline has passed (its red flags are this page's
    /// 逾期未报); before that, every open flag, so older quarters' red flags stay in sight.
    ledger_href: String,
    params: Params,
    choices: Choices,
    base: String,
    board: page::Board,
    columns: Vec<ItemStatus>,
    /// The part shown (`View::slug`), and links to every part with the same filters.
    view: &'static str,
    tabs: Vec<Tab>,
}

struct Tab {
    label: &'static str,
    href: String,
    current: bool,
}

pub(crate) async fn dashboard(
    State(state): State<AppState>,
    DashboardReader(user): DashboardReader,
    Path(plan): Path<String>,
    Query(mut params): Query<Params>,
) -> Result<Response, AppError> {
    let (plan_id, version) = cache::version(&state.pool, &plan)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = params.view();
    // Only a known part stays in the form and links; the overview needs no name.
    params.view = match view {
        View::Overview => String::new(),
        v => v.slug().to_string(),
    };
    params.sort = scorecards::Column::parse_sort(&params.sort);
    let key = format!(
        "{plan_id}|{}|{}|{}|{}",
        today(),
        params.query(&[]),
        view.slug(),
        params.sort
    );
    let mut rendered = state.dashboards.get(&key, version);
    let _computing = match rendered {
        Some(_) => None,
        None => {
            let held = state.dashboards.gate(&key).lock_owned().await;
            // Computed by whoever held the gate before us, from data at least as new?
            rendered = state.dashboards.get(&key, version);
            Some(held)
        }
    };
    let rendered = match rendered {
        Some(r) => r,
        None => {
            // Read again now: what is loaded next is at least this new, and requests that
            // waited at the gate meanwhile can use it.
            let version = cache::version(&state.pool, &plan)
                .await?
                .map_or(version, |(_, v)| v);
            let facts = load(&state, &plan).await?;
            let round = params.round(&facts, today()).ok_or(AppError::NotFound)?;
            // The round shown stays in every link, and the select shows it.
            params.round = round.id.to_string();
            params.place_county(&facts);
            let snap = Snapshot::new(&facts, round);
            let base = format!("/plans/{}/dashboard", facts.plan.key);
            let board = page::build(&facts, &snap, &params, &base, today(), view);
            let tabs = View::ALL
                .into_iter()
                .map(|v| Tab {
                    label: v.label(),
                    href: params.view_link(&base, v),
                    current: v == view,
                })
                .collect();
            let body = DashboardBody {
                plan_key: facts.plan.key.clone(),
                plan_title: facts.plan.title.clone(),
                round_title: round.title.clone(),
                round_id: round.id,
                ledger_href: if round.due_on < today() {
                    format!("/plans/{}/supervision?round={}", facts.plan.key, round.id)
                } else {
                    format!("/plans/{}/supervision", facts.plan.key)
                },
                choices: choices(&facts),
                params,
                base,
                board,
                columns: page::COLUMNS.to_vec(),
                view: view.slug(),
                tabs,
            };
            let r = std::sync::Arc::new(cache::Rendered {
                title: match view {
                    View::Overview => format!("进展总览 · {}", round.title),
                    _ => format!("进展总览 · {} · {}", view.label(), round.title),
                },
                body: body.render()?,
            });
            state.dashboards.put(key, version, r.clone());
            r
        }
    };
    Ok(render(&CachedPage::new(Some(user), rendered))?.into_response())
}

#[derive(Template)]
#[template(path = "dashboard/items.html")]
struct ItemsPage {
    chrome: Chrome,
    plan_key: String,
    plan_title: String,
    round_title: String,
    params: Params,
    choices: Choices,
    base: String,
    rows: Vec<drill::ItemRow>,
    trend: Option<Chart>,
    report_label: &'static str,
}

fn report_label(r: &str) -> &'static str {
    match r {
        "due" => "本期应报",
        "on_time" => "按时报送",
        "late" => "逾期未报",
        "late_in" => "迟报（截止日后报送）",
        "missing" => "尚未报送",
        "returned" => "本期被退回过",
        "completed" => "单位报告已完成",
        "lagging" => "单位报告滞后",
        _ => "",
    }
}

pub(crate) async fn items(
    State(state): State<AppState>,
    DashboardReader(user): DashboardReader,
    Path(plan): Path<String>,
    Query(mut params): Query<Params>,
) -> Result<Response, AppError> {
    let facts = load(&state, &plan).await?;
    let round = params.round(&facts, today()).ok_or(AppError::NotFound)?;
    params.round = round.id.to_string();
    params.place_county(&facts);
    let snap = Snapshot::new(&facts, round);
    let rows = drill::rows(&snap, &params, today());
    let trend = params
        .filters(&facts)
        .item
        .map(|id| drill::item_trend(&facts, &snap, id));
    let page = ItemsPage {
        chrome: Chrome::new(Some(user)),
        plan_key: facts.plan.key.clone(),
        plan_title: facts.plan.title.clone(),
        round_title: round.title.clone(),
        base: format!("/plans/{}/dashboard", facts.plan.key),
        choices: choices(&facts),
        report_label: report_label(&params.report),
        params,
        rows,
        trend,
    };
    Ok(render(&page)?.into_response())
}
