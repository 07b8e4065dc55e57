//! Realistic claim files covering the 837P shapes we write, shared by the pyx12 and
//! round-trip tests.

use chrono::NaiveDate;
use otbill_837p::model::{
    Address, ClaimFile, Frequency, Gender, Patient, PersonName, ProviderName, Relationship,
};
use otbill_837p::synth::{self, Rng};
use otbill_837p::WriteOptions;
use otbill_types::{Icd10, Modifier, Money};

/// A named scenario: the file and how to write it.
pub struct Scenario {
    pub name: &'static str,
    pub file: ClaimFile,
    pub options: WriteOptions,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn fix_total(c: &mut otbill_837p::model::Claim) {
    c.total_charge = c.lines.iter().map(|l| l.charge).sum();
}

fn one(seed: u64, n: usize) -> otbill_837p::model::Claim {
    let mut rng = Rng::new(seed);
    synth::claim(&mut rng, n)
}

/// A claim for the subscriber (no patient HL), whatever `synth` picked.
fn self_claim(seed: u64, n: usize) -> otbill_837p::model::Claim {
    let mut c = one(seed, n);
    if c.patient.is_some() {
        c.patient = None;
        c.subscriber.address = Some(Address {
            line1: "88 ELM ST".into(),
            line2: None,
            city: "SALEM".into(),
            state: "OR".into(),
            zip: "97301".into(),
        });
        c.subscriber.birth_date = Some(date(1950, 3, 4));
        c.subscriber.gender = Some(Gender::F);
    }
    c
}

/// The example shipped at the repository root, documented in docs/claims-json.md.
pub fn example_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/claims.json")
}

