//! Eligibility and payer rules in the ledger, on SQLite and PostgreSQL: 270 requests
//! written and recorded, 271 responses matched and kept exactly once (or refused whole),
//! the latest benefits, and payer rule sets that change how a visit is claimed.

mod common;

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use otbill_scrub::PayerRules;
use otbill_store::records::{PayerKey, Visit, VisitService};
use otbill_store::sql::Value;
use otbill_store::{demo, Error, Store};

both!(
    request_270_for_self_and_dependent_passes_pyx12_and_is_recorded,
    a_271_matched_by_trace_is_kept_once_and_read_back,
    a_271_for_nobody_or_truncated_stores_nothing,
    a_271_without_trace_matches_by_payer_and_member_id,
    another_practice_cannot_match_our_trace,
    payer_rules_are_dated_audited_and_refused_when_contradictory,
    unit_method_rule_changed_mid_year_applies_from_its_date,
    visit_limit_of_the_payer_blocks_the_claim_when_reached,
    benefits_feed_the_scrub_and_the_estimate,
    the_secondary_payers_rule_applies_only_when_the_primarys_says_so,
);

fn today() -> NaiveDate {
    otbill_store::today()
}

fn filled(url: &str) -> Store {
    let mut s = Store::open(url).unwrap();
    s.set_actor("tester");
    demo::fill(&mut s, today()).unwrap();
    s
}

fn count(s: &mut Store, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    s.raw_query(&sql, &[]).unwrap()[0].int(0)
}

fn patient(s: &mut Store, account: &str) -> i64 {
    s.patient_id_by_account(account).unwrap().unwrap()
}

/// A 271 answering `trace` (or none) for a subscriber, with the benefit lines given.
fn response_271(trace: Option<&str>, payer: &str, member: &str, ebs: &[&str]) -> String {
    let mut body = vec![
        "ST*271*0001*005010X279A1".to_owned(),
        "BHT*0022*11*1*20261203*1310".to_owned(),
        "HL*1**20*1".to_owned(),
        format!("NM1*PR*2*THE PAYER*****PI*{payer}"),
        "HL*2*1*21*1".to_owned(),
        "NM1*1P*2*BRIGHT HANDS OCCUPATIONAL THERAPY LLC*****XX*1234567893".to_owned(),
        "HL*3*2*22*0".to_owned(),
    ];
    if let Some(t) = trace {
        body.push(format!("TRN*2*{t}*9123456789"));
    }
    body.push(format!("NM1*IL*1*DOE*JANE****MI*{member}"));
    body.extend(ebs.iter().map(|e| (*e).to_owned()));
    let n = body.len() + 1;
    body.push(format!("SE*{n}*0001"));
    format!(
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*BRIGHTHANDSOT  *261203*1310*^*00501*000000077*0*T*:~\
         GS*HB*CLEARHOUSE01*BRIGHTHANDSOT*20261203*1310*77*X*005010X279A1~{}~GE*1*77~IEA*1*000000077~",
        body.join("~")
    )
}

fn request_270_for_self_and_dependent_passes_pyx12_and_is_recorded(url: &str) {
    let mut s = filled(url);
    let out = tempfile::tempdir().unwrap();
    // A1001 is her own subscriber; A1006 is a child on a parent's plan (2000D).
    let ids = [patient(&mut s, "A1001"), patient(&mut s, "A1006")];
    let req = s
        .request_eligibility(out.path(), &ids, 1, today(), &[])
        .unwrap();
    assert_eq!(req.checks.len(), 2);
    let text = std::fs::read_to_string(&req.file).unwrap();
    assert!(text.contains("EQ*AD~"), "{text}");
    assert!(text.contains("*23*0~"), "no dependent HL: {text}");
    assert!(text.contains(&format!("TRN*1*{}*", req.checks[0].trace)));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../otbill-elig/tests/pyx12_check.py");
    let run = Command::new("python3")
        .arg(&script)
        .arg(&req.file)
        .output()
        .expect("python3");
    let said =
        String::from_utf8_lossy(&run.stdout).into_owned() + &String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "pyx12 refused our 270:\n{said}");
    assert!(said.contains("total 0 errors"), "{said}");
    assert_eq!(count(&mut s, "eligibility_checks"), 2);
    // Its ISA13 came from the practice's interchange counter: the next one is higher.
    let again = s
        .request_eligibility(out.path(), &ids[..1], 1, today(), &["1".into()])
        .unwrap();
    assert!(again.interchange_control > req.interchange_control);
    // A service type that is not one is refused before anything is written.
    let before = count(&mut s, "eligibility_checks");
    let bad = s.request_eligibility(out.path(), &ids[..1], 1, today(), &["ABC".into()]);
    assert!(
        matches!(bad, Err(Error::Invalid { ref field, .. }) if field == "service_types[0]"),
        "{bad:?}"
    );
    assert_eq!(count(&mut s, "eligibility_checks"), before);
}

