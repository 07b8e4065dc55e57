//! 835 remittances posted exactly once into the append-only ledger.
//!
//! **Exactly once:** each remittance (ST..SE) is keyed by its payer (TRN03, else the N1*PR
//! id), its check/EFT trace number (TRN02) and a SHA-256 of its content (ST02 and findings
//! left out, so a re-enveloped copy is the same remittance), under a unique constraint.
//! A file is posted in one transaction; a remittance whose key exists posts nothing. Two
//! processes posting the same file at once: the second insert waits for the first
//! transaction and then finds the key (PostgreSQL), or waits for the write lock (SQLite).
//!
//! **Grouped:** after the key, the remittance's claims and their lines are looked up,
//! `POST_GROUP` (2,000) at a time, one query each; then the CLP loops are posted a group
//! at a time: one bulk insert per table (`remit_claims`, `adjustments`, `ledger`,
//! `unmatched`, `claim_events`) and one bulk status update (see `db.rs`: a few round
//! trips per group on PostgreSQL, not several per claim). A second thread writes a group
//! while the next one is matched, on the same connection, in order. Everything stays in
//! the one transaction, so a killed process (the `post:claim:N` pause, before the N-th
//! claim is added to its group) leaves nothing.
//!
//! **Matching:** claims by patient control number (CLP01 = our CLM01); lines by REF*6R line
//! item control number, else by the submitted procedure (SVC06 when the payer changed the
//! code, else SVC01) ignoring modifiers the payer dropped. A claim that does not match goes
//! to `unmatched` with the reason and posts nothing; a line that does not match posts its
//! money at claim level and is listed in `unmatched` too. PLB provider-level adjustments
//! are listed there as well: they belong to no claim.
//!
//! **Money:** a payment is a `payment` entry (−paid, payer side); CO-45 and the other
//! expected reductions are `contractual` entries; a PR adjustment moves the amount from the
//! payer side to the patient side; denials (other CO, OA, PI) are recorded in
//! `adjustments` and leave the payer balance open for the denials worklist. A reversal
//! (CLP02 = 22) carries negative amounts, so the same entries undo the original.

use std::collections::HashMap;

use otbill_era::{parse_835, Adjustment, Remittance};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::batch::hex;
use crate::claims::{CLAIM_EVENTS, LEDGER};
use crate::db::{params, row, Conn, Keyed, Keys, Rows, Table, Ty, Update};
use crate::{cents, now, pause_at, Error, Store};

/// CARCs posted as contractual (expected) reductions rather than denials: 45 (fee
/// schedule), 253 (sequestration), 59 (multiple procedure), 42 and 94 (processed in excess
/// of charges / plan amount), 131 (claim-specific negotiated discount).
pub const CONTRACTUAL_CARCS: &[&str] = &["45", "253", "59", "42", "94", "131"];

/// What posting one 835 file did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PostOutcome {
    /// One entry per remittance in the file.
    pub remittances: Vec<RemitOutcome>,
    /// Reading findings of the file (balancing, envelopes), as `code: message`.
    pub findings: Vec<String>,
}

/// One remittance's posting.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RemitOutcome {
    /// The remittance id in the ledger (the earlier one when a duplicate).
    pub remittance_id: Option<i64>,
    /// TRN02.
    pub trace_number: String,
    /// True when it had been posted before: nothing was posted this time.
    pub duplicate: bool,
    /// Claims posted.
    pub claims_posted: usize,
    /// Claims that matched nothing.
    pub claims_unmatched: usize,
    /// Lines that matched no claim line (money posted at claim level).
    pub lines_unmatched: usize,
    /// Paid to the practice (sum of CLP04 posted).
    pub paid: Decimal,
    /// Claims by resulting status, e.g. `paid`, `partly_paid`, `denied`.
    pub statuses: Vec<(String, usize)>,
    /// A note when the same trace number was posted before with other content.
    pub warning: Option<String>,
}

