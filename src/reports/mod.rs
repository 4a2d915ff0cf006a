//! Progress reporting: rounds, each unit's reports and their workflow, the to-do list, the
//! supervisor's submission board and reminders.

mod board;
mod evidence;
mod form;
pub mod model;
mod page;
#[cfg(test)]
mod props;
pub mod queries;
mod review;
mod round_list;
pub mod rounds;
mod save;
mod todo;
mod versions;
pub mod workflow;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

use crate::AppState;

pub use evidence::EvidenceQuota;
pub use evidence::clean_name as clean_file_name;
pub use page::{Caps, caps};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/todo", get(todo::todo))
        .route(
            "/rounds",
            get(round_list::rounds).post(round_list::create_round),
        )
        .route("/rounds/{round}/board", get(board::board))
        .route("/rounds/{round}/remind", post(board::remind))
        .route(
            "/rounds/{round}/reports/{item}/{unit}",
            get(page::show).post(save::save),
        )
        .route(
            "/rounds/{round}/reports/{item}/{unit}/versions/{version}",
            get(versions::show),
        )
        .route(
            "/rounds/{round}/reports/{item}/{unit}/review",
            post(review::review),
        )
        .route(
            "/rounds/{round}/reports/{item}/{unit}/evidence",
            post(evidence::upload)
                .layer(DefaultBodyLimit::max(evidence::MAX_FILE_BYTES + 256 * 1024)),
        )
        .route("/evidence/{id}", get(evidence::download))
}

/// Today in China Standard Time: deadlines are Beijing dates.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&Shanghai).date_naive()
}

/// A moment as Beijing time, to the minute.
pub fn shanghai(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Path of a report page.
pub fn report_href(round_id: i64, item_key: &str, unit_id: i64) -> String {
    format!("/rounds/{round_id}/reports/{item_key}/{unit_id}")
}
