//! The 835 as JSON written while it is read: [`write_835_json`], the fast path of
//! `otbill remit`.
//!
//! Building owned [`Claim`]s and handing them to serde costs several times the parse
//! itself. Here each claim is written straight from the borrowed [`ClaimRef`], with the
//! bytes the serde derives of [`Era`] would give (tests hold the two byte-equal, pretty
//! and compact), so the public contract keeps one definition: the derives.
//!
//! The remittance header is only final at SE (a BPR or N1 may follow the first claim),
//! so a transaction's claims are written into a buffer and go out after its header.
//! Values that are rare or carry free text (parties, PLB, findings) go through serde.
//!
//! A large input is cut into parts of whole transactions (`split.rs`), each part's JSON
//! written on one of several threads into its own buffers and written out in order. A
//! part's positions start at its own start: the findings in its remittances (rare) are
//! written again at the whole input's positions on the way out, and the envelope checks
//! run once, in order, over what the parts kept of their segments.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

use chrono::{Datelike, NaiveDate};
use otbill_x12::Finding;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::{number, unreadable_in, Remittance};
#[cfg(doc)]
use crate::model::{Claim, Era};
use crate::split::{self, Plan, Shift};
use crate::view::{AdjustmentRef, ClaimRef, LineRef, ProcedureRef, Qualified, RemitVisitor};

/// How [`write_835_json`] lays out the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonStyle {
    /// As `serde_json::to_writer_pretty`: two-space indent.
    Pretty,
    /// As `serde_json::to_writer`: one line.
    Compact,
}

/// What [`write_835_json`] read.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// Remittances written.
    pub remittances: usize,
    /// Reading and envelope findings ([`Era::findings`]).
    pub findings: Vec<Finding>,
}

impl Written {
    /// As [`Era::unreadable`]: why nothing was written, if nothing was.
    pub fn unreadable(&self) -> Option<&Finding> {
        match self.remittances {
            0 => unreadable_in(&self.findings),
            _ => None,
        }
    }
}

/// Reads a whole 835 input and writes the [`Era`] that [`crate::parse_835`] would return
/// to `out`, byte for byte as serde_json writes it in `style` (no newline at the end).
/// Writes nothing when the input holds no 835 transaction ([`Written::unreadable`]).
///
/// A large input (a megabyte or more, with several transactions) is read on several
/// threads, as [`Split::default`] says; the bytes are the same.
///
/// ```
/// let input = b"ST*835*1~BPR*I*5*C*CHK~CLP*A*1*5*5~SE*4*1~";
/// let mut out = Vec::new();
/// let written = otbill_era::write_835_json(input, otbill_era::JsonStyle::Compact, &mut out)?;
/// assert_eq!(written.remittances, 1);
/// let era = otbill_era::parse_835(input);
/// assert_eq!(out, serde_json::to_vec(&era).unwrap());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_835_json<W: Write>(
    input: &[u8],
    style: JsonStyle,
    out: &mut W,
) -> io::Result<Written> {
    write_835_json_split(input, style, Split::default(), out)
}

/// How [`write_835_json_split`] shares an input among threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Threads reading parts of the input; 1 reads it all on the calling thread.
    pub threads: usize,
    /// About how many input bytes one part holds (a part is whole transactions).
    pub part_bytes: usize,
    /// Inputs shorter than this are read on the calling thread.
    pub min_input: usize,
}

impl Default for Split {
    /// The machine's cores (at most 8), parts of 64 KiB, inputs of 1 MiB or more. Small
    /// parts keep each part's JSON in the cache until it is written out (measured on the
    /// 10 MB benchmark 835: 64 to 256 KiB alike, 1 MiB 10% slower).
    fn default() -> Split {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Split {
            threads: cores.min(8),
            part_bytes: 64 << 10,
            min_input: 1 << 20,
        }
    }
}

/// [`write_835_json`] with the work shared as `split` says: the input's transactions are
/// cut into runs of about [`Split::part_bytes`], each run's JSON written by one of
/// [`Split::threads`] threads into its own buffer, and the buffers written to `out` in
/// order (positions in findings are the whole input's). The output is the same for any
/// `split`; an input that cannot be cut (no ISA, delimiters changed by a later ISA, one
/// transaction) is read on the calling thread.
pub fn write_835_json_split<W: Write>(
    input: &[u8],
    style: JsonStyle,
    split: Split,
    out: &mut W,
) -> io::Result<Written> {
    if split.threads > 1 && input.len() >= split.min_input {
        let decoded = otbill_x12::decode(input);
        if let Some(plan) = split::plan(&decoded, split.part_bytes) {
            let written = match style {
                JsonStyle::Pretty => write_parts::<true, W>(&decoded, &plan, split.threads, out),
                JsonStyle::Compact => write_parts::<false, W>(&decoded, &plan, split.threads, out),
            };
            // `None`: a later ISA changes the delimiters, and nothing was written.
            if let Some(written) = written.transpose() {
                return written;
            }
        }
    }
    match style {
        JsonStyle::Pretty => write_styled::<true, W>(input, out),
        JsonStyle::Compact => write_styled::<false, W>(input, out),
    }
}

