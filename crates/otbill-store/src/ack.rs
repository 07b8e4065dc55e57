//! 999 and 277CA acknowledgments applied to the claims they answer.
//!
//! A 999 answers a functional group: AK102 is our GS06 (the batch), AK202 our ST02 (the
//! claims of that transaction). A 277CA answers claims: TRN02 is our CLM01, REF*1K the
//! payer's claim number. Accepted claims become `accepted`, rejected ones `rejected` (to be
//! fixed and sent again with [`Store::resubmit_claim`]); claims already further along (paid,
//! denied) are not moved back. A file applied twice does nothing the second time (keyed by
//! its SHA-256).

use otbill_837p::model as m;
use otbill_era::{parse_277ca, parse_999, Outcome};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::batch::hex;
use crate::claims::{event, insert_claim, ClaimMeta};
use crate::db::{params, Conn};
use crate::records::load_one;
use crate::{now, Error, Store};

/// What applying an acknowledgment did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AckOutcome {
    /// `999` or `277CA`.
    pub kind: String,
    /// True when this file was applied before: nothing changed.
    pub duplicate: bool,
    /// Claims accepted.
    pub accepted: usize,
    /// Claims rejected.
    pub rejected: usize,
    /// Acknowledged items that matched no batch or claim, with the reason.
    pub unmatched: Vec<String>,
}

impl Store {
    /// Applies a 999 or 277CA file.
    pub fn apply_ack(&mut self, input: &[u8], file_name: &str) -> Result<AckOutcome, Error> {
        let hash = hex(&Sha256::digest(input));
        let (acks999, _) = parse_999(input);
        let actor = self.actor.clone();
        if !acks999.is_empty() {
            return self.tx(|c| {
                let mut out = AckOutcome {
                    kind: "999".into(),
                    ..AckOutcome::default()
                };
                if !record(c, "999", &hash, file_name, &actor)? {
                    out.duplicate = true;
                    return Ok(out);
                }
                for ack in &acks999 {
                    let gcn: i64 = ack.group_control_number.trim().parse().unwrap_or(-1);
                    let Some(b) = c.one(
                        "SELECT id FROM batches WHERE batches.practice_id = $P AND group_control = $1",
                        params![gcn],
                    )?
                    else {
                        out.unmatched.push(format!(
                            "999 {}: no batch with group control number {}",
                            ack.control_number, ack.group_control_number
                        ));
                        continue;
                    };
                    let batch = b.int(0);
                    let group_rejected = matches!(ack.group_status.as_str(), "R" | "M" | "W" | "X");
                    if ack.transactions.is_empty() {
                        let (status, ev) = if group_rejected {
                            ("rejected", "rejected_999")
                        } else {
                            ("accepted", "accepted_999")
                        };
                        let n = mark(
                            c,
                            batch,
                            None,
                            status,
                            ev,
                            &format!(
                                "999 {} group status {}",
                                ack.control_number, ack.group_status
                            ),
                            &actor,
                        )?;
                        if group_rejected {
                            out.rejected += n
                        } else {
                            out.accepted += n
                        }
                        continue;
                    }
                    for t in &ack.transactions {
                        let st02 = t.control_number.trim().to_owned();
                        let (status, ev) = if t.accepted {
                            ("accepted", "accepted_999")
                        } else {
                            ("rejected", "rejected_999")
                        };
                        let mut detail = format!(
                            "999 {} transaction {st02}: IK501 {}",
                            ack.control_number, t.status
                        );
                        for s in &t.segment_errors {
                            detail.push_str(&format!(
                                "; {} at {} error {}",
                                s.segment_id, s.position, s.code
                            ));
                        }
                        let n = mark(c, batch, Some(&st02), status, ev, &detail, &actor)?;
                        if n == 0 {
                            out.unmatched.push(format!(
                                "999 {}: no open claim in transaction {st02} of batch {batch}",
                                ack.control_number
                            ));
                        }
                        if t.accepted {
                            out.accepted += n
                        } else {
                            out.rejected += n
                        }
                    }
                }
                Ok(out)
            });
        }
        let (acks277, findings) = parse_277ca(input);
        if acks277.is_empty() {
            let why = findings
                .first()
                .map_or("no 999 or 277 transaction".to_owned(), |f| {
                    f.message.clone()
                });
            return Err(Error::invalid(
                file_name,
                format!("not a 999 or 277CA: {why}"),
            ));
        }
        self.tx(|c| {
            let mut out = AckOutcome { kind: "277CA".into(), ..AckOutcome::default() };
            if !record(c, "277CA", &hash, file_name, &actor)? {
                out.duplicate = true;
                return Ok(out);
            }
            for ack in &acks277 {
                for cl in &ack.claims {
                    let pcn = cl.patient_control_number.as_str();
                    let Some(row) = c.one("SELECT id, status FROM claims WHERE claims.practice_id = $P AND pcn = $1", params![pcn])? else {
                        out.unmatched.push(format!("277CA: no claim {pcn}"));
                        continue;
                    };
                    let id = row.int(0);
                    let codes: Vec<String> = cl.statuses.iter().map(|s| format!("{}:{}", s.category, s.code)).collect();
                    let (status, ev) = match cl.outcome {
                        Outcome::Accepted => ("accepted", "accepted_277ca"),
                        Outcome::Rejected => ("rejected", "rejected_277ca"),
                        Outcome::Other => {
                            event(c, id, &actor, "status_277ca", &format!("277CA status {}", codes.join(",")))?;
                            continue;
                        }
                    };
                    let icn = (!cl.payer_claim_number.is_empty()).then_some(cl.payer_claim_number.as_str());
                    c.exec(
                        "UPDATE claims SET payer_claim_number = COALESCE($2, payer_claim_number) WHERE practice_id = $P AND id = $1",
                        params![id, icn],
                    )?;
                    if ["batched", "accepted"].contains(&row.text(1).as_str()) {
                        c.exec("UPDATE claims SET status = $2, updated_at = $3 WHERE practice_id = $P AND id = $1", params![id, status, now()])?;
                    }
                    event(c, id, &actor, ev, &format!("277CA status {}", codes.join(",")))?;
                    if status == "accepted" { out.accepted += 1 } else { out.rejected += 1 }
                }
            }
            Ok(out)
        })
    }

