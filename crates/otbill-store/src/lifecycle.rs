//! What happens to a claim after the payer answers: replacement (frequency 7) and void
//! (8) claims with the payer's claim number, appeals, the secondary payer, patient
//! statements and write-offs, each a new claim or a new ledger entry with who and when.
//! Also [`Store::import_claims`] for claims coded elsewhere.
//!
//! A secondary claim ([`Store::move_to_secondary`]) carries the primary's adjudication as
//! the 837P coordination-of-benefits loops, rebuilt from the ledger rather than from the
//! 835 file: `remit_claims` (paid amount), `adjustments` (CAS by group and reason, claim
//! or line), the `payment` ledger rows per line, and the remittance's payment date.

use otbill_837p::model as m;
use otbill_types::Money;
use rust_decimal::Decimal;

use crate::claims::{balances, event, insert_claim, insert_claims, reserve_counter, ClaimMeta};
use crate::db::{params, Conn};
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
            "SELECT claim_json, payer_claim_number, status, patient_id, payer_id, rank, visit_id FROM claims WHERE claims.practice_id = $P AND id = $1",
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
                .one("SELECT COUNT(*) FROM claims WHERE claims.practice_id = $P AND original_claim_id = $1", params![claim_id])?
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
                    "INSERT INTO ledger (practice_id, claim_id, party, kind, amount_cents, at, actor) \
                     SELECT CAST($P AS BIGINT), $1, 'payer', 'void', -CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT), $2, $3 \
                     FROM ledger WHERE practice_id = $P AND claim_id = $1",
                    params![id, now(), actor.as_str()],
                )?;
            }
            if open != 0 {
                c.exec(
                    "INSERT INTO ledger (practice_id, claim_id, party, kind, amount_cents, at, actor) VALUES ($P, $1, 'payer', $2, $3, $4, $5)",
                    params![claim_id, status, -open, now(), actor.as_str()],
                )?;
            }
            c.exec("UPDATE claims SET status = $2, updated_at = $3 WHERE practice_id = $P AND id = $1", params![claim_id, status, now()])?;
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
            "SELECT status FROM claims WHERE claims.practice_id = $P AND id = $1",
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
                "UPDATE claims SET status = $2, updated_at = $3 WHERE practice_id = $P AND id = $1",
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
                "INSERT INTO ledger (practice_id, claim_id, party, kind, amount_cents, reason, at, actor) VALUES ($P, $1, $2, 'write_off', $3, $4, $5, $6)",
                params![claim_id, party, -open, reason, now(), actor.as_str()],
            )?;
            let rest = if party == "payer" { patient } else { payer };
            if rest == 0 {
                c.exec("UPDATE claims SET status = 'written_off', updated_at = $2 WHERE practice_id = $P AND id = $1", params![claim_id, now()])?;
            }
            event(c, claim_id, &actor, "write_off", &format!("{party} balance {} written off: {reason}", dollars(open)))?;
            Ok(dollars(open))
        })
    }

    /// Bills the secondary payer for what the primary left to the patient: a new claim to
    /// the rank-2 coverage; the patient balance of the primary claim moves to it.
    ///
    /// The claim carries the primary's adjudication as the 837P coordination-of-benefits
    /// loops (see [`primary_adjudication`]): 2320/2330A/2330B for the primary payer and its
    /// subscriber, and a 2430 per line when the 835 was posted line by line. A secondary
    /// payer rejects or pends a claim without them.
    pub fn move_to_secondary(&mut self, claim_id: i64) -> Result<i64, Error> {
        let r = load_one(
            &mut self.conn,
            "SELECT claim_json, patient_id, visit_id, rank, status, payer_claim_number FROM claims WHERE claims.practice_id = $P AND id = $1",
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
                "SELECT p.id, p.payer_id, p.name, p.filing_indicator, c.member_id, c.group_number, \
                 c.relationship, c.subscriber_last, c.subscriber_first, c.subscriber_birth_date, c.subscriber_gender, \
                 p.active FROM coverages c JOIN payers p ON p.id = c.payer_id WHERE c.practice_id = $P AND c.patient_id = $1 AND c.rank = 2",
                params![r.int(1)],
            )?
            .ok_or_else(|| Error::State(format!("claim {claim_id}: the patient has no secondary coverage")))?;
        if cov.int(11) == 0 {
            return Err(Error::State(format!(
                "claim {claim_id}: the secondary payer is inactive"
            )));
        }
        let primary: m::Claim = serde_json::from_str(&r.text(0))
            .map_err(|e| Error::Db(format!("stored claim: {e}")))?;
        let mut claim = primary.clone();
        claim.payer = m::Payer {
            name: cov.text(2),
            payer_id: cov.text(1),
        };
        // The 2000B/2000C loops now describe the secondary coverage's subscriber.
        let patient = patient_of(&primary);
        let relationship = cov.text(6);
        let gender = |g: &str| m::Gender::from_code(g).unwrap_or(m::Gender::U);
        claim.subscriber = m::Subscriber {
            payer_responsibility: "S".into(),
            group_number: cov.opt_text(5),
            claim_filing_indicator: cov.text(3),
            name: if relationship == "self" {
                patient.name.clone()
            } else {
                m::PersonName {
                    last: cov.opt_text(7).unwrap_or_else(|| patient.name.last.clone()),
                    first: cov.text(8),
                    middle: None,
                }
            },
            member_id: cov.text(4),
            address: Some(patient.address.clone()),
            birth_date: Some(if relationship == "self" {
                patient.birth_date
            } else {
                cov.opt_text(9)
                    .and_then(|d| crate::date(&d))
                    .unwrap_or(patient.birth_date)
            }),
            gender: Some(if relationship == "self" {
                patient.gender
            } else {
                gender(&cov.text(10))
            }),
        };
        claim.patient = (relationship != "self").then_some(m::Patient {
            relationship: match relationship.as_str() {
                "spouse" => m::Relationship::Spouse,
                "child" => m::Relationship::Child,
                _ => m::Relationship::Other,
            },
            ..patient
        });
        let allowed = vec![0; claim.lines.len()];
        let actor = self.actor.clone();
        let icn = r.opt_text(5);
        self.tx(|c| {
            let (_, patient) = balances(c, claim_id)?;
            if patient <= 0 {
                return Err(Error::State(format!("claim {claim_id}: nothing left for a secondary payer")));
            }
            let (other, lines) = primary_adjudication(c, claim_id, &primary, icn.clone(), patient)?;
            claim.other_payers = vec![other];
            for (line, adjudication) in claim.lines.iter_mut().zip(lines) {
                line.adjudications = adjudication.into_iter().collect();
            }
            // A claim the 837P checks would refuse is not created: say why now.
            if let Some(f) = otbill_837p::check::check_claim_at(&claim, 0)
                .into_iter()
                .find(|f| f.is_error())
            {
                return Err(Error::invalid("secondary claim", format!("{}: {}", f.code, f.message)));
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
                "INSERT INTO ledger (practice_id, claim_id, party, kind, amount_cents, at, actor) VALUES ($P, $1, 'payer', 'primary_adjudicated', $2, $3, $4)",
                params![id, patient - charged, now(), actor.as_str()],
            )?;
            c.exec(
                "INSERT INTO ledger (practice_id, claim_id, party, kind, amount_cents, at, actor) VALUES ($P, $1, 'patient', 'to_secondary', $2, $3, $4)",
                params![claim_id, -patient, now(), actor.as_str()],
            )?;
            event(c, claim_id, &actor, "to_secondary", &format!("{} billed to the secondary payer on {pcn}", dollars(patient)))?;
            event(c, id, &actor, "ready", &format!("secondary claim for claim {claim_id}"))?;
            Ok(id)
        })
    }
}