fn write_styled<const PRETTY: bool, W: Write>(input: &[u8], out: &mut W) -> io::Result<Written> {
    let mut visitor = JsonVisitor::<PRETTY, W>::new(out);
    let mut findings = crate::visit_835(input, &mut visitor);
    if let Some(e) = visitor.error {
        return Err(e);
    }
    let remittances = visitor.remittances;
    if remittances == 0 {
        crate::no_835_finding(&mut findings);
        return Ok(Written {
            remittances,
            findings,
        });
    }
    let doc = &mut visitor.doc;
    doc.close(b']');
    doc.key("findings");
    doc.serde(&findings);
    doc.close(b'}');
    visitor.out.write_all(&doc.buf)?;
    Ok(Written {
        remittances,
        findings,
    })
}

/// One part's JSON: its remittances as items of the `remittances` array, without a
/// separator before the first. The claims, most of it, are written once, into `json`;
/// what only comes at SE goes in on the way out ([`Piece`]).
struct PartJson<'a> {
    buffers: Buffers,
    pieces: Vec<Piece>,
    remittances: usize,
    part: split::Part<'a>,
}

/// A part's buffers, handed back for the next part once written.
#[derive(Default)]
struct Buffers {
    /// The claims and what follows each transaction's claims.
    json: Vec<u8>,
    /// Each transaction's header, up to its `"claims": [`.
    heads: Vec<u8>,
}

/// What is written between `json`'s bytes, in the order of `at`.
enum Piece {
    /// `heads[from..to]` goes before `json[at..]`.
    Head { at: usize, from: usize, to: usize },
    /// `json[at..at + len]` holds findings with positions from the part's start: they
    /// are written again at the whole input's positions, at `depth`.
    Findings {
        at: usize,
        len: usize,
        depth: usize,
        findings: Vec<Finding>,
    },
}

