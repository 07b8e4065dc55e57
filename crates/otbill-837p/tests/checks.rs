//! Each pre-submission rule, on a good claim broken one way at a time; and what the writer
//! does with the findings (refuse the claim, or the whole file).

use chrono::NaiveDate;
use otbill_837p::check::codes;
use otbill_837p::model::{Adjustment, Claim, ClaimFile, Frequency};
use otbill_837p::{check_file, load_json, synth, write_837p, Severity, WriteOptions};
use otbill_types::{Icd10, Modifier, Money};

fn good() -> ClaimFile {
    synth::claim_file(5, 3)
}

/// The error codes found after breaking claim 1 with `f`; asserts they concern claim 1.
#[track_caller]
fn errors_after(f: impl FnOnce(&mut Claim)) -> Vec<&'static str> {
    let mut file = good();
    f(&mut file.claims[1]);
    let findings = check_file(&file);
    for x in &findings {
        assert_eq!(x.claim, Some(1), "{x}");
    }
    findings
        .iter()
        .filter(|f| f.is_error())
        .map(|f| f.code)
        .collect()
}

#[test]
fn the_synthetic_file_is_clean() {
    assert_eq!(check_file(&synth::claim_file(9, 500)), vec![]);
}

#[test]
fn total_must_equal_sum_of_lines() {
    let codes_found =
        errors_after(|c| c.total_charge = c.total_charge + Money::parse("0.01").unwrap());
    assert_eq!(codes_found, [codes::TOTAL]);
}

#[test]
fn pointers_must_point_at_a_diagnosis() {
    let n = |c: &Claim| c.diagnoses.len() as u8;
    assert_eq!(
        errors_after(|c| c.lines[0].diagnosis_pointers = vec![n(c) + 1]),
        [codes::POINTER]
    );
    assert_eq!(
        errors_after(|c| c.lines[0].diagnosis_pointers = vec![0]),
        [codes::POINTER]
    );
    assert_eq!(
        errors_after(|c| c.lines[0].diagnosis_pointers = vec![]),
        [codes::POINTER]
    );
    assert_eq!(
        errors_after(|c| c.lines[0].diagnosis_pointers = vec![1, 1]),
        [codes::POINTER]
    );
}

#[test]
fn replacement_and_void_need_the_original_claim_number() {
    assert_eq!(
        errors_after(|c| c.frequency = Frequency::Replacement),
        [codes::FREQUENCY]
    );
    assert_eq!(
        errors_after(|c| c.frequency = Frequency::Void),
        [codes::FREQUENCY]
    );
    assert!(errors_after(|c| {
        c.frequency = Frequency::Void;
        c.original_claim_number = Some("2026123456789".into());
    })
    .is_empty());
}

#[test]
fn diagnoses_count_and_repeats() {
    assert_eq!(
        errors_after(|c| c.diagnoses.clear()).first(),
        Some(&codes::DIAGNOSES)
    );
    let dx = Icd10::parse("R27.8").unwrap();
    assert_eq!(
        errors_after(|c| c.diagnoses = vec![dx, dx]),
        [codes::DIAGNOSES]
    );
    let many: Vec<Icd10> = (10..23)
        .map(|i| Icd10::parse(&format!("M{i}")).unwrap())
        .collect();
    assert_eq!(errors_after(|c| c.diagnoses = many), [codes::DIAGNOSES]);
}

#[test]
fn line_rules() {
    assert_eq!(errors_after(|c| c.lines[0].units = 0), [codes::UNITS]);
    let five = ["GO", "KX", "59", "XU", "CO"].map(|m| Modifier::parse(m).unwrap());
    assert_eq!(
        errors_after(|c| c.lines[0].modifiers = five.to_vec()),
        [codes::MODIFIERS]
    );
    let neg = |c: &mut Claim| {
        c.lines[0].charge = Money::parse("-5").unwrap();
        c.total_charge = c.lines.iter().map(|l| l.charge).sum();
    };
    assert_eq!(errors_after(neg), [codes::AMOUNT]);
    assert_eq!(
        errors_after(|c| c.lines.clear()),
        [codes::LINES, codes::TOTAL]
    );
    assert_eq!(
        errors_after(|c| c.place_of_service = "1".into()),
        [codes::CODE]
    );
    assert_eq!(
        errors_after(|c| c.patient_control_number = "X".repeat(21)),
        [codes::LENGTH]
    );
    assert_eq!(
        errors_after(|c| c.lines[0].line_control_number = "A*B".into()),
        [codes::CHARSET]
    );
    assert_eq!(
        errors_after(|c| c.lines[0].service_date_end = c.lines[0].service_date.pred_opt()),
        [codes::DATE]
    );
}

