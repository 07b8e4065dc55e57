//! The coded visit as compact JSON, written directly into a byte buffer.
//!
//! `otbill code --batch` spends most of its time writing explanations. serde_json escapes
//! every byte of every string; the `why` texts are rendered by us from numbers and parsed
//! codes, so they are written as they are after one cheap check that they need no
//! escaping. Everything that may come from input (ids, payer ids, finding messages) goes
//! through serde_json. The output is byte-for-byte what `serde_json::to_vec` gives for the
//! same value (tested), so the public contract has one definition: the serde derives.

use std::fmt::Write as _;

use crate::engine::{CodedVisit, Dropped, Line};
use crate::payer::UnitMethod;
use crate::why::Why;

impl CodedVisit {
    /// Appends the visit as compact JSON (the same bytes as `serde_json::to_vec`).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut text = String::with_capacity(160);
        out.push(b'{');
        if let Some(id) = &self.id {
            out.extend_from_slice(b"\"id\":");
            escaped(out, id);
            out.push(b',');
        }
        let _ = write!(text, "{}", self.date);
        out.extend_from_slice(b"\"date\":\"");
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(b"\",\"payer\":");
        escaped(out, &self.payer);
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
            write_line(out, line, &mut text);
        }
        out.extend_from_slice(b"],\"dropped\":[");
        for (i, d) in self.dropped.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_dropped(out, d, &mut text);
        }
        out.extend_from_slice(b"],\"total_timed_minutes\":");
        number(out, self.total_timed_minutes);
        out.extend_from_slice(b",\"total_timed_units\":");
        number(out, self.total_timed_units);
        out.extend_from_slice(b",\"findings\":");
        // Findings are rare and carry text from input and profiles: serde escapes them.
        let _ = serde_json::to_writer(&mut *out, &self.findings);
        out.push(b'}');
    }
}

fn write_line(out: &mut Vec<u8>, l: &Line, text: &mut String) {
    out.extend_from_slice(b"{\"code\":\"");
    out.extend_from_slice(l.code.as_str().as_bytes());
    out.extend_from_slice(b"\",\"units\":");
    number(out, l.units);
    out.extend_from_slice(b",\"modifiers\":[");
    for (i, m) in l.modifiers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(m.as_str().as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b"],\"minutes\":");
    number(out, l.minutes);
    out.extend_from_slice(b",\"why\":");
    write_why(out, &l.why, text);
    out.push(b'}');
}

fn write_dropped(out: &mut Vec<u8>, d: &Dropped, text: &mut String) {
    out.extend_from_slice(b"{\"code\":\"");
    out.extend_from_slice(d.code.as_str().as_bytes());
    out.extend_from_slice(b"\",\"minutes\":");
    number(out, d.minutes);
    out.extend_from_slice(b",\"why\":");
    write_why(out, &d.why, text);
    out.push(b'}');
}

fn write_why(out: &mut Vec<u8>, why: &[Why], text: &mut String) {
    out.push(b'[');
    for (i, w) in why.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        text.clear();
        w.render(text);
        out.extend_from_slice(b"{\"text\":");
        plain_or_escaped(out, text);
        out.extend_from_slice(b",\"source\":");
        plain_or_escaped(out, w.source());
        out.push(b'}');
    }
    out.push(b']');
}

/// Writes a string we produced ourselves, escaping only if it turns out to need it.
fn plain_or_escaped(out: &mut Vec<u8>, s: &str) {
    // A fold without early exit vectorizes; our strings are short and never need escaping.
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
