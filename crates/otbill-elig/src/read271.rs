//! The 271 eligibility, coverage or benefit response (005010X279A1) reader.
//!
//! A small state machine over [`otbill_x12::Reader`]: the HL level (20 source, 21
//! receiver, 22 subscriber, 23 dependent) says whose loop a segment belongs to, the
//! first EB of a level starts its 2110 loops, and LS/LE bracket the 2120 loops.
//! Nothing fails: every problem is a [`Finding`] with the segment's position.

use crate::codes::{self, BenefitKind, TimePeriod};
use crate::model::{Benefit, Delivery, Member, Read271, Rejection, Response271};
use chrono::NaiveDate;
use otbill_x12::{decode, EnvelopeChecker, Finding, Position, Reader, Segment};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Reads every 271 transaction of `input` (BOM and UTF-16 handled).
///
/// Never fails and never panics: an input with no ISA, a TA1 instead of a 271, a
/// truncated file, unknown codes or bad numbers give [`Finding`]s in
/// [`Read271::findings`], and whatever could be read is in [`Read271::responses`].
pub fn read_271(input: &[u8]) -> Read271 {
    let input = decode(input);
    let mut reader = Reader::new(&input);
    let mut checker = EnvelopeChecker::default();
    let mut p = Parser::default();
    for seg in reader.by_ref() {
        checker.push(&seg);
        p.segment(&seg);
    }
    p.end_transaction(true);
    if p.transactions == 0 {
        p.findings.push(Finding::error(
            "271-NONE",
            "no 271 transaction (ST*271) in the input",
            None,
        ));
    }
    let mut findings = reader.take_findings();
    findings.extend(checker.finish());
    findings.extend(p.findings);
    findings.sort_by_key(|f| f.position.map_or(0, |p| p.segment));
    Read271 {
        responses: p.responses,
        findings,
    }
}

/// Whose loop the current segments belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Level {
    /// Outside a 271 transaction.
    #[default]
    Outside,
    /// After ST, before the first HL.
    Header,
    /// 2000A (HL*..*20).
    Source,
    /// 2000B (HL*..*21).
    Receiver,
    /// 2000C (HL*..*22).
    Subscriber,
    /// 2000D (HL*..*23).
    Dependent,
    /// An HL with an unknown level code: skipped up to the next HL.
    Unknown,
}

impl Level {
    fn letter(self) -> &'static str {
        match self {
            Level::Source => "A",
            Level::Receiver => "B",
            Level::Subscriber => "C",
            Level::Dependent => "D",
            _ => "",
        }
    }
}

/// The payer or provider level: what the responses under it inherit.
#[derive(Debug, Default)]
struct Upper {
    hl: String,
    name: Option<String>,
    id: Option<String>,
    npi: Option<String>,
    rejections: Vec<Rejection>,
    /// Responses made under this level so far.
    children: usize,
    position: Option<Position>,
}

#[derive(Debug, Default)]
struct Parser {
    responses: Vec<Response271>,
    findings: Vec<Finding>,
    transactions: usize,
    level: Level,
    /// Whether the level's NM1 was seen (AAA before it is 2000x, after it 2100x).
    has_nm1: bool,
    /// Inside an EB loop (2110).
    in_2110: bool,
    /// The open LS, if any.
    ls: Option<Position>,
    source: Upper,
    receiver: Upper,
    /// HL01 of the current subscriber.
    subscriber_hl: String,
    level_position: Option<Position>,
    /// Index of the response of the current subscriber/dependent.
    current: Option<usize>,
    /// Priority of the plan date already set on the current member (lower is better).
    begin_rank: u8,
    end_rank: u8,
    last_position: Option<Position>,
}