#[test]
fn subscriber_who_is_the_patient_needs_demographics() {
    let codes_found = errors_after(|c| {
        c.patient = None;
        c.subscriber.birth_date = None;
        c.subscriber.gender = None;
    });
    assert_eq!(codes_found, [codes::DEMOGRAPHICS]);
}

#[test]
fn billing_address_rules_stop_the_whole_file() {
    let mut file = good();
    file.billing_provider.address.line1 = "P.O. Box 881".into();
    file.billing_provider.address.zip = "97302".into();
    let findings = check_file(&file);
    let found: Vec<_> = findings.iter().map(|f| (f.code, f.claim)).collect();
    assert_eq!(found, [(codes::ZIP, None), (codes::PO_BOX, None)]);

    let mut out = Vec::new();
    let summary = write_837p(&file, &WriteOptions::default(), &mut out).unwrap();
    assert!(out.is_empty(), "nothing may be written");
    assert_eq!(summary.refused, [0, 1, 2]);
    assert_eq!(summary.transactions, 0);
}

#[test]
fn a_refused_claim_is_left_out_and_the_rest_written() {
    let mut file = good();
    file.claims[1].total_charge = Money::ZERO;
    let mut out = Vec::new();
    let summary = write_837p(&file, &WriteOptions::default(), &mut out).unwrap();
    assert_eq!(summary.written, [0, 2]);
    assert_eq!(summary.refused, [1]);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches("~CLM*").count(), 2);
    assert!(!text.contains(&file.claims[1].patient_control_number));
}

#[test]
fn json_bad_npi_or_icd_refuses_only_that_claim() {
    let mut file = good();
    let mut json = serde_json::to_value(&file).unwrap();
    json["claims"][1]["rendering_provider"]["npi"] = "1234567890".into();
    json["claims"][2]["diagnoses"][0] = "7810".into();
    let text = serde_json::to_string_pretty(&json).unwrap();
    let loaded = load_json(&text).unwrap();
    assert_eq!(loaded.positions, [0]);
    let found: Vec<_> = loaded
        .findings
        .iter()
        .map(|f| (f.code, f.claim, f.severity))
        .collect();
    assert_eq!(
        found,
        [
            (codes::NPI, Some(1), Severity::Error),
            (codes::ICD10, Some(2), Severity::Error)
        ]
    );
    assert!(
        loaded.findings[0].message.contains("check digit"),
        "{}",
        loaded.findings[0].message
    );
    file.claims.truncate(1);
    assert_eq!(loaded.file, file);
}

#[test]
fn json_shape_errors_name_the_line() {
    let mut json = serde_json::to_value(good()).unwrap();
    json["claims"][2]["lines"][0]
        .as_object_mut()
        .unwrap()
        .remove("units");
    let text = serde_json::to_string_pretty(&json).unwrap();
    let err = load_json(&text).unwrap_err();
    assert!(
        err.message.contains("claims[2]") && err.message.contains("`units`"),
        "{err}"
    );
    // The reported line is inside claim 2's first line object.
    let line = text.lines().nth(err.line - 1).unwrap();
    assert!(
        line.trim_start().starts_with('}'),
        "line {}: {line:?}",
        err.line
    );

    let err = load_json("{\"envelope\": 1}").unwrap_err();
    assert_eq!((err.line, err.column > 0), (1, true), "{err}");
}

// ---- coordination of benefits (2320/2330/2430) ----

/// `good()` with claim 1 billed to a secondary payer, the primary's adjudication at line
/// level (2430), as `synth::to_secondary` builds it.
fn secondary_good() -> ClaimFile {
    let mut file = good();
    let c = file.claims[1].clone();
    file.claims[1] = synth::to_secondary(&mut synth::Rng::new(1), c, false);
    file
}

