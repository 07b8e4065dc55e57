//! [`render_table`]: a 271 as plain text, for `otbill eligibility --format table`.

use crate::model::{Benefit, Member, Read271, Response271};
use std::fmt::Write;

/// Renders every response as a plain text table: who (patient, subscriber, payer,
/// provider, trace), plan and status, then one row per benefit in plain words, then
/// the rejections; and the findings at the end.
pub fn render_table(read: &Read271) -> String {
    let mut out = String::new();
    for (n, r) in read.responses.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        response(&mut out, n + 1, r);
    }
    if read.responses.is_empty() {
        out.push_str("no eligibility responses\n");
    }
    if !read.findings.is_empty() {
        out.push_str("\nfindings\n");
        for f in &read.findings {
            let _ = writeln!(out, "  {f}");
        }
    }
    out
}

fn response(out: &mut String, n: usize, r: &Response271) {
    let _ = writeln!(out, "response {n}");
    let patient = r.dependent.as_ref().unwrap_or(&r.subscriber);
    row(out, "patient", &who(patient));
    if r.dependent.is_some() {
        row(out, "subscriber", &who(&r.subscriber));
    }
    row(
        out,
        "payer",
        &join(&[r.payer_name.as_deref(), r.payer_id.as_deref()], " "),
    );
    let npi = r.provider_npi.as_ref().map(|n| format!("NPI {n}"));
    row(
        out,
        "provider",
        &join(&[r.provider_name.as_deref(), npi.as_deref()], " "),
    );
    row(out, "trace", r.trace.as_deref().unwrap_or(""));
    let summary = r.summary(&[], true);
    let plan = join(
        &[
            summary.plan_name.as_deref(),
            patient.group_number.as_deref().map(|_| "group"),
            patient.group_number.as_deref(),
        ],
        " ",
    );
    row(out, "plan", &plan);
    let dates = match (patient.plan_begin, patient.plan_end) {
        (None, None) => String::new(),
        (b, e) => format!(
            "{} to {}",
            b.map_or("?".to_string(), |d| d.to_string()),
            e.map_or("?".to_string(), |d| d.to_string())
        ),
    };
    row(out, "plan dates", &dates);
    let status = match summary.active {
        Some(true) => "active",
        Some(false) => "inactive",
        None if !r.rejections.is_empty() => "rejected",
        None => "unknown",
    };
    row(out, "status", status);
    if !r.benefits.is_empty() {
        out.push_str("  benefits\n");
        for b in &r.benefits {
            let _ = writeln!(out, "    - {}", benefit(b));
            for m in &b.messages {
                let _ = writeln!(out, "      message: {m}");
            }
            for e in &b.related_entities {
                let _ = writeln!(out, "      contact: {e}");
            }
        }
    }
    if !r.rejections.is_empty() {
        out.push_str("  rejections\n");
        for j in &r.rejections {
            let _ = write!(out, "    - {} {}: {}", j.level, j.code, j.reason);
            if let Some(f) = &j.follow_up {
                let _ = write!(out, " ({f})");
            }
            out.push('\n');
        }
    }
}

fn row(out: &mut String, label: &str, value: &str) {
    if !value.is_empty() {
        let _ = writeln!(out, "  {label:<11} {value}");
    }
}

fn join(parts: &[Option<&str>], sep: &str) -> String {
    parts
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join(sep)
}

fn who(m: &Member) -> String {
    let name = join(&[m.last.as_deref(), m.first.as_deref()], ", ");
    let mut s = name;
    if let Some(id) = &m.member_id {
        let _ = write!(s, " (member {id})");
    }
    if let Some(b) = m.birth_date {
        let _ = write!(s, " born {b}");
    }
    s.trim().to_string()
}

/// One benefit in plain words: `Co-Payment 25 for AD, individual, in network, per visit`.
fn benefit(b: &Benefit) -> String {
    let mut s = b.kind.label();
    if let Some(a) = b.amount {
        let _ = write!(s, " {}", a.normalize());
    }
    if let Some(p) = b.percent {
        let _ = write!(
            s,
            " {}%",
            (p * rust_decimal::Decimal::ONE_HUNDRED).normalize()
        );
    }
    if let (Some(q), Some(n)) = (&b.quantity_qualifier, b.quantity) {
        let _ = write!(s, " {} {}", n.normalize(), crate::codes::quantity_label(q));
    }
    if let Some((_, text)) = &b.limit {
        let _ = write!(s, " ({text})");
    }
    if b.service_types.is_empty() {
        s.push_str(", plan level");
    } else {
        let _ = write!(s, ", for {}", b.service_types.join(" "));
    }
    if let Some(p) = &b.procedure {
        let _ = write!(s, " {p}");
    }
    match b.coverage_level.as_deref() {
        Some("IND") => s.push_str(", individual"),
        Some("FAM") => s.push_str(", family"),
        Some(other) => {
            let _ = write!(s, ", coverage {other}");
        }
        None => {}
    }
    if let Some(t) = &b.time_period {
        let _ = write!(s, ", {}", t.label());
    }
    match b.in_network {
        Some(true) => s.push_str(", in network"),
        Some(false) => s.push_str(", out of network"),
        None => {}
    }
    match b.authorization_required {
        Some(true) => s.push_str(", authorization required"),
        Some(false) => s.push_str(", no authorization required"),
        None => {}
    }
    if let Some(p) = &b.plan_name {
        let _ = write!(s, ", plan {p}");
    }
    if let Some(t) = &b.insurance_type {
        let _ = write!(s, ", insurance type {t}");
    }
    for (q, v) in &b.dates {
        let _ = write!(s, ", date {q} {v}");
    }
    s
}
