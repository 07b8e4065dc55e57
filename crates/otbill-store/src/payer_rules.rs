//! Each payer's billing rules as data the office edits: effective-dated rule sets
//! ([`otbill_scrub::PayerRules`]) kept append-only in `payer_rule_sets`.
//!
//! An edit is a new row with who and when; for one effective date the latest row wins,
//! and a claim is scrubbed with the rule set in effect on its date of service. A payer with
//! no rule set is scrubbed by its coding profile alone, as before; the first edit starts
//! from [`otbill_scrub::PayerRules::defaults_for`] its profile ([`Store::payer_rules_draft`]).

use chrono::NaiveDate;
use otbill_scrub::{DatedRules, PayerRules};
use serde::Serialize;

use crate::db::params;
use crate::records::PayerKey;
use crate::{now, Error, Store};

/// One stored rule set.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSetRow {
    /// Row id.
    pub id: i64,
    /// The payer's row id.
    pub payer: i64,
    /// First date of service it applies to.
    pub effective: NaiveDate,
    /// The rules.
    pub rules: PayerRules,
    /// Why it was changed.
    pub note: Option<String>,
    /// When it was stored.
    pub created_at: String,
    /// Who stored it.
    pub created_by: String,
    /// False when a later edit for the same effective date replaced it.
    pub current: bool,
}

impl RuleSetRow {
    /// The rule set as the scrub takes it, with its source named.
    pub fn dated(&self, payer_id: &str) -> DatedRules {
        DatedRules {
            payer: payer_id.to_owned(),
            effective: self.effective,
            rules: self.rules.clone(),
            source: format!(
                "payer rule set {} of {payer_id} (stored {} by {})",
                self.id,
                self.created_at.get(..10).unwrap_or(&self.created_at),
                self.created_by
            ),
        }
    }
}

impl Store {
    /// Stores a rule set for a payer from `effective` on; refused (the field named) when
    /// it contradicts itself. Returns the row id.
    pub fn set_payer_rules(
        &mut self,
        payer: PayerKey<'_>,
        effective: NaiveDate,
        rules: &PayerRules,
        note: Option<&str>,
    ) -> Result<i64, Error> {
        rules
            .validate()
            .map_err(|e| Error::invalid(format!("rules.{}", e.field), e.message))?;
        if note.is_some_and(|n| n.len() > 500) {
            return Err(Error::invalid("note", "at most 500 characters"));
        }
        let payer = self.payer(payer)?.id;
        let json =
            serde_json::to_string(rules).map_err(|e| Error::Db(format!("rules to JSON: {e}")))?;
        let actor = self.actor.clone();
        self.tx(|c| {
            c.insert(
                "INSERT INTO payer_rule_sets (practice_id, payer_id, effective, rules_json, note, created_at, created_by) \
                 VALUES ($P, $1, $2, $3, $4, $5, $6) RETURNING id",
                params![payer, effective.to_string(), json, note, now(), actor.as_str()],
            )
        })
    }

    /// Every rule set stored for a payer, by effective date then as stored (history).
    pub fn payer_rule_history(&mut self, payer: PayerKey<'_>) -> Result<Vec<RuleSetRow>, Error> {
        let payer = self.payer(payer)?.id;
        let rows = self.conn.query(
            "SELECT id, effective, rules_json, note, created_at, created_by FROM payer_rule_sets \
             WHERE payer_rule_sets.practice_id = $P AND payer_id = $1 ORDER BY effective, id",
            params![payer],
        )?;
        let mut out: Vec<RuleSetRow> = Vec::with_capacity(rows.len());
        for r in rows {
            let effective =
                crate::date(&r.text(1)).ok_or_else(|| Error::Db("bad stored date".into()))?;
            let rules: PayerRules = serde_json::from_str(&r.text(2))
                .map_err(|e| Error::Db(format!("payer rule set {}: {e}", r.int(0))))?;
            if let Some(prev) = out.last_mut() {
                if prev.effective == effective {
                    prev.current = false;
                }
            }
            out.push(RuleSetRow {
                id: r.int(0),
                payer,
                effective,
                rules,
                note: r.opt_text(3),
                created_at: r.text(4),
                created_by: r.text(5),
                current: true,
            });
        }
        Ok(out)
    }

    /// The rule sets in force for a payer (the current one per effective date), oldest
    /// first, as the scrub takes them.
    pub fn payer_rules_dated(&mut self, payer: PayerKey<'_>) -> Result<Vec<DatedRules>, Error> {
        let entry = self.payer(payer)?;
        Ok(self
            .payer_rule_history(PayerKey::Id(entry.id))?
            .iter()
            .filter(|r| r.current)
            .map(|r| r.dated(&entry.payer.payer_id))
            .collect())
    }

    /// The rule set of a payer in effect on `date`, if any.
    pub fn payer_rules_on(
        &mut self,
        payer: PayerKey<'_>,
        date: NaiveDate,
    ) -> Result<Option<DatedRules>, Error> {
        let all = self.payer_rules_dated(payer)?;
        Ok(otbill_scrub::rules_on(&all, date).cloned())
    }

    /// What an edit of a payer's rules starts from on `date`: the rule set in effect, or
    /// the defaults of the payer's coding profile.
    pub fn payer_rules_draft(
        &mut self,
        payer: PayerKey<'_>,
        date: NaiveDate,
        profiles: &otbill_core::Payers,
    ) -> Result<PayerRules, Error> {
        if let Some(d) = self.payer_rules_on(payer, date)? {
            return Ok(d.rules);
        }
        let entry = self.payer(payer)?;
        let profile = profiles.get(&entry.payer.profile).ok_or_else(|| {
            Error::State(format!(
                "payer {}: no coding profile {:?}",
                entry.payer.payer_id, entry.payer.profile
            ))
        })?;
        Ok(PayerRules::defaults_for(profile))
    }
}