/// Like `errors_after`, on `secondary_good()`; returns (code, severity) of every finding.
#[track_caller]
fn cob_findings_after(f: impl FnOnce(&mut Claim)) -> Vec<(&'static str, Severity)> {
    let mut file = secondary_good();
    f(&mut file.claims[1]);
    let findings = check_file(&file);
    for x in &findings {
        assert_eq!(x.claim, Some(1), "{x}");
    }
    findings.iter().map(|f| (f.code, f.severity)).collect()
}

fn adj(group: &str, reason: &str, amount: &str) -> Adjustment {
    Adjustment {
        group: group.into(),
        reason: reason.into(),
        amount: Money::parse(amount).unwrap(),
        quantity: None,
    }
}

#[test]
fn a_built_secondary_claim_is_clean() {
    let file = secondary_good();
    assert_eq!(check_file(&file), vec![]);
    let c = &file.claims[1];
    assert_eq!(c.subscriber.payer_responsibility, "S");
    assert_eq!(c.other_payers.len(), 1);
    assert!(c.lines.iter().all(|l| l.adjudications.len() == 1));
}

#[test]
fn a_secondary_claim_needs_the_other_payer_loops() {
    let e = Severity::Error;
    assert_eq!(
        cob_findings_after(|c| {
            c.other_payers.clear();
            for l in &mut c.lines {
                l.adjudications.clear();
            }
        }),
        [(codes::COB_MISSING, e)]
    );
    // A tertiary claim with only the primary's loop: a warning, the claim is written.
    assert_eq!(
        cob_findings_after(|c| c.subscriber.payer_responsibility = "T".into()),
        [(codes::COB_MISSING, Severity::Warning)]
    );
    // The other payer's SBR01 may not repeat the claim's own.
    assert_eq!(
        cob_findings_after(|c| c.other_payers[0].payer_responsibility = "S".into()),
        [(codes::COB_SEQUENCE, e)]
    );
}

#[test]
fn each_line_must_balance_against_its_charge() {
    // SV102 = SVD02 + line CAS (TR3 2430): one cent off is an error.
    let found = cob_findings_after(|c| {
        let a = &mut c.lines[0].adjudications[0];
        a.adjustments[0].amount = a.adjustments[0].amount + Money::parse("0.01").unwrap();
    });
    assert_eq!(found, [(codes::LINE_BALANCE, Severity::Error)]);
    // Moving a cent from an adjustment into the paid amount keeps the line balanced but
    // breaks AMT*D = sum of SVD02 less claim-level CAS.
    let found = cob_findings_after(|c| {
        let a = &mut c.lines[0].adjudications[0];
        a.adjustments[0].amount = a.adjustments[0].amount - Money::parse("0.01").unwrap();
        a.paid_amount = a.paid_amount + Money::parse("0.01").unwrap();
    });
    assert_eq!(found, [(codes::COB_PAID, Severity::Error)]);
}

#[test]
fn payer_paid_amount_is_line_paid_less_claim_adjustments() {
    // A claim-level CO-253 of 1.00 lowers AMT*D by 1.00 (RFI 524): balanced.
    let found = cob_findings_after(|c| {
        let o = &mut c.other_payers[0];
        o.adjustments.insert(0, adj("CO", "253", "1.00"));
        o.paid_amount = o.paid_amount.map(|p| p - Money::parse("1.00").unwrap());
    });
    assert_eq!(found, []);
    // The same adjustment without lowering AMT*D is an error.
    let found = cob_findings_after(|c| {
        c.other_payers[0]
            .adjustments
            .insert(0, adj("CO", "253", "1.00"))
    });
    assert_eq!(found, [(codes::COB_PAID, Severity::Error)]);
    // Line adjudications without AMT*D.
    let found = cob_findings_after(|c| c.other_payers[0].paid_amount = None);
    assert_eq!(found, [(codes::COB_PAID, Severity::Error)]);
}

#[test]
fn line_adjudications_must_name_a_known_payer() {
    let found = cob_findings_after(|c| {
        let line = c
            .lines
            .iter_mut()
            .max_by_key(|l| l.adjudications[0].paid_amount)
            .unwrap();
        assert!(line.adjudications[0].paid_amount > Money::ZERO);
        line.adjudications[0].payer_id = "NOBODY".into();
    });
    // The line's money no longer counts for the 2330B payer either.
    assert_eq!(
        found,
        [
            (codes::SVD_PAYER, Severity::Error),
            (codes::COB_PAID, Severity::Error)
        ]
    );
}

