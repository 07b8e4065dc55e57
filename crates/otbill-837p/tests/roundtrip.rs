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
fn garbage_gives_findings_not_panics() {
    for input in [
        &b""[..],
        b"hello",
        b"ISA*00~",
        b"ST*837*1~CLM*~SV1*~SE*1*1~",
        b"\xff\xfe\x00",
    ] {
        let back = read_837p(input);
        assert!(back.file.is_none() || back.file.is_some_and(|f| f.claims.is_empty()));
    }
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
            },
        )
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
        (head, parties).prop_map(|(h, p)| {
            let (pcn, pos, frequency, orig, flags, assignment, auth, dx) = h;
            let (subscriber, (payer_name, payer_id), patient, referring, rendering, lines) = p;
            Claim {
                patient_control_number: pcn,
                total_charge: lines.iter().map(|l| l.charge).sum(),
                place_of_service: pos.into(),
                frequency,
                original_claim_number: (frequency != Frequency::Original).then_some(orig),
                provider_signature_on_file: flags.0,
                assignment,
                benefits_assigned: flags.1,
                release_of_information: flags.2,
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
                lines,
            }
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
