//! Property tests of the time-rule invariants (issue #2 acceptance).

use std::sync::OnceLock;

use otbill_core::{builtin, code_visit, Catalog, CodedVisit, Payers, Visit, VisitInput};
use proptest::prelude::*;

fn tables() -> &'static (Catalog, Payers) {
    static TABLES: OnceLock<(Catalog, Payers)> = OnceLock::new();
    TABLES.get_or_init(builtin)
}

const TIMED: &[&str] = &[
    "97110", "97112", "97530", "97535", "97140", "97537", "97124",
];

fn coded(payer: &str, services: &[(usize, u32, u32)]) -> CodedVisit {
    let (catalog, payers) = tables();
    let s: Vec<String> = services
        .iter()
        .map(|&(c, m, a)| {
            format!(
                r#"{{"code":"{}","minutes":{m},"assistant_minutes":{a}}}"#,
                TIMED[c]
            )
        })
        .collect();
    let json = format!(
        r#"{{"date":"2026-05-01","payer":"{payer}","services":[{}]}}"#,
        s.join(",")
    );
    let input: VisitInput = serde_json::from_str(&json).unwrap();
    let visit = Visit::resolve(&input, catalog, payers).unwrap();
    code_visit(&visit)
}

/// Distinct codes with 1..=90 minutes and an assistant share.
fn services() -> impl Strategy<Value = Vec<(usize, u32, u32)>> {
    proptest::sample::subsequence((0..TIMED.len()).collect::<Vec<_>>(), 1..=5)
        .prop_flat_map(|codes| {
            let n = codes.len();
            (
                Just(codes),
                proptest::collection::vec((1u32..=90, 0u32..=100), n),
            )
        })
        .prop_map(|(codes, mins)| {
            codes
                .into_iter()
                .zip(mins)
                .map(|(c, (m, pct))| (c, m, m * pct / 100))
                .collect()
        })
}

fn units_by_code(c: &CodedVisit) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = Vec::new();
    for l in &c.lines {
        match v.iter_mut().find(|(code, _)| code == l.code.as_str()) {
            Some(e) => e.1 += l.units,
            None => v.push((l.code.to_string(), l.units)),
        }
    }
    v.sort();
    v
}

proptest! {
    #[test]
    fn medicare_units_equal_the_total_time_table(s in services()) {
        let c = coded("medicare", &s);
        let total: u32 = s.iter().map(|x| x.1).sum();
        let table = if total < 8 { 0 } else { (total + 7) / 15 };
        let billed: u32 = c.lines.iter().map(|l| l.units).sum();
        prop_assert_eq!(billed, table);
        prop_assert_eq!(c.total_timed_units, table);
    }

    #[test]
    fn fifteen_minutes_earn_at_least_a_unit(s in services()) {
        for payer in ["medicare", "commercial"] {
            let c = coded(payer, &s);
            for &(code, minutes, _) in &s {
                let units: u32 = c.lines.iter().filter(|l| l.code.as_str() == TIMED[code]).map(|l| l.units).sum();
                prop_assert!(units >= minutes / 15, "{} {} min → {} units", TIMED[code], minutes, units);
            }
        }
    }

    #[test]
    fn cpt_rule_never_depends_on_other_codes(s in services()) {
        let all = coded("commercial", &s);
        for &(code, minutes, assistant) in &s {
            let alone = coded("commercial", &[(code, minutes, assistant)]);
            let with: u32 = all.lines.iter().filter(|l| l.code.as_str() == TIMED[code]).map(|l| l.units).sum();
            let own: u32 = alone.lines.iter().map(|l| l.units).sum();
            prop_assert_eq!(with, own);
            prop_assert_eq!(own, if minutes < 8 { 0 } else { (minutes + 7) / 15 });
        }
    }

    #[test]
    fn order_of_services_does_not_matter(s in services(), seed in any::<u64>()) {
        let mut shuffled = s.clone();
        // Deterministic Fisher-Yates from the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        for payer in ["medicare", "commercial"] {
            let a = serde_json::to_string(&coded(payer, &s)).unwrap();
            let b = serde_json::to_string(&coded(payer, &shuffled)).unwrap();
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn assistant_split_keeps_the_code_units(s in services()) {
        // Splitting into CO and plain lines never changes a code's units, except where a
        // tie was broken: then the therapist's code wins, so assistant minutes can move
        // the leftover unit (86 FR 65173 Example #E). The total never changes.
        let with = coded("medicare", &s);
        let without = coded("medicare", &s.iter().map(|&(c, m, _)| (c, m, 0)).collect::<Vec<_>>());
        let tie = |c: &CodedVisit| c.findings.iter().any(|f| f.code == "UNITS_TIE_BROKEN");
        prop_assert_eq!(with.total_timed_units, without.total_timed_units);
        if !tie(&with) && !tie(&without) {
            prop_assert_eq!(units_by_code(&with), units_by_code(&without));
        }
    }
}

proptest! {
    /// `CodedVisit::write_json` is a fast path for the serde derives, not a second
    /// definition of the contract: it must give the same bytes, findings and all.
    #[test]
    fn fast_json_writer_matches_serde(s in services(), commercial in any::<bool>()) {
        let c = coded(if commercial { "commercial" } else { "medicare" }, &s);
        let mut fast = Vec::new();
        c.write_json(&mut fast);
        prop_assert_eq!(String::from_utf8(fast).unwrap(), serde_json::to_string(&c).unwrap());
    }
}
