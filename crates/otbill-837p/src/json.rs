//! Loading a [`ClaimFile`] from JSON, one claim at a time.
//!
//! The header (envelope, submitter, receiver, billing provider) must be readable or the
//! whole file is refused with a [`JsonError`] that names the line and column. Each claim is
//! then parsed on its own: a claim whose NPI, ICD-10-CM code, procedure code or modifier is
//! malformed becomes a finding for that claim (and is not written) while the rest of the file
//! goes through. Any other problem in a claim (missing field, wrong type) is a `JsonError`:
//! the input does not follow the documented format and guessing would be worse.

use crate::check::{codes, Finding, Severity};
use crate::model::{BillingProvider, Claim, ClaimFile, Envelope, Receiver, Submitter};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A claims JSON file that was read, with the claims that could not be.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The readable claims (refused ones are left out).
    pub file: ClaimFile,
    /// For each claim in `file.claims`, its 0-based index in the JSON `claims` array.
    pub positions: Vec<usize>,
    /// Findings for the claims that were left out, with their JSON index.
    pub findings: Vec<Finding>,
}

impl Loaded {
    /// Rewrites a finding about `file.claims[i]` to refer to the claim's JSON index, so
    /// every finding the user sees counts claims the same way.
    pub fn to_json_index(&self, mut finding: Finding) -> Finding {
        finding.claim = finding
            .claim
            .map(|i| self.positions.get(i).copied().unwrap_or(i));
        finding
    }
}

/// The input is not a claims file in the documented format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line} column {column}")]
pub struct JsonError {
    /// What serde found wrong (names the missing or unknown field when it can).
    pub message: String,
    /// 1-based line in the input.
    pub line: usize,
    /// 1-based column in the input.
    pub column: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile<'a> {
    envelope: Envelope,
    submitter: Submitter,
    receiver: Receiver,
    billing_provider: BillingProvider,
    #[serde(borrow)]
    claims: Vec<&'a RawValue>,
}

/// Reads a claims file; see the module docs for which problems are findings.
pub fn load_json(text: &str) -> Result<Loaded, JsonError> {
    let raw: RawFile<'_> = serde_json::from_str(text).map_err(|e| JsonError {
        message: strip_location(&e),
        line: e.line(),
        column: e.column(),
    })?;
    let mut claims = Vec::with_capacity(raw.claims.len());
    let mut positions = Vec::with_capacity(raw.claims.len());
    let mut findings = Vec::new();
    for (idx, value) in raw.claims.iter().enumerate() {
        match serde_json::from_str::<Claim>(value.get()) {
            Ok(claim) => {
                claims.push(claim);
                positions.push(idx);
            }
            Err(e) => {
                let (line, column) = locate(text, value.get(), &e);
                let message = strip_location(&e);
                match identifier_code(&message) {
                    Some(code) => findings.push(Finding {
                        code,
                        severity: Severity::Error,
                        message: format!("{message} (line {line}, column {column})"),
                        claim: Some(idx),
                        line: None,
                    }),
                    None => {
                        return Err(JsonError {
                            message: format!("claims[{idx}]: {message}"),
                            line,
                            column,
                        })
                    }
                }
            }
        }
    }
    Ok(Loaded {
        file: ClaimFile {
            envelope: raw.envelope,
            submitter: raw.submitter,
            receiver: raw.receiver,
            billing_provider: raw.billing_provider,
            claims,
        },
        positions,
        findings,
    })
}

/// The finding code for an `otbill_types::ParseError` message (`"NPI \"...\" is not valid:
/// ..."`), or `None` when the error is about the JSON shape.
fn identifier_code(message: &str) -> Option<&'static str> {
    if !message.contains(" is not valid: ") {
        return None;
    }
    let kinds = [
        ("NPI ", codes::NPI),
        ("ICD-10-CM code ", codes::ICD10),
        ("procedure code ", codes::PROCEDURE),
        ("modifier ", codes::PROCEDURE),
    ];
    kinds
        .iter()
        .find(|(prefix, _)| message.starts_with(prefix))
        .map(|(_, code)| *code)
}

/// serde_json's message without its " at line L column C" suffix (we add our own).
fn strip_location(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// Line and column in `text` of an error at (line, column) inside `sub`, a slice of `text`.
fn locate(text: &str, sub: &str, e: &serde_json::Error) -> (usize, usize) {
    let offset = (sub.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    let before = text.get(..offset).unwrap_or("");
    let base_line = before.matches('\n').count() + 1;
    let base_col = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
    if e.line() <= 1 {
        (base_line, base_col + e.column())
    } else {
        (base_line + e.line() - 1, e.column())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_messages_are_classified() {
        // Pins the otbill-types ParseError format this module depends on.
        let npi = otbill_types::Npi::parse("1234567890")
            .unwrap_err()
            .to_string();
        assert_eq!(identifier_code(&npi), Some(codes::NPI));
        let dx = otbill_types::Icd10::parse("7810").unwrap_err().to_string();
        assert_eq!(identifier_code(&dx), Some(codes::ICD10));
        let cpt = otbill_types::CptCode::parse("9753")
            .unwrap_err()
            .to_string();
        assert_eq!(identifier_code(&cpt), Some(codes::PROCEDURE));
        let m = otbill_types::Modifier::parse("G").unwrap_err().to_string();
        assert_eq!(identifier_code(&m), Some(codes::PROCEDURE));
        assert_eq!(identifier_code("missing field `lines`"), None);
    }
}
