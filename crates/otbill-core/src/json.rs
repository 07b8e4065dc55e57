//! The coded visit as compact JSON, written directly into a byte buffer.
//!
//! `otbill code --batch` spends most of its time writing explanations. serde_json escapes
//! every byte of every string; the `why` texts are rendered by us from literals that
//! `why.rs` proves need no escaping while it compiles, numbers and parsed codes, so they
//! are rendered straight into the output. Everything that may come from input or data
//! files (ids, payer ids, finding messages) is checked and, when it needs it, escaped
//! by serde_json. The output is byte-for-byte what `serde_json::to_vec` gives for the
//! same value (tested), so the public contract has one definition: the serde derives.

use chrono::{Datelike, NaiveDate};

use crate::engine::{CodedVisit, Dropped, Line};
use crate::finding::{Finding, Severity};
use crate::payer::UnitMethod;
use crate::why::Why;

impl CodedVisit {
    /// Appends the visit as compact JSON (the same bytes as `serde_json::to_vec`).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        if let Some(id) = &self.id {
            out.extend_from_slice(b"\"id\":");
            plain_or_escaped(out, id);
            out.push(b',');
        }
        out.extend_from_slice(b"\"date\":");
        date(out, self.date);
        out.extend_from_slice(b",\"payer\":");
        plain_or_escaped(out, &self.payer);
        out.extend_from_slice(b",\"discipline\":\"");
        out.extend_from_slice(self.discipline.as_str().as_bytes());
        out.extend_from_slice(b"\",\"unit_method\":\"");
        out.extend_from_slice(match self.unit_method {
            UnitMethod::MedicareTotalTime => b"medicare_total_time",
            UnitMethod::CptMidpoint => b"cpt_midpoint",
        });
        out.extend_from_slice(b"\",\"lines\":[");
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_line(out, line);
        }
        out.extend_from_slice(b"],\"dropped\":[");
        for (i, d) in self.dropped.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_dropped(out, d);
        }
        out.extend_from_slice(b"],\"total_timed_minutes\":");
        number(out, self.total_timed_minutes);
        out.extend_from_slice(b",\"total_timed_units\":");
        number(out, self.total_timed_units);
        out.extend_from_slice(b",\"findings\":[");
        for (i, f) in self.findings.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_finding(out, f);
        }
        out.extend_from_slice(b"]}");
    }
}

fn write_line(out: &mut Vec<u8>, l: &Line) {
    out.extend_from_slice(b"{\"code\":\"");
    out.extend_from_slice(l.code.as_bytes());
    out.extend_from_slice(b"\",\"units\":");
    number(out, l.units);
    out.extend_from_slice(b",\"modifiers\":[");
    for (i, m) in l.modifiers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(m.as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b"],\"minutes\":");
    number(out, l.minutes);
    out.extend_from_slice(b",\"why\":");
    write_why(out, &l.why);
    out.push(b'}');
}

fn write_dropped(out: &mut Vec<u8>, d: &Dropped) {
    out.extend_from_slice(b"{\"code\":\"");
    out.extend_from_slice(d.code.as_bytes());
    out.extend_from_slice(b"\",\"minutes\":");
    number(out, d.minutes);
    out.extend_from_slice(b",\"why\":");
    write_why(out, &d.why);
    out.push(b'}');
}

/// A finding as its derive writes it. Its message may quote a payer profile, so every
/// string is checked.
fn write_finding(out: &mut Vec<u8>, f: &Finding) {
    out.extend_from_slice(b"{\"code\":");
    plain_or_escaped(out, &f.code);
    out.extend_from_slice(match f.severity {
        Severity::Error => &b",\"severity\":\"error\",\"message\":"[..],
        Severity::Warning => b",\"severity\":\"warning\",\"message\":",
        Severity::Info => b",\"severity\":\"info\",\"message\":",
    });
    plain_or_escaped(out, &f.message);
    out.extend_from_slice(b",\"source\":");
    plain_or_escaped(out, &f.source);
    if let Some(carc) = &f.carc {
        out.extend_from_slice(b",\"carc\":");
        plain_or_escaped(out, carc);
    }
    out.push(b'}');
}

/// A date as chrono's serde writes it (`2026-03-02`); other years through serde.
fn date(out: &mut Vec<u8>, date: NaiveDate) {
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let (year, month, day) = (date.year(), date.month(), date.day());
    match u32::try_from(year) {
        Ok(y) if y <= 9999 => out.extend_from_slice(&[
            b'"',
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
            b'"',
        ]),
        _ => {
            let _ = serde_json::to_writer(&mut *out, &date);
        }
    }
}

fn write_why(out: &mut Vec<u8>, why: &[Why]) {
    out.push(b'[');
    for (i, w) in why.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Sentences and sources need no escaping, which `why.rs` proves while compiling.
        out.extend_from_slice(b"{\"text\":\"");
        w.render_to(out);
        out.extend_from_slice(b"\",\"source\":\"");
        out.extend_from_slice(w.source().as_bytes());
        out.extend_from_slice(b"\"}");
    }
    out.push(b']');
}

/// Writes a string that may need escaping (ids, payer ids, finding messages).
fn plain_or_escaped(out: &mut Vec<u8>, s: &str) {
    // A fold without early exit vectorizes; these strings rarely need escaping.
    let needs = s.bytes().fold(false, |acc, b| {
        acc | (b == b'"') | (b == b'\\') | (b < 0x20)
    });
    if needs {
        escaped(out, s);
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

fn escaped(out: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(&mut *out, s);
}

fn number(out: &mut Vec<u8>, n: u32) {
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(n).as_bytes());
}

#[cfg(test)]
mod tests {
    use crate::{builtin, code_visit, parse_visit, Visit};

    /// Visits whose output has what the property test's visits lack: a CARC, bundled and
    /// invalid codes, ids and messages that need escaping, add-ons, SLP assistants.
    #[test]
    fn same_bytes_as_serde() {
        let (catalog, payers) = builtin();
        let visits = [
            r#"{"id":"a \"quoted\" \\ id\t","date":"2026-03-02","payer":"medicare","services":[{"code":"97014","minutes":15},{"code":"97010","minutes":10},{"code":"97110","minutes":20,"assistant_minutes":12}]}"#,
            r#"{"id":"ü","date":"2025-06-30","payer":"commercial","services":[{"code":"97110","minutes":23,"assistant_minutes":23},{"code":"97130","minutes":30},{"code":"97129","minutes":20}]}"#,
            r#"{"date":"2026-03-02","payer":"medicare","discipline":"SLP","services":[{"code":"97112","minutes":23,"assistant_minutes":10},{"code":"97110","minutes":8},{"code":"97530","minutes":8},{"code":"97110","minutes":3}]}"#,
            r#"{"date":"2026-03-02","payer":"medicare","discipline":"PT","services":[{"code":"97110","minutes":38,"assistant_minutes":25},{"code":"97165","minutes":30,"assistant_minutes":10}]}"#,
        ];
        for text in visits {
            let input = parse_visit(text).expect("visit parses");
            let coded = code_visit(&Visit::resolve(&input, &catalog, &payers).expect("resolves"));
            assert!(!coded.findings.is_empty(), "{text}: no findings to write");
            let mut fast = Vec::new();
            coded.write_json(&mut fast);
            let serde = serde_json::to_string(&coded).expect("serde");
            assert_eq!(String::from_utf8_lossy(&fast), serde);
        }
    }
}
