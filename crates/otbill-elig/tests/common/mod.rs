//! Requests and envelopes shared by the integration tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use otbill_elig::{Envelope, Person, Request270};

/// A date that exists.
pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// The test envelope (control number 17, test indicator).
pub fn envelope() -> Envelope {
    Envelope {
        sender_id: "BONEJOINT".into(),
        receiver_id: "ACMEHEALTH".into(),
        control_number: 17,
        date: day(2026, 12, 3),
        time: "1200".into(),
        production: false,
    }
}

/// Valid NPIs (Luhn with the 80840 prefix).
pub const NPIS: [&str; 3] = ["1234567893", "1245319599", "1003000126"];

/// One OT request for a subscriber who is the patient.
pub fn request(n: usize) -> Request270 {
    Request270 {
        trace: format!("ELIG-{n:05}"),
        payer_name: "ACME HEALTH PLAN".into(),
        payer_id: "842610001".into(),
        provider_name: "BONE AND JOINT CLINIC".into(),
        provider_first: None,
        provider_npi: NPIS[0].into(),
        subscriber: Person {
            member_id: format!("M{n:09}"),
            last: "SMITH".into(),
            first: "ROBERT".into(),
            birth_date: Some(day(1943, 5, 19)),
            gender: Some('M'),
        },
        dependent: None,
        service_date: day(2026, 12, 3),
        service_types: vec!["AD".into()],
    }
}

/// A request where the patient is the subscriber's child.
pub fn dependent_request(n: usize) -> Request270 {
    Request270 {
        dependent: Some(Person {
            member_id: String::new(),
            last: "SMITH".into(),
            first: "MARY".into(),
            birth_date: Some(day(2015, 3, 17)),
            gender: Some('F'),
        }),
        service_types: vec!["AD".into(), "30".into(), "1".into()],
        ..request(n)
    }
}

/// `count` requests over three payers and, per payer, three providers (one a
/// person), every fifth with a dependent, some with no service type or birth date.
pub fn batch(count: usize) -> Vec<Request270> {
    (0..count)
        .map(|n| {
            let mut r = if n % 5 == 4 {
                dependent_request(n)
            } else {
                request(n)
            };
            match n % 3 {
                0 => {}
                1 => {
                    r.payer_name = "OTHER HEALTH".into();
                    r.payer_id = "55555".into();
                }
                _ => {
                    r.payer_name = "STATE MEDICAID".into();
                    r.payer_id = "SKCO0".into();
                }
            }
            match (n / 3) % 3 {
                0 => {}
                1 => r.provider_npi = NPIS[1].into(),
                _ => {
                    r.provider_name = "TAYLOR".into();
                    r.provider_first = Some("ANN".into());
                    r.provider_npi = NPIS[2].into();
                }
            }
            if n % 7 == 3 {
                r.service_types.clear();
            }
            if n % 11 == 5 {
                r.subscriber.birth_date = None;
            }
            r
        })
        .collect()
}
