//! The 270 eligibility, coverage or benefit inquiry (005010X279A1) writer.
//!
//! One call writes one interchange (ISA/GS `HS`/ST `270`). Requests are grouped
//! under one information source HL (2000A, `NM1*PR`) per payer and one information
//! receiver HL (2000B, `NM1*1P`) per provider under that payer, in the order they first
//! appear; each request is a subscriber HL (2000C) and, when the patient is a
//! dependent, a dependent HL (2000D) under it. The TRN, the service date (DTP*291) and
//! the EQ segments go in the patient's loop (2000C/2100C/2110C for a subscriber,
//! 2000D/2100D/2110D for a dependent), as the TR3 requires.
//!
//! Everything goes through [`otbill_x12::Writer`] (ISA padding, SE01, control numbers);
//! a value that contains a delimiter comes back as [`WriteError::Delimiter`] naming the
//! request and the field.

use chrono::{NaiveDate, NaiveTime};
use otbill_types::Npi;
use otbill_x12::{Delimiters, Group, Interchange, Writer};

/// The interchange envelope of one 270 file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// ISA06 and GS02 (qualifier `ZZ`), at most 15 characters.
    pub sender_id: String,
    /// ISA08 and GS03 (qualifier `ZZ`), at most 15 characters.
    pub receiver_id: String,
    /// ISA13 and GS06 (and BHT03), 1..=999999999.
    pub control_number: u32,
    /// ISA09, GS04 and BHT04.
    pub date: NaiveDate,
    /// ISA10, GS05 and BHT05: `HHMM`.
    pub time: String,
    /// ISA15: `P` when true, `T` (test) when false.
    pub production: bool,
}

/// A subscriber or a dependent as the 270 names them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    /// The payer's member id (2100C NM109, `MI`). Not sent for a dependent: the
    /// 2100D NM1 has no identifier in 005010X279A1.
    pub member_id: String,
    /// Last name (NM103), at most 60 characters.
    pub last: String,
    /// First name (NM104), at most 35 characters; may be empty.
    pub first: String,
    /// DMG02. Without it no DMG segment is written (DMG02 is required in a DMG).
    pub birth_date: Option<NaiveDate>,
    /// DMG03: `M`, `F` or `U`; only written together with a birth date.
    pub gender: Option<char>,
}

/// One eligibility inquiry: one patient at one provider with one payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request270 {
    /// TRN02 (with TRN01 `1`), at most 50 characters: our trace, echoed in the 271
    /// (`TRN*2`) so the answer can be matched to the request.
    pub trace: String,
    /// 2100A NM103, the payer's name.
    pub payer_name: String,
    /// 2100A NM109 (qualifier `PI`), the payer id.
    pub payer_id: String,
    /// 2100B NM103: the organization's name, or the person's last name when
    /// `provider_first` is set.
    pub provider_name: String,
    /// 2100B NM104. `None`: the provider is an organization (NM102 `2`); `Some`: a
    /// person (NM102 `1`).
    pub provider_first: Option<String>,
    /// 2100B NM109 (qualifier `XX`): a valid NPI.
    pub provider_npi: String,
    /// 2100C, the subscriber (the patient when `dependent` is `None`).
    pub subscriber: Person,
    /// 2100D, the patient when the patient is not the subscriber.
    pub dependent: Option<Person>,
    /// DTP*291 (plan date) in the patient's loop.
    pub service_date: NaiveDate,
    /// EQ01, one EQ segment each (`AD` occupational therapy, `30` health benefit plan
    /// coverage, `1` medical care...). Empty: one `EQ*30`.
    pub service_types: Vec<String>,
}

