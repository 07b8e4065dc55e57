//! The 271 reader on the fixtures (typed results and summaries), on every sample
//! file of `../shared/x12-samples/`, on broken and mutated input; and the 270
//! writer read back by otbill-x12.

mod common;

use otbill_elig::{
    read_271, render_table, write_270, BenefitKind, Read271, Response271, Severity, TimePeriod,
    WriteError,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::str::FromStr;

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/271")
        .join(name)
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Reads a fixture, which must read without a single finding.
fn fixture(name: &str) -> Read271 {
    let read = read_271(&fixture_bytes(name));
    assert_eq!(read.findings, vec![], "{name}");
    read
}

fn only(read: &Read271) -> &Response271 {
    assert_eq!(read.responses.len(), 1, "{:#?}", read.responses);
    &read.responses[0]
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

fn codes(read: &Read271) -> Vec<&'static str> {
    read.findings.iter().map(|f| f.code).collect()
}

#[test]
fn active_coverage_with_plan_and_dates() {
    let read = fixture("active-plan-dates.x12");
    let r = only(&read);
    assert_eq!(r.trace.as_deref(), Some("ELIG-1001"));
    assert_eq!(r.payer_name.as_deref(), Some("ACME HEALTH PLAN"));
    assert_eq!(r.payer_id.as_deref(), Some("842610001"));
    assert_eq!(r.provider_npi.as_deref(), Some("1234567893"));
    assert_eq!(r.provider_name.as_deref(), Some("BONE AND JOINT CLINIC"));
    let s = &r.subscriber;
    assert_eq!(s.member_id.as_deref(), Some("11122333301"));
    assert_eq!(
        (s.last.as_deref(), s.first.as_deref()),
        (Some("SMITH"), Some("ROBERT"))
    );
    assert_eq!(s.birth_date, Some(common::day(1943, 5, 19)));
    assert_eq!(s.gender.as_deref(), Some("M"));
    assert_eq!(s.group_number.as_deref(), Some("GRP12345"));
    assert_eq!(s.group_name.as_deref(), Some("ACME EMPLOYER GROUP"));
    assert_eq!(s.plan_begin, Some(common::day(2026, 1, 1)));
    assert_eq!(s.plan_end, Some(common::day(2026, 12, 31)));
    assert!(r.dependent.is_none());
    assert_eq!(r.benefits.len(), 2);
    let active = &r.benefits[0];
    assert_eq!(active.kind, BenefitKind::Active);
    assert_eq!(active.service_types, ["30", "AD", "1"]);
    assert_eq!(active.plan_name.as_deref(), Some("GOLD PPO 500"));
    assert_eq!(active.insurance_type.as_deref(), Some("C1"));
    assert_eq!(active.coverage_level.as_deref(), Some("IND"));
    assert_eq!(r.benefits[1].kind, BenefitKind::CoverageBasis);
    assert_eq!(
        r.benefits[1].messages,
        ["OCCUPATIONAL THERAPY COVERED WHEN MEDICALLY NECESSARY"]
    );
    assert!(r.rejections.is_empty());
    let sum = r.summary(&["AD"], true);
    assert_eq!(sum.active, Some(true));
    assert_eq!(sum.plan_name.as_deref(), Some("GOLD PPO 500"));
    assert_eq!(sum.plan_begin, Some(common::day(2026, 1, 1)));
    assert_eq!(sum.plan_end, Some(common::day(2026, 12, 31)));
    assert_eq!(sum.messages.len(), 1);
    assert_eq!(sum.copay, None);
}

#[test]
fn inactive_coverage() {
    let read = fixture("inactive.x12");
    let r = only(&read);
    assert_eq!(r.benefits[0].kind, BenefitKind::Inactive);
    // Eligibility begin/end (356/357) when there is no plan begin/end (346/347).
    assert_eq!(r.subscriber.plan_begin, Some(common::day(2025, 1, 1)));
    assert_eq!(r.subscriber.plan_end, Some(common::day(2026, 6, 30)));
    assert_eq!(r.subscriber.dates.len(), 2);
    let sum = r.summary(&["AD"], true);
    assert_eq!(sum.active, Some(false));
    assert_eq!(sum.messages, ["COVERAGE TERMINATED"]);
}

#[test]
fn coinsurance_in_and_out_of_network() {
    let read = fixture("coinsurance.x12");
    let r = only(&read);
    let b = &r.benefits[1];
    assert_eq!(b.kind, BenefitKind::Coinsurance);
    assert_eq!(b.percent, Some(dec("0.2")));
    assert_eq!(b.time_period, Some(TimePeriod::Visit));
    assert_eq!(b.authorization_required, Some(false));
    assert_eq!(b.in_network, Some(true));
    assert_eq!(r.benefits[2].in_network, Some(false));
    assert_eq!(r.summary(&["AD"], true).coinsurance, Some(dec("0.2")));
    assert_eq!(r.summary(&["AD"], false).coinsurance, Some(dec("0.4")));
    // Not asked for OT: the plan-level (30) coinsurance.
    assert_eq!(r.summary(&["PT"], true).coinsurance, Some(dec("0.1")));
    assert_eq!(r.summary(&["AD"], true).authorization_required, Some(false));
}

#[test]
fn copay_prefers_the_service_type_then_the_network() {
    let read = fixture("copay.x12");
    let r = only(&read);
    assert_eq!(r.benefits[1].kind, BenefitKind::CoPayment);
    assert_eq!(r.benefits[1].amount, Some(dec("25")));
    assert_eq!(r.summary(&["AD"], true).copay, Some(dec("25")));
    assert_eq!(r.summary(&["AD"], false).copay, Some(dec("60")));
    assert_eq!(r.summary(&[], true).copay, Some(dec("40")));
    assert_eq!(
        r.summary(&["AD"], true).plan_name.as_deref(),
        Some("SILVER HMO")
    );
}

#[test]
fn deductible_total_and_remaining() {
    let read = fixture("deductible.x12");
    let r = only(&read);
    let remaining = &r.benefits[3];
    assert_eq!(remaining.kind, BenefitKind::Deductible);
    assert_eq!(remaining.time_period, Some(TimePeriod::Remaining));
    assert_eq!(
        remaining.dates,
        [("292".to_string(), "20260101-20261231".to_string())]
    );
    let sum = r.summary(&["AD"], true);
    // Individual over family, though the family one comes first.
    assert_eq!(sum.deductible_total, Some(dec("1500")));
    assert_eq!(sum.deductible_remaining, Some(dec("600")));
    let out = r.summary(&["AD"], false);
    assert_eq!(out.deductible_total, Some(dec("3000")));
    assert_eq!(out.deductible_remaining, Some(dec("2750.50")));
}

#[test]
fn out_of_pocket_total_and_remaining() {
    let read = fixture("out-of-pocket.x12");
    let r = only(&read);
    assert!(r.benefits[1..]
        .iter()
        .all(|b| b.kind == BenefitKind::OutOfPocket));
    let sum = r.summary(&["AD"], true);
    assert_eq!(sum.out_of_pocket_total, Some(dec("5000")));
    assert_eq!(sum.out_of_pocket_remaining, Some(dec("3200")));
    let out = r.summary(&["AD"], false);
    assert_eq!(out.out_of_pocket_total, Some(dec("10000")));
    assert_eq!(out.out_of_pocket_remaining, None);
}

#[test]
fn in_and_out_of_network_and_not_applicable() {
    let read = fixture("network.x12");
    let r = only(&read);
    // EB12 W: not applicable, None (applies to both).
    assert_eq!(r.benefits[7].in_network, None);
    let inn = r.summary(&["AD"], true);
    assert_eq!(
        (inn.copay, inn.coinsurance, inn.deductible_total),
        (Some(dec("30")), Some(dec("0")), Some(dec("500")))
    );
    assert!(inn.in_network);
    let out = r.summary(&["AD"], false);
    assert_eq!(
        (out.copay, out.coinsurance, out.deductible_total),
        (Some(dec("0")), Some(dec("0.5")), Some(dec("2000")))
    );
    assert!(!out.in_network);
}

#[test]
fn visit_limit_and_remaining() {
    let read = fixture("visit-limit.x12");
    let r = only(&read);
    let limit = &r.benefits[1];
    assert_eq!(limit.kind, BenefitKind::Limitations);
    assert_eq!(limit.quantity_qualifier.as_deref(), Some("VS"));
    assert_eq!(limit.quantity, Some(dec("20")));
    assert_eq!(limit.time_period, Some(TimePeriod::CalendarYear));
    let sum = r.summary(&["AD"], true);
    assert_eq!(
        (sum.visit_limit, sum.visits_remaining),
        (Some(20), Some(12))
    );
    assert_eq!(sum.messages, ["OT, PT AND ST VISITS COMBINED"]);
    // PT has its own limit; OT's are not used for it.
    let pt = r.summary(&["PT"], true);
    assert_eq!((pt.visit_limit, pt.visits_remaining), (Some(40), None));
}

#[test]
fn visit_limit_from_hsd() {
    let read = fixture("visit-limit-hsd.x12");
    let r = only(&read);
    let b = &r.benefits[1];
    assert_eq!(b.delivery.len(), 1);
    assert_eq!(b.delivery[0].time_period, Some(TimePeriod::ServiceYear));
    assert_eq!(
        b.limit,
        Some((dec("30"), "30 visits per service year".to_string()))
    );
    assert_eq!(
        r.benefits[2].limit.as_ref().map(|l| l.1.as_str()),
        Some("3 visits per week for 6 months")
    );
    let sum = r.summary(&["AD"], true);
    assert_eq!(sum.visit_limit, Some(30));
    assert_eq!(sum.visits_remaining, None);
}

#[test]
fn authorization_required() {
    let read = fixture("authorization.x12");
    let r = only(&read);
    assert_eq!(r.benefits[0].authorization_required, Some(true));
    assert_eq!(r.benefits[0].in_network, Some(true));
    assert_eq!(r.benefits[1].authorization_required, None);
    let sum = r.summary(&["AD"], true);
    assert_eq!(sum.authorization_required, Some(true));
    assert_eq!(
        sum.messages,
        ["PRIOR AUTHORIZATION REQUIRED AFTER THE EVALUATION"]
    );
    // Out of network the EB12 Y loop does not apply.
    assert_eq!(r.summary(&["AD"], false).authorization_required, None);
}

#[test]
fn service_types_with_repetition_separators() {
    let read = fixture("service-types.x12");
    let r = only(&read);
    assert_eq!(r.benefits[0].service_types, ["1", "30", "AD", "PT", "33"]);
    assert_eq!(r.benefits[1].service_types, ["AD", "PT"]);
    assert_eq!(r.benefits[2].service_types, ["1", "33"]);
    assert_eq!(r.benefits[3].kind, BenefitKind::BenefitDescription);
    assert_eq!(r.benefits[3].procedure.as_deref(), Some("HC:97530"));
    assert_eq!(r.summary(&["AD"], true).copay, Some(dec("35")));
    assert_eq!(r.summary(&["1"], true).copay, Some(dec("20")));
    // "33" (chiropractic) first, then "AD": the 33 copay wins.
    assert_eq!(r.summary(&["33", "AD"], true).copay, Some(dec("20")));
    // Asked for neither: no plan-level copay exists.
    assert_eq!(r.summary(&["98"], true).copay, None);
}

#[test]
fn ls_le_loops_name_the_related_entities() {
    let read = fixture("ls-le-entities.x12");
    let r = only(&read);
    assert_eq!(r.benefits[1].kind, BenefitKind::PrimaryCareProvider);
    assert_eq!(
        r.benefits[1].related_entities,
        ["Primary Care Provider: JONES, MARCUS"]
    );
    let other = &r.benefits[2];
    assert_eq!(other.kind, BenefitKind::OtherOrAdditionalPayor);
    assert_eq!(other.insurance_type.as_deref(), Some("MB"));
    assert_eq!(
        other.references,
        [("IG".to_string(), "123456789A".to_string())]
    );
    assert_eq!(other.related_entities, ["Primary Payer: MEDICARE PART B"]);
    assert_eq!(other.messages, ["MEDICARE IS PRIMARY"]);
    assert_eq!(r.summary(&["AD"], true).messages, ["MEDICARE IS PRIMARY"]);
}

#[test]
fn rejection_at_the_payer_level() {
    let read = fixture("reject-2100a.x12");
    let r = only(&read);
    assert_eq!(r.payer_name.as_deref(), Some("ACME HEALTH PLAN"));
    assert_eq!(r.subscriber, Default::default());
    assert_eq!(r.rejections.len(), 1);
    let j = &r.rejections[0];
    assert_eq!(j.level, "2100A");
    assert_eq!(j.valid, Some(true));
    assert_eq!(j.code, "42");
    assert_eq!(j.reason, "Unable to Respond at Current Time");
    assert_eq!(j.follow_up.as_deref(), Some("Resubmission Allowed"));
    let sum = r.summary(&["AD"], true);
    assert_eq!(sum.active, None);
}

#[test]
fn rejections_at_the_subscriber_level() {
    for (name, code, reason) in [
        (
            "reject-2100c-72.x12",
            "72",
            "Invalid/Missing Subscriber/Insured ID",
        ),
        ("reject-2100c-75.x12", "75", "Subscriber/Insured Not Found"),
    ] {
        let read = fixture(name);
        let r = only(&read);
        assert!(r.trace.is_some(), "{name}");
        assert!(r.benefits.is_empty());
        assert_eq!(r.rejections.len(), 1, "{name}");
        let j = &r.rejections[0];
        assert_eq!(
            (j.level.as_str(), j.code.as_str(), j.reason.as_str()),
            ("2100C", code, reason)
        );
        assert_eq!(j.follow_up.as_deref(), Some("Please Correct and Resubmit"));
        assert_eq!(r.summary(&["AD"], true).active, None);
    }
}

#[test]
fn dependent_loop() {
    let read = fixture("dependent.x12");
    let r = only(&read);
    assert_eq!(r.trace.as_deref(), Some("ELIG-1016"));
    assert_eq!(r.subscriber.member_id.as_deref(), Some("11122333301"));
    assert_eq!(r.subscriber.group_number.as_deref(), Some("GRP12345"));
    let d = r.dependent.as_ref().expect("dependent");
    assert_eq!(
        (d.last.as_deref(), d.first.as_deref()),
        (Some("SMITH"), Some("MARY"))
    );
    assert_eq!(d.member_id, None);
    assert_eq!(d.birth_date, Some(common::day(2015, 3, 17)));
    assert_eq!(d.relationship.as_deref(), Some("19"));
    assert_eq!(d.plan_begin, Some(common::day(2026, 1, 1)));
    assert_eq!(r.benefits.len(), 3);
    let sum = r.summary(&["AD"], true);
    assert_eq!(sum.active, Some(true));
    assert_eq!(sum.copay, Some(dec("20")));
    assert_eq!(sum.visit_limit, Some(24));
    // The dependent's plan begin, not the subscriber's (which has none).
    assert_eq!(sum.plan_begin, Some(common::day(2026, 1, 1)));
}

#[test]
fn several_subscribers_and_transactions() {
    let read = fixture("multiple-subscribers.x12");
    assert_eq!(read.responses.len(), 4);
    let traces: Vec<_> = read
        .responses
        .iter()
        .map(|r| r.trace.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(traces, ["ELIG-2001", "ELIG-2002", "ELIG-2003", "ELIG-2004"]);
    let active: Vec<_> = read
        .responses
        .iter()
        .map(|r| r.summary(&["AD"], true).active)
        .collect();
    assert_eq!(active, [Some(true), Some(false), None, Some(true)]);
    assert_eq!(read.responses[2].rejections[0].code, "75");
    let last = &read.responses[3];
    assert_eq!(last.payer_name.as_deref(), Some("OTHER HEALTH"));
    assert_eq!(last.provider_name.as_deref(), Some("TAYLOR, ANN"));
    assert_eq!(last.subscriber.member_id.as_deref(), Some("W123456789"));
}

#[test]
fn json_is_what_the_cli_prints() {
    let read = fixture("visit-limit.x12");
    let json = serde_json::to_value(&read).expect("serialize");
    let b = &json["responses"][0]["benefits"][1];
    assert_eq!(b["kind"], "limitations");
    assert_eq!(b["time_period"], "calendar_year");
    assert_eq!(b["quantity"], "20");
    assert_eq!(b["service_types"], serde_json::json!(["AD"]));
    let bad = read_271(b"ISA*00*          *00*          *ZZ*P              *ZZ*C              *261203*1200*^*00501*000000001*0*T*:~GS*HB*P*C*20261203*1200*1*X*005010X279A1~ST*271*0001~HL*1**20*1~NM1*PR*2*P~HL*2*1*21*1~NM1*1P*2*C~HL*3*2*22*0~NM1*IL*1*A~EB*ZZ~SE*9*0001~GE*1*1~IEA*1*000000001~");
    let json = serde_json::to_value(&bad).expect("serialize");
    assert_eq!(
        json["responses"][0]["benefits"][0]["kind"],
        serde_json::json!({"other": "ZZ"})
    );
    assert_eq!(json["findings"][0]["code"], "271-EB01-UNKNOWN");
    assert_eq!(json["findings"][0]["position"]["segment"], 10);
}

#[test]
fn the_table_shows_who_plan_status_benefits_and_rejections() {
    let table = render_table(&fixture("multiple-subscribers.x12"));
    for want in [
        "response 1",
        "SMITH, ROBERT (member 11122333301)",
        "GOLD PPO 500",
        "status      active",
        "status      inactive",
        "Co-Payment 25, for AD, individual, visit, in network",
        "2100C 75: Subscriber/Insured Not Found (Please Correct and Resubmit)",
        "response 4",
    ] {
        assert!(table.contains(want), "{want:?} missing from:\n{table}");
    }
    let table = render_table(&read_271(b"nonsense"));
    assert!(table.contains("no eligibility responses"), "{table}");
    assert!(table.contains("271-NONE"), "{table}");
}

const HEAD: &str = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*CLINIC         *261203*1200*^*00501*000000001*0*T*:~GS*HB*PAYER*CLINIC*20261203*1200*1*X*005010X279A1~";

#[test]
fn unknown_qualifiers_are_findings_and_the_benefit_is_kept() {
    let input = format!(
        "{HEAD}ST*271*0001*005010X279A1~BHT*0022*11*1*20261203~HL*1**20*1~NM1*PR*2*ACME*****PI*1~\
         HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1234567893~HL*3*2*22*0~NM1*IL*1*SMITH****MI*M1~\
         EB*QQ*IND*AD***99*1O.00**VS*X*Z*Q~AAA*N**ZZ*Q~LE*2120~SE*12*0001~GE*1*1~IEA*1*000000001~"
    );
    let read = read_271(input.as_bytes());
    let r = only(&read);
    let b = &r.benefits[0];
    assert_eq!(b.kind, BenefitKind::Other("QQ".into()));
    assert_eq!(b.kind.code(), "QQ");
    assert_eq!(b.time_period, Some(TimePeriod::Other("99".into())));
    assert_eq!((b.amount, b.quantity), (None, None));
    assert_eq!((b.authorization_required, b.in_network), (None, None));
    let j = &r.rejections[0];
    assert_eq!(j.level, "2110C");
    assert_eq!(j.valid, Some(false));
    assert_eq!(j.reason, "unknown AAA reason ZZ");
    assert_eq!(j.follow_up.as_deref(), Some("Q"));
    let mut got = codes(&read);
    got.sort();
    assert_eq!(
        got,
        [
            "271-AAA03-UNKNOWN",
            "271-AAA04-UNKNOWN",
            "271-EB01-UNKNOWN",
            "271-LE-UNPAIRED",
            "271-NUMBER",
            "271-NUMBER",
            "271-PERIOD-UNKNOWN",
            "271-YES-NO",
            "271-YES-NO",
        ]
    );
    // Every finding names the segment: EB is segment 11, AAA 12, LE 13.
    for f in &read.findings {
        let seg = f.position.expect("a position").segment;
        assert!((11..=13).contains(&seg), "{f}");
    }
    let eb = read
        .findings
        .iter()
        .find(|f| f.code == "271-EB01-UNKNOWN")
        .expect("EB01 finding");
    assert_eq!(eb.severity, Severity::Warning);
    assert_eq!(eb.position.map(|p| p.segment), Some(11));
}

#[test]
fn an_unclosed_ls_is_a_finding() {
    let input = format!(
        "{HEAD}ST*271*0001*005010X279A1~BHT*0022*11*1*20261203~HL*1**20*1~NM1*PR*2*ACME*****PI*1~\
         HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1234567893~HL*3*2*22*0~NM1*IL*1*SMITH****MI*M1~\
         EB*L~LS*2120~NM1*P3*1*JONES~EB*1~SE*13*0001~GE*1*1~IEA*1*000000001~"
    );
    let read = read_271(input.as_bytes());
    assert_eq!(codes(&read), ["271-LS-UNPAIRED"]);
    assert_eq!(read.findings[0].position.map(|p| p.segment), Some(12));
    let r = only(&read);
    assert_eq!(r.benefits.len(), 2);
    assert_eq!(
        r.benefits[0].related_entities,
        ["Primary Care Provider: JONES"]
    );
}

#[test]
fn a_truncated_271_gives_findings_naming_the_segment() {
    let full = fixture_bytes("deductible.x12");
    let text = String::from_utf8(full).expect("ASCII");
    let cut = text.find("EB*C*IND*30***29*600").expect("EB") + 10;
    let read = read_271(&text.as_bytes()[..cut]);
    let got = codes(&read);
    assert!(got.contains(&"271-TRUNCATED"), "{got:?}");
    assert!(got.contains(&"X12-UNTERMINATED"), "{got:?}");
    let truncated = read
        .findings
        .iter()
        .find(|f| f.code == "271-TRUNCATED")
        .expect("finding");
    // The last segment read is the cut EB, segment 16 of the file.
    assert_eq!(truncated.position.map(|p| p.segment), Some(16));
    assert!(truncated.message.contains("segment 16"), "{truncated}");
    // What came before the cut is still there.
    let r = only(&read);
    assert_eq!(r.benefits.len(), 4);
}

#[test]
fn a_ta1_or_no_isa_gives_findings() {
    let ta1 = format!(
        "{}TA1*000000001*261203*1200*R*022~IEA*0*000000001~",
        &HEAD[..HEAD.find("GS*").expect("GS")]
    );
    let read = read_271(ta1.as_bytes());
    assert!(read.responses.is_empty());
    let got = codes(&read);
    assert!(
        got.contains(&"271-TA1") && got.contains(&"271-NONE"),
        "{got:?}"
    );
    let no_isa = b"ST*271*0001~HL*1**20*1~NM1*PR*2*ACME~AAA*Y**42*R~SE*5*0001~";
    let read = read_271(no_isa);
    assert!(!read.findings.is_empty());
    let r = only(&read);
    assert_eq!(r.rejections[0].code, "42");
    for input in [&b""[..], b"~~~", b"ISA*", b"\xFF\xFE", b"HL*1**99*1~EB*1~"] {
        let read = read_271(input);
        assert!(!read.findings.is_empty(), "{input:?}");
    }
}

#[test]
fn a_second_dependent_is_a_response_of_its_own() {
    let input = format!(
        "{HEAD}ST*271*0001*005010X279A1~BHT*0022*11*1*20261203~HL*1**20*1~NM1*PR*2*ACME*****PI*1~\
         HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1234567893~HL*3*2*22*1~NM1*IL*1*SMITH*ROBERT****MI*M1~\
         EB*1**30~HL*4*3*23*0~TRN*2*T-MARY*9~NM1*03*1*SMITH*MARY~EB*1**AD~\
         HL*5*3*23*0~TRN*2*T-JOHN*9~NM1*03*1*SMITH*JOHN~AAA*Y**67*C~SE*18*0001~GE*1*1~IEA*1*000000001~"
    );
    let read = read_271(input.as_bytes());
    assert_eq!(codes(&read), ["271-SUBSCRIBER-BENEFITS"]);
    assert_eq!(read.responses.len(), 2);
    let (mary, john) = (&read.responses[0], &read.responses[1]);
    assert_eq!(mary.trace.as_deref(), Some("T-MARY"));
    assert_eq!(mary.benefits.len(), 1);
    assert_eq!(mary.benefits[0].service_types, ["AD"]);
    assert_eq!(john.trace.as_deref(), Some("T-JOHN"));
    assert_eq!(john.subscriber.member_id.as_deref(), Some("M1"));
    assert_eq!(
        john.dependent.as_ref().and_then(|d| d.first.as_deref()),
        Some("JOHN")
    );
    assert_eq!(john.rejections[0].level, "2100D");
    assert_eq!(john.rejections[0].reason, "Patient Not Found");
    assert!(mary.rejections.is_empty());
}

#[test]
fn an_unknown_hl_level_is_skipped_up_to_the_next_hl() {
    let input = format!(
        "{HEAD}ST*271*0001*005010X279A1~BHT*0022*11*1*20261203~HL*1**20*1~NM1*PR*2*ACME*****PI*1~\
         HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1234567893~HL*3*2*99*0~EB*1~NM1*XX*1*NOBODY~\
         HL*4*2*22*0~NM1*IL*1*SMITH****MI*M1~EB*6~SE*13*0001~GE*1*1~IEA*1*000000001~"
    );
    let read = read_271(input.as_bytes());
    assert_eq!(codes(&read), ["271-HL03"]);
    assert_eq!(read.findings[0].position.map(|p| p.segment), Some(9));
    let r = only(&read);
    assert_eq!(r.subscriber.last.as_deref(), Some("SMITH"));
    assert_eq!(r.benefits.len(), 1);
    assert_eq!(r.benefits[0].kind, BenefitKind::Inactive);
}

/// `../shared/x12-samples/`, which must exist (a missing folder fails the test).
fn samples_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/x12-samples");
    assert!(
        dir.is_dir(),
        "{} is missing: the shared X12 samples sit beside the repository",
        dir.display()
    );
    dir
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_shared_sample_reads_without_panic() {
    let mut files = Vec::new();
    files_under(&samples_dir(), &mut files);
    assert!(files.len() >= 80, "only {} files", files.len());
    let mut not_271 = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("sample");
        let read = read_271(&bytes);
        let decoded = otbill_x12::decode(&bytes);
        for f in &read.findings {
            if let Some(p) = f.position {
                assert!(p.offset < decoded.len().max(1), "{}: {f}", path.display());
            }
        }
        // None of them is a 271 (there are no 271 samples), and each says so.
        not_271 += usize::from(read.findings.iter().any(|f| f.code == "271-NONE"));
        assert!(read.responses.is_empty(), "{}", path.display());
    }
    assert_eq!(not_271, files.len());
}

#[test]
fn a_written_270_reads_back_with_no_envelope_findings() {
    let requests = common::batch(60);
    let out = write_270(&requests, &common::envelope()).expect("write");
    assert_eq!(otbill_x12::check(out.as_bytes()), vec![]);
    let mut reader = otbill_x12::Reader::new(out.as_bytes());
    let mut traces = Vec::new();
    let mut hl = 0;
    for seg in reader.by_ref() {
        match seg.id() {
            "TRN" => traces.push(seg.str(2).to_string()),
            "HL" => {
                hl += 1;
                assert_eq!(seg.str(1), hl.to_string());
            }
            _ => {}
        }
    }
    assert!(reader.findings().is_empty(), "{:?}", reader.findings());
    traces.sort();
    let mut want: Vec<String> = requests.iter().map(|r| r.trace.clone()).collect();
    want.sort();
    assert_eq!(traces, want);
    // And our own 271 reader says it is no 271, without panicking.
    assert!(codes(&read_271(out.as_bytes())).contains(&"271-NOT-271"));
}

#[test]
fn write_errors_name_the_request_and_the_field() {
    let env = common::envelope();
    let mut bad = common::batch(3);
    bad[2].subscriber.member_id = String::new();
    let e = write_270(&bad, &env).expect_err("empty member id");
    assert!(
        matches!(
            e,
            WriteError::Field {
                index: 2,
                field: "subscriber.member_id",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.to_string(), "requests[2].subscriber.member_id: is empty");
    let mut bad = common::batch(2);
    bad[1].subscriber.last = "O*NEIL".into();
    let e = write_270(&bad, &env).expect_err("delimiter");
    assert_eq!(
        e.to_string(),
        "requests[1].subscriber.last: value \"O*NEIL\" contains the delimiter '*'"
    );
    let mut bad = common::batch(5);
    bad[4].dependent.as_mut().expect("dependent").first = "MA~RY".into();
    let e = write_270(&bad, &env).expect_err("delimiter");
    assert!(
        e.to_string().starts_with("requests[4].dependent.first:"),
        "{e}"
    );
    let mut bad = common::batch(1);
    bad[0].provider_npi = "1234567890".into();
    let e = write_270(&bad, &env).expect_err("npi");
    assert!(
        e.to_string().starts_with("requests[0].provider_npi:"),
        "{e}"
    );
    let mut bad = common::batch(1);
    bad[0].service_types = vec!["ad".into()];
    assert!(matches!(
        write_270(&bad, &env),
        Err(WriteError::Field {
            field: "service_types",
            ..
        })
    ));
    let mut bad = common::batch(1);
    bad[0].subscriber.gender = Some('X');
    assert!(matches!(
        write_270(&bad, &env),
        Err(WriteError::Field {
            field: "subscriber.gender",
            ..
        })
    ));
    assert!(matches!(write_270(&[], &env), Err(WriteError::NoRequests)));
    let e = write_270(
        &common::batch(1),
        &otbill_elig::Envelope {
            time: "2500".into(),
            ..env.clone()
        },
    )
    .expect_err("time");
    assert_eq!(e.to_string(), "envelope.time: \"2500\" is not HHMM");
    let e = write_270(
        &common::batch(1),
        &otbill_elig::Envelope {
            sender_id: "A:B".into(),
            ..env.clone()
        },
    )
    .expect_err("delimiter in the envelope");
    assert!(e.to_string().starts_with("envelope.sender_id:"), "{e}");
    let e = write_270(
        &common::batch(1),
        &otbill_elig::Envelope {
            receiver_id: "A234567890123456".into(),
            ..env
        },
    )
    .expect_err("too long");
    assert!(e.to_string().starts_with("envelope.receiver_id:"), "{e}");
}

#[test]
fn the_270_layout() {
    let out = write_270(&[common::dependent_request(7)], &common::envelope()).expect("write");
    let segs: Vec<&str> = out.split('~').filter(|s| !s.is_empty()).collect();
    assert_eq!(
        &segs[2..segs.len() - 2],
        [
            "ST*270*0001*005010X279A1",
            "BHT*0022*13*17*20261203*1200",
            "HL*1**20*1",
            "NM1*PR*2*ACME HEALTH PLAN*****PI*842610001",
            "HL*2*1*21*1",
            "NM1*1P*2*BONE AND JOINT CLINIC*****XX*1234567893",
            "HL*3*2*22*1",
            "NM1*IL*1*SMITH*ROBERT****MI*M000000007",
            "DMG*D8*19430519*M",
            "HL*4*3*23*0",
            "TRN*1*ELIG-00007*9123456789",
            "NM1*03*1*SMITH*MARY",
            "DMG*D8*20150317*F",
            "DTP*291*D8*20261203",
            "EQ*AD",
            "EQ*30",
            "EQ*1",
            "SE*18*0001",
        ]
    );
    assert!(segs[0].starts_with("ISA*00*          *00*          *ZZ*BONEJOINT      *"));
    assert_eq!(segs[0].len(), 105);
    assert!(segs[0].ends_with("*000000017*0*T*:"));
    assert_eq!(
        segs[1],
        "GS*HS*BONEJOINT*ACMEHEALTH*20261203*1200*17*X*005010X279A1"
    );
    let mut person = common::request(1);
    person.provider_name = "TAYLOR".into();
    person.provider_first = Some("ANN".into());
    person.service_types.clear();
    person.subscriber.birth_date = None;
    let out = write_270(&[person], &common::envelope()).expect("write");
    assert!(
        out.contains("~NM1*1P*1*TAYLOR*ANN****XX*1234567893~"),
        "{out}"
    );
    assert!(out.contains("~EQ*30~"), "{out}");
    assert!(!out.contains("DMG"), "{out}");
}

fn all_fixtures() -> Vec<Vec<u8>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixture_path(""))
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "x12"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read(p).expect("fixture"))
        .collect()
}