/// [`write_835_json_split`]'s threads: each takes the next part and writes its JSON into
/// buffers from a pool; this thread writes them out in order and hands them back. A part
/// only starts with free buffers, so at most `2 * threads` are held.
///
/// While the first parts are read, this thread checks that no later ISA changes the
/// delimiters; if one does, it writes nothing and returns `None`.
fn write_parts<const PRETTY: bool, W: Write>(
    input: &[u8],
    plan: &Plan,
    threads: usize,
    out: &mut W,
) -> io::Result<Option<Written>> {
    let parts = plan.parts();
    let threads = threads.clamp(1, parts.max(1));
    let next = AtomicUsize::new(0);
    let (done_tx, done_rx) = mpsc::channel::<(usize, PartJson<'_>)>();
    let (free_tx, free_rx) = mpsc::channel::<Buffers>();
    for _ in 0..2 * threads {
        let _ = free_tx.send(Buffers::default());
    }
    let free_rx = Mutex::new(free_rx);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let (next, free_rx) = (&next, &free_rx);
            scope.spawn(move || {
                // The document writer and its scratch live as long as the thread.
                let mut doc = Json::<PRETTY>::new(2);
                loop {
                    let buffers = match free_rx.lock() {
                        Ok(free) => free.recv().ok(),
                        Err(_) => None,
                    };
                    let Some(buffers) = buffers else {
                        return;
                    };
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= parts {
                        return;
                    }
                    let part = write_part(input, plan, i, buffers, &mut doc);
                    if done_tx.send((i, part)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        if split::delimiters_change(input, plan.delimiters) {
            // No part is taken after this one.
            next.store(parts, Ordering::Relaxed);
            return Ok(None);
        }
        // Returning drops the channels' ends, which stops the threads.
        write_in_order::<PRETTY, W>(plan, done_rx, free_tx, out).map(Some)
    })
}

/// Part `i`'s JSON, written into `buffers` with the thread's document writer.
fn write_part<'a, const PRETTY: bool>(
    input: &'a [u8],
    plan: &Plan,
    i: usize,
    buffers: Buffers,
    doc: &mut Json<PRETTY>,
) -> PartJson<'a> {
    let mut claims = Json::new(4);
    claims.buf = buffers.json;
    claims.buf.clear();
    let mut heads = buffers.heads;
    heads.clear();
    doc.reset(2);
    let mut sink = io::sink();
    let mut visitor = JsonVisitor::<PRETTY, io::Sink>::new(&mut sink);
    visitor.doc = std::mem::replace(doc, Json::new(0));
    visitor.claims = claims;
    visitor.part = Some(PartState {
        heads,
        pieces: Vec::new(),
        claims_start: 0,
        // The first part's positions are the whole input's already.
        shift_findings: i > 0,
    });
    let part = split::visit_part(input, plan.range(i), i == 0, plan.delimiters, &mut visitor);
    let state = visitor.part.take().unwrap_or_default();
    *doc = visitor.doc;
    PartJson {
        buffers: Buffers {
            json: visitor.claims.buf,
            heads: state.heads,
        },
        pieces: state.pieces,
        remittances: visitor.remittances,
        part,
    }
}

/// Writes the parts as they come, in order, around the document's start and end, and
/// puts the findings together as [`crate::visit_835`] does.
fn write_in_order<const PRETTY: bool, W: Write>(
    plan: &Plan,
    done: mpsc::Receiver<(usize, PartJson<'_>)>,
    free: mpsc::Sender<Buffers>,
    out: &mut W,
) -> io::Result<Written> {
    let parts = plan.parts();
    let mut pending: Vec<Option<PartJson<'_>>> = (0..parts).map(|_| None).collect();
    let mut checker = otbill_x12::EnvelopeChecker::default();
    let (mut reader_findings, mut core_findings) = (Vec::new(), Vec::new());
    let mut shift = Shift::default();
    let mut remittances = 0;
    let mut scratch = Json::<PRETTY>::new(0);
    for i in 0..parts {
        let part = loop {
            if let Some(part) = pending.get_mut(i).and_then(Option::take) {
                break part;
            }
            match done.recv() {
                Ok((j, part)) => {
                    if let Some(slot) = pending.get_mut(j) {
                        *slot = Some(part);
                    }
                }
                Err(_) => return Err(io::Error::other("a thread writing the JSON stopped")),
            }
        };
        shift.replay(&part.part.envelope, plan.delimiters, &mut checker);
        let next = shift.next(&part.part, plan.range(i + 1).start);
        let shifted = |f| shift.finding(f);
        reader_findings.extend(part.part.reader_findings.into_iter().map(shifted));
        core_findings.extend(part.part.core_findings.into_iter().map(shifted));
        if part.remittances > 0 {
            if remittances == 0 {
                scratch.reset(0);
                scratch.open(b'{');
                scratch.key("remittances");
                scratch.open(b'[');
                out.write_all(&scratch.buf)?;
            } else {
                out.write_all(b",")?;
            }
            remittances += part.remittances;
            let Buffers { json, heads } = &part.buffers;
            let mut done = 0;
            for piece in part.pieces {
                match piece {
                    Piece::Head { at, from, to } => {
                        out.write_all(json.get(done..at).unwrap_or_default())?;
                        out.write_all(heads.get(from..to).unwrap_or_default())?;
                        done = at;
                    }
                    Piece::Findings {
                        at,
                        len,
                        depth,
                        findings,
                    } => {
                        out.write_all(json.get(done..at).unwrap_or_default())?;
                        let findings: Vec<Finding> = findings.into_iter().map(shifted).collect();
                        scratch.reset(depth);
                        scratch.serde(&findings);
                        out.write_all(&scratch.buf)?;
                        done = at + len;
                    }
                }
            }
            out.write_all(json.get(done..).unwrap_or_default())?;
        }
        shift = next;
        let _ = free.send(part.buffers);
    }
    drop(free);
    let mut findings = reader_findings;
    findings.extend(checker.finish());
    findings.extend(core_findings);
    findings.sort_by_key(|f| f.position.map_or(0, |p| p.segment));
    if remittances == 0 {
        crate::no_835_finding(&mut findings);
        return Ok(Written {
            remittances,
            findings,
        });
    }
    // Where the last remittance left the document: in the array, after an item.
    let doc = &mut scratch;
    doc.reset(2);
    doc.has_value = true;
    doc.close(b']');
    doc.key("findings");
    doc.serde(&findings);
    doc.close(b'}');
    out.write_all(&doc.buf)?;
    Ok(Written {
        remittances,
        findings,
    })
}

struct JsonVisitor<'w, const PRETTY: bool, W> {
    out: &'w mut W,
    /// The document around the claims, written out at each SE.
    doc: Json<PRETTY>,
    /// The open transaction's claims, members of its `claims` array.
    claims: Json<PRETTY>,
    remittances: usize,
    /// The first write error; later writes are skipped.
    error: Option<io::Error>,
    /// Writing one part ([`write_part`]): no document around the remittances, and
    /// everything kept in `claims` (`out` is not used).
    part: Option<PartState>,
}

/// [`JsonVisitor`]'s state while writing a part.
#[derive(Default)]
struct PartState {
    heads: Vec<u8>,
    pieces: Vec<Piece>,
    /// Where the open transaction's claims start in `claims`.
    claims_start: usize,
    /// Whether findings with positions must be shifted (a [`Piece::Findings`]).
    shift_findings: bool,
}

impl<'w, const PRETTY: bool, W: Write> JsonVisitor<'w, PRETTY, W> {
    fn new(out: &'w mut W) -> Self {
        JsonVisitor {
            out,
            doc: Json::new(0),
            // Claims are items at depth 4 (`{"remittances": [{"claims": [...`), which the
            // claim writer's literals know.
            claims: Json::new(4),
            remittances: 0,
            error: None,
            part: None,
        }
    }

    fn flush(&mut self, claims: bool) {
        if self.error.is_some() {
            return;
        }
        let mut result = self.out.write_all(&self.doc.buf);
        if claims && result.is_ok() {
            result = self.out.write_all(&self.claims.buf);
        }
        self.doc.buf.clear();
        if let Err(e) = result {
            self.error = Some(e);
        }
    }
}

impl<const PRETTY: bool, W: Write> RemitVisitor for JsonVisitor<'_, PRETTY, W> {
    fn claim(&mut self, claim: &ClaimRef<'_>) {
        if self.error.is_none() {
            self.claims.claim(claim);
        }
    }

    fn remittance(&mut self, r: Remittance) {
        let doc = &mut self.doc;
        if self.remittances == 0 && self.part.is_none() {
            doc.open(b'{');
            doc.key("remittances");
            doc.open(b'[');
        }
        self.remittances += 1;
        doc.item();
        doc.open(b'{');
        doc.key("transaction_control_number");
        doc.str(&r.transaction_control_number);
        doc.key("handling_code");
        doc.str(&r.handling_code);
        doc.key("payment_amount");
        doc.decimal(r.payment_amount);
        doc.key("credit_debit");
        doc.str(&r.credit_debit);
        doc.key("payment_method");
        doc.str(&r.payment_method);
        doc.key("payment_date");
        doc.opt_date(r.payment_date);
        doc.key("trace_number");
        doc.str(&r.trace_number);
        doc.key("trace_originator");
        doc.str(&r.trace_originator);
        doc.key("production_date");
        doc.opt_date(r.production_date);
        doc.key("payer");
        doc.serde(&r.payer);
        doc.key("payee");
        doc.serde(&r.payee);
        doc.key("claims");
        doc.open(b'[');
        // The claims were written at this depth into their own buffer.
        let has_claims = match &mut self.part {
            None => {
                let any = !self.claims.buf.is_empty();
                self.flush(true);
                any
            }
            Some(part) => {
                // The header goes before the claims on the way out.
                let from = part.heads.len();
                part.heads.extend_from_slice(&doc.buf);
                doc.buf.clear();
                part.pieces.push(Piece::Head {
                    at: part.claims_start,
                    from,
                    to: part.heads.len(),
                });
                self.claims.buf.len() > part.claims_start
            }
        };
        let doc = &mut self.doc;
        doc.has_value = has_claims;
        doc.close(b']');
        doc.key("provider_adjustments");
        doc.serde(&r.provider_adjustments);
        doc.key("balanced");
        doc.bool(r.balanced);
        doc.key("findings");
        let at = doc.buf.len();
        doc.serde(&r.findings);
        let (end, depth) = (doc.buf.len(), doc.depth);
        doc.close(b'}');
        self.claims.has_value = false;
        match &mut self.part {
            None => {
                self.claims.buf.clear();
                if self.doc.buf.len() >= 1 << 16 {
                    self.flush(false);
                }
            }
            Some(part) => {
                let base = self.claims.buf.len();
                if part.shift_findings && r.findings.iter().any(|f| f.position.is_some()) {
                    part.pieces.push(Piece::Findings {
                        at: base + at,
                        len: end - at,
                        depth,
                        findings: r.findings,
                    });
                }
                self.claims.buf.extend_from_slice(&doc.buf);
                doc.buf.clear();
                part.claims_start = self.claims.buf.len();
            }
        }
    }
}

