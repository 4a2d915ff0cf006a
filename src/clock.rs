//! The portal's calendar: deadlines and times are Beijing's, whatever the server's zone. Below
//! every feature, so that none imports another for the date.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

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

/// The Beijing date of a moment: what a document dated by it says.
pub fn shanghai_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Shanghai).date_naive()
}