#[test]
fn adjustments_must_fit_cas() {
    let found = cob_findings_after(|c| {
        let a = &mut c.lines[0].adjudications[0];
        a.adjustments[0].group = "XX".into();
    });
    assert_eq!(found, [(codes::CAS, Severity::Error)]);
    let found = cob_findings_after(|c| {
        let a = &mut c.lines[0].adjudications[0];
        a.adjustments[0].reason = "123456".into();
    });
    assert_eq!(found, [(codes::CAS, Severity::Error)]);
    // 31 triples of one group need 6 CAS segments: one too many. Zero amounts keep the
    // line balanced.
    let found = cob_findings_after(|c| {
        let a = &mut c.lines[0].adjudications[0];
        a.adjustments
            .extend((0..31).map(|i| adj("OA", &format!("{}", 100 + i), "0")));
        a.adjustments.sort_by(|x, y| x.group.cmp(&y.group));
    });
    assert_eq!(found, [(codes::CAS, Severity::Error)]);
}

#[test]
fn an_adjudicated_payer_needs_a_date() {
    let found = cob_findings_after(|c| {
        for l in &mut c.lines {
            l.adjudications.clear();
        }
    });
    assert_eq!(found, [(codes::COB_DATE, Severity::Warning)]);
    let found = cob_findings_after(|c| {
        for l in &mut c.lines {
            l.adjudications.clear();
        }
        c.other_payers[0].payer.adjudication_date = NaiveDate::from_ymd_opt(2026, 11, 20);
    });
    assert_eq!(found, []);
}

#[test]
fn cas_is_written_one_segment_per_group() {
    let mut file = secondary_good();
    let a = &mut file.claims[1].lines[0].adjudications[0];
    let extra: Vec<Adjustment> = (0..7)
        .map(|i| adj("OA", &format!("{}", 100 + i), "0"))
        .collect();
    a.adjustments.extend(extra);
    let mut out = Vec::new();
    let summary = write_837p(&file, &WriteOptions::default(), &mut out).unwrap();
    assert_eq!(summary.findings, vec![]);
    let text = String::from_utf8(out).unwrap();
    // 7 OA triples: one CAS of 6 and one of 1, after the CO and PR ones.
    assert!(
        text.contains("~CAS*OA*100*0**101*0**102*0**103*0**104*0**105*0~CAS*OA*106*0~DTP*573*"),
        "{text}"
    );
}

/// The 2300 claim dates: onset (DTP*431) and initial treatment (DTP*454).
#[test]
fn claim_dates_are_not_after_the_first_service() {
    let first = |c: &Claim| c.lines.iter().map(|l| l.service_date).min().unwrap();
    // On the first service day itself: an evaluation that is the first treatment.
    assert_eq!(
        errors_after(|c| {
            c.onset_date = Some(first(c));
            c.initial_treatment_date = Some(first(c));
        }),
        Vec::<&str>::new()
    );
    assert_eq!(
        errors_after(|c| c.initial_treatment_date = Some(first(c) + chrono::Days::new(1))),
        [codes::CLAIM_DATE]
    );
    assert_eq!(
        errors_after(|c| c.onset_date = Some(first(c) + chrono::Days::new(1))),
        [codes::CLAIM_DATE]
    );
    assert_eq!(
        errors_after(|c| c.onset_date = NaiveDate::from_ymd_opt(1899, 12, 31)),
        [codes::CLAIM_DATE]
    );
    // An onset after the treatment began is suspect, not impossible to send.
    let mut file = good();
    let c = &mut file.claims[1];
    let day = first(c);
    c.onset_date = Some(day);
    c.initial_treatment_date = Some(day - chrono::Days::new(3));
    let findings = check_file(&file);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].code, codes::ONSET_ORDER);
    assert_eq!(findings[0].severity, Severity::Warning);
    let mut out = Vec::new();
    let summary = write_837p(&file, &WriteOptions::default(), &mut out).unwrap();
    assert_eq!(summary.written.len(), 3);
}