fn a_271_matched_by_trace_is_kept_once_and_read_back(url: &str) {
    let mut s = filled(url);
    let out = tempfile::tempdir().unwrap();
    let pid = patient(&mut s, "A1003");
    let req = s
        .request_eligibility(out.path(), &[pid], 1, today(), &[])
        .unwrap();
    let trace = &req.checks[0].trace;
    let r = response_271(
        Some(trace),
        "60054",
        "W0007375",
        &[
            "EB*1*IND*30^AD**GOLD PPO",
            "EB*B*IND*AD***27*25",
            "EB*C*IND*30***23*1500",
            "EB*C*IND*30***29*400",
            "EB*F*IND*AD***23***VS*30",
            "EB*F*IND*AD***29***VS*24",
            "EB*CB*IND*AD********Y",
        ],
    );
    let posted = s.post_271(r.as_bytes()).unwrap();
    assert!(!posted.already_posted);
    assert_eq!(posted.stored.len(), 1);
    assert_eq!(posted.stored[0].matched_by, "trace");
    assert_eq!(posted.stored[0].status, "active");
    let again = s.post_271(r.as_bytes()).unwrap();
    assert!(again.already_posted && again.stored.is_empty());
    assert_eq!(count(&mut s, "eligibility_responses"), 1);
    let b = s.latest_benefits(pid, 1, today()).unwrap().unwrap();
    assert_eq!(b.summary.plan_name.as_deref(), Some("GOLD PPO"));
    assert_eq!(b.summary.copay, Some(25.into()));
    assert_eq!(b.summary.deductible_remaining, Some(400.into()));
    assert_eq!(b.summary.visits_remaining, Some(24));
    assert_eq!(b.summary.authorization_required, Some(true));
    assert!(!b.stale(today()));
    assert!(b.stale(today() + chrono::Days::new(31)));
    let scrub = b.for_scrub();
    assert_eq!(scrub.visits_remaining, Some(24));
    assert_eq!(scrub.authorization_required, Some(true));
}

fn a_271_for_nobody_or_truncated_stores_nothing(url: &str) {
    let mut s = filled(url);
    let nobody = response_271(None, "60054", "NOSUCHMEMBER", &["EB*1*IND*30"]);
    let e = s.post_271(nobody.as_bytes()).unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    let good = response_271(None, "60054", "W0007375", &["EB*1*IND*30"]);
    let cut = &good[..good.find("SE*").unwrap()];
    let e = s.post_271(cut.as_bytes()).unwrap_err();
    let Error::Invalid { field, message } = e else {
        panic!("{e:?}")
    };
    assert_eq!(field, "271");
    assert!(message.contains("segment"), "names no segment: {message}");
    assert_eq!(count(&mut s, "eligibility_files"), 0);
    assert_eq!(count(&mut s, "eligibility_responses"), 0);
}

fn a_271_without_trace_matches_by_payer_and_member_id(url: &str) {
    let mut s = filled(url);
    let r = response_271(None, "60054", "W0007375", &["EB*6*IND*30"]);
    let posted = s.post_271(r.as_bytes()).unwrap();
    assert_eq!(posted.stored[0].matched_by, "member id");
    assert_eq!(posted.stored[0].status, "inactive");
    assert_eq!(posted.stored[0].patient_id, patient(&mut s, "A1003"));
}

fn another_practice_cannot_match_our_trace(url: &str) {
    let mut s = filled(url);
    let out = tempfile::tempdir().unwrap();
    let pid = patient(&mut s, "A1003");
    let req = s
        .request_eligibility(out.path(), &[pid], 1, today(), &[])
        .unwrap();
    let b = s
        .create_practice("lakeside", "Lakeside OT", "2026-12-01T00:00:00Z")
        .unwrap();
    s.use_practice(b);
    demo::fill(&mut s, today()).unwrap();
    // Practice B has the same payer and member ids, but not the check: its member-id
    // match is its own patient, never practice A's.
    let r = response_271(
        Some(&req.checks[0].trace),
        "60054",
        "W0007375",
        &["EB*1*IND*30"],
    );
    let posted = s.post_271(r.as_bytes()).unwrap();
    assert_eq!(posted.stored[0].matched_by, "member id");
    let b_patient = patient(&mut s, "A1003");
    assert_ne!(b_patient, pid);
    assert_eq!(posted.stored[0].patient_id, b_patient);
}