impl Parser {
    fn segment(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        match seg.id() {
            "ST" => {
                self.end_transaction(true);
                self.last_position = Some(pos);
                if seg.str(1) == "271" {
                    self.transactions += 1;
                    self.level = Level::Header;
                } else {
                    self.findings.push(Finding::warning(
                        "271-NOT-271",
                        format!(
                            "transaction set {:?} is not a 271; skipped",
                            seg.element(1).to_str_lossy()
                        ),
                        Some(pos),
                    ));
                }
                return;
            }
            "SE" => {
                self.end_transaction(false);
                return;
            }
            "TA1" => {
                self.findings.push(Finding::warning(
                    "271-TA1",
                    format!(
                        "a TA1 interchange acknowledgment (TA104 {:?}, TA105 {:?}), not a 271",
                        seg.element(4).to_str_lossy(),
                        seg.element(5).to_str_lossy()
                    ),
                    Some(pos),
                ));
                return;
            }
            "ISA" | "IEA" | "GS" | "GE" => return,
            _ => {}
        }
        self.last_position = Some(pos);
        match self.level {
            Level::Outside => {}
            Level::Unknown => {
                if seg.id() == "HL" {
                    self.hl(seg);
                }
            }
            Level::Header => {
                if seg.id() == "HL" {
                    self.hl(seg);
                } else if seg.id() != "BHT" {
                    self.out_of_place(seg);
                }
            }
            _ => {
                if seg.id() == "HL" {
                    self.hl(seg);
                } else {
                    self.body(seg);
                }
            }
        }
    }

    /// Closes the open transaction: at its SE (`truncated` false), or at the next ST
    /// or the end of the input (`truncated` true: the SE never came).
    fn end_transaction(&mut self, truncated: bool) {
        if self.level == Level::Outside {
            return;
        }
        if truncated {
            let at = self.last_position.map_or_else(
                || "the start".to_string(),
                |p| format!("segment {}", p.segment),
            );
            self.findings.push(Finding::error(
                "271-TRUNCATED",
                format!("the 271 transaction is cut off after {at}: no SE"),
                self.last_position,
            ));
        }
        self.close_ls();
        self.end_level();
        self.flush_receiver();
        self.flush_source();
        self.level = Level::Outside;
    }

    fn hl(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        self.close_ls();
        self.end_level();
        let id = text(seg, 1);
        let parent = text(seg, 2);
        let code = seg.str(3);
        let (level, expected_parent) = match code {
            "20" => {
                self.flush_receiver();
                self.flush_source();
                self.source = Upper {
                    hl: id.clone(),
                    position: Some(pos),
                    ..Upper::default()
                };
                self.receiver = Upper::default();
                (Level::Source, String::new())
            }
            "21" => {
                self.flush_receiver();
                if self.source.position.is_none() {
                    self.order(
                        pos,
                        "an information receiver HL (21) with no source HL (20)",
                    );
                }
                self.receiver = Upper {
                    hl: id.clone(),
                    position: Some(pos),
                    ..Upper::default()
                };
                (Level::Receiver, self.source.hl.clone())
            }
            "22" => {
                if self.receiver.position.is_none() {
                    self.order(pos, "a subscriber HL (22) with no receiver HL (21)");
                }
                self.subscriber_hl = id.clone();
                let response = Response271 {
                    payer_name: self.source.name.clone(),
                    payer_id: self.source.id.clone(),
                    provider_npi: self.receiver.npi.clone(),
                    provider_name: self.receiver.name.clone(),
                    rejections: self
                        .source
                        .rejections
                        .iter()
                        .chain(&self.receiver.rejections)
                        .cloned()
                        .collect(),
                    ..Response271::default()
                };
                self.source.children += 1;
                self.receiver.children += 1;
                self.responses.push(response);
                self.current = Some(self.responses.len() - 1);
                (Level::Subscriber, self.receiver.hl.clone())
            }
            "23" => {
                let parent_hl = self.subscriber_hl.clone();
                match self.current {
                    None => self.order(pos, "a dependent HL (23) with no subscriber HL (22)"),
                    Some(i) => {
                        if self.responses[i].dependent.is_some() {
                            // A second dependent of the same subscriber: its own response.
                            let base = &self.responses[i];
                            let copy = Response271 {
                                trace: None,
                                payer_name: base.payer_name.clone(),
                                payer_id: base.payer_id.clone(),
                                provider_npi: base.provider_npi.clone(),
                                provider_name: base.provider_name.clone(),
                                subscriber: base.subscriber.clone(),
                                dependent: None,
                                benefits: Vec::new(),
                                rejections: base
                                    .rejections
                                    .iter()
                                    .filter(|r| !r.level.ends_with('D'))
                                    .cloned()
                                    .collect(),
                            };
                            self.responses.push(copy);
                            self.current = Some(self.responses.len() - 1);
                        } else if !self.responses[i].benefits.is_empty() {
                            self.findings.push(Finding::info(
                                "271-SUBSCRIBER-BENEFITS",
                                "the patient is a dependent: the subscriber's EB loops are not \
                                 the patient's and are left out",
                                Some(pos),
                            ));
                            self.responses[i].benefits.clear();
                        }
                    }
                }
                if let Some(i) = self.current {
                    self.responses[i].dependent = Some(Member::default());
                }
                (Level::Dependent, parent_hl)
            }
            other => {
                self.findings.push(Finding::error(
                    "271-HL03",
                    format!(
                        "HL03 {other:?} is not a 271 level (20, 21, 22, 23); its loop is skipped"
                    ),
                    Some(pos),
                ));
                self.level = Level::Unknown;
                return;
            }
        };
        if parent != expected_parent && !(level == Level::Source && parent.is_empty()) {
            self.findings.push(Finding::warning(
                "271-HL02",
                format!("HL02 {parent:?} is not the HL01 of the level above ({expected_parent:?})"),
                Some(pos),
            ));
        }
        self.level = level;
        self.level_position = Some(pos);
        self.has_nm1 = false;
        self.in_2110 = false;
        self.begin_rank = u8::MAX;
        self.end_rank = u8::MAX;
    }