/// Two spaces per level, as serde_json's pretty formatter indents.
macro_rules! indent {
    (4) => {
        "        "
    };
    (5) => {
        "          "
    };
    (6) => {
        "            "
    };
    (7) => {
        "              "
    };
    (8) => {
        "                "
    };
    (9) => {
        "                  "
    };
    (10) => {
        "                    "
    };
}

/// The separator and key before a member's value at depth `$d`: `,\n    "name": ` or
/// `,"name":`; with `open`, the object's `{` instead of the comma; `$tail` follows.
macro_rules! key {
    ($j:expr, $d:tt, open $name:literal) => {
        $j.lit(
            concat!("{\n", indent!($d), "\"", $name, "\": "),
            concat!("{\"", $name, "\":"),
        )
    };
    ($j:expr, $d:tt, $name:literal) => {
        key!($j, $d, $name, "")
    };
    ($j:expr, $d:tt, $name:literal, $tail:literal) => {
        $j.lit(
            concat!(",\n", indent!($d), "\"", $name, "\": ", $tail),
            concat!(",\"", $name, "\":", $tail),
        )
    };
}

/// The separator before an array item at depth `$d` (none before the first).
macro_rules! item {
    ($j:expr, $d:tt, $first:expr) => {
        if $first {
            $j.lit(concat!("\n", indent!($d)), "")
        } else {
            $j.lit(concat!(",\n", indent!($d)), ",")
        }
    };
}