    /// Sends a rejected claim again: a new original claim (new PCN) from the stored claim
    /// model with the payer and rendering provider as on file now, then `fix` applied; the
    /// rejected one becomes `resubmitted`.
    pub fn resubmit_claim(
        &mut self,
        claim_id: i64,
        fix: impl FnOnce(&mut m::Claim),
    ) -> Result<i64, Error> {
        let r = load_one(
            &mut self.conn,
            "SELECT claim_json, status, patient_id, payer_id, rank, visit_id FROM claims WHERE claims.practice_id = $P AND id = $1",
            claim_id,
            "claim",
        )?;
        if r.text(1) != "rejected" {
            return Err(Error::State(format!(
                "claim {claim_id} is {}, not rejected",
                r.text(1)
            )));
        }
        let mut claim: m::Claim =
            serde_json::from_str(&r.text(0)).map_err(|e| Error::Db(e.to_string()))?;
        // Rejections are often for a wrong payer id or NPI: the resubmission carries the
        // payer and rendering provider as they are on file now (corrected since it was
        // sent), then the caller's own fix.
        if let Some(p) = self.conn.one(
            "SELECT payer_id, name FROM payers WHERE payers.practice_id = $P AND id = $1",
            params![r.int(3)],
        )? {
            claim.payer = m::Payer {
                payer_id: p.text(0),
                name: p.text(1),
            };
        }
        if claim.rendering_provider.is_some() {
            if let Some(p) = self.conn.one(
                "SELECT p.npi, p.last_name, p.first_name, p.taxonomy FROM visits v \
                 JOIN providers p ON p.id = v.provider_id WHERE v.practice_id = $P AND v.id = $1",
                params![r.opt_int(5)],
            )? {
                claim.rendering_provider = Some(crate::directory::rendering_provider(
                    &p.text(0),
                    &p.text(1),
                    &p.text(2),
                    &p.text(3),
                )?);
            }
        }
        fix(&mut claim);
        if let Some(f) = otbill_837p::check::check_claim_at(&claim, 0)
            .into_iter()
            .find(|f| f.is_error())
        {
            return Err(Error::invalid("claim", f.message));
        }
        let actor = self.actor.clone();
        let allowed: Vec<i64> = self
            .conn
            .query(
                "SELECT allowed_cents FROM claim_lines WHERE claim_lines.practice_id = $P AND claim_id = $1 ORDER BY seq",
                params![claim_id],
            )?
            .iter()
            .map(|x| x.int(0))
            .collect();
        self.tx(|c| {
            let (open, _) = crate::claims::balances(c, claim_id)?;
            let (id, pcn) = insert_claim(c, &mut claim, &ClaimMeta {
                key: format!("resubmit:{claim_id}"),
                visit_id: r.opt_int(5),
                patient: r.int(2),
                payer: r.int(3),
                rank: r.int(4),
                original: Some(claim_id),
                status: "ready",
                allowed: &allowed,
                actor: &actor,
            })?;
            c.exec(
                "INSERT INTO ledger (practice_id, claim_id, party, kind, amount_cents, at, actor) VALUES ($P, $1, 'payer', 'resubmitted', $2, $3, $4)",
                params![claim_id, -open, now(), actor.as_str()],
            )?;
            c.exec("UPDATE claims SET status = 'resubmitted', updated_at = $2 WHERE practice_id = $P AND id = $1", params![claim_id, now()])?;
            event(c, claim_id, &actor, "resubmitted", &format!("sent again as {pcn}"))?;
            event(c, id, &actor, "ready", &format!("resubmission of claim {claim_id}"))?;
            Ok(id)
        })
    }
}

fn record(c: &mut Conn, kind: &str, hash: &str, file: &str, actor: &str) -> Result<bool, Error> {
    Ok(c.one(
        "INSERT INTO acks (practice_id, kind, content_hash, file_name, received_at, actor, accepted, rejected) \
             VALUES ($P, $1, $2, $3, $4, $5, 0, 0) ON CONFLICT DO NOTHING RETURNING id",
        params![kind, hash, file, now(), actor],
    )?
    .is_some())
}

fn mark(
    c: &mut Conn,
    batch: i64,
    st02: Option<&str>,
    status: &str,
    ev: &str,
    detail: &str,
    actor: &str,
) -> Result<usize, Error> {
    let ids: Vec<i64> = match st02 {
        Some(t) => c.query(
            "SELECT id FROM claims WHERE claims.practice_id = $P AND batch_id = $1 AND transaction_control = $2 AND status IN ('batched', 'accepted')",
            params![batch, t],
        )?,
        None => c.query(
            "SELECT id FROM claims WHERE claims.practice_id = $P AND batch_id = $1 AND status IN ('batched', 'accepted')",
            params![batch],
        )?,
    }
    .iter()
    .map(|r| r.int(0))
    .collect();
    for id in &ids {
        c.exec(
            "UPDATE claims SET status = $2, updated_at = $3 WHERE practice_id = $P AND id = $1",
            params![*id, status, now()],
        )?;
        event(c, *id, actor, ev, detail)?;
    }
    Ok(ids.len())
}