    /// Checks that the level just left had its NM1.
    fn end_level(&mut self) {
        let loop_id = match self.level {
            Level::Source => "2100A",
            Level::Receiver => "2100B",
            Level::Subscriber => "2100C",
            Level::Dependent => "2100D",
            _ => return,
        };
        if !self.has_nm1 {
            self.findings.push(Finding::error(
                "271-NM1-MISSING",
                format!("loop {loop_id} has no NM1 segment"),
                self.level_position,
            ));
        }
        self.has_nm1 = true;
    }

    /// A receiver level with rejections and no subscriber becomes a response of its own.
    fn flush_receiver(&mut self) {
        if self.receiver.position.is_some()
            && self.receiver.children == 0
            && !self.receiver.rejections.is_empty()
        {
            self.responses.push(Response271 {
                payer_name: self.source.name.clone(),
                payer_id: self.source.id.clone(),
                provider_npi: self.receiver.npi.clone(),
                provider_name: self.receiver.name.clone(),
                rejections: self
                    .source
                    .rejections
                    .iter()
                    .chain(&self.receiver.rejections)
                    .cloned()
                    .collect(),
                ..Response271::default()
            });
            self.source.children += 1;
        }
        self.receiver = Upper::default();
        self.current = None;
    }

    /// A source level with rejections and nothing under it becomes a response of its own.
    fn flush_source(&mut self) {
        if self.source.position.is_some()
            && self.source.children == 0
            && !self.source.rejections.is_empty()
        {
            self.responses.push(Response271 {
                payer_name: self.source.name.clone(),
                payer_id: self.source.id.clone(),
                rejections: self.source.rejections.clone(),
                ..Response271::default()
            });
        }
        self.source = Upper::default();
        self.current = None;
    }

    fn order(&mut self, pos: Position, message: &str) {
        self.findings
            .push(Finding::error("271-HL-ORDER", message, Some(pos)));
    }

    fn out_of_place(&mut self, seg: &Segment<'_>) {
        self.findings.push(Finding::warning(
            "271-SEGMENT-PLACE",
            format!("{} segment out of place here; ignored", seg.id()),
            Some(seg.position()),
        ));
    }

