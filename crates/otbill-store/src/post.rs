//! 835 remittances posted exactly once into the append-only ledger.
//!
//! **Exactly once:** each remittance (ST..SE) is keyed by its payer (TRN03, else the N1*PR
//! id), its check/EFT trace number (TRN02) and a SHA-256 of its content (ST02 and findings
//! left out, so a re-enveloped copy is the same remittance), under a unique constraint.
//! A file is posted in one transaction; a remittance whose key exists posts nothing. Two
//! processes posting the same file at once: the second insert waits for the first
//! transaction and then finds the key (PostgreSQL), or waits for the write lock (SQLite).
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

use otbill_era::{parse_835, Adjustment, Remittance};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::batch::hex;
use crate::claims::event;
use crate::db::{params, Conn};
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
        let remittances = era.remittances;
        out.remittances = self.tx(|c| {
            let mut res = Vec::new();
            let mut n = 0u64;
            for r in &remittances {
                res.push(post_one(c, r, file_name, &actor, &mut n)?);
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
                "SELECT remittance_id, pcn, line_control, code, reason, paid_cents FROM unmatched ORDER BY id",
                params![],
            )?
            .iter()
            .map(|r| (r.int(0), r.text(1), r.opt_text(2), r.opt_text(3), r.text(4), crate::dollars(r.int(5))))
            .collect())
    }
}

/// An unmatched item: `(remittance id, pcn, line control, code, reason, paid)`.
pub type Unmatched = (i64, String, Option<String>, Option<String>, String, Decimal);

fn content_hash(r: &Remittance) -> String {
    let mut canon = r.clone();
    canon.transaction_control_number = otbill_era::Text::default();
    canon.findings.clear();
    let mut h = Sha256::new();
    // Serializing our own model cannot fail; an empty hash would still be keyed by trace.
    let _ = serde_json::to_writer(HashWrite(&mut h), &canon);
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

struct Line {
    id: i64,
    lcn: String,
    code: String,
    used: bool,
}

fn post_one(
    c: &mut Conn,
    r: &Remittance,
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
    let hash = content_hash(r);
    let mut out = RemitOutcome {
        trace_number: r.trace_number.to_string(),
        ..RemitOutcome::default()
    };
    let at = now();
    let id = c.one(
        "INSERT INTO remittances (payer_key, trace_number, content_hash, payment_cents, payment_date, \
         file_name, posted_at, posted_by, claims) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT DO NOTHING RETURNING id",
        params![payer_key.as_str(), r.trace_number.as_str(), hash.as_str(), cents(r.payment_amount),
            r.payment_date.map(|d| d.to_string()), file, at.as_str(), actor, r.claims.len() as i64],
    )?;
    let Some(id) = id.map(|row| row.int(0)) else {
        out.duplicate = true;
        out.remittance_id = c
            .one(
                "SELECT id FROM remittances WHERE payer_key = $1 AND trace_number = $2 AND content_hash = $3",
                params![payer_key.as_str(), r.trace_number.as_str(), hash.as_str()],
            )?
            .map(|row| row.int(0));
        return Ok(out);
    };
    out.remittance_id = Some(id);
    let earlier = c.one(
        "SELECT id FROM remittances WHERE payer_key = $1 AND trace_number = $2 AND id <> $3 LIMIT 1",
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
    for clp in &r.claims {
        *n += 1;
        pause_at("post:claim", *n);
        let paid = cents(clp.paid);
        let Some(claim) = c.one(
            "SELECT id FROM claims WHERE pcn = $1",
            params![clp.patient_control_number.as_str()],
        )?
        else {
            out.claims_unmatched += 1;
            c.exec(
                "INSERT INTO unmatched (remittance_id, pcn, reason, paid_cents) VALUES ($1, $2, $3, $4)",
                params![id, clp.patient_control_number.as_str(), "no claim with this patient control number", paid],
            )?;
            continue;
        };
        let claim_id = claim.int(0);
        c.exec(
            "INSERT INTO remit_claims (remittance_id, claim_id, pcn, status_code, charge_cents, paid_cents, \
             patient_cents, payer_claim_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            params![id, claim_id, clp.patient_control_number.as_str(), clp.status.as_str(), cents(clp.charge),
                paid, cents(clp.patient_responsibility), clp.payer_claim_number.as_str()],
        )?;
        let mut lines: Vec<Line> = c
            .query(
                "SELECT id, lcn, code FROM claim_lines WHERE claim_id = $1 ORDER BY seq",
                params![claim_id],
            )?
            .into_iter()
            .map(|l| Line {
                id: l.int(0),
                lcn: l.text(1),
                code: l.text(2),
                used: false,
            })
            .collect();
        let reversal = clp.status == "22";
        let pay_kind = if reversal { "reversal" } else { "payment" };
        let mut posted_at_lines = 0i64;
        let mut denied = 0i64;
        let mut notes = Vec::new();
        let ctx = Ctx {
            remit: id,
            claim: claim_id,
            at: &at,
            actor,
        };
        for svc in &clp.lines {
            let submitted = svc
                .original
                .as_ref()
                .map_or(svc.code.as_str(), |o| o.code.as_str());
            let by_lcn = svc
                .control_number
                .as_deref()
                .and_then(|lcn| lines.iter().position(|l| !l.used && l.lcn == lcn));
            let found =
                by_lcn.or_else(|| lines.iter().position(|l| !l.used && l.code == submitted));
            let line_id = match found {
                Some(i) => {
                    lines[i].used = true;
                    if svc.code.as_str() != lines[i].code {
                        notes.push(format!(
                            "line {} paid as {} (billed {})",
                            lines[i].lcn, svc.code, lines[i].code
                        ));
                    }
                    Some(lines[i].id)
                }
                None => {
                    out.lines_unmatched += 1;
                    c.exec(
                        "INSERT INTO unmatched (remittance_id, pcn, line_control, code, reason, paid_cents) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                        params![id, clp.patient_control_number.as_str(), svc.control_number.as_deref().map(str::to_owned), svc.code.as_str(),
                            "no claim line with this line control number or procedure; posted at claim level", cents(svc.paid)],
                    )?;
                    None
                }
            };
            let p = cents(svc.paid);
            posted_at_lines += p;
            if p != 0 {
                ledger(c, &ctx, line_id, "payer", pay_kind, -p, None)?;
            }
            for a in &svc.adjustments {
                denied += adjust(
                    c,
                    &ctx,
                    line_id,
                    a,
                    &svc.remarks.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                )?;
            }
        }
        let rest = paid - posted_at_lines;
        if rest != 0 {
            ledger(c, &ctx, None, "payer", pay_kind, -rest, None)?;
        }
        for a in &clp.adjustments {
            denied += adjust(c, &ctx, None, a, &[])?;
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
        let icn = (!clp.payer_claim_number.is_empty()).then_some(clp.payer_claim_number.as_str());
        c.exec(
            "UPDATE claims SET status = $2, payer_claim_number = COALESCE($3, payer_claim_number), updated_at = $4 WHERE id = $1",
            params![claim_id, status, icn, at.as_str()],
        )?;
        let mut detail = format!(
            "835 trace {} CLP02={} charge {} paid {} patient {}",
            r.trace_number, clp.status, clp.charge, clp.paid, clp.patient_responsibility
        );
        for note in notes {
            detail.push_str("; ");
            detail.push_str(&note);
        }
        event(c, claim_id, actor, status, &detail)?;
        out.claims_posted += 1;
        out.paid += clp.paid;
    }
    for plb in &r.provider_adjustments {
        c.exec(
            "INSERT INTO unmatched (remittance_id, pcn, code, reason, paid_cents) VALUES ($1, $2, $3, $4, $5)",
            params![id, plb.reference.as_str(), plb.reason.as_str(),
                "provider-level adjustment (PLB): not tied to a claim", -cents(plb.amount)],
        )?;
    }
    statuses.sort();
    out.statuses = statuses;
    Ok(out)
}

struct Ctx<'a> {
    remit: i64,
    claim: i64,
    at: &'a str,
    actor: &'a str,
}