/// The `}` of an object whose members stand one level deeper than `$d`.
macro_rules! close_object {
    ($j:expr, $d:tt) => {
        $j.lit(concat!("\n", indent!($d), "}"), "}")
    };
}

/// The `]` of an array at depth `$d`: on its own line unless it is empty.
macro_rules! close_array {
    ($j:expr, $d:tt, $any:expr) => {
        if $any {
            $j.lit(concat!("\n", indent!($d), "]"), "]")
        } else {
            $j.lit("]", "]")
        }
    };
}

/// The CAS, DTM, AMT and REF list writers for lists that are members at depth `$list`,
/// their items at `$item` and the items' members at `$member`.
macro_rules! lists {
    ($adjustments:ident, $dates:ident, $amounts:ident, $references:ident,
     $list:tt, $item:tt, $member:tt) => {
        fn $adjustments<'a>(&mut self, items: impl Iterator<Item = AdjustmentRef<'a>>) {
            self.lit("[", "[");
            let mut any = false;
            for a in items {
                item!(self, $item, !any);
                any = true;
                key!(self, $member, open "group");
                self.text(a.group);
                key!(self, $member, "reason");
                self.text(a.reason);
                key!(self, $member, "amount");
                self.decimal(a.amount);
                if let Some(q) = a.quantity {
                    key!(self, $member, "quantity");
                    self.decimal(q);
                }
                close_object!(self, $item);
            }
            close_array!(self, $list, any);
        }

        fn $dates<'a>(&mut self, items: impl Iterator<Item = Qualified<'a, NaiveDate>>) {
            self.lit("[", "[");
            let mut any = false;
            for d in items {
                item!(self, $item, !any);
                any = true;
                key!(self, $member, open "qualifier");
                self.text(d.qualifier);
                key!(self, $member, "date");
                self.date(d.value);
                close_object!(self, $item);
            }
            close_array!(self, $list, any);
        }

        fn $amounts<'a>(&mut self, items: impl Iterator<Item = Qualified<'a, Decimal>>) {
            self.lit("[", "[");
            let mut any = false;
            for a in items {
                item!(self, $item, !any);
                any = true;
                key!(self, $member, open "qualifier");
                self.text(a.qualifier);
                key!(self, $member, "amount");
                self.decimal(a.value);
                close_object!(self, $item);
            }
            close_array!(self, $list, any);
        }

        fn $references<'a>(&mut self, items: impl Iterator<Item = Qualified<'a, &'a [u8]>>) {
            self.lit("[", "[");
            let mut any = false;
            for r in items {
                item!(self, $item, !any);
                any = true;
                key!(self, $member, open "qualifier");
                self.text(r.qualifier);
                key!(self, $member, "value");
                self.text(r.value);
                close_object!(self, $item);
            }
            close_array!(self, $list, any);
        }
    };
}

/// Two-space indents after a newline, enough for the deepest member (a CAS triple's
/// `quantity`, at depth 8).
const NEWLINE_INDENT: &[u8] = b"\n                                                                ";

/// A JSON writer into a byte buffer, laid out like serde_json's compact or pretty
/// formatter.
struct Json<const PRETTY: bool> {
    buf: Vec<u8>,
    depth: usize,
    /// Whether the open object or array already has a member.
    has_value: bool,
    /// serde's output before re-indenting.
    scratch: Vec<u8>,
}