/// The patient's demographics on a claim: the 2000C patient, or the subscriber when the
/// patient is the subscriber.
fn patient_of(claim: &m::Claim) -> m::Patient {
    match &claim.patient {
        Some(p) => p.clone(),
        None => {
            let s = &claim.subscriber;
            m::Patient {
                relationship: m::Relationship::Other,
                name: s.name.clone(),
                address: s.address.clone().unwrap_or_else(|| m::Address {
                    line1: String::new(),
                    line2: None,
                    city: String::new(),
                    state: String::new(),
                    zip: String::new(),
                }),
                birth_date: s.birth_date.unwrap_or_default(),
                gender: s.gender.unwrap_or(m::Gender::U),
            }
        }
    }
}

/// Cents as `Money`.
fn money(cents: i64) -> Money {
    Money::new(dollars(cents))
}

/// The primary payer's adjudication of `claim_id` as posted from its 835s, as the 2320
/// loop (with 2330A/2330B) and one optional 2430 per line of `primary` (in line order).
///
/// Sums run over every posted remittance of the claim, so a reversal (CLP02 22) and its
/// re-adjudication net out. When each line has its own payment or adjustments and
/// balances (charge = paid + adjustments) and the claim's payment is the lines' payments
/// less the claim-level adjustments (TR3 1.4.4), the adjudication is reported by line, with
/// the adjudication date on each 2430. Otherwise (an 835 without line detail, lines that
/// did not match) it is reported at claim level: every adjustment in 2320 CAS and the date
/// in 2330B DTP*573.
fn primary_adjudication(
    c: &mut Conn,
    claim_id: i64,
    primary: &m::Claim,
    claim_number: Option<String>,
    patient_cents: i64,
) -> Result<(m::OtherPayer, Vec<Option<m::LineAdjudication>>), Error> {
    let remit = c
        .one(
            "SELECT CAST(COALESCE(SUM(rc.paid_cents), 0) AS BIGINT), \
             MAX(COALESCE(r.payment_date, SUBSTR(r.posted_at, 1, 10))), COUNT(*) \
             FROM remit_claims rc JOIN remittances r ON r.id = rc.remittance_id WHERE rc.practice_id = $P AND rc.claim_id = $1",
            params![claim_id],
        )?
        .filter(|row| row.int(2) > 0)
        .ok_or_else(|| Error::State(format!("claim {claim_id}: no 835 posted for it")))?;
    let paid = remit.int(0);
    let adjudicated = remit
        .opt_text(1)
        .and_then(|d| crate::date(&d))
        .ok_or_else(|| Error::Db(format!("claim {claim_id}: remittance without a date")))?;
    // Claim lines in the order of the claim model (seq = position + 1).
    let lines: Vec<(i64, i64)> = c
        .query(
            "SELECT id, charge_cents FROM claim_lines WHERE claim_lines.practice_id = $P AND claim_id = $1 ORDER BY seq",
            params![claim_id],
        )?
        .iter()
        .map(|l| (l.int(0), l.int(1)))
        .collect();
    // Payments are negative payer-side ledger entries (reversals undo them).
    let payments: Vec<(Option<i64>, i64)> = c
        .query(
            "SELECT claim_line_id, CAST(SUM(amount_cents) AS BIGINT) FROM ledger \
             WHERE ledger.practice_id = $P AND claim_id = $1 AND remittance_id IS NOT NULL AND kind IN ('payment', 'reversal') \
             GROUP BY claim_line_id",
            params![claim_id],
        )?
        .iter()
        .map(|p| (p.opt_int(0), -p.int(1)))
        .collect();
    let adjustments: Vec<(Option<i64>, String, String, i64)> = c
        .query(
            "SELECT claim_line_id, group_code, reason, CAST(SUM(amount_cents) AS BIGINT) FROM adjustments \
             WHERE adjustments.practice_id = $P AND claim_id = $1 GROUP BY claim_line_id, group_code, reason ORDER BY group_code, reason",
            params![claim_id],
        )?
        .iter()
        .map(|a| (a.opt_int(0), a.text(1), a.text(2), a.int(3)))
        .filter(|a| a.3 != 0)
        .collect();
    let adj = |group: &str, reason: &str, cents: i64| m::Adjustment {
        group: group.to_owned(),
        reason: reason.to_owned(),
        amount: money(cents),
        quantity: None,
    };
    let of_line = |line: Option<i64>| -> Vec<m::Adjustment> {
        adjustments
            .iter()
            .filter(|a| a.0 == line)
            .map(|a| adj(&a.1, &a.2, a.3))
            .collect()
    };
    let paid_of = |line: Option<i64>| {
        payments
            .iter()
            .filter(|p| p.0 == line)
            .map(|p| p.1)
            .sum::<i64>()
    };
    let claim_level: Vec<m::Adjustment> = of_line(None);
    let claim_adjusted: i64 = claim_level.iter().map(|a| cents(a.amount.amount())).sum();
    let lines_paid: i64 = lines.iter().map(|l| paid_of(Some(l.0))).sum();
    let by_line = lines.len() == primary.lines.len()
        && paid == lines_paid - claim_adjusted
        && lines.iter().all(|&(id, charge)| {
            let has_data = payments.iter().any(|p| p.0 == Some(id))
                || adjustments.iter().any(|a| a.0 == Some(id));
            let adjusted: i64 = of_line(Some(id))
                .iter()
                .map(|a| cents(a.amount.amount()))
                .sum();
            has_data && paid_of(Some(id)) + adjusted == charge
        });
    let mut line_adjudications = vec![None; primary.lines.len()];
    let claim_adjustments = if by_line {
        for ((id, _), (slot, line)) in lines
            .iter()
            .zip(line_adjudications.iter_mut().zip(&primary.lines))
        {
            let adjustments = of_line(Some(*id));
            let patient: i64 = adjustments
                .iter()
                .filter(|a| a.group == "PR")
                .map(|a| cents(a.amount.amount()))
                .sum();
            *slot = Some(m::LineAdjudication {
                payer_id: primary.payer.payer_id.clone(),
                paid_amount: money(paid_of(Some(*id))),
                procedure: line.procedure,
                modifiers: line.modifiers.clone(),
                paid_units: line.units,
                adjustments,
                adjudication_date: adjudicated,
                remaining_patient_liability: Some(money(patient)),
            });
        }
        claim_level
    } else {
        // Every adjustment at claim level, one triple per group and reason.
        let mut all: Vec<m::Adjustment> = Vec::new();
        for a in &adjustments {
            match all.iter_mut().find(|x| x.group == a.1 && x.reason == a.2) {
                Some(x) => x.amount = x.amount + money(a.3),
                None => all.push(adj(&a.1, &a.2, a.3)),
            }
        }
        all.retain(|a| !a.amount.amount().is_zero());
        all
    };
    let sub = &primary.subscriber;
    let other = m::OtherPayer {
        payer_responsibility: "P".into(),
        patient_relationship: primary.patient.as_ref().map(|p| p.relationship),
        group_number: sub.group_number.clone(),
        claim_filing_indicator: sub.claim_filing_indicator.clone(),
        adjustments: claim_adjustments,
        paid_amount: Some(money(paid)),
        remaining_patient_liability: Some(money(patient_cents)),
        benefits_assigned: primary.benefits_assigned,
        release_of_information: primary.release_of_information,
        outpatient_adjudication: None,
        subscriber: m::OtherSubscriber {
            name: sub.name.clone(),
            member_id: sub.member_id.clone(),
            address: sub.address.clone(),
        },
        payer: m::OtherPayerName {
            name: primary.payer.name.clone(),
            payer_id: primary.payer.payer_id.clone(),
            // The TR3 wants the claim-level date only when no 2430 carries it.
            adjudication_date: (!by_line).then_some(adjudicated),
            claim_number,
        },
    };
    Ok((other, line_adjudications))
}

