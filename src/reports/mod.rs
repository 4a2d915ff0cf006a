//! Progress reporting: rounds, each unit's reports and their workflow, the to-do list, the
//! supervisor's submission board and reminders.

pub(crate) mod board;
pub(crate) mod evidence;
mod form;
pub mod model;
pub(crate) mod page;
#[cfg(test)]
mod props;
pub mod queries;
pub(crate) mod review;
pub(crate) mod round_list;
pub mod rounds;
pub(crate) mod save;
pub(crate) mod todo;
pub(crate) mod versions;
pub mod workflow;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

pub use evidence::EvidenceQuota;
pub use evidence::clean_name as clean_file_name;

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
