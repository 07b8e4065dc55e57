//! The clock. The engine crates never read it; commands pass "today" in as a value.

use chrono::NaiveDate;

/// Today's date in UTC.
pub(crate) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}