impl Store {
    /// Posts an 835 file; `file_name` is recorded (not read). Unbalanced remittances are
    /// refused unless `allow_unbalanced`.
    pub fn post_835(
        &mut self,
        input: &[u8],
        file_name: &str,
        allow_unbalanced: bool,
    ) -> Result<PostOutcome, Error> {
        let era = parse_835(input);
        if let Some(f) = era.unreadable() {
            return Err(Error::invalid(
                file_name,
                format!("not a readable 835: {}", f.message),
            ));
        }
        if !allow_unbalanced {
            if let Some(r) = era.remittances.iter().find(|r| !r.balanced) {
                let why = r
                    .findings
                    .first()
                    .map_or(String::new(), |f| format!(": {}", f.message));
                return Err(Error::invalid(
                    file_name,
                    format!(
                        "remittance with trace {} does not balance{why}",
                        r.trace_number
                    ),
                ));
            }
        }
        let mut out = PostOutcome {
            findings: era
                .findings
                .iter()
                .map(|f| format!("{}: {}", f.code, f.message))
                .collect(),
            ..PostOutcome::default()
        };
        let actor = self.actor.clone();
        let mut remittances = era.remittances;
        // Hashed before the transaction: it needs no lock.
        let hashes: Vec<String> = remittances.iter_mut().map(content_hash).collect();
        out.remittances = self.tx(|c| {
            let mut res = Vec::new();
            let mut n = 0u64;
            for (r, hash) in remittances.iter().zip(hashes) {
                res.push(post_one(c, r, hash, file_name, &actor, &mut n)?);
            }
            Ok(res)
        })?;
        Ok(out)
    }

    /// Unmatched remittance items: `(remittance id, pcn, line control, code, reason, paid)`.
    pub fn unmatched(&mut self) -> Result<Vec<Unmatched>, Error> {
        Ok(self
            .conn
            .query(
                "SELECT remittance_id, pcn, line_control, code, reason, paid_cents FROM unmatched WHERE unmatched.practice_id = $P ORDER BY id",
                params![],
            )?
            .iter()
            .map(|r| (r.int(0), r.text(1), r.opt_text(2), r.opt_text(3), r.text(4), crate::dollars(r.int(5))))
            .collect())
    }
}

/// An unmatched item: `(remittance id, pcn, line control, code, reason, paid)`.
pub type Unmatched = (i64, String, Option<String>, Option<String>, String, Decimal);

/// SHA-256 of the remittance as JSON with ST02 and the findings left out. Those two are
/// taken out and put back rather than cloning the whole remittance; the bytes hashed are
/// the same, so keys of remittances posted earlier still match.
fn content_hash(r: &mut Remittance) -> String {
    let control = std::mem::take(&mut r.transaction_control_number);
    let findings = std::mem::take(&mut r.findings);
    let mut h = Sha256::new();
    {
        // Buffered: serde_json writes a few bytes at a time, SHA-256 wants blocks.
        let mut w = std::io::BufWriter::with_capacity(1 << 16, HashWrite(&mut h));
        // Serializing our own model cannot fail; an empty hash would still be keyed by trace.
        let _ = serde_json::to_writer(&mut w, &*r);
        let _ = std::io::Write::flush(&mut w);
    }
    r.transaction_control_number = control;
    r.findings = findings;
    hex(&h.finalize())
}

struct HashWrite<'a>(&'a mut Sha256);

impl std::io::Write for HashWrite<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// CLP loops posted per group: one lookup of their claims and lines, then one bulk insert
/// per table and one bulk status update.
const POST_GROUP: usize = 2000;

static REMIT_CLAIMS: Table = Table::new(
    "remit_claims",
    &[
        ("remittance_id", Ty::Int),
        ("claim_id", Ty::Int),
        ("pcn", Ty::Text),
        ("status_code", Ty::Text),
        ("charge_cents", Ty::Int),
        ("paid_cents", Ty::Int),
        ("patient_cents", Ty::Int),
        ("payer_claim_number", Ty::Text),
    ],
);

