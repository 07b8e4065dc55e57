//! [`StreamReader`]: segments out of any [`std::io::Read`] in bounded memory.
//!
//! One buffer (4 KiB, then 64 KiB once the input is larger) is refilled as segments are consumed; it only
//! grows when a single segment is larger than the buffer, up to a cap. A
//! segment borrows from the buffer until the next call, so this is a
//! "lending" reader with `next_segment` instead of `Iterator`.

use crate::delim::{decode, detect};
use crate::finding::Finding;
use crate::reader::{Step, Tokenizer};
use crate::segment::Segment;
use std::io::{self, Read};

const CHUNK: usize = 64 * 1024;
/// Small inputs never need more than this first buffer.
const FIRST: usize = 4 * 1024;
/// A segment longer than this is skipped (and reported): it bounds memory.
const MAX_SEGMENT: usize = 16 * 1024 * 1024;

/// Reads segments from a [`Read`] with a bounded buffer.
///
/// ```
/// let data = &b"ISA*00*          *00*          *ZZ*S              *ZZ*R              \
/// *261128*1530*^*00501*000000001*0*T*:~IEA*0*000000001~"[..];
/// let mut reader = otbill_x12::StreamReader::new(data);
/// let mut ids = Vec::new();
/// while let Some(segment) = reader.next_segment()? {
///     ids.push(segment.id().to_string());
/// }
/// assert_eq!(ids, ["ISA", "IEA"]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct StreamReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Bytes of `buf` holding data.
    len: usize,
    /// Next unread byte in `buf`.
    pos: usize,
    eof: bool,
    started: bool,
    has_isa: bool,
    tokenizer: Tokenizer,
}

impl<R: Read> StreamReader<R> {
    /// A reader over `inner`. Nothing is read until [`Self::next_segment`].
    pub fn new(inner: R) -> StreamReader<R> {
        StreamReader {
            inner,
            buf: vec![0; FIRST],
            len: 0,
            pos: 0,
            eof: false,
            started: false,
            has_isa: false,
            tokenizer: Tokenizer::new(Default::default(), Vec::new()),
        }
    }

