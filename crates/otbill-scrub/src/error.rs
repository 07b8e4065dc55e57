//! The one error type of the loaders: a rule file that cannot be trusted.
//!
//! Loaders never return a half-built table: they parse every line into a new value and
//! return it only when all lines parsed. A refusal names the file and the 1-based line.

/// A rule file was refused. Nothing from it was loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{label}: line {line}: {reason}")]
pub struct LoadError {
    /// The file's source label (usually its file name).
    pub label: String,
    /// The 1-based line where the problem starts (0 when it concerns the whole file).
    pub line: usize,
    /// What was wrong, in words a biller or developer can act on.
    pub reason: String,
}

impl LoadError {
    pub(crate) fn new(label: &str, line: usize, reason: impl Into<String>) -> Self {
        LoadError {
            label: label.to_owned(),
            line,
            reason: reason.into(),
        }
    }
}
