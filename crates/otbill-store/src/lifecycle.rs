//! What happens to a claim after the payer answers: replacement (frequency 7) and void
//! (8) claims with the payer's claim number, appeals, the secondary payer, patient
//! statements and write-offs, each a new claim or a new ledger entry with who and when.
//! Also [`Store::import_claims`] for claims coded elsewhere.

use otbill_837p::model as m;
use otbill_types::Money;
use rust_decimal::Decimal;

use crate::claims::{balances, event, insert_claim, next_counter, ClaimMeta};
use crate::db::params;
use crate::records::load_one;
use crate::{cents, dollars, now, Error, Store};

impl Store {
    /// A replacement claim (frequency 7, REF*F8 = the payer's claim number) from a claim the
    /// payer adjudicated; `fix` edits the claim model (e.g. a modifier). The original's open
    /// payer balance moves to the replacement.
    pub fn correct_claim(
        &mut self,
        claim_id: i64,
        fix: impl FnOnce(&mut m::Claim),
    ) -> Result<i64, Error> {
        self.follow_up(claim_id, m::Frequency::Replacement, fix)
    }

    /// A void claim (frequency 8) for a claim the payer adjudicated.
    pub fn void_claim(&mut self, claim_id: i64) -> Result<i64, Error> {
        self.follow_up(claim_id, m::Frequency::Void, |_| {})
    }

    fn follow_up(
        &mut self,
        claim_id: i64,
        freq: m::Frequency,
        fix: impl FnOnce(&mut m::Claim),
    ) -> Result<i64, Error> {
        let r = load_one(
            &mut self.conn,
            "SELECT claim_json, payer_claim_number, status, patient_id, payer_id, rank, visit_id FROM claims WHERE id = $1",
            claim_id,
            "claim",
        )?;
        let Some(icn) = r.opt_text(1) else {
            return Err(Error::State(format!(
                "claim {claim_id} has no payer claim number yet: a replacement or void needs the payer's ICN"
            )));
        };
        if matches!(r.text(2).as_str(), "corrected" | "voided") {
            return Err(Error::State(format!(
                "claim {claim_id} is already {}",
                r.text(2)
            )));
        }
        let mut claim: m::Claim = serde_json::from_str(&r.text(0))
            .map_err(|e| Error::Db(format!("stored claim: {e}")))?;
        fix(&mut claim);
        claim.frequency = freq;
        claim.original_claim_number = Some(icn);
        claim.total_charge = Money::new(claim.lines.iter().map(|l| l.charge.amount()).sum());
        if let Some(f) = otbill_837p::check::check_claim_at(&claim, 0)
            .into_iter()
            .find(|f| f.is_error())
        {
            return Err(Error::invalid("claim", f.message));
        }
        let allowed = vec![0; claim.lines.len()];
        let actor = self.actor.clone();
        let (word, status) = match freq {
            m::Frequency::Void => ("void", "voided"),
            _ => ("replacement", "corrected"),
        };
        self.tx(|c| {
            let n = c
                .one("SELECT COUNT(*) FROM claims WHERE original_claim_id = $1", params![claim_id])?
                .map_or(0, |x| x.int(0));
            let (open, _) = balances(c, claim_id)?;
            let (id, pcn) = insert_claim(c, &mut claim, &ClaimMeta {
                key: format!("{word}:{claim_id}:{}", n + 1),
                visit_id: r.opt_int(6),
                patient: r.int(3),
                payer: r.int(4),
                rank: r.int(5),
                original: Some(claim_id),
                status: "ready",
                allowed: &allowed,
                actor: &actor,
            })?;
            if freq == m::Frequency::Void {
                // A void bills nothing: cancel its charges at once.
                c.exec(
                    "INSERT INTO ledger (claim_id, party, kind, amount_cents, at, actor) \
                     SELECT $1, 'payer', 'void', -CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT), $2, $3 FROM ledger WHERE claim_id = $1",
                    params![id, now(), actor.as_str()],
                )?;
            }
            if open != 0 {
                c.exec(
                    "INSERT INTO ledger (claim_id, party, kind, amount_cents, at, actor) VALUES ($1, 'payer', $2, $3, $4, $5)",
                    params![claim_id, status, -open, now(), actor.as_str()],
                )?;
            }
            c.exec("UPDATE claims SET status = $2, updated_at = $3 WHERE id = $1", params![claim_id, status, now()])?;
            event(c, claim_id, &actor, status, &format!("{word} claim {pcn} (frequency {}) created", freq.code()))?;
            event(c, id, &actor, "ready", &format!("{word} of claim {claim_id}"))?;
            Ok(id)
        })
    }

