//! Round trip: valid claims → 837P → `read_837p` → the same claims.

mod scenarios;

use chrono::{NaiveDate, NaiveDateTime};
use otbill_837p::model::*;
use otbill_837p::{check_file, read_837p, synth, write_837p, WriteOptions};
use otbill_types::{CptCode, Icd10, Modifier, Money};
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;

#[track_caller]
fn round_trip(name: &str, file: &ClaimFile, options: &WriteOptions) {
    let mut out = Vec::new();
    let summary = write_837p(file, options, &mut out).expect("write");
    assert_eq!(summary.findings, vec![], "{name}: the input must be valid");
    let back = read_837p(&out);
    assert_eq!(
        back.findings,
        vec![],
        "{name}: {}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(back.file.as_ref(), Some(file), "{name}");
}

#[test]
fn every_scenario_round_trips() {
    for s in scenarios::all() {
        round_trip(s.name, &s.file, &s.options);
    }
}

#[test]
fn the_shipped_example_round_trips() {
    let json = std::fs::read_to_string(scenarios::example_path()).expect("examples/claims.json");
    let loaded = otbill_837p::load_json(&json).expect("example loads");
    assert_eq!(loaded.findings, vec![]);
    assert_eq!(loaded.file.claims.len(), 4);
    round_trip(
        "examples/claims.json",
        &loaded.file,
        &WriteOptions::default(),
    );
}

#[test]
fn reading_a_foreign_segment_warns() {
    let file = synth::claim_file(3, 1);
    let mut out = Vec::new();
    write_837p(&file, &WriteOptions::default(), &mut out).unwrap();
    let text = String::from_utf8(out)
        .unwrap()
        .replacen("~HI*", "~AMT*F5*10~HI*", 1);
    let back = read_837p(text.as_bytes());
    let codes: Vec<_> = back.findings.iter().map(|f| f.code).collect();
    // AMT is not in the model, and it changes the SE01 count.
    assert!(
        codes.contains(&otbill_837p::read_codes::IGNORED),
        "{codes:?}"
    );
    assert_eq!(back.file.map(|f| f.claims.len()), Some(1));
}

#[test]
fn claim_dates_are_read_only_at_claim_level() {
    let mut file = synth::claim_file(3, 1);
    let day = NaiveDate::from_ymd_opt(2026, 9, 2).expect("date");
    file.claims[0].onset_date = Some(day - chrono::Days::new(30));
    file.claims[0].initial_treatment_date = Some(day);
    let mut out = Vec::new();
    write_837p(&file, &WriteOptions::default(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    // Map position 1350: right after CLM, 431 before 454, before REF and HI.
    let clm = text.find("~CLM*").unwrap();
    let onset = text.find("~DTP*431*D8*20260803~").unwrap();
    let initial = text.find("~DTP*454*D8*20260902~").unwrap();
    let hi = text.find("~HI*").unwrap();
    assert!(clm < onset && onset < initial && initial < hi, "{text}");
    assert_eq!(
        &text[clm + 1..].split('~').nth(1),
        &Some("DTP*431*D8*20260803")
    );
    // A line-level DTP*454 (2400) is not the claim's: ignored with a warning.
    let line = text.replacen("~REF*6R*", "~DTP*454*D8*20260901~REF*6R*", 1);
    let back = read_837p(line.as_bytes());
    assert!(back
        .findings
        .iter()
        .any(|f| f.code == otbill_837p::read_codes::IGNORED));
    let claims = back.file.map(|f| f.claims).unwrap_or_default();
    assert_eq!(
        claims.first().and_then(|c| c.initial_treatment_date),
        Some(day)
    );
    // A date that does not parse leaves the claim out.
    let bad = text.replacen("DTP*454*D8*20260902", "DTP*454*D8*20261302", 1);
    let back = read_837p(bad.as_bytes());
    assert!(back
        .findings
        .iter()
        .any(|f| f.code == otbill_837p::read_codes::VALUE));
    assert_eq!(back.file.map(|f| f.claims.len()), Some(0));
    // A repeated one keeps the first, with a warning.
    let twice = text.replacen(
        "~DTP*454*D8*20260902~",
        "~DTP*454*D8*20260902~DTP*454*D8*20260901~",
        1,
    );
    let back = read_837p(twice.as_bytes());
    assert!(back
        .findings
        .iter()
        .any(|f| f.code == otbill_837p::read_codes::CONFLICT));
    let claims = back.file.map(|f| f.claims).unwrap_or_default();
    assert_eq!(
        claims.first().and_then(|c| c.initial_treatment_date),
        Some(day)
    );
}

#[test]
fn garbage_gives_findings_not_panics() {
    for input in [
        &b""[..],
        b"hello",
        b"ISA*00~",
        b"ST*837*1~CLM*~SV1*~SE*1*1~",
        b"ST*837*1~CLM*X*1~SBR*P~CAS*CO*45~AMT*D*Z~OI~MOA*X~NM1*PR~SVD*~DTP*573*D8*X~SE*1*1~",
        b"ST*837*1~CAS*CO*45*1~AMT*EAF*1~SVD*A*1*HC:97530**1~DTP*573~SE*1*1~",
        b"ST*837*1~DTP*431*D8*2026~CLM*X*1~DTP*454~DTP*454*D8*20260101~SBR*P~DTP*431*D8*1~SE*1*1~",
        b"\xff\xfe\x00",
    ] {
        let back = read_837p(input);
        assert!(back.file.is_none() || back.file.is_some_and(|f| f.claims.is_empty()));
    }
}

#[test]
fn other_payer_loops_are_read_apart_from_the_claim() {
    let file = scenarios::cob_file();
    let mut out = Vec::new();
    write_837p(&file, &WriteOptions::default(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    // A 2330D other payer rendering provider: not the claim's rendering provider.
    let text = text.replacen("~LX*1~", "~NM1*82*1*OTHER*DOC****G2*X1~LX*1~", 1);
    let back = read_837p(text.as_bytes());
    let codes: Vec<_> = back.findings.iter().map(|f| f.code).collect();
    assert!(
        codes.contains(&otbill_837p::read_codes::IGNORED),
        "{codes:?}"
    );
    let claims = back.file.map(|f| f.claims).unwrap_or_default();
    assert_eq!(claims.first(), file.claims.first());
    // A 2320 loop without its 2330B leaves the claim out.
    let mut out = Vec::new();
    write_837p(&file, &WriteOptions::default(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let start = text.find("~NM1*PR*2*MEDICARE PART B*").unwrap();
    let end = start + 1 + text[start + 1..].find('~').unwrap();
    let broken = format!("{}{}", &text[..start], &text[end..]);
    let back = read_837p(broken.as_bytes());
    assert!(back
        .findings
        .iter()
        .any(|f| f.code == otbill_837p::read_codes::MISSING));
    assert_eq!(back.file.unwrap().claims.len(), file.claims.len() - 1);
}

// ---- random valid claim files ----

fn text(max: usize) -> impl Strategy<Value = String> {
    // Printable ASCII except the delimiters * : ^ ~; starts with a letter or digit.
    proptest::string::string_regex(&format!("[A-Z0-9][A-Za-z0-9 .,#&/()'-]{{0,{}}}", max - 1))
        .expect("valid regex")
}

fn opt_text(max: usize) -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text(max))
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..20_000).prop_map(|d| {
        NaiveDate::from_ymd_opt(1960, 1, 1).expect("date") + chrono::Days::new(d as u64)
    })
}

fn money() -> impl Strategy<Value = Money> {
    (0i64..5_000_000, 0u32..=2).prop_map(|(n, scale)| Money::new(Decimal::new(n, scale)))
}

fn npi() -> impl Strategy<Value = otbill_types::Npi> {
    (100_000_000u32..300_000_000).prop_map(|b| synth::npi_from_base(b).expect("check digit"))
}

fn person() -> impl Strategy<Value = PersonName> {
    (text(60), text(35), opt_text(25)).prop_map(|(last, first, middle)| PersonName {
        last,
        first,
        middle,
    })
}

fn provider_name() -> impl Strategy<Value = ProviderName> {
    prop_oneof![
        text(60).prop_map(ProviderName::Organization),
        person().prop_map(ProviderName::Person),
    ]
}

fn address(zip9: bool) -> impl Strategy<Value = Address> {
    let zip = if zip9 {
        "[0-9]{9}"
    } else {
        "[0-9]{5}([0-9]{4})?"
    };
    (
        text(50),
        opt_text(55),
        text(30),
        select(vec!["OR", "WA", "NY", "PR", "DC"]),
        zip,
    )
        .prop_map(|(line1, line2, city, state, zip)| Address {
            line1: format!("{line1} ST"),
            line2,
            city,
            state: state.into(),
            zip,
        })
        .prop_filter("no PO box", |a| {
            !otbill_837p::check::looks_like_po_box(&a.line1)
                && !a
                    .line2
                    .as_deref()
                    .is_some_and(otbill_837p::check::looks_like_po_box)
        })
}

fn gender() -> impl Strategy<Value = Gender> {
    select(vec![Gender::F, Gender::M, Gender::U])
}

fn taxonomy() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[0-9]{3}[A-Z0-9]{6}X")
}

fn subscriber(is_patient: bool) -> impl Strategy<Value = Subscriber> {
    let dmg = (address(false), date(), gender());
    (
        select(vec!["P", "S", "T"]),
        opt_text(50),
        select(vec!["MB", "CI", "MC", "BL", "16"]),
        person(),
        text(80),
        if is_patient {
            dmg.prop_map(Some).boxed()
        } else {
            proptest::option::of(dmg).boxed()
        },
    )
        .prop_map(|(resp, group, cfi, name, member_id, dmg)| Subscriber {
            payer_responsibility: resp.into(),
            group_number: group,
            claim_filing_indicator: cfi.into(),
            name,
            member_id,
            address: dmg.as_ref().map(|d| d.0.clone()),
            birth_date: dmg.as_ref().map(|d| d.1),
            gender: dmg.map(|d| d.2),
        })
}

fn patient() -> impl Strategy<Value = Patient> {
    let rel = select(vec![
        Relationship::Spouse,
        Relationship::Child,
        Relationship::Employee,
        Relationship::Unknown,
        Relationship::OrganDonor,
        Relationship::CadaverDonor,
        Relationship::LifePartner,
        Relationship::Other,
    ]);
    (rel, person(), address(false), date(), gender()).prop_map(
        |(relationship, name, address, birth_date, gender)| Patient {
            relationship,
            name,
            address,
            birth_date,
            gender,
        },
    )
}

const CODES: [&str; 8] = [
    "97165", "97530", "97110", "97535", "G0283", "0001T", "97140", "97760",
];
const MODS: [&str; 8] = ["GO", "CO", "KX", "59", "XU", "GP", "95", "76"];
const DX: [&str; 14] = [
    "I69.351", "I69.354", "G81.91", "R27.8", "R26.89", "M62.81", "R41.841", "M25.611", "G56.01",
    "M65.311", "Z47.1", "Z96.611", "S52.501D", "F82",
];

fn line(n_dx: usize) -> impl Strategy<Value = ServiceLine> {
    (
        select(CODES.to_vec()),
        proptest::sample::subsequence(MODS.to_vec(), 0..=4),
        money(),
        1u32..=9_999,
        proptest::sample::subsequence((1..=n_dx as u8).collect::<Vec<_>>(), 1..=n_dx.min(4)),
        date(),
        proptest::option::of(0u64..30),
        proptest::option::of(select(vec!["11", "12", "02", "10"])),
        text(50),
    )
        .prop_map(
            |(code, mods, charge, units, ptrs, start, span, pos, lcn)| ServiceLine {
                procedure: CptCode::parse(code).expect("code"),
                modifiers: mods
                    .iter()
                    .map(|m| Modifier::parse(m).expect("modifier"))
                    .collect(),
                charge,
                units,
                diagnosis_pointers: ptrs,
                service_date: start,
                service_date_end: span.map(|d| start + chrono::Days::new(d)),
                place_of_service: pos.map(String::from),
                line_control_number: lcn,
                adjudications: Vec::new(),
            },
        )
}

// ---- coordination of benefits (2320/2330A/2330B/2430) ----

const GROUPS: [&str; 5] = ["CO", "CR", "OA", "PI", "PR"];

/// Adjustment triples without amounts yet: (group index, reason, share in per mille).
fn raw_adjustments(max: usize) -> impl Strategy<Value = RawAdjustments> {
    proptest::collection::vec((0usize..5, "[0-9A-Z]{1,5}", 0i64..=1000), 0..=max)
}

/// Splits `total` cents over `raw` (in that order, grouped by group code as the writer
/// writes them); the last one takes what rounding left.
fn spread(total: i64, raw: &[(usize, String, i64)]) -> Vec<Adjustment> {
    let mut raw = raw.to_vec();
    raw.sort_by_key(|r| r.0);
    let weight: i64 = raw.iter().map(|r| r.2).sum::<i64>().max(1);
    let mut left = total;
    let n = raw.len();
    raw.iter()
        .enumerate()
        .map(|(i, (g, reason, w))| {
            let cents = if i + 1 == n { left } else { total * w / weight };
            left -= cents;
            Adjustment {
                group: GROUPS[*g].into(),
                reason: reason.clone(),
                amount: Money::new(Decimal::new(cents, 2)),
                quantity: (w % 3 == 0).then_some((*w % 7) as u32),
            }
        })
        .collect()
}

fn cents(m: Money) -> i64 {
    i64::try_from((m.amount() * Decimal::ONE_HUNDRED).round()).expect("cents")
}

/// Adjustment triples before their amounts: (group index, reason, share in per mille).
type RawAdjustments = Vec<(usize, String, i64)>;

/// One line's 2430 seed: paid per mille of the charge, adjustments, date, EAF, units.
type LineSeed = (i64, RawAdjustments, NaiveDate, Option<Money>, u32);

/// The random parts of one other payer and its line adjudications.
#[derive(Debug, Clone)]
struct OtherSeed {
    relationship: Option<Relationship>,
    group: Option<String>,
    cfi: &'static str,
    claim_adjustments: RawAdjustments,
    claim_adjusted_cents: i64,
    eaf: Option<Money>,
    flags: (bool, bool),
    moa: Option<OutpatientAdjudication>,
    subscriber: (PersonName, String, Option<Address>),
    payer: (String, String, Option<NaiveDate>, Option<String>),
    /// Per line, when the payer adjudicated by line.
    lines: Option<Vec<LineSeed>>,
}

fn other_seed() -> impl Strategy<Value = OtherSeed> {
    let head = (
        proptest::option::of(select(vec![
            Relationship::Spouse,
            Relationship::Child,
            Relationship::Other,
        ])),
        opt_text(50),
        select(vec!["MB", "CI", "MC", "BL", "16"]),
        raw_adjustments(3),
        0i64..5_000,
        proptest::option::of(money()),
        (any::<bool>(), any::<bool>()),
        proptest::option::of((
            proptest::option::of((0i64..10_000).prop_map(|n| Decimal::new(n, 4))),
            proptest::option::of(money()),
            proptest::collection::vec("[A-Z]{1,2}[0-9]{1,3}", 0..=5),
        )),
    );
    let parties = (
        (
            person(),
            text(79).prop_map(|t| format!("M{t}")),
            proptest::option::of(address(false)),
        ),
        (
            text(60),
            text(79),
            proptest::option::of(date()),
            opt_text(50),
        ),
        proptest::option::of(proptest::collection::vec(
            (
                0i64..=1000,
                raw_adjustments(8),
                date(),
                proptest::option::of(money()),
                0u32..100,
            ),
            6,
        )),
    );
    (head, parties).prop_map(|(h, p)| OtherSeed {
        relationship: h.0,
        group: h.1,
        cfi: h.2,
        claim_adjustments: h.3,
        claim_adjusted_cents: h.4,
        eaf: h.5,
        flags: h.6,
        // An MOA needs at least one element.
        moa: h
            .7
            .map(|(rate, payable, remarks)| OutpatientAdjudication {
                reimbursement_rate: rate,
                hcpcs_payable_amount: payable,
                remarks,
            })
            .filter(|m| {
                m.reimbursement_rate.is_some()
                    || m.hcpcs_payable_amount.is_some()
                    || !m.remarks.is_empty()
            }),
        subscriber: p.0,
        payer: p.1,
        lines: p.2,
    })
}

/// Adds `seeds` as other payers of `claim`, as many as its own SBR01 calls for, each
/// balanced (lines, and AMT*D against the lines and claim-level adjustments).
fn add_other_payers(claim: &mut Claim, seeds: Vec<OtherSeed>, wanted: usize) {
    let own = claim.subscriber.payer_responsibility.clone();
    let n = match own.as_str() {
        "S" => wanted.max(1),
        "T" => 2,
        _ => wanted,
    };
    let mut sequence = ["P", "S", "T", "A"].into_iter().filter(|s| *s != own);
    for (i, seed) in seeds.into_iter().take(n).enumerate() {
        let payer_id = format!("{}{i}", seed.payer.1);
        let mut line_paid = 0;
        if let Some(lines) = &seed.lines {
            for (line, (mille, raw, day, eaf, units)) in claim.lines.iter_mut().zip(lines) {
                let charge = cents(line.charge);
                let paid = charge * mille / 1000;
                line_paid += paid;
                let mut adjustments = spread(charge - paid, raw);
                if adjustments.is_empty() && charge != paid {
                    adjustments = spread(charge - paid, &[(0, "45".into(), 1)]);
                }
                line.adjudications.push(LineAdjudication {
                    payer_id: payer_id.clone(),
                    paid_amount: Money::new(Decimal::new(paid, 2)),
                    procedure: line.procedure,
                    modifiers: line.modifiers.clone(),
                    paid_units: *units,
                    adjustments,
                    adjudication_date: *day,
                    remaining_patient_liability: *eaf,
                });
            }
        }
        let claim_adjustments = if seed.claim_adjustments.is_empty() {
            Vec::new()
        } else {
            spread(seed.claim_adjusted_cents, &seed.claim_adjustments)
        };
        let adjusted: i64 = claim_adjustments.iter().map(|a| cents(a.amount)).sum();
        let has_lines = seed.lines.is_some();
        claim.other_payers.push(OtherPayer {
            payer_responsibility: sequence.next().unwrap_or("A").into(),
            patient_relationship: seed.relationship,
            group_number: seed.group,
            claim_filing_indicator: seed.cfi.into(),
            adjustments: claim_adjustments,
            paid_amount: Some(Money::new(Decimal::new(line_paid - adjusted, 2))),
            remaining_patient_liability: seed.eaf,
            benefits_assigned: seed.flags.0,
            release_of_information: seed.flags.1,
            outpatient_adjudication: seed.moa,
            subscriber: OtherSubscriber {
                name: seed.subscriber.0,
                member_id: seed.subscriber.1,
                address: seed.subscriber.2,
            },
            payer: OtherPayerName {
                name: seed.payer.0,
                payer_id,
                // Without line adjudications the claim-level date is needed.
                adjudication_date: if has_lines {
                    seed.payer.2
                } else {
                    Some(seed.payer.2.unwrap_or_default())
                },
                claim_number: seed.payer.3,
            },
        });
    }
}

fn claim() -> impl Strategy<Value = Claim> {
    (1usize..=12, any::<bool>()).prop_flat_map(|(n_dx, dependent)| {
        let head = (
            text(20),
            select(vec!["11", "12", "02", "10", "31"]),
            select(vec![
                Frequency::Original,
                Frequency::Replacement,
                Frequency::Void,
            ]),
            text(50),
            (any::<bool>(), any::<bool>(), any::<bool>()),
            select(vec![
                Assignment::Assigned,
                Assignment::LabOnly,
                Assignment::NotAssigned,
            ]),
            opt_text(50),
            proptest::sample::subsequence(DX.to_vec(), n_dx),
        );
        let parties = (
            subscriber(!dependent),
            (text(60), text(80)),
            if dependent {
                patient().prop_map(Some).boxed()
            } else {
                Just(None).boxed()
            },
            proptest::option::of((person(), npi())),
            proptest::option::of((provider_name(), npi(), taxonomy())),
            proptest::collection::vec(line(n_dx), 1..6),
        );
        let cob = (proptest::collection::vec(other_seed(), 2), 0usize..=2);
        // Days before the first service: initial treatment, then onset before that.
        let dates = (
            proptest::option::of(0u64..400),
            proptest::option::of(0u64..400),
        );
        (head, parties, cob, dates).prop_map(|(h, p, (seeds, wanted), (initial, onset))| {
            let (pcn, pos, frequency, orig, flags, assignment, auth, dx) = h;
            let (subscriber, (payer_name, payer_id), patient, referring, rendering, lines) = p;
            let first = lines
                .iter()
                .map(|l| l.service_date)
                .min()
                .unwrap_or_default();
            let initial_treatment_date = initial.map(|d| first - chrono::Days::new(d));
            let onset_date =
                onset.map(|d| initial_treatment_date.unwrap_or(first) - chrono::Days::new(d));
            let mut claim = Claim {
                patient_control_number: pcn,
                total_charge: lines.iter().map(|l| l.charge).sum(),
                place_of_service: pos.into(),
                frequency,
                original_claim_number: (frequency != Frequency::Original).then_some(orig),
                provider_signature_on_file: flags.0,
                assignment,
                benefits_assigned: flags.1,
                release_of_information: flags.2,
                onset_date,
                initial_treatment_date,
                prior_authorization: auth,
                diagnoses: dx.iter().map(|d| Icd10::parse(d).expect("dx")).collect(),
                subscriber,
                payer: Payer {
                    name: payer_name,
                    payer_id,
                },
                patient,
                referring_provider: referring.map(|(name, npi)| ReferringProvider { name, npi }),
                rendering_provider: rendering.map(|(name, npi, taxonomy)| RenderingProvider {
                    name,
                    npi,
                    taxonomy,
                }),
                other_payers: Vec::new(),
                lines,
            };
            add_other_payers(&mut claim, seeds, wanted);
            claim
        })
    })
}

fn claim_file() -> impl Strategy<Value = ClaimFile> {
    let envelope = (
        "[A-Z0-9]{1,15}",
        "[A-Z0-9]{1,15}",
        1u32..=999_999_999,
        1u32..=999_999_999,
        date(),
        (0u32..24, 0u32..60),
        any::<bool>(),
        any::<bool>(),
    );
    let parties = (
        provider_name(),
        text(80),
        (text(60), "[0-9]{10}"),
        (text(60), text(80)),
        (
            provider_name(),
            npi(),
            "[0-9]{9}",
            taxonomy(),
            address(true),
        ),
        proptest::option::of(address(false)),
    );
    // Repeat some claims' parties so HL grouping (and its splitting) is exercised.
    let claims = proptest::collection::vec((claim(), 0usize..3), 1..8);
    (envelope, parties, claims).prop_map(|(e, p, claims)| {
        let (sender, receiver, icn, gcn, day, (h, m), production, ack) = e;
        let (sub_name, sub_id, (contact, phone), (rname, rid), bp, pay_to) = p;
        let mut expanded: Vec<Claim> = Vec::new();
        for (c, repeat) in claims {
            for k in 0..=repeat {
                let mut c = c.clone();
                c.patient_control_number = format!(
                    "{}{k}",
                    &c.patient_control_number[..c.patient_control_number.len().min(19)]
                );
                expanded.push(c);
            }
        }
        ClaimFile {
            envelope: Envelope {
                sender_qualifier: "ZZ".into(),
                sender_id: sender,
                receiver_qualifier: "ZZ".into(),
                receiver_id: receiver,
                interchange_control_number: icn,
                group_control_number: gcn,
                created: NaiveDateTime::new(
                    day + chrono::Days::new(20_000),
                    chrono::NaiveTime::from_hms_opt(h, m, 0).expect("time"),
                ),
                usage: if production {
                    Usage::Production
                } else {
                    Usage::Test
                },
                acknowledgment_requested: ack,
            },
            submitter: Submitter {
                name: sub_name,
                id: sub_id,
                contact: Contact {
                    name: contact,
                    phone,
                },
            },
            receiver: Receiver {
                name: rname,
                id: rid,
            },
            billing_provider: BillingProvider {
                name: bp.0,
                npi: bp.1,
                ein: bp.2,
                taxonomy: bp.3,
                address: bp.4,
                pay_to_address: pay_to,
            },
            claims: expanded,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_valid_claims_round_trip(file in claim_file(), per_st in 1usize..6) {
        prop_assert_eq!(check_file(&file), vec![]);
        round_trip("random", &file, &WriteOptions { max_claims_per_transaction: per_st, ..WriteOptions::default() });
    }
}
