//! Deterministic synthetic claims: realistic occupational-therapy claim files for tests,
//! benchmarks and peer comparisons. No PHI: names, ids and addresses are made up, NPIs are
//! valid by check digit only.
//!
//! The same seed always gives the same file, on any machine. Some claims are secondary
//! claims carrying the primary's adjudication ([`to_secondary`]).

use crate::model::{
    Address, Adjustment, Assignment, BillingProvider, Claim, ClaimFile, Contact, Envelope,
    Frequency, Gender, LineAdjudication, OtherPayer, OtherPayerName, OtherSubscriber,
    OutpatientAdjudication, Patient, Payer, PersonName, ProviderName, Receiver, ReferringProvider,
    Relationship, RenderingProvider, ServiceLine, Submitter, Subscriber, Usage,
};
use chrono::NaiveDate;
use otbill_types::{CptCode, Icd10, Modifier, Money, Npi};
use rust_decimal::Decimal;

/// A small deterministic PRNG (SplitMix64): no dependency, same sequence everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `true` with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// The NPI with the 9-digit `base` (first digit 1 or 2) and its computed check digit.
pub fn npi_from_base(base: u32) -> Option<Npi> {
    let digits = format!("{base:09}");
    (0..10).find_map(|d| Npi::parse(&format!("{digits}{d}")).ok())
}

/// OT procedure codes with a plausible charge per unit, and whether they are timed.
const PROCEDURES: [(&str, i64, bool); 9] = [
    ("97165", 18500, false), // evaluation, low complexity
    ("97166", 20500, false), // evaluation, moderate
    ("97168", 9500, false),  // re-evaluation
    ("97530", 4500, true),   // therapeutic activities
    ("97110", 4000, true),   // therapeutic exercise
    ("97535", 4200, true),   // self-care/home management training
    ("97112", 4300, true),   // neuromuscular re-education
    ("97140", 3900, true),   // manual therapy
    ("97760", 5200, true),   // orthotic management and training
];

const DIAGNOSES: [&str; 14] = [
    "I69.351", "I69.354", "G81.91", "R27.8", "R26.89", "M62.81", "R41.841", "M25.611", "G56.01",
    "M65.311", "Z47.1", "Z96.611", "S52.501D", "F82",
];

const LAST: [&str; 12] = [
    "RIVERA",
    "CHEN",
    "OKAFOR",
    "NGUYEN",
    "JOHANSSON",
    "PATEL",
    "GARCIA",
    "KOWALSKI",
    "HASSAN",
    "MURPHY",
    "TANAKA",
    "BROWN",
];
const FIRST: [&str; 12] = [
    "ANA", "WEI", "CHIDI", "LINH", "ERIK", "PRIYA", "LUIS", "MARTA", "OMAR", "SEAN", "YUKI", "JUNE",
];
const STREETS: [&str; 6] = [
    "OAK ST",
    "MAPLE AVE",
    "RIVER RD",
    "HILLCREST DR",
    "PINE CT",
    "LINCOLN BLVD",
];

/// (name, payer id, claim filing indicator)
const PAYERS: [(&str, &str, &str); 4] = [
    ("MEDICARE PART B", "04412", "MB"),
    ("CASCADE HEALTH PLAN", "CHP01", "CI"),
    ("STATE MEDICAID", "SKMCD", "MC"),
    ("BLUE MOUNTAIN BCBS", "00851", "BL"),
];