    /// Records that a claim was appealed.
    pub fn appeal_claim(&mut self, claim_id: i64, note: &str) -> Result<(), Error> {
        self.set_status(
            claim_id,
            "appealed",
            note,
            &["denied", "partly_paid", "paid"],
        )
    }

    /// Records that the patient's share was billed to the patient.
    pub fn bill_patient(&mut self, claim_id: i64) -> Result<(), Error> {
        let (_, patient) = balances(&mut self.conn, claim_id)?;
        if patient <= 0 {
            return Err(Error::State(format!(
                "claim {claim_id}: the patient owes nothing"
            )));
        }
        self.set_status(
            claim_id,
            "patient_billed",
            &format!("statement for {}", dollars(patient)),
            &["paid", "partly_paid", "denied"],
        )
    }

    fn set_status(
        &mut self,
        claim_id: i64,
        status: &str,
        note: &str,
        from: &[&str],
    ) -> Result<(), Error> {
        let r = load_one(
            &mut self.conn,
            "SELECT status FROM claims WHERE id = $1",
            claim_id,
            "claim",
        )?;
        if !from.contains(&r.text(0).as_str()) {
            return Err(Error::State(format!(
                "claim {claim_id} is {}, not {}",
                r.text(0),
                from.join(" or ")
            )));
        }
        let actor = self.actor.clone();
        self.tx(|c| {
            c.exec(
                "UPDATE claims SET status = $2, updated_at = $3 WHERE id = $1",
                params![claim_id, status, now()],
            )?;
            event(c, claim_id, &actor, status, note)
        })
    }

    /// Writes off what `party` (`payer` or `patient`) still owes on a claim, as a new entry.
    pub fn write_off(
        &mut self,
        claim_id: i64,
        party: &str,
        reason: &str,
    ) -> Result<Decimal, Error> {
        if !matches!(party, "payer" | "patient") {
            return Err(Error::invalid("party", "must be payer or patient"));
        }
        let actor = self.actor.clone();
        self.tx(|c| {
            let (payer, patient) = balances(c, claim_id)?;
            let open = if party == "payer" { payer } else { patient };
            if open == 0 {
                return Err(Error::State(format!("claim {claim_id}: nothing open for the {party}")));
            }
            c.exec(
                "INSERT INTO ledger (claim_id, party, kind, amount_cents, reason, at, actor) VALUES ($1, $2, 'write_off', $3, $4, $5, $6)",
                params![claim_id, party, -open, reason, now(), actor.as_str()],
            )?;
            let rest = if party == "payer" { patient } else { payer };
            if rest == 0 {
                c.exec("UPDATE claims SET status = 'written_off', updated_at = $2 WHERE id = $1", params![claim_id, now()])?;
            }
            event(c, claim_id, &actor, "write_off", &format!("{party} balance {} written off: {reason}", dollars(open)))?;
            Ok(dollars(open))
        })
    }