pub fn all() -> Vec<Scenario> {
    let opts = WriteOptions::default();
    let mut out = Vec::new();

    let mut f = synth::header();
    f.claims.push(self_claim(1, 0));
    out.push(Scenario {
        name: "single_claim",
        file: f,
        options: opts.clone(),
    });

    out.push(Scenario {
        name: "many_claims_and_patients",
        file: synth::claim_file(11, 400),
        options: opts.clone(),
    });

    // A child covered under a parent's commercial plan, two visits, plus a spouse.
    let mut f = synth::header();
    let mut a = self_claim(2, 0);
    a.payer.name = "CASCADE HEALTH PLAN".into();
    a.subscriber.claim_filing_indicator = "CI".into();
    let child = Patient {
        relationship: Relationship::Child,
        name: PersonName {
            last: a.subscriber.name.last.clone(),
            first: "MIA".into(),
            middle: None,
        },
        address: a
            .subscriber
            .address
            .clone()
            .expect("self claim has an address"),
        birth_date: date(2017, 6, 1),
        gender: Gender::F,
    };
    for n in 1..3 {
        let mut c = self_claim(2 + n as u64, n);
        c.subscriber = a.subscriber.clone();
        c.payer = a.payer.clone();
        c.patient = Some(child.clone());
        c.referring_provider = None;
        f.claims.push(c);
    }
    let mut spouse = f.claims[0].clone();
    spouse.patient_control_number = "PCN-SPOUSE".into();
    if let Some(p) = &mut spouse.patient {
        p.relationship = Relationship::Spouse;
        p.name.first = "LEE".into();
        p.birth_date = date(1984, 2, 29);
        p.gender = Gender::M;
    }
    f.claims.push(spouse);
    f.claims.insert(0, a);
    out.push(Scenario {
        name: "patient_not_subscriber",
        file: f,
        options: opts.clone(),
    });

    // Replacement (7) and void (8) of earlier claims.
    let mut f = synth::header();
    for (n, freq) in [(0, Frequency::Replacement), (1, Frequency::Void)] {
        let mut c = self_claim(20 + n as u64, n);
        c.frequency = freq;
        c.original_claim_number = Some(format!("2026{n}1234567890"));
        f.claims.push(c);
    }
    out.push(Scenario {
        name: "frequency_7_and_8",
        file: f,
        options: opts.clone(),
    });

    // Four modifiers on one line (GO, CO, KX, 59) and a line in the patient's home.
    let mut f = synth::header();
    let mut c = self_claim(30, 0);
    c.lines.truncate(1);
    c.lines[0].modifiers = ["GO", "CO", "KX", "59"]
        .iter()
        .map(|m| Modifier::parse(m).expect("valid modifier"))
        .collect();
    let mut second = c.lines[0].clone();
    second.modifiers.truncate(1);
    second.place_of_service = Some("12".into());
    second.line_control_number = "L-HOME".into();
    second.service_date_end = Some(second.service_date + chrono::Days::new(2));
    c.lines.push(second);
    fix_total(&mut c);
    f.claims.push(c);
    out.push(Scenario {
        name: "four_modifiers",
        file: f,
        options: opts.clone(),
    });

    // Twelve diagnoses, pointers reaching the last four.
    let mut f = synth::header();
    let mut c = self_claim(40, 0);
    c.diagnoses = [
        "I69.351", "I69.354", "G81.91", "R27.8", "R26.89", "M62.81", "R41.841", "M25.611",
        "G56.01", "M65.311", "Z47.1", "Z96.611",
    ]
    .iter()
    .map(|d| Icd10::parse(d).expect("valid code"))
    .collect();
    for l in &mut c.lines {
        l.diagnosis_pointers = vec![12, 11, 10, 9];
    }
    c.lines[0].diagnosis_pointers = vec![1, 5, 8, 12];
    f.claims.push(c);
    out.push(Scenario {
        name: "twelve_diagnoses",
        file: f,
        options: opts.clone(),
    });

    out.push(Scenario {
        name: "multiple_transactions",
        file: synth::claim_file(50, 230),
        options: WriteOptions {
            max_claims_per_transaction: 40,
            ..opts.clone()
        },
    });

    // 130 claims for one subscriber: the subscriber HL is split at 100 claims.
    let mut f = synth::header();
    let base = self_claim(60, 0);
    for n in 0..130 {
        let mut c = self_claim(61 + n as u64, n);
        c.subscriber = base.subscriber.clone();
        c.payer = base.payer.clone();
        c.patient = None;
        f.claims.push(c);
    }
    out.push(Scenario {
        name: "hl_split_at_100_claims",
        file: f,
        options: opts.clone(),
    });

    // A sole practitioner billing in their own name, 50 lines, no pay-to, newlines.
    let mut f = synth::header();
    f.billing_provider.name = ProviderName::Person(PersonName {
        last: "OKONKWO".into(),
        first: "ADA".into(),
        middle: Some("N".into()),
    });
    f.billing_provider.pay_to_address = None;
    f.billing_provider.taxonomy = Some("225XH1200X".into());
    let mut c = self_claim(70, 0);
    c.rendering_provider = None;
    let template = c.lines[0].clone();
    c.lines = (0..50)
        .map(|i| {
            let mut l = template.clone();
            l.line_control_number = format!("L70-{}", i + 1);
            l.charge = Money::parse("45.5").expect("valid amount");
            l
        })
        .collect();
    fix_total(&mut c);
    f.claims.push(c);
    out.push(Scenario {
        name: "sole_practitioner_50_lines",
        file: f,
        options: WriteOptions {
            newline_after_segment: true,
            ..opts.clone()
        },
    });

    out.push(Scenario {
        name: "coordination_of_benefits",
        file: cob_file(),
        options: opts,
    });
    out
}