    fn loop_id(&self) -> String {
        let prefix = if self.in_2110 {
            "2110"
        } else if self.has_nm1 {
            "2100"
        } else {
            "2000"
        };
        format!("{prefix}{}", self.level.letter())
    }

    fn body(&mut self, seg: &Segment<'_>) {
        let id = seg.id();
        if id == "AAA" {
            let rejection = self.rejection(seg);
            match self.level {
                Level::Source => self.source.rejections.push(rejection),
                Level::Receiver => self.receiver.rejections.push(rejection),
                _ => match self.current {
                    Some(i) => self.responses[i].rejections.push(rejection),
                    None => self.out_of_place(seg),
                },
            }
            return;
        }
        match self.level {
            Level::Source | Level::Receiver => self.upper(seg),
            Level::Subscriber | Level::Dependent => self.patient(seg),
            _ => {}
        }
    }

    /// 2000A/2100A and 2000B/2100B segments.
    fn upper(&mut self, seg: &Segment<'_>) {
        let receiver = self.level == Level::Receiver;
        match seg.id() {
            "NM1" => {
                if self.has_nm1 {
                    self.out_of_place(seg);
                    return;
                }
                self.has_nm1 = true;
                let name = person_name(seg);
                let up = if receiver {
                    &mut self.receiver
                } else {
                    &mut self.source
                };
                up.name = name;
                if receiver {
                    if seg.str(8) == "XX" {
                        up.npi = opt(seg, 9);
                    }
                } else {
                    up.id = opt(seg, 9);
                }
            }
            "PER" | "REF" | "N3" | "N4" | "PRV" => {}
            _ => self.out_of_place(seg),
        }
    }

    /// 2000C/2100C/2110C/2120C (and the D loops) segments.
    fn patient(&mut self, seg: &Segment<'_>) {
        let Some(i) = self.current else {
            return;
        };
        let pos = seg.position();
        let id = seg.id();
        if let Some(ls) = self.ls {
            match id {
                "NM1" => {
                    let entity = codes::entity_label(seg.str(1))
                        .map(str::to_string)
                        .unwrap_or_else(|| text(seg, 1));
                    let name = person_name(seg).unwrap_or_default();
                    if let Some(b) = self.responses[i].benefits.last_mut() {
                        b.related_entities.push(format!("{entity}: {name}"));
                    }
                }
                "LE" => self.ls = None,
                "LS" => {
                    self.findings.push(Finding::error(
                        "271-LS-NESTED",
                        format!("LS inside the LS opened at segment {}", ls.segment),
                        Some(pos),
                    ));
                }
                "N3" | "N4" | "PER" | "PRV" | "REF" => {}
                _ => {
                    self.close_ls();
                    self.patient(seg);
                }
            }
            return;
        }
        if self.in_2110 {
            self.benefit_segment(i, seg);
            return;
        }
        let dependent = self.level == Level::Dependent;
        match id {
            "TRN" => {
                if seg.str(1) == "2" {
                    let trace = opt(seg, 2);
                    let r = &mut self.responses[i];
                    if dependent || r.trace.is_none() {
                        r.trace = trace;
                    }
                }
            }
            "NM1" => {
                if self.has_nm1 {
                    self.out_of_place(seg);
                    return;
                }
                self.has_nm1 = true;
                let m = self.member(i);
                m.last = opt(seg, 3);
                m.first = opt(seg, 4);
                m.member_id = opt(seg, 9);
            }
            "REF" => {
                let (q, v) = (text(seg, 1), text(seg, 2));
                let name = opt(seg, 3);
                let m = self.member(i);
                if q == "6P" {
                    m.group_number = Some(v.clone()).filter(|v| !v.is_empty());
                    m.group_name = name;
                }
                m.references.push((q, v));
            }
            "DMG" => {
                let birth = if seg.str(1) == "D8" && !seg.element(2).is_empty() {
                    self.date(seg, 2)
                } else {
                    None
                };
                let m = self.member(i);
                m.birth_date = birth;
                m.gender = opt(seg, 3);
            }
            "INS" => {
                self.member(i).relationship = opt(seg, 2);
            }
            "DTP" => self.member_date(i, seg),
            "EB" => self.start_benefit(i, seg),
            "N3" | "N4" | "PRV" | "HI" | "MPI" => {}
            // LS, LE, HSD, MSG, III before any EB, and anything unknown.
            _ => self.out_of_place(seg),
        }
    }

