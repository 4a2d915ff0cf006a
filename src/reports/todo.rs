//! The staff home page (待办): what is due this period, what came back, deadlines, what is
//! overdue, in that order; for supervisors, what waits for review.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use chrono::NaiveDate;

use super::model::ReportState;
use super::queries::{self, DutyRow, ReminderRow, RoundRow};
use super::{report_href, shanghai, today};
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::accounts::model::UserRole;
use crate::error::{AppError, render};
use crate::web::Chrome;

/// One line of a to-do list.
pub struct Line {
    pub round_title: String,
    pub due_on: String,
    pub label: String,
    pub title: String,
    pub unit: String,
    pub role: &'static str,
    pub state: &'static str,
    pub state_slug: &'static str,
    pub href: String,
}

fn line(d: &DutyRow, round: &RoundRow) -> Line {
    Line {
        round_title: round.title.clone(),
        due_on: d.due_on.to_string(),
        label: d.kind.number_label(d.number),
        title: d.title.clone(),
        unit: d.unit_name.clone(),
        role: d.role.label(),
        state: d.state.map(ReportState::label).unwrap_or("未填报"),
        state_slug: d.state.map(ReportState::slug).unwrap_or("missing"),
        href: report_href(d.round_id, &d.item_key, d.unit_id),
    }
}

/// An overdue round: how many of the unit's reports in it are still not submitted.
pub struct Overdue {
    pub title: String,
    pub due_on: String,
    pub missing: usize,
    pub href: String,
    /// The unit's round sheet (批量填报), to fill the missing reports in one sitting.
    pub sheet: String,
}

/// For supervisors: a round with reports waiting for review.
pub struct ReviewQueue {
    pub title: String,
    pub due_on: String,
    pub waiting: usize,
    pub href: String,
}

#[derive(Template)]
#[template(path = "reports/todo.html")]
struct TodoPage {
    chrome: Chrome,
    reminders: Vec<(String, String, String, String)>,
    /// 督办 flags on the unit: open ones, and cleared ones still awaiting an answer.
    flags: Vec<crate::supervision::FlagRow>,
    due_now: Vec<Line>,
    /// Open rounds with reports still to write: (title, 批量填报 link, how many).
    sheets: Vec<(String, String, usize)>,
    /// Rounds with reports awaiting the approver: (title, 批量签批 link, how many).
    approvals: Vec<(String, String, usize)>,
    returned: Vec<Line>,
    to_approve: Vec<Line>,
    deadlines: Vec<(String, String, usize)>,
    overdue: Vec<Overdue>,
    /// Rounds due before the plan's 启用日期 with reports not written: not overdue.
    history: Vec<Overdue>,
    queues: Vec<ReviewQueue>,
    has_unit: bool,
}

fn pending(s: Option<ReportState>) -> bool {
    matches!(
        s,
        None | Some(ReportState::Draft) | Some(ReportState::Returned)
    )
}

/// What a unit's to-do page shows, apart from the reader: kept per unit and day until a plan
/// of its city (reports, rounds, duties) or their ledger (flags, reminders) moves on.
pub struct UnitWork {
    rounds: Vec<RoundRow>,
    duties: Vec<DutyRow>,
    flags: Vec<crate::supervision::FlagRow>,
    reminders: Vec<ReminderRow>,
}

async fn unit_work(
    state: &AppState,
    unit_id: i64,
    today: NaiveDate,
) -> Result<Arc<UnitWork>, AppError> {
    let pool = &state.pool;
    let (plans, version) = queries::unit_plans_version(pool, unit_id).await?;
    let key = format!("{unit_id}|{today}|{plans:?}");
    state
        .todos
        .get_or_compute(key, version, || async move {
            let rounds = queries::open_rounds_of_unit(pool, today, unit_id).await?;
            let round_ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
            let filter = crate::supervision::FlagFilter {
                unit_id: Some(unit_id),
                sort: "severity",
                limit: 500,
                ..Default::default()
            };
            Ok(UnitWork {
                duties: queries::duties(pool, &round_ids, Some(unit_id), None).await?,
                flags: crate::supervision::flags(pool, filter)
                    .await?
                    .into_iter()
                    // Open flags, and cleared ones still owing an explanation (blue ones owe none).
                    .filter(|f| f.cleared_at.is_none() || (f.answer.is_none() && f.level != "blue"))
                    .take(50)
                    .collect(),
                reminders: queries::reminders(pool, unit_id).await?,
                rounds,
            })
        })
        .await
}