impl Store {
    /// Imports claims coded elsewhere (a migration from another system, the benchmark) as
    /// `ready` claims of one patient, in one transaction; PCNs and line control numbers
    /// are reassigned. Each claim's payer must exist.
    ///
    /// The import keys and PCNs come from blocks of their counters (one `UPDATE` per
    /// block), and claims, lines and charges go in as bulk inserts, a group at a time.
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
            // Keys from one block of the `import` counter; PCNs from blocks of the `claim`
            // counter (insert_claims), a group at a time to bound memory.
            let first = reserve_counter(conn, "import", claims.len() as i64)?;
            for (g, group) in claims.chunks_mut(IMPORT_GROUP).enumerate() {
                let metas: Vec<ClaimMeta<'_>> = group
                    .iter()
                    .enumerate()
                    .map(|(k, claim)| ClaimMeta {
                        key: format!("import:{}", first + (g * IMPORT_GROUP + k) as i64),
                        visit_id: None,
                        patient,
                        payer: payers
                            .get(&claim.payer.payer_id)
                            .copied()
                            .unwrap_or_default(),
                        rank: 1,
                        original: None,
                        status: "ready",
                        allowed: &[],
                        actor: &actor,
                    })
                    .collect();
                ids.extend(insert_claims(conn, group, &metas)?.into_iter().map(|x| x.0));
            }
            Ok(ids)
        })
    }
}

/// Claims per bulk insert when importing.
const IMPORT_GROUP: usize = 5000;