    fn member(&mut self, i: usize) -> &mut Member {
        let r = &mut self.responses[i];
        if self.level == Level::Dependent {
            r.dependent.get_or_insert_with(Member::default)
        } else {
            &mut r.subscriber
        }
    }

    fn member_date(&mut self, i: usize, seg: &Segment<'_>) {
        let qualifier = text(seg, 1);
        let value = text(seg, 3);
        let (begin, end) = self.dates(seg);
        let (begin_rank, end_rank) = match (qualifier.as_str(), seg.str(2)) {
            ("346", _) => (0, u8::MAX),
            ("347", _) => (u8::MAX, 0),
            ("356", _) => (1, u8::MAX),
            ("357", _) => (u8::MAX, 1),
            ("291" | "292" | "307", "RD8") => (2, 2),
            _ => (u8::MAX, u8::MAX),
        };
        let (old_begin, old_end) = (self.begin_rank, self.end_rank);
        let m = self.member(i);
        m.dates.push((qualifier.clone(), value));
        let single = begin.or(end);
        if begin_rank < old_begin {
            m.plan_begin = if seg.str(2) == "RD8" { begin } else { single };
        }
        if end_rank < old_end {
            m.plan_end = if seg.str(2) == "RD8" { end } else { single };
        }
        if begin_rank < old_begin {
            self.begin_rank = begin_rank;
        }
        if end_rank < old_end {
            self.end_rank = end_rank;
        }
    }

