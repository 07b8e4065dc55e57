//! Findings: problems in the input reported as data, never as `Err`.

use serde::Serialize;
use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: the input was read as expected, but something is unusual.
    Info,
    /// The input was read, but a receiver may reject it.
    Warning,
    /// The input breaks an X12 rule; a receiver will reject it.
    Error,
}

/// Where a segment sits in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Position {
    /// 1-based number of the segment in the input (ISA is 1).
    pub segment: usize,
    /// 1-based line number where the segment starts.
    pub line: usize,
    /// 0-based byte offset of the segment in the (decoded) input.
    pub offset: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "segment {}, line {}, byte {}",
            self.segment, self.line, self.offset
        )
    }
}

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable machine-readable code, e.g. `X12-SE01-COUNT`.
    pub code: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// Human-readable explanation.
    pub message: String,
    /// The segment concerned, when there is one.
    pub position: Option<Position>,
}

impl Finding {
    /// A finding of `severity` with `code` and `message`.
    pub fn new(
        code: &'static str,
        severity: Severity,
        message: impl Into<String>,
        position: Option<Position>,
    ) -> Finding {
        Finding {
            code,
            severity,
            message: message.into(),
            position,
        }
    }

    /// An error-level finding.
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        position: Option<Position>,
    ) -> Self {
        Finding::new(code, Severity::Error, message, position)
    }

    /// A warning-level finding.
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        position: Option<Position>,
    ) -> Self {
        Finding::new(code, Severity::Warning, message, position)
    }

    /// An info-level finding.
    pub fn info(
        code: &'static str,
        message: impl Into<String>,
        position: Option<Position>,
    ) -> Self {
        Finding::new(code, Severity::Info, message, position)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{severity} {}: {}", self.code, self.message)?;
        if let Some(pos) = self.position {
            write!(f, " ({pos})")?;
        }
        Ok(())
    }
}