static ADJUSTMENTS: Table = Table::new(
    "adjustments",
    &[
        ("remittance_id", Ty::Int),
        ("claim_id", Ty::Int),
        ("claim_line_id", Ty::Int),
        ("group_code", Ty::Text),
        ("reason", Ty::Text),
        ("amount_cents", Ty::Int),
        ("remarks", Ty::Text),
        ("at", Ty::Text),
    ],
);

static UNMATCHED: Table = Table::new(
    "unmatched",
    &[
        ("remittance_id", Ty::Int),
        ("pcn", Ty::Text),
        ("line_control", Ty::Text),
        ("code", Ty::Text),
        ("reason", Ty::Text),
        ("paid_cents", Ty::Int),
    ],
);

/// A posted claim's status and payer claim number (kept when the 835 has none).
static CLAIM_STATUS: Update = Update::new(
    "claims",
    &[("id", Ty::Int), ("status", Ty::Text), ("icn", Ty::Text), ("at", Ty::Text)],
    "status = u.status, payer_claim_number = COALESCE(u.icn, t.payer_claim_number), updated_at = u.at",
    "",
);

static CLAIMS_BY_PCN: Keyed = Keyed::new(
    Ty::Text,
    "SELECT keys.k, c.id FROM {keys} JOIN claims c ON c.pcn = keys.k AND c.practice_id = $P",
);

static LINES_OF: Keyed = Keyed::new(
    Ty::Int,
    "SELECT l.claim_id, l.seq, l.id, l.lcn, l.code FROM {keys} \
     JOIN claim_lines l ON l.claim_id = keys.k AND l.practice_id = $P",
);

struct Line {
    id: i64,
    lcn: String,
    code: String,
}

/// What a group of claims writes, flushed once per group.
struct Writes {
    remit_claims: Rows,
    adjustments: Rows,
    ledger: Rows,
    unmatched: Rows,
    events: Rows,
    /// `(claim, status, payer claim number)` in posting order.
    statuses: Vec<(i64, &'static str, Option<String>)>,
}

impl Writes {
    fn new() -> Writes {
        Writes {
            remit_claims: Rows::new(&REMIT_CLAIMS),
            adjustments: Rows::new(&ADJUSTMENTS),
            ledger: Rows::new(&LEDGER),
            unmatched: Rows::new(&UNMATCHED),
            events: Rows::new(&CLAIM_EVENTS),
            statuses: Vec::new(),
        }
    }