fn medicare_rules(s: &mut Store) -> PayerRules {
    let r = common::rules();
    s.payer_rules_draft(PayerKey::PayerId("01112"), today(), &r.payers)
        .unwrap()
}

fn payer_rules_are_dated_audited_and_refused_when_contradictory(url: &str) {
    let mut s = filled(url);
    let base = medicare_rules(&mut s);
    assert_eq!(
        base,
        PayerRules::defaults_for(common::rules().payers.get("medicare").unwrap())
    );
    let july = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    let mut mid = base.clone();
    mid.timely_filing_days = 90;
    let first = s
        .set_payer_rules(PayerKey::PayerId("01112"), july, &mid, Some("contract"))
        .unwrap();
    mid.timely_filing_days = 120;
    let second = s
        .set_payer_rules(PayerKey::PayerId("01112"), july, &mid, None)
        .unwrap();
    let history = s.payer_rule_history(PayerKey::PayerId("01112")).unwrap();
    assert_eq!(
        history
            .iter()
            .map(|h| (h.id, h.current))
            .collect::<Vec<_>>(),
        vec![(first, false), (second, true)]
    );
    assert_eq!(history[0].created_by, "tester");
    let on = |s: &mut Store, d: NaiveDate| s.payer_rules_on(PayerKey::PayerId("01112"), d).unwrap();
    assert!(on(&mut s, july.pred_opt().unwrap()).is_none());
    assert_eq!(on(&mut s, july).unwrap().rules.timely_filing_days, 120);
    // A contradiction is refused with the field named, and nothing is stored.
    let mut bad = base.clone();
    bad.timely_filing_days = 0;
    let e = s
        .set_payer_rules(PayerKey::PayerId("01112"), july, &bad, None)
        .unwrap_err();
    assert!(
        matches!(e, Error::Invalid { ref field, .. } if field == "rules.timely_filing_days"),
        "{e:?}"
    );
    let e = PayerRules::from_json(
        &serde_json::to_string(&base)
            .unwrap()
            .replace("\"kx\":true", "\"kx\":true,\"x\":1"),
    )
    .unwrap_err();
    assert!(e.field.contains("modifiers"), "{e:?}");
    assert_eq!(
        s.payer_rule_history(PayerKey::PayerId("01112"))
            .unwrap()
            .len(),
        2
    );
    let unknown = s.set_payer_rules(PayerKey::PayerId("99999"), july, &base, None);
    assert!(matches!(unknown, Err(Error::NotFound(_))), "{unknown:?}");
}

/// A visit for A1001 (Medicare) of three timed codes of 10 minutes each, coded into a
/// claim; its units.
fn claim_units(s: &mut Store, date: NaiveDate) -> (bool, i64, Vec<String>) {
    let r = common::rules();
    let v = s
        .add_visit(&Visit {
            patient_account: "A1001".into(),
            provider_npi: "1345678902".into(),
            date,
            place_of_service: "11".into(),
            progress_report: false,
            services: ["97110", "97530", "97535"]
                .iter()
                .map(|c| VisitService {
                    code: (*c).into(),
                    minutes: Some(10),
                    assistant_minutes: None,
                })
                .collect(),
        })
        .unwrap();
    let o = s.claim_visit(v, &r.engine()).unwrap();
    let units = match o.claim_id {
        Some(id) => s
            .raw_query(
                "SELECT CAST(SUM(units) AS BIGINT) FROM claim_lines WHERE claim_id = $1",
                &[Value::Int(id)],
            )
            .unwrap()[0]
            .int(0),
        None => 0,
    };
    (
        o.blocked,
        units,
        o.findings.iter().map(|f| f.code.clone()).collect(),
    )
}

fn unit_method_rule_changed_mid_year_applies_from_its_date(url: &str) {
    let mut s = filled(url);
    let base = medicare_rules(&mut s);
    let day = today() - chrono::Days::new(2);
    let mut cpt = base.clone();
    cpt.unit_method = otbill_core::UnitMethod::CptMidpoint;
    s.set_payer_rules(PayerKey::PayerId("01112"), day, &cpt, None)
        .unwrap();
    let (_, before, _) = claim_units(&mut s, day - chrono::Days::new(1));
    let (_, after, findings) = claim_units(&mut s, day);
    // 30 timed minutes are 2 units in total (§20.2); each code's 10 minutes pass its
    // midpoint, 3 units by the CPT rule.
    assert_eq!((before, after), (2, 3));
    assert!(
        findings.iter().any(|f| f == "PAYER_RULES_APPLIED"),
        "{findings:?}"
    );
}