/// Secondary claims with the primary's adjudication: line level (2430) with and without a
/// claim-level CAS, claim level only (2330B DTP*573), a dependent (2320 SBR02 not 18), an
/// MOA, and a tertiary claim carrying both earlier payers.
pub fn cob_file() -> otbill_837p::model::ClaimFile {
    use otbill_837p::model::{Adjustment, LineAdjudication, OtherPayer, OtherPayerName, Payer};
    let mut f = synth::header();
    let mut rng = Rng::new(90);
    for n in 0..6 {
        let mut c = if n == 3 {
            one(93, n)
        } else {
            self_claim(90 + n as u64, n)
        };
        if n == 3 && c.patient.is_none() {
            // Keep one dependent claim whatever the generator picked.
            c.patient = Some(Patient {
                relationship: Relationship::Spouse,
                name: PersonName {
                    last: c.subscriber.name.last.clone(),
                    first: "NOOR".into(),
                    middle: None,
                },
                address: c.subscriber.address.clone().unwrap_or(Address {
                    line1: "9 FIR ST".into(),
                    line2: None,
                    city: "SALEM".into(),
                    state: "OR".into(),
                    zip: "97301".into(),
                }),
                birth_date: date(1961, 5, 6),
                gender: Gender::F,
            });
            c.subscriber.address = None;
            c.subscriber.birth_date = None;
            c.subscriber.gender = None;
        }
        c.subscriber.claim_filing_indicator = if n % 2 == 0 { "MB" } else { "CI" }.into();
        c.payer = if n % 2 == 0 {
            Payer {
                name: "MEDICARE PART B".into(),
                payer_id: "04412".into(),
            }
        } else {
            Payer {
                name: "CASCADE HEALTH PLAN".into(),
                payer_id: "CHP01".into(),
            }
        };
        f.claims.push(synth::to_secondary(&mut rng, c, n == 4));
    }
    // Tertiary: the secondary paid half of what the primary left to the patient.
    let mut c = f.claims[0].clone();
    c.patient_control_number = "PCN-TERTIARY".into();
    let secondary = OtherPayer {
        payer_responsibility: "S".into(),
        payer: OtherPayerName {
            name: c.payer.name.clone(),
            payer_id: c.payer.payer_id.clone(),
            adjudication_date: None,
            claim_number: None,
        },
        subscriber: otbill_837p::model::OtherSubscriber {
            name: c.subscriber.name.clone(),
            member_id: c.subscriber.member_id.clone(),
            address: None,
        },
        group_number: c.subscriber.group_number.clone(),
        claim_filing_indicator: c.subscriber.claim_filing_indicator.clone(),
        adjustments: Vec::new(),
        paid_amount: None,
        remaining_patient_liability: None,
        benefits_assigned: true,
        release_of_information: true,
        outpatient_adjudication: None,
        patient_relationship: None,
    };
    let mut paid = Money::ZERO;
    let mut left = Money::ZERO;
    for l in &mut c.lines {
        let first = l.adjudications[0].clone();
        let amount = |group: &str, reason: &str| {
            first
                .adjustments
                .iter()
                .filter(|a| a.group == group && a.reason == reason)
                .map(|a| a.amount)
                .sum::<Money>()
        };
        let patient = amount("PR", "1") + amount("PR", "2");
        let half = Money::new((patient.amount() / rust_decimal::Decimal::TWO).round_dp(2));
        let adj = |group: &str, reason: &str, amount: Money| Adjustment {
            group: group.into(),
            reason: reason.into(),
            amount,
            quantity: None,
        };
        let mut adjustments = vec![adj("CO", "45", amount("CO", "45"))];
        adjustments.push(adj("OA", "23", first.paid_amount));
        adjustments.push(adj("PR", "2", patient - half));
        paid = paid + half;
        left = left + (patient - half);
        l.adjudications.push(LineAdjudication {
            payer_id: secondary.payer.payer_id.clone(),
            paid_amount: half,
            adjustments,
            remaining_patient_liability: Some(patient - half),
            ..first
        });
    }
    let mut secondary = secondary;
    secondary.paid_amount = Some(paid);
    secondary.remaining_patient_liability = Some(left);
    c.other_payers.push(secondary);
    c.subscriber.payer_responsibility = "T".into();
    c.subscriber.member_id = "TERT12345".into();
    c.subscriber.claim_filing_indicator = "MC".into();
    c.payer = Payer {
        name: "STATE MEDICAID".into(),
        payer_id: "SKMCD".into(),
    };
    f.claims.push(c);
    f
}
