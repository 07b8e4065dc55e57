//! [`Writer`]: builds X12 with correct envelopes, counts and control numbers.
//!
//! The writer owns the envelope segments (ISA/GS/ST and their trailers) so
//! that SE01, GE01, IEA01 and the trailer control numbers are always right.
//! Everything else goes through [`Writer::segment`] or [`Writer::start`],
//! which drop trailing empty elements and components (as the guides
//! require) and reject data containing a delimiter.

use crate::delim::Delimiters;
use chrono::NaiveDateTime;
use std::io::{self, Write};

/// Why writing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A data value contains one of the delimiters.
    #[error("{segment}{element:02}: value {value:?} contains the delimiter {delimiter:?}")]
    Delimiter {
        /// Segment id, e.g. `NM1`.
        segment: String,
        /// 1-based element position.
        element: usize,
        /// The offending value.
        value: String,
        /// The delimiter found in it.
        delimiter: char,
    },
    /// A fixed-width ISA field is too long.
    #[error("{segment}{element:02}: value {value:?} is longer than {max} characters")]
    TooLong {
        /// Segment id (`ISA`).
        segment: String,
        /// 1-based element position.
        element: usize,
        /// The offending value.
        value: String,
        /// Maximum width.
        max: usize,
    },
    /// A segment id that is not 2-3 upper-case letters or digits.
    #[error("invalid segment id {0:?}")]
    SegmentId(String),
    /// A call out of order, e.g. a segment outside a transaction.
    #[error("{0}")]
    State(&'static str),
    /// The delimiters are not distinct, or are letters, digits or space.
    #[error("delimiters are not usable: {0:?}")]
    Delimiters(Delimiters),
    /// The underlying writer failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The ISA header fields that vary. Widths are padded by the writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interchange {
    /// ISA05, e.g. `ZZ` (mutually defined) or `30` (federal TIN).
    pub sender_qualifier: String,
    /// ISA06, at most 15 characters.
    pub sender_id: String,
    /// ISA07.
    pub receiver_qualifier: String,
    /// ISA08, at most 15 characters.
    pub receiver_id: String,
    /// ISA13, at most 999999999.
    pub control_number: u32,
    /// ISA09/ISA10. The writer never reads the clock: set it.
    pub date_time: NaiveDateTime,
    /// ISA15: `true` for production (`P`), `false` for test (`T`).
    pub production: bool,
    /// ISA14: ask the receiver for a TA1.
    pub ack_requested: bool,
    /// ISA12, `00501` for 5010.
    pub version: String,
}

impl Interchange {
    /// A test interchange (`T`, version `00501`, no TA1) dated 1970-01-01 00:00.
    pub fn new(
        sender_qualifier: &str,
        sender_id: &str,
        receiver_qualifier: &str,
        receiver_id: &str,
        control_number: u32,
    ) -> Interchange {
        Interchange {
            sender_qualifier: sender_qualifier.to_string(),
            sender_id: sender_id.to_string(),
            receiver_qualifier: receiver_qualifier.to_string(),
            receiver_id: receiver_id.to_string(),
            control_number,
            date_time: NaiveDateTime::default(),
            production: false,
            ack_requested: false,
            version: "00501".to_string(),
        }
    }
}

/// The GS header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// GS01 functional identifier, e.g. `HC` (837), `HP` (835).
    pub functional_id: String,
    /// GS02 application sender code.
    pub sender: String,
    /// GS03 application receiver code.
    pub receiver: String,
    /// GS06 group control number (GE02 repeats it).
    pub control_number: u32,
    /// GS08 version, e.g. `005010X222A1`.
    pub version: String,
    /// GS04/GS05. The writer never reads the clock: set it.
    pub date_time: NaiveDateTime,
}

impl Group {
    /// A group dated 1970-01-01 00:00.
    pub fn new(
        functional_id: &str,
        sender: &str,
        receiver: &str,
        control_number: u32,
        version: &str,
    ) -> Group {
        Group {
            functional_id: functional_id.to_string(),
            sender: sender.to_string(),
            receiver: receiver.to_string(),
            control_number,
            version: version.to_string(),
            date_time: NaiveDateTime::default(),
        }
    }
}

#[derive(Debug)]
struct OpenTransaction {
    control: String,
    segments: usize,
}