fn visit_limit_of_the_payer_blocks_the_claim_when_reached(url: &str) {
    let mut s = filled(url);
    let mut rules = medicare_rules(&mut s);
    let pid = patient(&mut s, "A1001");
    let used = s
        .raw_query(
            "SELECT COUNT(*) FROM claims WHERE patient_id = $1",
            &[Value::Int(pid)],
        )
        .unwrap()[0]
        .int(0);
    rules.visit_limit = Some(
        serde_json::from_value(serde_json::json!({"visits": used + 1, "reset": "01-01"})).unwrap(),
    );
    s.set_payer_rules(
        PayerKey::PayerId("01112"),
        today() - chrono::Days::new(30),
        &rules,
        None,
    )
    .unwrap();
    let (blocked, _, findings) = claim_units(&mut s, today() - chrono::Days::new(1));
    assert!(!blocked, "{findings:?}");
    let (blocked, _, findings) = claim_units(&mut s, today());
    assert!(blocked, "{findings:?}");
    assert!(
        findings.iter().any(|f| f == "PAYER_VISIT_LIMIT_REACHED"),
        "{findings:?}"
    );
}

fn benefits_feed_the_scrub_and_the_estimate(url: &str) {
    let mut s = filled(url);
    let r = response_271(
        None,
        "01112",
        "1EG4TE5MK0007301",
        &[
            "EB*1*IND*30",
            "EB*C*IND*30***29*50",
            "EB*A*IND*AD*****.2",
            "EB*F*IND*AD***29***VS*0",
        ],
    );
    s.post_271(r.as_bytes()).unwrap();
    let (blocked, _, findings) = claim_units(&mut s, today());
    assert!(blocked, "{findings:?}");
    assert!(
        findings.iter().any(|f| f == "ELIGIBILITY_VISITS_EXHAUSTED"),
        "{findings:?}"
    );
    let rules = common::rules();
    let claims = count(&mut s, "claims");
    let preview = s
        .preview_visit(
            &Visit {
                patient_account: "A1001".into(),
                provider_npi: "1345678902".into(),
                date: today(),
                place_of_service: "11".into(),
                progress_report: false,
                services: vec![VisitService {
                    code: "97530".into(),
                    minutes: Some(30),
                    assistant_minutes: None,
                }],
            },
            &rules.engine(),
        )
        .unwrap();
    let e = preview
        .scrubbed
        .estimate
        .expect("an estimate from the stored benefits");
    // $50 of deductible first, then 20% of the rest.
    let allowed = e.allowed.amount();
    let expected = rust_decimal::Decimal::from(50).min(allowed)
        + ((allowed - rust_decimal::Decimal::from(50)).max(rust_decimal::Decimal::ZERO)
            * rust_decimal::Decimal::new(2, 1))
        .round_dp(2);
    assert_eq!(e.patient.amount(), expected, "{e:?}");
    assert_eq!(preview.coded.unwrap().lines[0].units, 2);
    assert_eq!(count(&mut s, "claims"), claims, "a preview stores nothing");
}

fn the_secondary_payers_rule_applies_only_when_the_primarys_says_so(url: &str) {
    let mut s = filled(url);
    let r = common::rules();
    // A1001: Medicare primary, Regence (00851) secondary. Regence allows one visit a year.
    let mut regence = s
        .payer_rules_draft(PayerKey::PayerId("00851"), today(), &r.payers)
        .unwrap();
    regence.visit_limit =
        Some(serde_json::from_value(serde_json::json!({"visits": 1, "reset": "01-01"})).unwrap());
    let from = today() - chrono::Days::new(30);
    s.set_payer_rules(PayerKey::PayerId("00851"), from, &regence, None)
        .unwrap();
    let mut medicare = medicare_rules(&mut s);
    s.set_payer_rules(PayerKey::PayerId("01112"), from, &medicare, None)
        .unwrap();
    let first = claim_units(&mut s, today() - chrono::Days::new(2));
    let second = claim_units(&mut s, today() - chrono::Days::new(1));
    // Medicare's own rules win (coordination: primary): no limit.
    assert!(!first.0 && !second.0, "{first:?} {second:?}");
    medicare.coordination = serde_json::from_value(serde_json::json!("stricter")).unwrap();
    s.set_payer_rules(PayerKey::PayerId("01112"), from, &medicare, None)
        .unwrap();
    let (blocked, _, findings) = claim_units(&mut s, today());
    assert!(blocked, "{findings:?}");
    assert!(
        findings.iter().any(|f| f == "PAYER_VISIT_LIMIT_REACHED"),
        "{findings:?}"
    );
}
