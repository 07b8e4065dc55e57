//! Inline SVG charts: horizontal bars with labels, and the KX threshold bar. No script,
//! no library; values are escaped like any other text.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::{esc, money};

/// A horizontal bar chart of `(label, amount)`.
pub fn bars(id: &str, title: &str, rows: &[(String, Decimal)]) -> String {
    if rows.is_empty() {
        return format!("<figure id=\"{id}\"><figcaption>{}</figcaption><p class=\"muted\">No data yet.</p></figure>", esc(title));
    }
    let max = rows
        .iter()
        .map(|(_, v)| v.to_f64().unwrap_or(0.0))
        .fold(0.0f64, f64::max)
        .max(1.0);
    let (row_h, label_w, bar_w) = (26.0, 110.0, 300.0);
    let height = row_h * rows.len() as f64 + 8.0;
    let mut svg = format!(
        "<figure id=\"{id}\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {w} {height}\" width=\"{w}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        esc(title),
        w = label_w + bar_w + 110.0
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let w = (value.to_f64().unwrap_or(0.0).max(0.0) / max * bar_w).max(1.0);
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{ty}\" class=\"lbl\">{}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bh}\" class=\"bar\"/>\
             <text x=\"{vx:.1}\" y=\"{ty}\" class=\"val\">{}</text>",
            esc(label),
            esc(&money(*value)),
            ty = y + 15.0,
            bh = row_h - 8.0,
            vx = label_w + w + 6.0
        ));
    }
    svg.push_str("</svg></figure>");
    svg
}

/// The KX threshold bar: allowed amounts so far against the year's threshold.
pub fn kx_bar(allowed: Decimal, threshold: Decimal, year: i32) -> String {
    let pct = if threshold.is_zero() {
        0.0
    } else {
        (allowed / threshold).to_f64().unwrap_or(0.0) * 100.0
    };
    let w = pct.clamp(0.0, 100.0) * 4.0;
    let class = if pct >= 100.0 {
        "over"
    } else if pct >= 80.0 {
        "near"
    } else {
        "under"
    };
    format!(
        "<figure id=\"kx\"><svg viewBox=\"0 0 420 34\" width=\"420\" height=\"34\" role=\"img\" aria-label=\"KX threshold use\">\
         <rect x=\"0\" y=\"4\" width=\"400\" height=\"20\" class=\"track\"/><rect x=\"0\" y=\"4\" width=\"{w:.1}\" height=\"20\" class=\"kx {class}\"/>\
         <line x1=\"400\" y1=\"0\" x2=\"400\" y2=\"30\" class=\"limit\"/></svg>\
         <figcaption>{} of {} ({pct:.0}%) for {year}{}</figcaption></figure>",
        esc(&money(allowed)),
        esc(&money(threshold)),
        if pct >= 100.0 { ": over the threshold, the KX modifier and medical-necessity documentation are required" } else { "" }
    )
}