/// Writes X12 segments to `W`, keeping envelope counts and control numbers.
///
/// Order of calls: `begin_interchange`, then per group `begin_group`, per
/// transaction `begin_transaction`, segments, `end_transaction`, then
/// `end_group`, and finally `finish` (which closes an open group and
/// interchange). ST02 is numbered `0001`, `0002`... within each interchange.
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    delimiters: Delimiters,
    buf: Vec<u8>,
    interchange: Option<(u32, usize)>,
    group: Option<(u32, usize)>,
    transaction: Option<OpenTransaction>,
    next_st02: u32,
}

impl<W: Write> Writer<W> {
    /// A writer with the given delimiters. Without a repetition separator,
    /// ISA11 is written as `U` (4010 style).
    pub fn new(out: W, delimiters: Delimiters) -> Writer<W> {
        Writer {
            out,
            delimiters,
            buf: Vec::with_capacity(256),
            interchange: None,
            group: None,
            transaction: None,
            next_st02: 1,
        }
    }

    /// The delimiters in use.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// The underlying output (e.g. to see how much was written so far).
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Writes the ISA segment and opens an interchange.
    pub fn begin_interchange(&mut self, isa: &Interchange) -> Result<(), WriteError> {
        if !self.delimiters.is_valid() {
            return Err(WriteError::Delimiters(self.delimiters));
        }
        if self.interchange.is_some() {
            return Err(WriteError::State("an interchange is already open"));
        }
        if isa.control_number > 999_999_999 {
            return Err(too_long("ISA", 13, &isa.control_number.to_string(), 9));
        }
        let rep = self.delimiters.repetition.map_or('U', char::from);
        let control = format!("{:09}", isa.control_number);
        let date = isa.date_time.format("%y%m%d").to_string();
        let time = isa.date_time.format("%H%M").to_string();
        let fields: [(&str, usize); 15] = [
            ("00", 2),
            ("", 10),
            ("00", 2),
            ("", 10),
            (&isa.sender_qualifier, 2),
            (&isa.sender_id, 15),
            (&isa.receiver_qualifier, 2),
            (&isa.receiver_id, 15),
            (&date, 6),
            (&time, 4),
            ("", 1),
            (&isa.version, 5),
            (&control, 9),
            (if isa.ack_requested { "1" } else { "0" }, 1),
            (if isa.production { "P" } else { "T" }, 1),
        ];
        self.buf.clear();
        self.buf.extend_from_slice(b"ISA");
        for (i, (value, width)) in fields.iter().enumerate() {
            let element = i + 1;
            self.buf.push(self.delimiters.element);
            if element == 11 {
                self.buf.push(rep as u8);
                continue;
            }
            if value.len() > *width {
                return Err(too_long("ISA", element, value, *width));
            }
            check_value(&self.delimiters, "ISA", element, value)?;
            self.buf.extend_from_slice(value.as_bytes());
            self.buf.resize(self.buf.len() + width - value.len(), b' ');
        }
        self.buf.push(self.delimiters.element);
        self.buf.push(self.delimiters.component);
        self.emit()?;
        self.interchange = Some((isa.control_number, 0));
        self.next_st02 = 1;
        Ok(())
    }

    /// Writes the GS segment and opens a functional group.
    pub fn begin_group(&mut self, gs: &Group) -> Result<(), WriteError> {
        let Some((_, groups)) = &mut self.interchange else {
            return Err(WriteError::State("GS needs an open interchange"));
        };
        if self.group.is_some() {
            return Err(WriteError::State("a functional group is already open"));
        }
        *groups += 1;
        let date = gs.date_time.format("%Y%m%d").to_string();
        let time = gs.date_time.format("%H%M").to_string();
        let control = gs.control_number.to_string();
        let elements = [
            gs.functional_id.as_str(),
            &gs.sender,
            &gs.receiver,
            &date,
            &time,
            &control,
            "X",
            &gs.version,
        ];
        self.raw_segment("GS", &elements)?;
        self.group = Some((gs.control_number, 0));
        Ok(())
    }

