//! Progress reporting: rounds, each unit's reports and their workflow, the to-do list, the
//! supervisor's submission board and reminders.

pub(crate) mod batch;
pub(crate) mod board;
pub(crate) mod evidence;
mod form;
mod history;
pub mod model;
mod outcome;
pub(crate) mod page;
#[cfg(test)]
mod props;
pub mod queries;
pub(crate) mod review;
pub(crate) mod round_list;
mod round_rows;
pub mod rounds;
pub(crate) mod save;
pub(crate) mod todo;
pub(crate) mod versions;
pub mod workflow;

pub use crate::clock::{shanghai, today};
pub use crate::web::report_href;
pub use evidence::EvidenceQuota;
pub use evidence::clean_name as clean_file_name;