    fn start_benefit(&mut self, i: usize, seg: &Segment<'_>) {
        let pos = seg.position();
        self.in_2110 = true;
        let code = seg.element(1).to_str_lossy().into_owned();
        let kind = BenefitKind::from_code(&code).unwrap_or_else(|| {
            self.findings.push(Finding::warning(
                "271-EB01-UNKNOWN",
                format!("EB01 {code:?} is not an eligibility or benefit code; kept as other"),
                Some(pos),
            ));
            BenefitKind::Other(code.clone())
        });
        let service_types: Vec<String> = seg
            .element(3)
            .repetitions()
            .map(|r| r.to_str_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let time_period = self.period(seg, 6, "EB06");
        let procedure = {
            let parts: Vec<String> = seg
                .element(13)
                .components()
                .map(|c| c.to_str_lossy().into_owned())
                .collect();
            let used = parts
                .iter()
                .rposition(|c| !c.is_empty())
                .map_or(0, |n| n + 1);
            Some(parts[..used].join(":")).filter(|s| !s.is_empty())
        };
        let benefit = Benefit {
            kind,
            coverage_level: opt(seg, 2),
            service_types,
            insurance_type: opt(seg, 4),
            plan_name: opt(seg, 5),
            time_period,
            amount: self.number(seg, 7, "EB07"),
            percent: self.number(seg, 8, "EB08"),
            quantity_qualifier: opt(seg, 9),
            quantity: self.number(seg, 10, "EB10"),
            authorization_required: self.yes_no(seg, 11, "EB11", &["U"]),
            in_network: self.yes_no(seg, 12, "EB12", &["U", "W"]),
            procedure,
            dates: Vec::new(),
            messages: Vec::new(),
            related_entities: Vec::new(),
            limit: None,
            delivery: Vec::new(),
            references: Vec::new(),
        };
        self.responses[i].benefits.push(benefit);
    }

    /// Segments after an EB, up to the next EB or HL.
    fn benefit_segment(&mut self, i: usize, seg: &Segment<'_>) {
        let pos = seg.position();
        match seg.id() {
            "EB" => self.start_benefit(i, seg),
            "HSD" => {
                let delivery = Delivery {
                    quantity_qualifier: opt(seg, 1),
                    quantity: self.number(seg, 2, "HSD02"),
                    unit: opt(seg, 3),
                    per_unit: self.number(seg, 4, "HSD04"),
                    time_period: self.period(seg, 5, "HSD05"),
                    periods: self.number(seg, 6, "HSD06"),
                };
                if let Some(b) = self.responses[i].benefits.last_mut() {
                    if b.limit.is_none() {
                        if let Some(q) = delivery.quantity {
                            b.limit = Some((q, describe(&delivery)));
                        }
                    }
                    b.delivery.push(delivery);
                }
            }
            "REF" => {
                if let Some(b) = self.responses[i].benefits.last_mut() {
                    b.references.push((text(seg, 1), text(seg, 2)));
                }
            }
            "DTP" => {
                let _ = self.dates(seg);
                if let Some(b) = self.responses[i].benefits.last_mut() {
                    b.dates.push((text(seg, 1), text(seg, 3)));
                }
            }
            "MSG" => {
                if let Some(b) = self.responses[i].benefits.last_mut() {
                    b.messages.push(text(seg, 1));
                }
            }
            "LS" => self.ls = Some(pos),
            "LE" => self.findings.push(Finding::error(
                "271-LE-UNPAIRED",
                "LE without an LS",
                Some(pos),
            )),
            "III" => {}
            _ => self.out_of_place(seg),
        }
    }

    fn close_ls(&mut self) {
        if let Some(ls) = self.ls.take() {
            self.findings.push(Finding::error(
                "271-LS-UNPAIRED",
                "LS without its LE (loop 2120 not closed)",
                Some(ls),
            ));
        }
    }

    fn rejection(&mut self, seg: &Segment<'_>) -> Rejection {
        let pos = seg.position();
        let code = text(seg, 3);
        let reason = match codes::reject_reason(&code) {
            Some(r) => r.to_string(),
            None => {
                self.findings.push(Finding::warning(
                    "271-AAA03-UNKNOWN",
                    format!("AAA03 {code:?} is not a reject reason code"),
                    Some(pos),
                ));
                format!("unknown AAA reason {code}")
            }
        };
        let follow = text(seg, 4);
        let follow_up = if follow.is_empty() {
            None
        } else {
            Some(match codes::follow_up(&follow) {
                Some(f) => f.to_string(),
                None => {
                    self.findings.push(Finding::warning(
                        "271-AAA04-UNKNOWN",
                        format!("AAA04 {follow:?} is not a follow-up action code"),
                        Some(pos),
                    ));
                    follow
                }
            })
        };
        Rejection {
            level: self.loop_id(),
            valid: match seg.str(1) {
                "Y" => Some(true),
                "N" => Some(false),
                _ => None,
            },
            code,
            reason,
            follow_up,
        }
    }

    fn number(&mut self, seg: &Segment<'_>, n: usize, name: &str) -> Option<Decimal> {
        let raw = seg.element(n);
        if raw.is_empty() {
            return None;
        }
        let value = raw.as_str();
        let parsed = Decimal::from_str(value).ok().filter(|_| {
            value
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        });
        if parsed.is_none() {
            self.findings.push(Finding::error(
                "271-NUMBER",
                format!("{name} {:?} is not a number", raw.to_str_lossy()),
                Some(seg.position()),
            ));
        }
        parsed
    }

    fn period(&mut self, seg: &Segment<'_>, n: usize, name: &str) -> Option<TimePeriod> {
        let code = opt(seg, n)?;
        Some(TimePeriod::from_code(&code).unwrap_or_else(|| {
            self.findings.push(Finding::warning(
                "271-PERIOD-UNKNOWN",
                format!("{name} {code:?} is not a time period code; kept as other"),
                Some(seg.position()),
            ));
            TimePeriod::Other(code)
        }))
    }

    fn yes_no(&mut self, seg: &Segment<'_>, n: usize, name: &str, none: &[&str]) -> Option<bool> {
        match seg.str(n) {
            "Y" => Some(true),
            "N" => Some(false),
            "" => None,
            v if none.contains(&v) => None,
            _ => {
                self.findings.push(Finding::warning(
                    "271-YES-NO",
                    format!(
                        "{name} {:?} is not Y, N or {}",
                        seg.element(n).to_str_lossy(),
                        none.join(", ")
                    ),
                    Some(seg.position()),
                ));
                None
            }
        }
    }

    fn date(&mut self, seg: &Segment<'_>, n: usize) -> Option<NaiveDate> {
        let value = seg.str(n);
        let parsed = parse_d8(value);
        if parsed.is_none() {
            self.findings.push(Finding::error(
                "271-DATE",
                format!(
                    "{}{n:02} {:?} is not a CCYYMMDD date",
                    seg.id(),
                    seg.element(n).to_str_lossy()
                ),
                Some(seg.position()),
            ));
        }
        parsed
    }

    /// DTP02/DTP03 as (begin, end): a D8 is both; a finding when they do not parse.
    fn dates(&mut self, seg: &Segment<'_>) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let value = seg.str(3);
        let parsed = match seg.str(2) {
            "D8" => parse_d8(value).map(|d| (d, d)),
            "RD8" => value
                .split_once('-')
                .and_then(|(a, b)| Some((parse_d8(a)?, parse_d8(b)?))),
            _ => None,
        };
        match parsed {
            Some((a, b)) => (Some(a), Some(b)),
            None => {
                self.findings.push(Finding::error(
                    "271-DATE",
                    format!(
                        "DTP {:?} {:?} is not a D8 date or RD8 range",
                        seg.element(2).to_str_lossy(),
                        seg.element(3).to_str_lossy()
                    ),
                    Some(seg.position()),
                ));
                (None, None)
            }
        }
    }
}

fn parse_d8(value: &str) -> Option<NaiveDate> {
    if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y%m%d").ok()
}

fn text(seg: &Segment<'_>, n: usize) -> String {
    seg.element(n).to_str_lossy().into_owned()
}

fn opt(seg: &Segment<'_>, n: usize) -> Option<String> {
    Some(text(seg, n)).filter(|s| !s.is_empty())
}

/// NM103 and NM104 as `LAST, FIRST` (or NM103 alone).
fn person_name(seg: &Segment<'_>) -> Option<String> {
    match (opt(seg, 3), opt(seg, 4)) {
        (Some(last), Some(first)) => Some(format!("{last}, {first}")),
        (last, None) => last,
        (None, Some(first)) => Some(first),
    }
}

/// An HSD in plain words: `20 visits per calendar year`, `3 visits per week for 6 months`.
fn describe(d: &Delivery) -> String {
    let mut out = String::new();
    if let Some(q) = d.quantity {
        out.push_str(&q.normalize().to_string());
        out.push(' ');
    }
    out.push_str(
        &d.quantity_qualifier
            .as_deref()
            .map_or_else(|| "units".to_string(), codes::quantity_label),
    );
    if let Some(unit) = &d.unit {
        let unit = match unit.as_str() {
            "DA" => "day",
            "MO" => "month",
            "VS" => "visit",
            "WK" => "week",
            "YR" => "year",
            other => other,
        };
        match d.per_unit {
            Some(n) if n != Decimal::ONE => {
                out.push_str(&format!(" every {} {unit}s", n.normalize()));
            }
            _ => out.push_str(&format!(" per {unit}")),
        }
    }
    if let Some(p) = &d.time_period {
        match d.periods {
            Some(n) => {
                let label = p.label();
                let plural = if n != Decimal::ONE && !label.ends_with('s') {
                    "s"
                } else {
                    ""
                };
                out.push_str(&format!(" for {} {label}{plural}", n.normalize()));
            }
            None => out.push_str(&format!(" per {}", p.label())),
        }
    }
    out
}