impl<const PRETTY: bool> Json<PRETTY> {
    fn new(depth: usize) -> Self {
        Json {
            buf: Vec::new(),
            depth,
            has_value: false,
            scratch: Vec::new(),
        }
    }

    /// Empty again, at `depth`, keeping the buffers.
    fn reset(&mut self, depth: usize) {
        self.buf.clear();
        self.depth = depth;
        self.has_value = false;
    }

    /// Writes `pretty` or `compact`: literals, so the copy has a known length.
    #[inline(always)]
    fn lit(&mut self, pretty: &'static str, compact: &'static str) {
        self.buf
            .extend_from_slice(if PRETTY { pretty } else { compact }.as_bytes());
    }

    #[inline]
    fn newline(&mut self) {
        let n = 1 + 2 * self.depth;
        self.buf
            .extend_from_slice(NEWLINE_INDENT.get(..n).unwrap_or(NEWLINE_INDENT));
    }

    /// Starts a member of the open object or array.
    #[inline]
    fn item(&mut self) {
        if self.has_value {
            self.buf.push(b',');
        }
        if PRETTY {
            self.newline();
        }
        self.has_value = true;
    }

    #[inline]
    fn key(&mut self, name: &str) {
        self.item();
        self.buf.push(b'"');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf
            .extend_from_slice(if PRETTY { b"\": " } else { b"\":" });
    }

    #[inline]
    fn open(&mut self, bracket: u8) {
        self.buf.push(bracket);
        self.depth += 1;
        self.has_value = false;
    }

    #[inline]
    fn close(&mut self, bracket: u8) {
        self.depth = self.depth.saturating_sub(1);
        if PRETTY && self.has_value {
            self.newline();
        }
        self.buf.push(bracket);
        self.has_value = true;
    }

    fn null(&mut self) {
        self.buf.extend_from_slice(b"null");
    }

    fn bool(&mut self, value: bool) {
        self.buf
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    fn str(&mut self, s: &str) {
        self.text(s.as_bytes());
    }

    /// Element bytes as a JSON string, read as [`crate::Text::from_bytes`] reads them
    /// (invalid UTF-8 replaced).
    #[inline]
    fn text(&mut self, bytes: &[u8]) {
        // A fold without early exit vectorizes; X12 text almost never needs escaping.
        let plain = bytes.iter().fold(true, |acc, &b| {
            acc & (0x20..0x80).contains(&b) & (b != b'"') & (b != b'\\')
        });
        if plain {
            self.buf.push(b'"');
            self.buf.extend_from_slice(bytes);
            self.buf.push(b'"');
        } else {
            let _ = serde_json::to_writer(&mut self.buf, &String::from_utf8_lossy(bytes));
        }
    }

    /// As rust_decimal serializes: its `Display`, sign and scale kept.
    #[inline]
    fn decimal(&mut self, d: Decimal) {
        self.buf.push(b'"');
        if d.is_sign_negative() {
            self.buf.push(b'-');
        }
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(d.mantissa().unsigned_abs()).as_bytes();
        let scale = d.scale() as usize;
        match digits.len().checked_sub(scale) {
            Some(0) | None => {
                self.buf.extend_from_slice(b"0.");
                for _ in digits.len()..scale {
                    self.buf.push(b'0');
                }
                self.buf.extend_from_slice(digits);
            }
            Some(whole) => {
                let (int, fraction) = digits.split_at(whole);
                self.buf.extend_from_slice(int);
                if scale > 0 {
                    self.buf.push(b'.');
                    self.buf.extend_from_slice(fraction);
                }
            }
        }
        self.buf.push(b'"');
    }

    fn opt_decimal(&mut self, d: Option<Decimal>) {
        match d {
            Some(d) => self.decimal(d),
            None => self.null(),
        }
    }

    /// Units as [`number`] writes them: a JSON integer when whole, else a float.
    #[inline]
    fn number(&mut self, d: Decimal) {
        if d.scale() == 0 {
            if let Ok(n) = i64::try_from(d.mantissa()) {
                self.buf
                    .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
                return;
            }
        }
        struct Units(Decimal);
        impl Serialize for Units {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                number(&self.0, s)
            }
        }
        self.serde(&Units(d));
    }

    fn date(&mut self, date: NaiveDate) {
        let (year, month, day) = (date.year(), date.month(), date.day());
        match u32::try_from(year) {
            Ok(year) if year <= 9999 => {
                let digits = [
                    b'"',
                    digit(year / 1000),
                    digit(year / 100),
                    digit(year / 10),
                    digit(year),
                    b'-',
                    digit(month / 10),
                    digit(month),
                    b'-',
                    digit(day / 10),
                    digit(day),
                    b'"',
                ];
                self.buf.extend_from_slice(&digits);
            }
            // Years chrono writes with a sign.
            _ => self.serde(&date),
        }
    }