    /// Writes the ST segment, opens a transaction and returns its ST02.
    pub fn begin_transaction(
        &mut self,
        id: &str,
        version: Option<&str>,
    ) -> Result<String, WriteError> {
        let Some((_, count)) = &mut self.group else {
            return Err(WriteError::State("ST needs an open functional group"));
        };
        if self.transaction.is_some() {
            return Err(WriteError::State("a transaction is already open"));
        }
        *count += 1;
        let control = format!("{:04}", self.next_st02);
        self.next_st02 += 1;
        match version {
            Some(v) => self.raw_segment("ST", &[id, &control, v])?,
            None => self.raw_segment("ST", &[id, &control])?,
        }
        self.transaction = Some(OpenTransaction {
            control: control.clone(),
            segments: 1,
        });
        Ok(control)
    }

    /// Writes a segment of simple elements. Empty trailing elements are dropped.
    pub fn segment(&mut self, id: &str, elements: &[&str]) -> Result<(), WriteError> {
        let mut builder = self.start(id);
        for element in elements {
            builder = builder.element(element);
        }
        builder.finish()
    }

    /// Starts a segment with composite or repeated elements; see [`SegmentBuilder`].
    pub fn start(&mut self, id: &str) -> SegmentBuilder<'_, W> {
        let error = if matches!(id, "ISA" | "IEA" | "GS" | "GE" | "ST" | "SE") {
            Some(WriteError::State(
                "envelope segments are written by begin_*/end_* methods",
            ))
        } else if self.transaction.is_none() {
            Some(WriteError::State(
                "segments go inside a transaction (begin_transaction)",
            ))
        } else {
            valid_id(id).err()
        };
        self.buf.clear();
        self.buf.extend_from_slice(id.as_bytes());
        SegmentBuilder {
            id_len: id.len(),
            writer: self,
            element: 0,
            error,
        }
    }

    /// Writes SE (with the segment count) and closes the transaction.
    pub fn end_transaction(&mut self) -> Result<(), WriteError> {
        let Some(st) = self.transaction.take() else {
            return Err(WriteError::State("no open transaction to end"));
        };
        let count = (st.segments + 1).to_string();
        self.raw_segment("SE", &[&count, &st.control])
    }

    /// Writes GE and closes the functional group.
    pub fn end_group(&mut self) -> Result<(), WriteError> {
        if self.transaction.is_some() {
            return Err(WriteError::State("end the transaction before the group"));
        }
        let Some((control, count)) = self.group.take() else {
            return Err(WriteError::State("no open functional group to end"));
        };
        self.raw_segment("GE", &[&count.to_string(), &control.to_string()])
    }

    /// Writes IEA and closes the interchange (and an open group).
    pub fn end_interchange(&mut self) -> Result<(), WriteError> {
        if self.group.is_some() {
            self.end_group()?;
        }
        let Some((control, groups)) = self.interchange.take() else {
            return Err(WriteError::State("no open interchange to end"));
        };
        self.raw_segment("IEA", &[&groups.to_string(), &format!("{control:09}")])
    }

    /// Closes an open group and interchange, flushes, and returns the output.
    pub fn finish(mut self) -> Result<W, WriteError> {
        if self.transaction.is_some() {
            return Err(WriteError::State("a transaction is still open"));
        }
        if self.interchange.is_some() {
            self.end_interchange()?;
        } else if self.group.is_some() {
            return Err(WriteError::State(
                "a functional group is open outside an interchange",
            ));
        }
        self.out.flush()?;
        Ok(self.out)
    }

    /// Envelope segments: fixed ids, checked data, no builder state checks.
    fn raw_segment(&mut self, id: &str, elements: &[&str]) -> Result<(), WriteError> {
        self.buf.clear();
        self.buf.extend_from_slice(id.as_bytes());
        for (i, value) in elements.iter().enumerate() {
            check_value(&self.delimiters, id, i + 1, value)?;
            self.buf.push(self.delimiters.element);
            self.buf.extend_from_slice(value.as_bytes());
        }
        self.emit()
    }

    /// Terminates the segment in `buf`, writes it and counts it.
    fn emit(&mut self) -> Result<(), WriteError> {
        self.buf.push(self.delimiters.segment);
        self.out.write_all(&self.buf)?;
        if let Some(st) = &mut self.transaction {
            st.segments += 1;
        }
        Ok(())
    }
}