fn money_cents(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn person(rng: &mut Rng) -> PersonName {
    PersonName {
        last: rng.pick(&LAST).to_string(),
        first: rng.pick(&FIRST).to_string(),
        middle: rng.chance(20).then(|| "Q".to_owned()),
    }
}

fn home_address(rng: &mut Rng) -> Address {
    Address {
        line1: format!("{} {}", 100 + rng.below(9800), rng.pick(&STREETS)),
        line2: rng.chance(15).then(|| format!("APT {}", 1 + rng.below(40))),
        city: "SALEM".to_owned(),
        state: "OR".to_owned(),
        zip: format!("97{:03}", 300 + rng.below(99)),
    }
}

/// The file header every synthetic file shares; `claims` is empty.
pub fn header() -> ClaimFile {
    ClaimFile {
        envelope: Envelope {
            sender_qualifier: "ZZ".into(),
            sender_id: "BRIGHTHANDSOT".into(),
            receiver_qualifier: "ZZ".into(),
            receiver_id: "CLEARHOUSE01".into(),
            interchange_control_number: 1001,
            group_control_number: 1001,
            created: date(2026, 11, 30).and_hms_opt(9, 15, 0).unwrap_or_default(),
            usage: Usage::Test,
            acknowledgment_requested: false,
        },
        submitter: Submitter {
            name: ProviderName::Organization("BRIGHT HANDS OCCUPATIONAL THERAPY".into()),
            id: "BRIGHTHANDSOT".into(),
            contact: Contact {
                name: "BILLING OFFICE".into(),
                phone: "5035550100".into(),
            },
        },
        receiver: Receiver {
            name: "CLEARHOUSE EXCHANGE".into(),
            id: "CLEARHOUSE01".into(),
        },
        billing_provider: BillingProvider {
            name: ProviderName::Organization("BRIGHT HANDS OCCUPATIONAL THERAPY LLC".into()),
            npi: npi(123_456_789),
            ein: "931234567".into(),
            taxonomy: Some("225X00000X".into()),
            address: Address {
                line1: "1450 COMMERCIAL ST SE".into(),
                line2: Some("SUITE 210".into()),
                city: "SALEM".into(),
                state: "OR".into(),
                zip: "973021234".into(),
            },
            pay_to_address: Some(Address {
                line1: "PO BOX 4410".into(),
                line2: None,
                city: "SALEM".into(),
                state: "OR".into(),
                zip: "973084410".into(),
            }),
        },
        claims: Vec::new(),
    }
}

/// A valid NPI from a constant base starting with 1 or 2 (every such base has exactly one
/// check digit, so this cannot fail; the argument is never user input).
fn npi(base: u32) -> Npi {
    npi_from_base(base).expect("a base starting with 1 or 2 has a check digit")
}

/// One realistic OT claim number `n` (its ids derive from `n`, so they are unique).
pub fn claim(rng: &mut Rng, n: usize) -> Claim {
    let (payer_name, payer_id, cfi) = *rng.pick(&PAYERS);
    let medicare = cfi == "MB";
    let dependent = !medicare && rng.chance(25);
    let subscriber_name = person(rng);
    let subscriber = Subscriber {
        payer_responsibility: "P".into(),
        group_number: (!medicare).then(|| format!("GRP{:05}", rng.below(99_999))),
        claim_filing_indicator: cfi.into(),
        name: subscriber_name.clone(),
        member_id: format!("M{:09}", rng.below(1_000_000_000)),
        address: (!dependent).then(|| home_address(rng)),
        birth_date: (!dependent).then(|| {
            date(
                1935 + rng.below(60) as i32,
                1 + rng.below(12) as u32,
                1 + rng.below(28) as u32,
            )
        }),
        gender: (!dependent).then(|| *rng.pick(&[Gender::F, Gender::M])),
    };
    let patient = dependent.then(|| Patient {
        relationship: Relationship::Child,
        name: PersonName {
            last: subscriber_name.last.clone(),
            first: rng.pick(&FIRST).to_string(),
            middle: None,
        },
        address: home_address(rng),
        birth_date: date(
            2012 + rng.below(12) as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        ),
        gender: *rng.pick(&[Gender::F, Gender::M]),
    });
    let n_dx = 1 + rng.below(3);
    let mut diagnoses: Vec<Icd10> = Vec::with_capacity(n_dx);
    while diagnoses.len() < n_dx {
        let code = DIAGNOSES[rng.below(DIAGNOSES.len())];
        if let Ok(dx) = Icd10::parse(code) {
            if !diagnoses.contains(&dx) {
                diagnoses.push(dx);
            }
        }
    }
    let service_date = date(2026, 10 + rng.below(2) as u32, 1 + rng.below(28) as u32);
    let assistant = rng.chance(20);
    let over_threshold = medicare && rng.chance(30);
    let n_lines = 1 + rng.below(4);
    let mut lines = Vec::with_capacity(n_lines);
    for i in 0..n_lines {
        // Evaluations only as the first line; the rest timed codes.
        let (code, cents, timed) = if i == 0 && rng.chance(20) {
            PROCEDURES[rng.below(3)]
        } else {
            PROCEDURES[3 + rng.below(6)]
        };
        let units = if timed { 1 + rng.below(4) as u32 } else { 1 };
        let mut modifiers = vec![Modifier::GO];
        if assistant && timed {
            modifiers.push(Modifier::CO);
        }
        if over_threshold {
            modifiers.push(Modifier::KX);
        }
        let n_ptr = 1 + rng.below(n_dx);
        lines.push(ServiceLine {
            procedure: CptCode::parse(code).expect("constant procedure codes are valid"),
            modifiers,
            charge: money_cents(cents * i64::from(units)),
            units,
            diagnosis_pointers: (1..=n_ptr as u8).collect(),
            service_date,
            service_date_end: None,
            place_of_service: None,
            line_control_number: format!("L{n}-{}", i + 1),
            adjudications: Vec::new(),
        });
    }
    let total_charge = lines.iter().map(|l| l.charge).sum();
    Claim {
        patient_control_number: format!("PCN{n:08}"),
        total_charge,
        place_of_service: if rng.chance(15) { "12" } else { "11" }.into(),
        frequency: Frequency::Original,
        original_claim_number: None,
        provider_signature_on_file: true,
        assignment: Assignment::Assigned,
        benefits_assigned: true,
        release_of_information: true,
        onset_date: None,
        initial_treatment_date: None,
        prior_authorization: (!medicare && rng.chance(30))
            .then(|| format!("AUTH{:06}", rng.below(999_999))),
        diagnoses,
        subscriber,
        payer: Payer {
            name: payer_name.into(),
            payer_id: payer_id.into(),
        },
        patient,
        referring_provider: medicare.then(|| ReferringProvider {
            name: PersonName {
                last: "WALSH".into(),
                first: "KAREN".into(),
                middle: None,
            },
            npi: npi(155_859_879),
        }),
        rendering_provider: Some(RenderingProvider {
            name: ProviderName::Person(PersonName {
                last: "OKONKWO".into(),
                first: "ADA".into(),
                middle: None,
            }),
            npi: npi(100_000_000 + rng.below(4) as u32 * 7_919),
            taxonomy: Some("225X00000X".into()),
        }),
        other_payers: Vec::new(),
        lines,
    }
}

fn adjustment(group: &str, reason: &str, cents: i64) -> Adjustment {
    Adjustment {
        group: group.into(),
        reason: reason.into(),
        amount: money_cents(cents),
        quantity: None,
    }
}

fn cents_of(m: Money) -> i64 {
    i64::try_from((m.amount() * Decimal::ONE_HUNDRED).round()).unwrap_or(0)
}

/// Turns a claim billed to its primary payer into the claim for the secondary payer, with
/// the primary's adjudication in loops 2320/2330 and, unless `claim_level_only`, 2430 on
/// every line: the primary allowed 80% of each charge (CO-45 for the rest) and left 20% of
/// that to the patient (PR-2, or PR-1 deductible on the first line at times); some claims
/// also carry a claim-level CO-253. Everything balances the way the TR3 asks.
pub fn to_secondary(rng: &mut Rng, mut c: Claim, claim_level_only: bool) -> Claim {
    let primary = c.payer.clone();
    let (sec_name, sec_id, sec_cfi) = if c.subscriber.claim_filing_indicator == "MB" {
        PAYERS[3]
    } else {
        PAYERS[2]
    };
    let adjudicated = c
        .lines
        .first()
        .map_or(date(2026, 11, 1), |l| l.service_date)
        + chrono::Days::new(14 + rng.below(20) as u64);
    let deductible = rng.chance(30);
    let sequestration = !claim_level_only && rng.chance(30);
    let mut line_paid_total = 0;
    let mut patient_total = 0;
    let mut claim_adjustments: Vec<Adjustment> = Vec::new();
    for (i, line) in c.lines.iter_mut().enumerate() {
        let charge = cents_of(line.charge);
        let allowed = charge * 8 / 10;
        let patient = if deductible && i == 0 {
            allowed
        } else {
            allowed / 5
        };
        let paid = allowed - patient;
        let pr_reason = if deductible && i == 0 { "1" } else { "2" };
        let mut adjustments = vec![adjustment("CO", "45", charge - allowed)];
        if patient != 0 {
            adjustments.push(adjustment("PR", pr_reason, patient));
        }
        line_paid_total += paid;
        patient_total += patient;
        if claim_level_only {
            for a in adjustments {
                match claim_adjustments
                    .iter_mut()
                    .find(|x| x.group == a.group && x.reason == a.reason)
                {
                    Some(x) => x.amount = x.amount + a.amount,
                    None => claim_adjustments.push(a),
                }
            }
            continue;
        }
        line.adjudications.push(LineAdjudication {
            payer_id: primary.payer_id.clone(),
            paid_amount: money_cents(paid),
            procedure: line.procedure,
            modifiers: line.modifiers.clone(),
            paid_units: line.units,
            adjustments,
            adjudication_date: adjudicated,
            remaining_patient_liability: Some(money_cents(patient)),
        });
    }
    // Sequestration (2%) taken from the claim's payment, reported at claim level.
    let mut paid_total = line_paid_total;
    if sequestration && line_paid_total > 0 {
        let cut = line_paid_total / 50;
        claim_adjustments.push(adjustment("CO", "253", cut));
        paid_total -= cut;
    }
    // The model keeps the CAS groups together (CO before PR), as they are written.
    claim_adjustments.sort_by(|a, b| a.group.cmp(&b.group));
    let sub = &c.subscriber;
    let medicare = sub.claim_filing_indicator == "MB";
    let other = OtherPayer {
        payer_responsibility: "P".into(),
        patient_relationship: c.patient.as_ref().map(|p| p.relationship),
        group_number: sub.group_number.clone(),
        claim_filing_indicator: sub.claim_filing_indicator.clone(),
        adjustments: claim_adjustments,
        paid_amount: Some(money_cents(paid_total)),
        remaining_patient_liability: Some(money_cents(patient_total)),
        benefits_assigned: true,
        release_of_information: true,
        outpatient_adjudication: (medicare && rng.chance(50)).then(|| OutpatientAdjudication {
            reimbursement_rate: None,
            hcpcs_payable_amount: None,
            remarks: vec!["MA01".into()],
        }),
        subscriber: OtherSubscriber {
            name: sub.name.clone(),
            member_id: sub.member_id.clone(),
            address: sub.address.clone(),
        },
        payer: OtherPayerName {
            name: primary.name.clone(),
            payer_id: primary.payer_id.clone(),
            adjudication_date: claim_level_only.then_some(adjudicated),
            claim_number: Some(format!("2026{:010}", rng.below(9_999_999_999))),
        },
    };
    c.subscriber.payer_responsibility = "S".into();
    c.subscriber.claim_filing_indicator = sec_cfi.into();
    let digits: String = c.subscriber.member_id.chars().skip(1).collect();
    c.subscriber.group_number = Some(format!("SUP{}", digits.chars().take(5).collect::<String>()));
    c.subscriber.member_id = format!("S{digits}");
    c.payer = Payer {
        name: sec_name.into(),
        payer_id: sec_id.into(),
    };
    c.other_payers = vec![other];
    c
}

/// A file with `n_claims` realistic OT claims from `seed`. A subscriber often has several
/// claims in a row (a course of treatment), which exercises HL grouping. About one run in
/// six is billed to a secondary payer with the primary's adjudication (COB loops 2320,
/// 2330A/B and 2430); those choices come from a second generator, so the other claims are
/// the same as before COB existed. About half the runs carry an initial treatment date and
/// some an onset date (2300 DTP*454/431), from a third generator for the same reason.
pub fn claim_file(seed: u64, n_claims: usize) -> ClaimFile {
    let mut rng = Rng::new(seed);
    let mut cob = Rng::new(seed ^ 0xC0B0_C0B0_C0B0_C0B0);
    let mut dates = Rng::new(seed ^ 0xDA7E_DA7E_DA7E_DA7E);
    let mut file = header();
    let mut n = 0;
    while n < n_claims {
        let first = claim(&mut rng, n);
        let repeat = (1 + rng.below(4)).min(n_claims - n);
        let secondary = cob.chance(16);
        let claim_level_only = cob.chance(25);
        let (onset, initial) = episode_dates(&mut dates);
        for k in 0..repeat {
            let mut c = if k == 0 {
                first.clone()
            } else {
                claim(&mut rng, n + k)
            };
            c.subscriber = first.subscriber.clone();
            c.payer = first.payer.clone();
            c.patient = first.patient.clone();
            c.onset_date = onset;
            c.initial_treatment_date = initial;
            // Subscriber demographics must stay consistent with who the patient is.
            let c = renumber(c, n + k);
            file.claims.push(if secondary {
                to_secondary(&mut cob, c, claim_level_only)
            } else {
                c
            });
        }
        n += repeat;
    }
    file
}

/// The claim dates (2300 DTP*431, DTP*454) of one run of claims, a course of treatment:
/// half the runs carry the initial treatment date, some of those the onset as well. The
/// treatment began in September 2026, before any synthetic service date (October and
/// November), and the onset up to a year before it.
fn episode_dates(rng: &mut Rng) -> (Option<NaiveDate>, Option<NaiveDate>) {
    if !rng.chance(50) {
        return (None, None);
    }
    let initial = date(2026, 9, 1) + chrono::Days::new(rng.below(30) as u64);
    let onset = rng
        .chance(60)
        .then(|| initial - chrono::Days::new(rng.below(365) as u64));
    (onset, Some(initial))
}

fn renumber(mut c: Claim, n: usize) -> Claim {
    c.patient_control_number = format!("PCN{n:08}");
    for (i, l) in c.lines.iter_mut().enumerate() {
        l.line_control_number = format!("L{n}-{}", i + 1);
    }
    c
}

/// The smallest synthetic 837P of at least `target_bytes`, written with `claims_per_st`
/// claims per transaction: returns the bytes and the number of claims. Deterministic
/// (seed 837), so peers can be benchmarked on the same file.
pub fn file_of_size(
    target_bytes: usize,
    claims_per_st: usize,
) -> Result<(Vec<u8>, usize), crate::Error> {
    let options = crate::WriteOptions {
        max_claims_per_transaction: claims_per_st.max(1),
        ..crate::WriteOptions::default()
    };
    let write = |n: usize| -> Result<Vec<u8>, crate::Error> {
        let mut out = Vec::new();
        crate::write_837p(&claim_file(837, n), &options, &mut out)?;
        Ok(out)
    };
    // Estimate from a sample, then binary-search the claim count.
    let sample = write(200)?;
    let per_claim = (sample.len() / 200).max(1);
    let mut hi = (target_bytes / per_claim).max(1);
    while write(hi)?.len() < target_bytes {
        hi = hi * 11 / 10 + 1;
    }
    let mut lo = 0;
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if write(mid)?.len() >= target_bytes {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok((write(hi)?, hi))
}