pub async fn todo(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
) -> Result<Html<String>, AppError> {
    let pool = &state.pool;
    let today = today();
    let mut page = TodoPage {
        chrome: Chrome::new(None),
        reminders: Vec::new(),
        flags: Vec::new(),
        due_now: Vec::new(),
        sheets: Vec::new(),
        approvals: Vec::new(),
        returned: Vec::new(),
        to_approve: Vec::new(),
        deadlines: Vec::new(),
        overdue: Vec::new(),
        history: Vec::new(),
        queues: Vec::new(),
        has_unit: user.unit_id.is_some(),
    };
    if let Some(unit_id) = user.unit_id {
        let work = unit_work(&state, unit_id, today).await?;
        let rounds = &work.rounds;
        let find = |id: i64| rounds.iter().find(|r| r.id == id);
        page.reminders = work
            .reminders
            .iter()
            .map(|r| {
                let r = r.clone();
                (shanghai(r.sent_at), r.round_title, r.message, r.sent_name)
            })
            .collect();
        page.flags = work.flags.clone();
        let duties = &work.duties;
        for r in rounds {
            let mine: Vec<&DutyRow> = duties.iter().filter(|d| d.round_id == r.id).collect();
            let missing = mine.iter().filter(|d| pending(d.state)).count();
            let sheet = super::batch::sheet_href(r.id, unit_id);
            let awaiting = mine
                .iter()
                .filter(|d| d.state == Some(ReportState::AwaitingApproval))
                .count();
            if user.role == UserRole::Approver && awaiting > 0 {
                page.approvals
                    .push((r.title.clone(), sheet.clone(), awaiting));
            }
            if r.due_on >= today {
                // A 配合 unit's own deadline can pass before the round's (staged deadlines).
                let (late, due): (Vec<&DutyRow>, Vec<&DutyRow>) = mine
                    .iter()
                    .filter(|d| pending(d.state))
                    .partition(|d| d.due_on < today && !r.history);
                page.due_now.extend(due.iter().map(|d| line(d, r)));
                if let Some(first) = late.first() {
                    page.overdue.push(Overdue {
                        title: r.title.clone(),
                        due_on: first.due_on.to_string(),
                        missing: late.len(),
                        href: format!("/rounds/{}/board?unit={unit_id}", r.id),
                        sheet: sheet.clone(),
                    });
                }
                if missing > 0 && user.role == UserRole::Reporter {
                    page.sheets.push((r.title.clone(), sheet, missing));
                }
                page.deadlines
                    .push((r.title.clone(), r.due_on.to_string(), missing));
            } else if missing > 0 {
                // Before the plan's 启用日期: history, to fill in if wanted, never overdue.
                let list = if r.history {
                    &mut page.history
                } else {
                    &mut page.overdue
                };
                list.push(Overdue {
                    title: r.title.clone(),
                    due_on: r.due_on.to_string(),
                    missing,
                    href: format!("/rounds/{}/board?unit={unit_id}", r.id),
                    sheet,
                });
            }
        }
        for d in duties
            .iter()
            .filter(|d| d.state == Some(ReportState::Returned))
        {
            if let Some(r) = find(d.round_id) {
                page.returned.push(line(d, r));
            }
        }
        if user.role == UserRole::Approver {
            for d in duties
                .iter()
                .filter(|d| d.state == Some(ReportState::AwaitingApproval))
            {
                if let Some(r) = find(d.round_id) {
                    page.to_approve.push(line(d, r));
                }
            }
        }
    }
    if user.role == UserRole::Supervisor {
        let rounds = queries::open_rounds(pool, today).await?;
        let round_ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
        let counts = queries::waiting_counts(pool, &round_ids).await?;
        // The newest rounds with something to review or still open; older ones on /rounds.
        for r in rounds.iter().take(200) {
            let waiting = counts
                .iter()
                .find(|(id, _)| *id == r.id)
                .map_or(0, |c| usize::try_from(c.1).unwrap_or(0));
            if (waiting > 0 || r.due_on >= today) && page.queues.len() < 40 {
                page.queues.push(ReviewQueue {
                    title: r.title.clone(),
                    due_on: r.due_on.to_string(),
                    waiting,
                    href: format!("/rounds/{}/board?state=submitted", r.id),
                });
            }
        }
    }
    page.chrome = Chrome::new(Some(user));
    render(&page)
}