/// Positions of every finding lie within the (decoded) input.
fn positions_within(input: &[u8], read: &Read271) -> Result<(), TestCaseError> {
    let len = otbill_x12::decode(input).len();
    for f in &read.findings {
        if let Some(p) = f.position {
            prop_assert!(p.offset <= len, "{f} beyond {len} bytes");
            prop_assert!(p.segment >= 1, "{f}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn byte_flips_never_panic(
        file in 0usize..17,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let fixtures = all_fixtures();
        let mut input = fixtures[file % fixtures.len()].clone();
        for (at, byte) in flips {
            let i = at.index(input.len());
            input[i] = byte;
        }
        let read = read_271(&input);
        positions_within(&input, &read)?;
        let _ = render_table(&read);
        for r in &read.responses {
            let _ = r.summary(&["AD", "30"], true);
        }
    }

    #[test]
    fn truncations_never_panic_and_are_reported(file in 0usize..17, cut in any::<prop::sample::Index>()) {
        let fixtures = all_fixtures();
        let full = &fixtures[file % fixtures.len()];
        let len = cut.index(full.len());
        let input = &full[..len];
        let read = read_271(input);
        positions_within(input, &read)?;
        // Cut before the end of the last segment: something must be reported.
        if full[len..].iter().any(|b| !b.is_ascii_whitespace()) {
            prop_assert!(!read.findings.is_empty(), "cut at {len} of {}", full.len());
        }
    }

    #[test]
    fn inserted_delimiters_never_panic(
        file in 0usize..17,
        inserts in proptest::collection::vec(
            (any::<prop::sample::Index>(), prop::sample::select(vec![b'*', b':', b'^', b'~', b'\n'])),
            1..10,
        ),
    ) {
        let fixtures = all_fixtures();
        let mut input = fixtures[file % fixtures.len()].clone();
        for (at, byte) in inserts {
            let i = at.index(input.len() + 1);
            input.insert(i, byte);
        }
        let read = read_271(&input);
        positions_within(&input, &read)?;
        for r in &read.responses {
            let _ = r.summary(&["AD"], false);
        }
    }
}