/// Builds one segment element by element: `writer.start("SV1")
/// .composite(&["HC", "97530", "GO"]).element("135").finish()?`.
///
/// The first error (a delimiter in data, a bad id) is kept and returned by
/// [`SegmentBuilder::finish`], so calls can be chained without `?`.
#[derive(Debug)]
#[must_use = "a segment is only written by finish()"]
pub struct SegmentBuilder<'w, W: Write> {
    writer: &'w mut Writer<W>,
    id_len: usize,
    element: usize,
    error: Option<WriteError>,
}

impl<W: Write> SegmentBuilder<'_, W> {
    /// Appends a simple element (empty is allowed: it keeps positions).
    pub fn element(mut self, value: &str) -> Self {
        self.element += 1;
        self.push_value(value);
        self
    }

    /// Appends a composite element; trailing empty components are dropped.
    pub fn composite(mut self, components: &[&str]) -> Self {
        self.element += 1;
        self.writer.buf.push(self.writer.delimiters.element);
        self.push_composite(components);
        self
    }

    /// Appends a repeated element: one composite per repetition.
    pub fn repeated(mut self, repetitions: &[&[&str]]) -> Self {
        self.element += 1;
        self.writer.buf.push(self.writer.delimiters.element);
        let Some(rep) = self.writer.delimiters.repetition else {
            if repetitions.len() > 1 {
                self.fail(WriteError::State(
                    "no repetition separator (ISA11) to repeat with",
                ));
            }
            if let Some(first) = repetitions.first() {
                self.push_composite(first);
            }
            return self;
        };
        for (i, components) in repetitions.iter().enumerate() {
            if i > 0 {
                self.writer.buf.push(rep);
            }
            self.push_composite(components);
        }
        self
    }

    /// Drops trailing empty elements and writes the segment.
    pub fn finish(self) -> Result<(), WriteError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let sep = self.writer.delimiters.element;
        let min = self.id_len;
        while self.writer.buf.len() > min && self.writer.buf.last() == Some(&sep) {
            self.writer.buf.pop();
        }
        self.writer.emit()
    }

    fn push_composite(&mut self, components: &[&str]) {
        let used = components
            .iter()
            .rposition(|c| !c.is_empty())
            .map_or(0, |i| i + 1);
        for (i, component) in components.iter().take(used).enumerate() {
            if i > 0 {
                self.writer.buf.push(self.writer.delimiters.component);
            }
            self.push_data(component);
        }
    }

    fn push_value(&mut self, value: &str) {
        self.writer.buf.push(self.writer.delimiters.element);
        self.push_data(value);
    }

    fn push_data(&mut self, value: &str) {
        if self.error.is_none() {
            let id = std::str::from_utf8(&self.writer.buf[..self.id_len]).unwrap_or("");
            if let Err(e) = check_value(&self.writer.delimiters, id, self.element, value) {
                self.error = Some(e);
            }
        }
        self.writer.buf.extend_from_slice(value.as_bytes());
    }

    fn fail(&mut self, error: WriteError) {
        self.error.get_or_insert(error);
    }
}

fn check_value(
    d: &Delimiters,
    segment: &str,
    element: usize,
    value: &str,
) -> Result<(), WriteError> {
    match value.bytes().find(|b| d.is_delimiter(*b)) {
        None => Ok(()),
        Some(b) => Err(WriteError::Delimiter {
            segment: segment.to_string(),
            element,
            value: value.to_string(),
            delimiter: char::from(b),
        }),
    }
}

fn valid_id(id: &str) -> Result<(), WriteError> {
    let ok = (2..=3).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(WriteError::SegmentId(id.to_string()))
    }
}

