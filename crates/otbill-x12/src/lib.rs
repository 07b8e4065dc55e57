//! Healthcare-agnostic X12 EDI: read and write segments, check envelopes.
//!
//! This crate knows the X12 *syntax* (ISA/GS/ST envelopes, delimiters,
//! segments, elements, components, repetitions) and nothing about 837, 835
//! or any other transaction set. Transaction crates (`otbill-837p`,
//! `otbill-era`) build on it.
//!
//! **Architecture Invariant:** reading never fails on bad data. Anything odd
//! in the input (missing ISA, unpadded ISA, wrong counts, a segment with no
//! terminator) becomes a [`Finding`]; only I/O fails with an error.
//!
//! # Reading
//!
//! ```
//! use otbill_x12::{decode, Reader};
//!
//! let bytes = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
//! *261128*1530*^*00501*000000001*0*T*:~GS*HC*S*R*20261128*1530*1*X*005010X222A1~\
//! ST*837*0001*005010X222A1~SV1*HC:97530:GO*135*UN*3~SE*3*0001~GE*1*1~IEA*1*000000001~";
//! let input = decode(bytes); // strips a BOM, transcodes UTF-16
//! let mut reader = Reader::new(&input);
//! let sv1 = reader.by_ref().find(|s| s.id() == "SV1").unwrap();
//! assert_eq!(sv1.element(1).component(2).as_str(), "97530");
//! assert_eq!(sv1.element(1).component(3).as_str(), "GO");
//! assert_eq!(sv1.str(4), "3");
//! assert_eq!(sv1.position().segment, 4); // 1-based segment number in the file
//! assert!(reader.findings().is_empty());
//! ```
//!
//! For large inputs use [`StreamReader`] over any [`std::io::Read`]: it keeps
//! one bounded buffer and hands out segments that borrow from it.
//!
//! # Checking envelopes
//!
//! [`check`] reads a whole input and returns every envelope finding (control
//! numbers, SE01/GE01/IEA01 counts, unclosed envelopes). To check while you
//! parse, feed segments to an [`EnvelopeChecker`] yourself.
//!
//! # Writing
//!
//! ```
//! use otbill_x12::{Delimiters, Group, Interchange, Writer};
//!
//! let mut w = Writer::new(Vec::new(), Delimiters::default());
//! w.begin_interchange(&Interchange::new("ZZ", "SENDER", "ZZ", "RECEIVER", 1))?;
//! w.begin_group(&Group::new("HC", "SENDER", "RECEIVER", 1, "005010X222A1"))?;
//! let st02 = w.begin_transaction("837", Some("005010X222A1"))?;
//! assert_eq!(st02, "0001");
//! w.segment("BHT", &["0019", "00", "B1", "20261128", "1530", "CH"])?;
//! w.start("SV1").composite(&["HC", "97530", "GO"]).element("135").finish()?;
//! w.end_transaction()?; // SE*4*0001
//! w.end_group()?; // GE*1*1
//! let out = w.finish()?; // IEA*1*000000001
//! assert!(otbill_x12::check(&out).is_empty());
//! # Ok::<(), otbill_x12::WriteError>(())
//! ```
//!
//! Data containing a delimiter is rejected with
//! [`WriteError::Delimiter`], naming the segment and element.

mod delim;
mod envelope;
mod finding;
mod reader;
mod scan;
mod segment;
mod stream;
mod writer;

pub use delim::{decode, detect, Delimiters, Detection};
pub use envelope::{check, EnvelopeChecker};
pub use finding::{Finding, Position, Severity};
pub use reader::Reader;
pub use segment::{Element, Segment};
pub use stream::StreamReader;
pub use writer::{Group, Interchange, SegmentBuilder, WriteError, Writer};
