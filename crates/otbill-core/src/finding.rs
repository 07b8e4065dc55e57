//! Findings: what a rule check has to say, as data rather than errors.

use std::borrow::Cow;

/// How much a finding matters to the claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks the claim until fixed.
    Error,
    /// Should be looked at; does not block.
    Warning,
    /// Explains a choice the engine made.
    Info,
}

/// One thing a rule check found. `code` is stable across releases so that billers and
/// integrations can filter on it; `source` cites the rule (manual section, data file row,
/// payer profile).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Stable identifier such as `UNITS_TIE_BROKEN`.
    pub code: Cow<'static, str>,
    /// Error, warning or info.
    pub severity: Severity,
    /// A sentence a biller understands.
    pub message: String,
    /// The rule's source.
    pub source: Cow<'static, str>,
    /// The claim adjustment reason code a payer would likely deny with, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carc: Option<Cow<'static, str>>,
}

impl Finding {
    /// A finding with a static code and source.
    pub fn new(
        code: &'static str,
        severity: Severity,
        message: impl Into<String>,
        source: &'static str,
    ) -> Self {
        Finding {
            code: Cow::Borrowed(code),
            severity,
            message: message.into(),
            source: Cow::Borrowed(source),
            carc: None,
        }
    }

    /// Adds the CARC a payer would likely deny with.
    pub fn with_carc(mut self, carc: &'static str) -> Self {
        self.carc = Some(Cow::Borrowed(carc));
        self
    }
}
