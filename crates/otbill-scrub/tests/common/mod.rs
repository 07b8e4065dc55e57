//! Shared fixtures: the shipped catalog, payer profiles and rule tables.

#![allow(dead_code)]

use otbill_core::{Catalog, Finding, Payers, Severity};
use otbill_scrub::scrub::{scrub, Engine, ScrubInput, Scrubbed};
use otbill_scrub::RuleSet;
use std::sync::OnceLock;

pub struct World {
    pub catalog: Catalog,
    pub payers: Payers,
    pub rules: RuleSet,
}

pub fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let (catalog, payers) = otbill_core::builtin();
        World {
            catalog,
            payers,
            rules: otbill_scrub::rules::builtin().unwrap(),
        }
    })
}

/// Scrubs a JSON request against the shipped data.
#[track_caller]
pub fn run(json: &str) -> Scrubbed {
    let w = world();
    let input: ScrubInput = serde_json::from_str(json).unwrap();
    let engine = Engine {
        catalog: &w.catalog,
        payers: &w.payers,
        rules: &w.rules,
    };
    scrub(&engine, &input).unwrap()
}

pub fn codes(s: &Scrubbed) -> Vec<&str> {
    s.findings.iter().map(|f| f.code.as_ref()).collect()
}

#[track_caller]
pub fn find<'a>(s: &'a Scrubbed, code: &str) -> &'a Finding {
    s.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", codes(s)))
}

pub fn has(s: &Scrubbed, code: &str) -> bool {
    s.findings.iter().any(|f| f.code == code)
}

pub fn severity(s: &Scrubbed, code: &str) -> Severity {
    find(s, code).severity
}

/// A plan certified on time, for visits that are not about certification.
pub const GOOD_PLAN: &str = r#""plan_of_care": {"discipline": "OT", "start": "2025-05-01", "established": "2025-05-01",
  "certified": "2025-05-05", "certified_through": "2025-07-29", "goals": ["Dress independently"]}"#;