    fn opt_date(&mut self, date: Option<NaiveDate>) {
        match date {
            Some(d) => self.date(d),
            None => self.null(),
        }
    }

    /// Any value through serde_json, indented to where it stands.
    fn serde<T: Serialize + ?Sized>(&mut self, value: &T) {
        if !PRETTY {
            let _ = serde_json::to_writer(&mut self.buf, value);
            return;
        }
        self.scratch.clear();
        let _ = serde_json::to_writer_pretty(&mut self.scratch, value);
        // JSON strings hold no raw newline, so every newline starts an indented line.
        let indent = NEWLINE_INDENT
            .get(..1 + 2 * self.depth)
            .unwrap_or(NEWLINE_INDENT);
        for (i, line) in self.scratch.split(|b| *b == b'\n').enumerate() {
            if i > 0 {
                self.buf.extend_from_slice(indent);
            }
            self.buf.extend_from_slice(line);
        }
    }

    /// One claim of the `claims` array. Its layout is fixed, so everything between values
    /// is a literal, pretty or compact ([`key!`] and friends): one copy of a known length.
    fn claim(&mut self, c: &ClaimRef<'_>) {
        item!(self, 4, !self.has_value);
        self.has_value = true;
        key!(self, 5, open "patient_control_number");
        self.text(c.patient_control_number());
        key!(self, 5, "status");
        self.text(c.status());
        key!(self, 5, "charge");
        self.decimal(c.charge());
        key!(self, 5, "paid");
        self.decimal(c.paid());
        key!(self, 5, "patient_responsibility");
        self.decimal(c.patient_responsibility());
        key!(self, 5, "filing_indicator");
        self.text(c.filing_indicator());
        key!(self, 5, "payer_claim_number");
        self.text(c.payer_claim_number());
        key!(self, 5, "facility_code");
        self.text(c.facility_code());
        key!(self, 5, "frequency");
        self.text(c.frequency());
        key!(self, 5, "patient");
        match c.patient() {
            Some([last, first, id]) => {
                key!(self, 6, open "last_name");
                self.text(last);
                key!(self, 6, "first_name");
                self.text(first);
                key!(self, 6, "id");
                self.text(id);
                close_object!(self, 5);
            }
            None => self.null(),
        }
        key!(self, 5, "adjustments");
        self.claim_adjustments(c.adjustments());
        key!(self, 5, "lines", "[");
        let mut any = false;
        for line in c.lines() {
            item!(self, 6, !any);
            any = true;
            self.line(&line);
        }
        close_array!(self, 5, any);
        key!(self, 5, "dates");
        self.claim_dates(c.dates());
        key!(self, 5, "amounts");
        self.claim_amounts(c.amounts());
        key!(self, 5, "references");
        self.claim_references(c.references());
        key!(self, 5, "balanced");
        self.bool(c.balanced());
        close_object!(self, 4);
    }

    /// One service line, an item of its claim's `lines` (members at depth 7).
    fn line(&mut self, l: &LineRef<'_>) {
        let submitted = l.procedure_code();
        key!(self, 7, open "qualifier");
        self.text(submitted.qualifier());
        key!(self, 7, "code");
        self.text(submitted.code());
        key!(self, 7, "modifiers");
        self.modifiers::<true>(&submitted);
        key!(self, 7, "charge");
        self.decimal(l.charge());
        key!(self, 7, "paid");
        self.decimal(l.paid());
        let revenue_code = l.revenue_code();
        if !revenue_code.is_empty() {
            key!(self, 7, "revenue_code");
            self.text(revenue_code);
        }
        key!(self, 7, "units");
        self.number(l.units());
        key!(self, 7, "original");
        match l.original() {
            Some(p) => {
                key!(self, 8, open "qualifier");
                self.text(p.qualifier());
                key!(self, 8, "code");
                self.text(p.code());
                key!(self, 8, "modifiers");
                self.modifiers::<false>(&p);
                close_object!(self, 7);
            }
            None => self.null(),
        }
        key!(self, 7, "original_units");
        match l.original_units() {
            Some(units) => self.number(units),
            None => self.null(),
        }
        key!(self, 7, "control_number");
        match l.control_number() {
            Some(number) => self.text(number),
            None => self.null(),
        }
        key!(self, 7, "allowed");
        self.opt_decimal(l.allowed());
        key!(self, 7, "adjustments");
        self.line_adjustments(l.adjustments());
        key!(self, 7, "dates");
        self.line_dates(l.dates());
        key!(self, 7, "amounts");
        self.line_amounts(l.amounts());
        key!(self, 7, "references");
        self.line_references(l.references());
        key!(self, 7, "remarks", "[");
        let mut any = false;
        for remark in l.remarks() {
            item!(self, 8, !any);
            any = true;
            self.text(remark);
        }
        close_array!(self, 7, any);
        close_object!(self, 6);
    }