/// Why a 270 could not be written. Field errors name the request (0-based index in
/// the slice) and the field.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// No requests were given: an empty 270 is not valid.
    #[error("no requests to write")]
    NoRequests,
    /// An envelope field is not usable.
    #[error("envelope.{field}: {problem}")]
    Envelope {
        /// The field, e.g. `time`.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A request field is missing or not usable.
    #[error("requests[{index}].{field}: {problem}")]
    Field {
        /// 0-based index of the request.
        index: usize,
        /// The field, e.g. `subscriber.member_id`.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A value contains one of the X12 delimiters.
    #[error("{place}: value {value:?} contains the delimiter {delimiter:?}")]
    Delimiter {
        /// `requests[3].subscriber.last` or `envelope.sender_id`.
        place: String,
        /// The offending value.
        value: String,
        /// The delimiter found in it.
        delimiter: char,
    },
    /// Any other error from the X12 writer.
    #[error(transparent)]
    X12(#[from] otbill_x12::WriteError),
}

/// Writes one 270 interchange with every request in `requests`.
///
/// ```
/// use chrono::NaiveDate;
/// use otbill_elig::{write_270, Envelope, Person, Request270};
/// let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
/// let env = Envelope { sender_id: "CLINIC".into(), receiver_id: "PAYER".into(),
///     control_number: 7, date: day, time: "1200".into(), production: false };
/// let request = Request270 {
///     trace: "ELIG-1".into(), payer_name: "ACME HEALTH".into(), payer_id: "12345".into(),
///     provider_name: "BONE AND JOINT CLINIC".into(), provider_first: None,
///     provider_npi: "1234567893".into(),
///     subscriber: Person { member_id: "M123".into(), last: "SMITH".into(),
///         first: "ROBERT".into(), birth_date: None, gender: None },
///     dependent: None, service_date: day, service_types: vec!["AD".into()],
/// };
/// let x12 = write_270(&[request], &env)?;
/// assert!(x12.contains("~TRN*1*ELIG-1*9123456789~"));
/// assert!(x12.contains("~EQ*AD~"));
/// assert!(otbill_x12::check(x12.as_bytes()).is_empty());
/// # Ok::<(), otbill_elig::WriteError>(())
/// ```
pub fn write_270(requests: &[Request270], env: &Envelope) -> Result<String, WriteError> {
    if requests.is_empty() {
        return Err(WriteError::NoRequests);
    }
    let time = check_envelope(env)?;
    for (index, request) in requests.iter().enumerate() {
        check_request(index, request)?;
    }
    let date_time = env.date.and_time(time);
    let mut w = Writer::new(Vec::new(), Delimiters::default());
    let mut isa = Interchange::new(
        "ZZ",
        &env.sender_id,
        "ZZ",
        &env.receiver_id,
        env.control_number,
    );
    isa.date_time = date_time;
    isa.production = env.production;
    w.begin_interchange(&isa)
        .map_err(|e| envelope_error(e, "ISA"))?;
    let mut gs = Group::new(
        "HS",
        &env.sender_id,
        &env.receiver_id,
        env.control_number,
        "005010X279A1",
    );
    gs.date_time = date_time;
    w.begin_group(&gs).map_err(|e| envelope_error(e, "GS"))?;
    w.begin_transaction("270", Some("005010X279A1"))?;
    let date = env.date.format("%Y%m%d").to_string();
    w.segment(
        "BHT",
        &[
            "0022",
            "13",
            &env.control_number.to_string(),
            &date,
            &env.time,
        ],
    )?;

    let mut hl = 0usize;
    for (payer, providers) in group(requests) {
        hl += 1;
        let payer_hl = hl.to_string();
        let first = &requests[payer];
        w.segment("HL", &[&payer_hl, "", "20", "1"])?;
        put(
            &mut w,
            payer,
            "NM1",
            &[
                ("PR", ""),
                ("2", ""),
                (&first.payer_name, "payer_name"),
                ("", ""),
                ("", ""),
                ("", ""),
                ("", ""),
                ("PI", ""),
                (&first.payer_id, "payer_id"),
            ],
        )?;
        for (provider, members) in providers {
            hl += 1;
            let provider_hl = hl.to_string();
            let p = &requests[provider];
            w.segment("HL", &[&provider_hl, &payer_hl, "21", "1"])?;
            let (kind, first_name) = match &p.provider_first {
                Some(first) => ("1", first.as_str()),
                None => ("2", ""),
            };
            put(
                &mut w,
                provider,
                "NM1",
                &[
                    ("1P", ""),
                    (kind, ""),
                    (&p.provider_name, "provider_name"),
                    (first_name, "provider_first"),
                    ("", ""),
                    ("", ""),
                    ("", ""),
                    ("XX", ""),
                    (&p.provider_npi, "provider_npi"),
                ],
            )?;
            for index in members {
                hl += 1;
                write_member(&mut w, index, &requests[index], &mut hl, &provider_hl)?;
            }
        }
    }
    w.end_transaction()?;
    w.end_group()?;
    let out = w.finish()?;
    // The writer only ever writes the ASCII-checked text it was given.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Writes 2000C (and 2000D) for request `index`; `hl` is the subscriber's HL01 and
/// comes back as the last HL01 used.
fn write_member(
    w: &mut Writer<Vec<u8>>,
    index: usize,
    r: &Request270,
    hl: &mut usize,
    parent: &str,
) -> Result<(), WriteError> {
    let subscriber_hl = hl.to_string();
    let has_dependent = r.dependent.is_some();
    w.segment(
        "HL",
        &[
            &subscriber_hl,
            parent,
            "22",
            if has_dependent { "1" } else { "0" },
        ],
    )?;
    let trn03 = trn03(&r.provider_npi);
    if !has_dependent {
        put(
            w,
            index,
            "TRN",
            &[("1", ""), (&r.trace, "trace"), (&trn03, "provider_npi")],
        )?;
    }
    let s = &r.subscriber;
    put(
        w,
        index,
        "NM1",
        &[
            ("IL", ""),
            ("1", ""),
            (&s.last, "subscriber.last"),
            (&s.first, "subscriber.first"),
            ("", ""),
            ("", ""),
            ("", ""),
            ("MI", ""),
            (&s.member_id, "subscriber.member_id"),
        ],
    )?;
    write_dmg(w, s)?;
    match &r.dependent {
        None => write_inquiry(w, r),
        Some(d) => {
            *hl += 1;
            w.segment("HL", &[&hl.to_string(), &subscriber_hl, "23", "0"])?;
            put(
                w,
                index,
                "TRN",
                &[("1", ""), (&r.trace, "trace"), (&trn03, "provider_npi")],
            )?;
            put(
                w,
                index,
                "NM1",
                &[
                    ("03", ""),
                    ("1", ""),
                    (&d.last, "dependent.last"),
                    (&d.first, "dependent.first"),
                ],
            )?;
            write_dmg(w, d)?;
            write_inquiry(w, r)
        }
    }
}

fn write_dmg(w: &mut Writer<Vec<u8>>, p: &Person) -> Result<(), WriteError> {
    if let Some(birth) = p.birth_date {
        let birth = birth.format("%Y%m%d").to_string();
        let gender = p.gender.map(String::from).unwrap_or_default();
        w.segment("DMG", &["D8", &birth, &gender])?;
    }
    Ok(())
}

/// DTP*291 and the EQ segments of the patient's loop.
fn write_inquiry(w: &mut Writer<Vec<u8>>, r: &Request270) -> Result<(), WriteError> {
    let date = r.service_date.format("%Y%m%d").to_string();
    w.segment("DTP", &["291", "D8", &date])?;
    if r.service_types.is_empty() {
        w.segment("EQ", &["30"])?;
    }
    for code in &r.service_types {
        w.segment("EQ", &[code])?;
    }
    Ok(())
}

/// TRN03, the originator's company id: `9` (a user-assigned number) and the first
/// nine digits of the provider's NPI, so it fits the 10 characters of TRN03.
fn trn03(npi: &str) -> String {
    format!("9{}", npi.get(..9).unwrap_or(npi))
}

/// Writes one segment whose elements carry the request field they came from, so a
/// delimiter error can name it.
fn put(
    w: &mut Writer<Vec<u8>>,
    index: usize,
    id: &str,
    elements: &[(&str, &'static str)],
) -> Result<(), WriteError> {
    let values: Vec<&str> = elements.iter().map(|(v, _)| *v).collect();
    w.segment(id, &values).map_err(|e| match e {
        otbill_x12::WriteError::Delimiter {
            element,
            value,
            delimiter,
            ..
        } => {
            let field = elements
                .get(element.wrapping_sub(1))
                .map_or("?", |(_, f)| *f);
            WriteError::Delimiter {
                place: format!("requests[{index}].{field}"),
                value,
                delimiter,
            }
        }
        other => WriteError::X12(other),
    })
}

fn envelope_error(e: otbill_x12::WriteError, segment: &str) -> WriteError {
    match e {
        otbill_x12::WriteError::Delimiter {
            element,
            value,
            delimiter,
            ..
        } => {
            let field = match (segment, element) {
                ("ISA", 6) | ("GS", 2) => "sender_id",
                ("ISA", 8) | ("GS", 3) => "receiver_id",
                _ => "?",
            };
            WriteError::Delimiter {
                place: format!("envelope.{field}"),
                value,
                delimiter,
            }
        }
        otbill_x12::WriteError::TooLong {
            element,
            value,
            max,
            ..
        } => WriteError::Envelope {
            field: if element == 6 {
                "sender_id"
            } else {
                "receiver_id"
            },
            problem: format!("{value:?} is longer than {max} characters"),
        },
        other => WriteError::X12(other),
    }
}

/// Payers in first-appearance order, each with its providers in first-appearance
/// order, each with its requests: indexes into `requests`.
type Grouped = Vec<(usize, Vec<(usize, Vec<usize>)>)>;

fn group(requests: &[Request270]) -> Grouped {
    let mut payers: Grouped = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let payer = match payers
            .iter()
            .position(|(p, _)| same_payer(&requests[*p], r))
        {
            Some(p) => p,
            None => {
                payers.push((i, Vec::new()));
                payers.len() - 1
            }
        };
        let providers = &mut payers[payer].1;
        match providers
            .iter()
            .position(|(p, _)| same_provider(&requests[*p], r))
        {
            Some(p) => providers[p].1.push(i),
            None => providers.push((i, vec![i])),
        }
    }
    payers
}

fn same_payer(a: &Request270, b: &Request270) -> bool {
    a.payer_id == b.payer_id && a.payer_name == b.payer_name
}

fn same_provider(a: &Request270, b: &Request270) -> bool {
    a.provider_npi == b.provider_npi
        && a.provider_name == b.provider_name
        && a.provider_first == b.provider_first
}

fn check_envelope(env: &Envelope) -> Result<NaiveTime, WriteError> {
    let bad = |field, problem: &str| WriteError::Envelope {
        field,
        problem: problem.to_string(),
    };
    for (field, value) in [
        ("sender_id", &env.sender_id),
        ("receiver_id", &env.receiver_id),
    ] {
        if value.trim().is_empty() {
            return Err(bad(field, "is empty"));
        }
        if !value.is_ascii() {
            return Err(bad(field, "is not ASCII"));
        }
    }
    if env.control_number == 0 || env.control_number > 999_999_999 {
        return Err(bad("control_number", "must be 1..=999999999"));
    }
    let time = (env.time.len() == 4 && env.time.bytes().all(|b| b.is_ascii_digit()))
        .then(|| NaiveTime::parse_from_str(&env.time, "%H%M").ok())
        .flatten();
    time.ok_or_else(|| bad("time", &format!("{:?} is not HHMM", env.time)))
}

fn check_request(index: usize, r: &Request270) -> Result<(), WriteError> {
    let bad = |field, problem: String| WriteError::Field {
        index,
        field,
        problem,
    };
    let text = |field: &'static str, value: &str, max: usize, required: bool| {
        if required && value.trim().is_empty() {
            return Err(bad(field, "is empty".to_string()));
        }
        if !value.is_ascii() || value.bytes().any(|b| b.is_ascii_control()) {
            return Err(bad(
                field,
                format!("{value:?} has characters outside printable ASCII"),
            ));
        }
        if value.len() > max {
            return Err(bad(
                field,
                format!("{value:?} is longer than {max} characters"),
            ));
        }
        Ok(())
    };
    text("trace", &r.trace, 50, true)?;
    text("payer_name", &r.payer_name, 60, true)?;
    text("payer_id", &r.payer_id, 80, true)?;
    text("provider_name", &r.provider_name, 60, true)?;
    if let Some(first) = &r.provider_first {
        text("provider_first", first, 35, true)?;
    }
    if let Err(e) = Npi::parse(&r.provider_npi) {
        return Err(bad(
            "provider_npi",
            format!("{:?} is not a valid NPI: {}", r.provider_npi, e.reason()),
        ));
    }
    let s = &r.subscriber;
    text("subscriber.member_id", &s.member_id, 80, true)?;
    if s.member_id.len() < 2 {
        return Err(bad(
            "subscriber.member_id",
            format!("{:?} is shorter than 2 characters", s.member_id),
        ));
    }
    text("subscriber.last", &s.last, 60, true)?;
    text("subscriber.first", &s.first, 35, false)?;
    check_gender(index, "subscriber.gender", s.gender)?;
    if let Some(d) = &r.dependent {
        text("dependent.last", &d.last, 60, true)?;
        text("dependent.first", &d.first, 35, false)?;
        check_gender(index, "dependent.gender", d.gender)?;
    }
    for code in &r.service_types {
        let ok = (1..=2).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !ok {
            return Err(bad(
                "service_types",
                format!("{code:?} is not a service type code (1-2 upper-case letters or digits)"),
            ));
        }
    }
    if r.service_types.len() > 99 {
        return Err(bad("service_types", "more than 99 EQ segments".to_string()));
    }
    Ok(())
}

fn check_gender(index: usize, field: &'static str, gender: Option<char>) -> Result<(), WriteError> {
    match gender {
        None | Some('M' | 'F' | 'U') => Ok(()),
        Some(other) => Err(WriteError::Field {
            index,
            field,
            problem: format!("{other:?} is not M, F or U"),
        }),
    }
}