fn ledger(
    c: &mut Conn,
    ctx: &Ctx<'_>,
    line: Option<i64>,
    party: &str,
    kind: &str,
    amount: i64,
    adj: Option<&Adjustment>,
) -> Result<(), Error> {
    c.exec(
        "INSERT INTO ledger (claim_id, claim_line_id, remittance_id, party, kind, amount_cents, group_code, \
         reason, at, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        params![ctx.claim, line, ctx.remit, party, kind, amount, adj.map(|a| a.group.to_string()),
            adj.map(|a| a.reason.to_string()), ctx.at, ctx.actor],
    )?;
    Ok(())
}

/// Records one CAS triple; returns the amount left open as a denial (cents).
fn adjust(
    c: &mut Conn,
    ctx: &Ctx<'_>,
    line: Option<i64>,
    a: &Adjustment,
    remarks: &[&str],
) -> Result<i64, Error> {
    let amount = cents(a.amount);
    c.exec(
        "INSERT INTO adjustments (remittance_id, claim_id, claim_line_id, group_code, reason, amount_cents, remarks, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![ctx.remit, ctx.claim, line, a.group.as_str(), a.reason.as_str(), amount, remarks.join(","), ctx.at],
    )?;
    if amount == 0 {
        return Ok(0);
    }
    match a.group.as_str() {
        "PR" => {
            ledger(
                c,
                ctx,
                line,
                "payer",
                "patient_responsibility",
                -amount,
                Some(a),
            )?;
            ledger(
                c,
                ctx,
                line,
                "patient",
                "patient_responsibility",
                amount,
                Some(a),
            )?;
            Ok(0)
        }
        "CO" if CONTRACTUAL_CARCS.contains(&a.reason.as_str()) => {
            ledger(c, ctx, line, "payer", "contractual", -amount, Some(a))?;
            Ok(0)
        }
        _ => Ok(amount),
    }
}