    /// Bills the secondary payer for what the primary left to the patient: a new claim to
    /// the rank-2 coverage; the patient balance of the primary claim moves to it.
    pub fn move_to_secondary(&mut self, claim_id: i64) -> Result<i64, Error> {
        let r = load_one(
            &mut self.conn,
            "SELECT claim_json, patient_id, visit_id, rank, status FROM claims WHERE id = $1",
            claim_id,
            "claim",
        )?;
        if r.int(3) != 1 || !matches!(r.text(4).as_str(), "paid" | "partly_paid") {
            return Err(Error::State(format!(
                "claim {claim_id} is not a paid primary claim"
            )));
        }
        let cov = self
            .conn
            .one(
                "SELECT p.id, p.payer_id, p.name, p.filing_indicator, c.member_id, c.group_number \
                 FROM coverages c JOIN payers p ON p.id = c.payer_id WHERE c.patient_id = $1 AND c.rank = 2",
                params![r.int(1)],
            )?
            .ok_or_else(|| Error::State(format!("claim {claim_id}: the patient has no secondary coverage")))?;
        let mut claim: m::Claim = serde_json::from_str(&r.text(0))
            .map_err(|e| Error::Db(format!("stored claim: {e}")))?;
        claim.payer = m::Payer {
            name: cov.text(2),
            payer_id: cov.text(1),
        };
        claim.subscriber.payer_responsibility = "S".into();
        claim.subscriber.claim_filing_indicator = cov.text(3);
        claim.subscriber.member_id = cov.text(4);
        claim.subscriber.group_number = cov.opt_text(5);
        let allowed = vec![0; claim.lines.len()];
        let actor = self.actor.clone();
        self.tx(|c| {
            let (_, patient) = balances(c, claim_id)?;
            if patient <= 0 {
                return Err(Error::State(format!("claim {claim_id}: nothing left for a secondary payer")));
            }
            let (id, pcn) = insert_claim(c, &mut claim, &ClaimMeta {
                key: format!("secondary:{claim_id}"),
                visit_id: r.opt_int(2),
                patient: r.int(1),
                payer: cov.int(0),
                rank: 2,
                original: Some(claim_id),
                status: "ready",
                allowed: &allowed,
                actor: &actor,
            })?;
            let charged = cents(claim.total_charge.amount());
            c.exec(
                "INSERT INTO ledger (claim_id, party, kind, amount_cents, at, actor) VALUES ($1, 'payer', 'primary_adjudicated', $2, $3, $4)",
                params![id, patient - charged, now(), actor.as_str()],
            )?;
            c.exec(
                "INSERT INTO ledger (claim_id, party, kind, amount_cents, at, actor) VALUES ($1, 'patient', 'to_secondary', $2, $3, $4)",
                params![claim_id, -patient, now(), actor.as_str()],
            )?;
            event(c, claim_id, &actor, "to_secondary", &format!("{} billed to the secondary payer on {pcn}", dollars(patient)))?;
            event(c, id, &actor, "ready", &format!("secondary claim for claim {claim_id}"))?;
            Ok(id)
        })
    }
}

impl Store {
    /// Imports claims coded elsewhere (a migration from another system, the benchmark) as
    /// `ready` claims of one patient, in one transaction; PCNs and line control numbers
    /// are reassigned. Each claim's payer must exist.
    pub fn import_claims(
        &mut self,
        patient_account: &str,
        claims: &mut [m::Claim],
    ) -> Result<Vec<i64>, Error> {
        let patient = self.patient_id(patient_account)?;
        let mut payers = std::collections::HashMap::new();
        for c in claims.iter() {
            if !payers.contains_key(&c.payer.payer_id) {
                let id = self.payer_key(&c.payer.payer_id)?;
                payers.insert(c.payer.payer_id.clone(), id);
            }
        }
        let actor = self.actor.clone();
        self.tx(|conn| {
            let mut ids = Vec::with_capacity(claims.len());
            for claim in claims.iter_mut() {
                let n = next_counter(conn, "import")?;
                let allowed = vec![0; claim.lines.len()];
                let payer = payers
                    .get(&claim.payer.payer_id)
                    .copied()
                    .unwrap_or_default();
                let (id, _) = insert_claim(
                    conn,
                    claim,
                    &ClaimMeta {
                        key: format!("import:{n}"),
                        visit_id: None,
                        patient,
                        payer,
                        rank: 1,
                        original: None,
                        status: "ready",
                        allowed: &allowed,
                        actor: &actor,
                    },
                )?;
                ids.push(id);
            }
            Ok(ids)
        })
    }
}
