//! Every code the X279A1 map (pyx12's upstream 271 map, tools/pyx12-x279/) lists for
//! EB01, EB06, HSD05, AAA03 and AAA04 has a type or plain words here, and nothing else
//! does.

use otbill_elig::{follow_up, reject_reason, BenefitKind, TimePeriod};
use std::collections::BTreeSet;
use std::path::Path;

fn map_codes(element: &str) -> BTreeSet<String> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/pyx12-x279/271.5010.X279.A1.xml");
    let map = std::fs::read_to_string(&path).expect("the 271 map");
    let open = format!("<element xid=\"{element}\">");
    let mut codes = BTreeSet::new();
    let mut rest = map.as_str();
    while let Some(start) = rest.find(&open) {
        let body = &rest[start..];
        let end = body.find("</element>").expect("element end");
        let mut inner = &body[..end];
        while let Some(i) = inner.find("<code>") {
            let after = &inner[i + 6..];
            let j = after.find("</code>").expect("code end");
            codes.insert(after[..j].to_string());
            inner = &after[j..];
        }
        rest = &body[end..];
    }
    assert!(!codes.is_empty(), "no codes for {element}");
    codes
}

/// Short alphanumeric strings that are not in `known`, to check the unknown path.
fn others(known: &BTreeSet<String>) -> Vec<String> {
    ["0", "99", "ZZ", "Q1", "a", "", "1 "]
        .iter()
        .map(|s| s.to_string())
        .filter(|s| !known.contains(s))
        .collect()
}

#[test]
fn eb01_benefit_kinds() {
    let codes = map_codes("EB01");
    assert_eq!(codes.len(), 35);
    for code in &codes {
        let kind = BenefitKind::from_code(code).unwrap_or_else(|| panic!("EB01 {code}"));
        assert_eq!(kind.code(), code);
        assert!(!kind.label().is_empty());
        assert_ne!(kind, BenefitKind::Other(code.clone()));
    }
    for code in others(&codes) {
        assert_eq!(BenefitKind::from_code(&code), None, "{code:?}");
    }
    let active: Vec<_> = codes
        .iter()
        .filter(|c| BenefitKind::from_code(c).is_some_and(|k| k.is_active()))
        .collect();
    assert_eq!(active, ["1", "2", "3", "4", "5"]);
    let inactive: Vec<_> = codes
        .iter()
        .filter(|c| BenefitKind::from_code(c).is_some_and(|k| k.is_inactive()))
        .collect();
    assert_eq!(inactive, ["6", "7", "8"]);
}

#[test]
fn eb06_and_hsd05_time_periods() {
    let eb06 = map_codes("EB06");
    let hsd05 = map_codes("HSD05");
    assert!(hsd05.is_subset(&eb06));
    for code in &eb06 {
        let period = TimePeriod::from_code(code).unwrap_or_else(|| panic!("EB06 {code}"));
        assert_eq!(period.code(), code);
        assert!(!period.label().is_empty());
    }
    for code in others(&eb06) {
        assert_eq!(TimePeriod::from_code(&code), None, "{code:?}");
    }
    let yearly: BTreeSet<_> = eb06
        .iter()
        .filter(|c| TimePeriod::from_code(c).is_some_and(|p| p.is_yearly()))
        .cloned()
        .collect();
    assert_eq!(yearly, ["21", "22", "23", "25"].map(String::from).into());
}

#[test]
fn aaa03_reasons_and_aaa04_follow_ups() {
    let aaa03 = map_codes("AAA03");
    for code in &aaa03 {
        assert!(reject_reason(code).is_some(), "AAA03 {code}");
    }
    for code in others(&aaa03) {
        assert_eq!(reject_reason(&code), None, "{code:?}");
    }
    let aaa04 = map_codes("AAA04");
    for code in &aaa04 {
        assert!(follow_up(code).is_some(), "AAA04 {code}");
    }
    for code in others(&aaa04) {
        assert_eq!(follow_up(&code), None, "{code:?}");
    }
    assert_eq!(
        reject_reason("42"),
        Some("Unable to Respond at Current Time")
    );
    assert_eq!(follow_up("C"), Some("Please Correct and Resubmit"));
}