    fn flush(&mut self, c: &mut Conn, at: &str) -> Result<(), Error> {
        c.insert_rows(&self.remit_claims)?;
        c.insert_rows(&self.adjustments)?;
        c.insert_rows(&self.ledger)?;
        c.insert_rows(&self.unmatched)?;
        // One update per claim: a claim twice in the group (a reversal and its
        // re-adjudication) ends as the one-at-a-time updates would leave it, the last
        // status and the last payer claim number given.
        let mut merged: Vec<(i64, &'static str, Option<String>)> = Vec::new();
        let mut at_index = std::collections::HashMap::new();
        for (claim, status, icn) in self.statuses.drain(..) {
            match at_index.get(&claim) {
                Some(&i) => {
                    let m: &mut (i64, &'static str, Option<String>) = &mut merged[i];
                    m.1 = status;
                    if icn.is_some() {
                        m.2 = icn;
                    }
                }
                None => {
                    at_index.insert(claim, merged.len());
                    merged.push((claim, status, icn));
                }
            }
        }
        let mut rows = CLAIM_STATUS.rows();
        for (claim, status, icn) in merged {
            rows.push(row![claim, status, icn, at]);
        }
        c.update_rows(&CLAIM_STATUS, &rows)?;
        c.insert_rows(&self.events)?;
        self.remit_claims.clear();
        self.adjustments.clear();
        self.ledger.clear();
        self.unmatched.clear();
        self.events.clear();
        Ok(())
    }
}

fn post_one(
    c: &mut Conn,
    r: &Remittance,
    hash: String,
    file: &str,
    actor: &str,
    n: &mut u64,
) -> Result<RemitOutcome, Error> {
    let payer_key = [
        r.trace_originator.as_str(),
        r.payer.id.as_str(),
        r.payer.name.as_str(),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or_default()
    .to_owned();
    let mut out = RemitOutcome {
        trace_number: r.trace_number.to_string(),
        ..RemitOutcome::default()
    };
    let at = now();
    // The exactly-once gate: the key is taken first, alone, under the unique constraint. A
    // concurrent posting of the same remittance waits here for this transaction and then
    // finds the key taken.
    let id = c.one(
        "INSERT INTO remittances (practice_id, payer_key, trace_number, content_hash, payment_cents, payment_date, \
         file_name, posted_at, posted_by, claims) VALUES ($P, $1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT DO NOTHING RETURNING id",
        params![payer_key.as_str(), r.trace_number.as_str(), hash.as_str(), cents(r.payment_amount),
            r.payment_date.map(|d| d.to_string()), file, at.as_str(), actor, r.claims.len() as i64],
    )?;
    let Some(id) = id.map(|row| row.int(0)) else {
        out.duplicate = true;
        out.remittance_id = c
            .one(
                "SELECT id FROM remittances WHERE remittances.practice_id = $P AND payer_key = $1 AND trace_number = $2 AND content_hash = $3",
                params![payer_key.as_str(), r.trace_number.as_str(), hash.as_str()],
            )?
            .map(|row| row.int(0));
        return Ok(out);
    };
    out.remittance_id = Some(id);
    let earlier = c.one(
        "SELECT id FROM remittances WHERE remittances.practice_id = $P AND payer_key = $1 AND trace_number = $2 AND id <> $3 LIMIT 1",
        params![payer_key.as_str(), r.trace_number.as_str(), id],
    )?;
    if let Some(e) = earlier {
        out.warning = Some(format!(
            "trace number {} was posted before (remittance {}) with different content; posted as a new remittance",
            r.trace_number,
            e.int(0)
        ));
    }
    let mut statuses: Vec<(String, usize)> = Vec::new();
    let (claim_of, lines_of) = lookup(c, &r.claims)?;
    let ctx = Ctx {
        remit: id,
        claim: 0,
        at: &at,
        actor,
    };
    // Pipelined: while one group's rows are written (a thread holding the connection,
    // still in this transaction), the next group's are computed. Two buffers go round.
    std::thread::scope(|s| -> Result<(), Error> {
        let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Writes>(1);
        let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Writes>();
        let at = at.as_str();
        let writer = s.spawn(move || -> Result<(), Error> {
            for mut w in full_rx {
                w.flush(c, at)?;
                // The computing side may be done already: nothing to hand back to then.
                let _ = empty_tx.send(w);
            }
            Ok(())
        });
        let mut pool = vec![Writes::new(), Writes::new()];
        let mut next = || pool.pop().or_else(|| empty_rx.recv().ok());
        for group in r.claims.chunks(POST_GROUP) {
            // None: the writer failed; its error is returned below.
            let Some(mut w) = next() else { break };
            post_group(
                r,
                group,
                &ctx,
                &claim_of,
                &lines_of,
                n,
                &mut out,
                &mut statuses,
                &mut w,
            );
            if full_tx.send(w).is_err() {
                break;
            }
        }
        if let Some(mut w) = next() {
            for plb in &r.provider_adjustments {
                w.unmatched.push(row![
                    id,
                    plb.reference.as_str(),
                    None::<String>,
                    plb.reason.as_str(),
                    "provider-level adjustment (PLB): not tied to a claim",
                    -cents(plb.amount)
                ]);
            }
            let _ = full_tx.send(w);
        }
        drop(full_tx);
        writer
            .join()
            .unwrap_or_else(|_| Err(Error::Db("posting writer panicked".into())))
    })?;
    statuses.sort();
    out.statuses = statuses;
    Ok(out)
}

/// A remittance's claims by PCN, and their lines by claim (in `seq` order).
type Found = (HashMap<String, i64>, HashMap<i64, Vec<Line>>);

/// Looks up every claim of the remittance and its lines: one query of each per
/// `POST_GROUP` claims (before any is posted, so the writes can run beside the matching).
fn lookup(c: &mut Conn, claims: &[otbill_era::Claim]) -> Result<Found, Error> {
    let mut claim_of: HashMap<String, i64> = HashMap::with_capacity(claims.len());
    let mut lines_of: HashMap<i64, Vec<(i64, Line)>> = HashMap::with_capacity(claims.len());
    for group in claims.chunks(POST_GROUP) {
        let mut pcns: Vec<&str> = group
            .iter()
            .map(|clp| clp.patient_control_number.as_str())
            .filter(|p| !claim_of.contains_key(*p))
            .collect();
        pcns.sort_unstable();
        pcns.dedup();
        let mut ids = Vec::with_capacity(pcns.len());
        for row in c.query_keys(&CLAIMS_BY_PCN, Keys::Text(&pcns))? {
            ids.push(row.int(1));
            claim_of.insert(row.text(0), row.int(1));
        }
        ids.sort_unstable();
        ids.dedup();
        for l in c.query_keys(&LINES_OF, Keys::Int(&ids))? {
            let line = Line {
                id: l.int(2),
                lcn: l.text(3),
                code: l.text(4),
            };
            lines_of.entry(l.int(0)).or_default().push((l.int(1), line));
        }
    }
    let lines_of = lines_of
        .into_iter()
        .map(|(claim, mut lines)| {
            lines.sort_unstable_by_key(|l| l.0);
            (claim, lines.into_iter().map(|l| l.1).collect())
        })
        .collect();
    Ok((claim_of, lines_of))
}

/// Posts one group of CLP loops into `w` (not yet written).
#[allow(clippy::too_many_arguments)]
fn post_group(
    r: &Remittance,
    group: &[otbill_era::Claim],
    base: &Ctx<'_>,
    claim_of: &HashMap<String, i64>,
    lines_of: &HashMap<i64, Vec<Line>>,
    n: &mut u64,
    out: &mut RemitOutcome,
    statuses: &mut Vec<(String, usize)>,
    w: &mut Writes,
) {
    let no_lines = Vec::new();
    for clp in group {
        *n += 1;
        pause_at("post:claim", *n);
        let paid = cents(clp.paid);
        let Some(&claim_id) = claim_of.get(clp.patient_control_number.as_str()) else {
            out.claims_unmatched += 1;
            w.unmatched.push(row![
                base.remit,
                clp.patient_control_number.as_str(),
                None::<String>,
                None::<String>,
                "no claim with this patient control number",
                paid
            ]);
            continue;
        };
        w.remit_claims.push(row![
            base.remit,
            claim_id,
            clp.patient_control_number.as_str(),
            clp.status.as_str(),
            cents(clp.charge),
            paid,
            cents(clp.patient_responsibility),
            clp.payer_claim_number.as_str()
        ]);
        let lines = lines_of.get(&claim_id).unwrap_or(&no_lines);
        let mut used = vec![false; lines.len()];
        let reversal = clp.status == "22";
        let pay_kind = if reversal { "reversal" } else { "payment" };
        let mut posted_at_lines = 0i64;
        let mut denied = 0i64;
        let mut notes = Vec::new();
        let ctx = Ctx {
            claim: claim_id,
            ..*base
        };
        for svc in &clp.lines {
            let submitted = svc
                .original
                .as_ref()
                .map_or(svc.code.as_str(), |o| o.code.as_str());
            let free = |i: &usize| !used[*i];
            let by_lcn = svc
                .control_number
                .as_deref()
                .and_then(|lcn| (0..lines.len()).filter(free).find(|&i| lines[i].lcn == lcn));
            let found = by_lcn.or_else(|| {
                (0..lines.len())
                    .filter(free)
                    .find(|&i| lines[i].code == submitted)
            });
            let line_id = match found {
                Some(i) => {
                    used[i] = true;
                    let line = &lines[i];
                    if svc.code.as_str() != line.code {
                        notes.push(format!(
                            "line {} paid as {} (billed {})",
                            line.lcn, svc.code, line.code
                        ));
                    }
                    Some(line.id)
                }
                None => {
                    out.lines_unmatched += 1;
                    w.unmatched.push(row![base.remit, clp.patient_control_number.as_str(),
                        svc.control_number.as_deref(), svc.code.as_str(),
                        "no claim line with this line control number or procedure; posted at claim level",
                        cents(svc.paid)]);
                    None
                }
            };
            let p = cents(svc.paid);
            posted_at_lines += p;
            if p != 0 {
                ledger(w, &ctx, line_id, "payer", pay_kind, -p, None);
            }
            for a in &svc.adjustments {
                denied += adjust(
                    w,
                    &ctx,
                    line_id,
                    a,
                    &svc.remarks.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                );
            }
        }
        let rest = paid - posted_at_lines;
        if rest != 0 {
            ledger(w, &ctx, None, "payer", pay_kind, -rest, None);
        }
        for a in &clp.adjustments {
            denied += adjust(w, &ctx, None, a, &[]);
        }
        let status = if reversal {
            "reversed"
        } else if paid == 0 || clp.status == "4" {
            "denied"
        } else if denied != 0 || cents(clp.patient_responsibility) != 0 {
            "partly_paid"
        } else {
            "paid"
        };
        match statuses.iter_mut().find(|(s, _)| s == status) {
            Some((_, k)) => *k += 1,
            None => statuses.push((status.to_owned(), 1)),
        }
        let icn = (!clp.payer_claim_number.is_empty()).then(|| clp.payer_claim_number.to_string());
        w.statuses.push((claim_id, status, icn));
        let mut detail = format!(
            "835 trace {} CLP02={} charge {} paid {} patient {}",
            r.trace_number, clp.status, clp.charge, clp.paid, clp.patient_responsibility
        );
        for note in notes {
            detail.push_str("; ");
            detail.push_str(&note);
        }
        w.events
            .push(row![claim_id, base.at, base.actor, status, detail]);
        out.claims_posted += 1;
        out.paid += clp.paid;
    }
}

#[derive(Clone, Copy)]
struct Ctx<'a> {
    remit: i64,
    claim: i64,
    at: &'a str,
    actor: &'a str,
}

fn ledger(
    w: &mut Writes,
    ctx: &Ctx<'_>,
    line: Option<i64>,
    party: &str,
    kind: &str,
    amount: i64,
    adj: Option<&Adjustment>,
) {
    w.ledger.push(row![
        ctx.claim,
        line,
        ctx.remit,
        party,
        kind,
        amount,
        adj.map(|a| a.group.as_str()),
        adj.map(|a| a.reason.as_str()),
        ctx.at,
        ctx.actor
    ]);
}

/// Records one CAS triple; returns the amount left open as a denial (cents).
fn adjust(
    w: &mut Writes,
    ctx: &Ctx<'_>,
    line: Option<i64>,
    a: &Adjustment,
    remarks: &[&str],
) -> i64 {
    let amount = cents(a.amount);
    w.adjustments.push(row![
        ctx.remit,
        ctx.claim,
        line,
        a.group.as_str(),
        a.reason.as_str(),
        amount,
        remarks.join(","),
        ctx.at
    ]);
    if amount == 0 {
        return 0;
    }
    match a.group.as_str() {
        "PR" => {
            ledger(
                w,
                ctx,
                line,
                "payer",
                "patient_responsibility",
                -amount,
                Some(a),
            );
            ledger(
                w,
                ctx,
                line,
                "patient",
                "patient_responsibility",
                amount,
                Some(a),
            );
            0
        }
        "CO" if CONTRACTUAL_CARCS.contains(&a.reason.as_str()) => {
            ledger(w, ctx, line, "payer", "contractual", -amount, Some(a));
            0
        }
        _ => amount,
    }
}