fn too_long(segment: &str, element: usize, value: &str, max: usize) -> WriteError {
    WriteError::TooLong {
        segment: segment.to_string(),
        element,
        value: value.to_string(),
        max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn interchange() -> Interchange {
        let mut isa = Interchange::new("ZZ", "SENDER", "ZZ", "RECEIVER", 42);
        isa.date_time = NaiveDate::from_ymd_opt(2026, 11, 28)
            .and_then(|d| d.and_hms_opt(15, 30, 0))
            .unwrap_or_default();
        isa
    }

    fn write(
        f: impl FnOnce(&mut Writer<Vec<u8>>) -> Result<(), WriteError>,
    ) -> Result<String, WriteError> {
        let mut w = Writer::new(Vec::new(), Delimiters::default());
        w.begin_interchange(&interchange())?;
        let mut gs = Group::new("HC", "S", "R", 7, "005010X222A1");
        gs.date_time = interchange().date_time;
        w.begin_group(&gs)?;
        w.begin_transaction("837", Some("005010X222A1"))?;
        f(&mut w)?;
        w.end_transaction()?;
        Ok(String::from_utf8_lossy(&w.finish()?).into_owned())
    }

    #[test]
    fn full_interchange() {
        let out = write(|w| {
            w.segment("NM1", &["87", "2", "", "", "", "", "", ""])?;
            w.start("SV1")
                .composite(&["HC", "97530", "GO", "", ""])
                .element("135")
                .element("UN")
                .element("3")
                .element("")
                .element("")
                .composite(&["1", "2"])
                .finish()?;
            w.start("XX1").repeated(&[&["A", "B"], &["C"]]).finish()
        })
        .map_err(|e| e.to_string());
        let expected = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261128*1530*^*00501*000000042*0*T*:~\
            GS*HC*S*R*20261128*1530*7*X*005010X222A1~ST*837*0001*005010X222A1~NM1*87*2~\
            SV1*HC:97530:GO*135*UN*3***1:2~XX1*A:B^C~SE*5*0001~GE*1*7~IEA*1*000000042~";
        assert_eq!(out.as_deref(), Ok(expected));
        assert_eq!(expected.find("GS"), Some(106));
    }

    #[test]
    fn rejects_delimiters_in_data() {
        let err = write(|w| w.segment("NM1", &["85", "2", "SMITH*JONES"])).err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("NM103: value \"SMITH*JONES\" contains the delimiter '*'")
        );
        let err = write(|w| w.start("SV1").composite(&["HC", "975:30"]).finish()).err();
        assert!(matches!(
            err,
            Some(WriteError::Delimiter {
                element: 1,
                delimiter: ':',
                ..
            })
        ));
        let err = write(|w| w.segment("N3", &["PO BOX 1~2"])).err();
        assert!(matches!(
            err,
            Some(WriteError::Delimiter { delimiter: '~', .. })
        ));
        let err = write(|w| w.segment("N3", &["A^B"])).err();
        assert!(matches!(
            err,
            Some(WriteError::Delimiter { delimiter: '^', .. })
        ));
    }

    #[test]
    fn isa_fields_too_long_and_bad_state() {
        let mut w = Writer::new(Vec::new(), Delimiters::default());
        let mut isa = interchange();
        isa.sender_id = "A".repeat(16);
        assert!(matches!(
            w.begin_interchange(&isa),
            Err(WriteError::TooLong {
                element: 6,
                max: 15,
                ..
            })
        ));
        let mut w = Writer::new(Vec::new(), Delimiters::default());
        assert!(matches!(
            w.segment("NM1", &["1"]),
            Err(WriteError::State(_))
        ));
        assert!(matches!(
            w.begin_transaction("837", None),
            Err(WriteError::State(_))
        ));
        assert!(matches!(
            write(|w| w.segment("SE", &["1"])),
            Err(WriteError::State(_))
        ));
        assert!(matches!(
            write(|w| w.segment("nm1", &["1"])),
            Err(WriteError::SegmentId(_))
        ));
        let bad = Delimiters {
            element: b'*',
            component: b'*',
            ..Delimiters::default()
        };
        let mut w = Writer::new(Vec::new(), bad);
        assert!(matches!(
            w.begin_interchange(&interchange()),
            Err(WriteError::Delimiters(_))
        ));
    }

    #[test]
    fn st02_is_unique_per_interchange() {
        let mut w = Writer::new(Vec::new(), Delimiters::default());
        let ok = (|| -> Result<Vec<String>, WriteError> {
            w.begin_interchange(&interchange())?;
            w.begin_group(&Group::new("HC", "S", "R", 1, "V"))?;
            let a = w.begin_transaction("837", None)?;
            w.end_transaction()?;
            w.end_group()?;
            w.begin_group(&Group::new("HC", "S", "R", 2, "V"))?;
            let b = w.begin_transaction("837", None)?;
            w.end_transaction()?;
            Ok(vec![a, b])
        })();
        assert_eq!(ok.ok(), Some(vec!["0001".to_string(), "0002".to_string()]));
        let out = w.finish().unwrap_or_default();
        assert_eq!(crate::check(&out), vec![]);
    }
}