    /// The next segment, `Ok(None)` at the end. Errors are I/O errors only.
    pub fn next_segment(&mut self) -> io::Result<Option<Segment<'_>>> {
        if !self.started {
            self.start()?;
        }
        loop {
            match self
                .tokenizer
                .step(&self.buf[..self.len], &mut self.pos, self.eof)
            {
                Step::Segment {
                    start,
                    end,
                    position,
                } => {
                    return Ok(Some(Segment::new(
                        &self.buf[start..end],
                        self.tokenizer.delimiters,
                        position,
                    )))
                }
                Step::Done => return Ok(None),
                Step::NeedMore => self.refill()?,
            }
        }
    }

    /// The delimiters in use (known after the first `next_segment`).
    pub fn delimiters(&self) -> crate::Delimiters {
        self.tokenizer.delimiters
    }

    /// Whether the input starts with an ISA (known after the first `next_segment`).
    pub fn has_isa(&self) -> bool {
        self.has_isa
    }

    /// Problems found so far while reading.
    pub fn findings(&self) -> &[Finding] {
        &self.tokenizer.findings
    }

    /// Takes the findings collected so far, leaving none.
    pub fn take_findings(&mut self) -> Vec<Finding> {
        std::mem::take(&mut self.tokenizer.findings)
    }

    /// Buffers the head of the input and detects delimiters from it.
    fn start(&mut self) -> io::Result<()> {
        self.started = true;
        while self.len < 1024 && !self.eof {
            self.read_more()?;
        }
        let head = &self.buf[..self.len];
        if let std::borrow::Cow::Owned(_) = decode(head) {
            // UTF-16: rare and small in practice, so transcode it whole.
            let mut all = self.buf[..self.len].to_vec();
            self.inner.read_to_end(&mut all)?;
            let text = decode(&all).into_owned();
            self.len = text.len();
            self.buf = text;
            self.eof = true;
            self.tokenizer.findings.push(Finding::info(
                "X12-UTF16-DECODED",
                "input is UTF-16 and was transcoded to UTF-8",
                None,
            ));
        }
        let detection = detect(&self.buf[..self.len]);
        self.pos = detection.start;
        self.has_isa = detection.has_isa;
        self.tokenizer.delimiters = detection.delimiters;
        self.tokenizer.findings.extend(detection.findings);
        Ok(())
    }

    /// Makes room (drops consumed bytes, or grows) and reads more input.
    fn refill(&mut self) -> io::Result<()> {
        if self.eof {
            // Cannot happen: the tokenizer never asks for more at EOF.
            return Ok(());
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.tokenizer.base += self.pos;
            self.pos = 0;
        }
        if self.buf.len() < CHUNK {
            // More than a small input: read in 64 KiB chunks from now on.
            self.buf.resize(CHUNK, 0);
        }
        if self.len == self.buf.len() {
            if self.buf.len() >= MAX_SEGMENT {
                self.tokenizer.findings.push(Finding::error(
                    "X12-SEGMENT-TOO-LONG",
                    format!(
                        "a segment is longer than {MAX_SEGMENT} bytes; those bytes were skipped"
                    ),
                    None,
                ));
                // Drop the buffered part of the oversized segment and move on.
                self.tokenizer.base += self.len;
                self.len = 0;
                return Ok(());
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        self.read_more()
    }

    fn read_more(&mut self) -> io::Result<()> {
        if self.len == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.len += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reader;

    /// A reader that hands out at most `n` bytes per call.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn collect<R: Read>(mut r: StreamReader<R>) -> Vec<(Vec<u8>, crate::Position)> {
        let mut out = Vec::new();
        while let Some(s) = r.next_segment().unwrap() {
            out.push((s.as_bytes().to_vec(), s.position()));
        }
        out
    }

    #[test]
    fn same_segments_as_slice_reader_at_any_chunk_size() {
        let isa = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261128*1530*^*00501*000000001*0*T*:";
        let mut text = format!("\u{feff}{isa}\r\r\n  GS*HC\r\r\n");
        for i in 0..3000 {
            text.push_str(&format!("NM1*QC*1*NAME{i}*X\r\r\n"));
        }
        text.push_str("IEA*1*000000001\r");
        let expected: Vec<_> = Reader::new(text.as_bytes())
            .map(|s| (s.as_bytes().to_vec(), s.position()))
            .collect();
        assert_eq!(expected.len(), 3003);
        for chunk in [1, 7, 100, 70_000] {
            let got = collect(StreamReader::new(Trickle(text.as_bytes(), chunk)));
            assert_eq!(got, expected, "chunk {chunk}");
        }
    }

    #[test]
    fn utf16_stream() {
        let text = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261128*1530*^*00501*000000001*0*T*:~IEA*0*000000001~";
        let utf16: Vec<u8> = text.bytes().flat_map(|b| [b, 0]).collect();
        let mut r = StreamReader::new(&utf16[..]);
        let mut n = 0;
        while r.next_segment().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 2);
        assert_eq!(r.findings()[0].code, "X12-UTF16-DECODED");
    }

    #[test]
    fn oversized_segment_is_skipped_not_buffered() {
        let isa = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261128*1530*^*00501*000000001*0*T*:~";
        let mut input = format!("{isa}NM1*").into_bytes();
        input.resize(input.len() + MAX_SEGMENT + 10, b'A');
        input.extend_from_slice(b"~IEA*0*000000001~");
        let mut r = StreamReader::new(&input[..]);
        let mut last = String::new();
        while let Some(s) = r.next_segment().unwrap_or(None) {
            last = s.id().to_string();
        }
        assert_eq!(last, "IEA");
        assert!(r.buf.len() <= MAX_SEGMENT);
        assert!(r
            .findings()
            .iter()
            .any(|f| f.code == "X12-SEGMENT-TOO-LONG"));
    }

    #[test]
    fn empty_input() {
        let mut r = StreamReader::new(&b""[..]);
        assert!(r.next_segment().unwrap().is_none());
        assert_eq!(r.findings()[0].code, "X12-EMPTY");
    }
}