    /// SVC01's modifiers (members of a line, depth 7) or SVC06's (of `original`, 8).
    fn modifiers<const SUBMITTED: bool>(&mut self, p: &ProcedureRef<'_>) {
        self.lit("[", "[");
        let mut any = false;
        for m in p.modifiers() {
            if SUBMITTED {
                item!(self, 8, !any);
            } else {
                item!(self, 9, !any);
            }
            any = true;
            self.text(m);
        }
        if SUBMITTED {
            close_array!(self, 7, any);
        } else {
            close_array!(self, 8, any);
        }
    }

    // The CAS, DTM, AMT and REF lists of a claim (items at depth 6) and of a line (8).
    lists!(
        claim_adjustments,
        claim_dates,
        claim_amounts,
        claim_references,
        5,
        6,
        7
    );
    lists!(
        line_adjustments,
        line_dates,
        line_amounts,
        line_references,
        7,
        8,
        9
    );
}

fn digit(n: u32) -> u8 {
    b'0' + (n % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decimal_json(d: Decimal) -> String {
        let mut json = Json::<false>::new(0);
        json.decimal(d);
        String::from_utf8_lossy(&json.buf).into_owned()
    }

    #[test]
    fn decimals_edge_cases() {
        for (mantissa, scale) in [(0i64, 0u32), (0, 3), (5, 1), (-5, 1), (150, 2), (-7, 4)] {
            let d = Decimal::new(mantissa, scale);
            assert_eq!(
                decimal_json(d),
                serde_json::to_string(&d).unwrap_or_default()
            );
        }
        let negative_zero = Decimal::from_parts(0, 0, 0, true, 2);
        assert_eq!(
            decimal_json(negative_zero),
            serde_json::to_string(&negative_zero).unwrap_or_default()
        );
        assert_eq!(
            decimal_json(Decimal::MAX),
            serde_json::to_string(&Decimal::MAX).unwrap_or_default()
        );
    }

    proptest! {
        #[test]
        fn decimals_as_serde(lo: u32, mid: u32, hi: u32, negative: bool, scale in 0u32..=28) {
            let d = Decimal::from_parts(lo, mid, hi, negative, scale);
            prop_assert_eq!(decimal_json(d), serde_json::to_string(&d).unwrap_or_default());
        }

        #[test]
        fn units_as_serde(mantissa: i64, scale in 0u32..=10) {
            let d = Decimal::new(mantissa, scale);
            let mut json = Json::<false>::new(0);
            json.number(d);
            struct Units(Decimal);
            impl Serialize for Units {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    number(&self.0, s)
                }
            }
            prop_assert_eq!(json.buf, serde_json::to_vec(&Units(d)).unwrap_or_default());
        }

        #[test]
        fn dates_as_serde(days in -400_000i32..4_000_000) {
            let date = NaiveDate::from_num_days_from_ce_opt(days).unwrap_or_default();
            let mut json = Json::<true>::new(0);
            json.date(date);
            prop_assert_eq!(json.buf, serde_json::to_vec(&date).unwrap_or_default());
        }

        #[test]
        fn text_as_serde(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let mut json = Json::<false>::new(0);
            json.text(&bytes);
            let owned = crate::Text::from_bytes(&bytes);
            prop_assert_eq!(json.buf, serde_json::to_vec(&owned).unwrap_or_default());
        }
    }

    #[test]
    fn nothing_written_without_an_835() {
        let mut out = Vec::new();
        let written = write_835_json(b"ST*837*1~SE*2*1~", JsonStyle::Pretty, &mut out);
        let written = written.ok();
        assert_eq!(written.as_ref().map(|w| w.remittances), Some(0));
        assert_eq!(
            written
                .as_ref()
                .and_then(|w| w.unreadable())
                .map(|f| f.code),
            Some("ERA-NOT-835")
        );
        assert!(out.is_empty());
        let era = crate::parse_835(b"");
        let written = write_835_json(b"", JsonStyle::Compact, &mut out).ok();
        assert_eq!(written.map(|w| w.findings), Some(era.findings));
    }
}
