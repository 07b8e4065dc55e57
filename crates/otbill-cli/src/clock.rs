//! The clock. The engine crates never read it; commands pass "today" in as a value.

use chrono::NaiveDate;

/// Today's date in UTC.
pub(crate) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Now in UTC as the ledger stores times (ISO-8601, seconds).
pub(crate) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
