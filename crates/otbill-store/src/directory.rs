//! Rendering providers and payers: added, read, corrected in place and deactivated, never
//! deleted, since visits, plans, coverages and claims reference them.
//!
//! An inactive one stays readable with its history; new visits, plans, coverages and
//! authorizations naming it are refused, naming the field. A correction
//! ([`Store::update_provider`], [`Store::update_payer`]) reaches the claims not yet in a
//! batch; claims already sent keep what they were sent with.

use otbill_837p::model as m;

use crate::db::{params, Conn, Row};
use crate::records::{
    load_one, nonempty, npi, taxonomy, Credential, Payer, PayerEntry, PayerKey, Provider,
    ProviderEntry, ProviderKey,
};
use crate::{now, Error, Store};

impl Store {
    /// Adds a rendering provider; returns its id.
    pub fn add_provider(&mut self, p: &Provider) -> Result<i64, Error> {
        let supervisor = self.check_provider(p, None)?;
        let (p, now) = (p.clone(), now());
        self.tx(|c| {
            c.insert(
                "INSERT INTO providers (practice_id, npi, last_name, first_name, credential, taxonomy, supervisor_id, \
                 created_at) VALUES ($P, $1, $2, $3, $4, $5, $6, $7) RETURNING id",
                params![p.npi, p.last_name, p.first_name, p.credential.as_str(), p.taxonomy, supervisor, now],
            )
        })
    }

    /// Checks a provider record as [`Store::add_provider`] and [`Store::update_provider`]
    /// do (`this` is the provider being updated); returns the supervisor's row id.
    fn check_provider(&mut self, p: &Provider, this: Option<i64>) -> Result<Option<i64>, Error> {
        npi("provider.npi", &p.npi)?;
        nonempty("provider.last_name", &p.last_name, 60)?;
        nonempty("provider.first_name", &p.first_name, 35)?;
        taxonomy("provider.taxonomy", &p.taxonomy)?;
        let want = match p.credential {
            Credential::OT => "225X",
            Credential::OTA => "224Z",
        };
        if !p.taxonomy.starts_with(want) {
            return Err(Error::invalid(
                "provider.taxonomy",
                format!(
                    "an {} has a {want}… taxonomy, not {}",
                    p.credential.as_str(),
                    p.taxonomy
                ),
            ));
        }
        let supervisor = match &p.supervisor_npi {
            Some(s) => {
                let field = "provider.supervisor_npi";
                let (id, active) = self
                    .provider_state(ProviderKey::Npi(s))
                    .map_err(|_| Error::invalid(field, "no provider with this NPI"))?;
                if Some(id) == this {
                    return Err(Error::invalid(
                        field,
                        "a provider cannot supervise themselves",
                    ));
                }
                if !active {
                    return Err(Error::invalid(
                        field,
                        "the supervising provider is inactive",
                    ));
                }
                Some(id)
            }
            None => None,
        };
        if let (Some(id), Credential::OTA) = (this, p.credential) {
            let supervises = self
                .conn
                .one(
                    "SELECT id FROM providers WHERE providers.practice_id = $P AND supervisor_id = $1 LIMIT 1",
                    params![id],
                )?
                .is_some();
            if supervises {
                return Err(Error::invalid(
                    "provider.credential",
                    "this provider supervises an OTA: only an OT may",
                ));
            }
        }
        Ok(supervisor)
    }

    /// A provider's row id and whether it is active; `NotFound` if there is none.
    fn provider_state(&mut self, key: ProviderKey<'_>) -> Result<(i64, bool), Error> {
        let row = match key {
            ProviderKey::Id(id) => self.conn.one(
                "SELECT id, active FROM providers WHERE providers.practice_id = $P AND id = $1",
                params![id],
            )?,
            ProviderKey::Npi(n) => self.conn.one(
                "SELECT id, active FROM providers WHERE providers.practice_id = $P AND npi = $1",
                params![n],
            )?,
        };
        state_of(row, "provider")
    }

    /// The row id of an active provider for a new visit or plan of care; the error names
    /// `field` (no such provider, or the provider is inactive).
    pub(crate) fn active_provider(&mut self, field: &str, npi: &str) -> Result<i64, Error> {
        match self.provider_state(ProviderKey::Npi(npi)) {
            Ok((id, true)) => Ok(id),
            Ok((_, false)) => Err(Error::invalid(
                field,
                "the provider is inactive: reactivate them or choose another",
            )),
            Err(Error::NotFound(_)) => Err(Error::invalid(field, "no provider with this NPI")),
            Err(e) => Err(e),
        }
    }

    /// One provider as stored.
    pub fn provider(&mut self, key: ProviderKey<'_>) -> Result<ProviderEntry, Error> {
        let (id, _) = self.provider_state(key)?;
        let r = load_one(
            &mut self.conn,
            "SELECT p.id, p.active, p.npi, p.last_name, p.first_name, p.credential, p.taxonomy, s.npi \
             FROM providers p LEFT JOIN providers s ON s.id = p.supervisor_id WHERE p.practice_id = $P AND p.id = $1",
            id,
            "provider",
        )?;
        Ok(provider_entry(&r))
    }

    /// Corrects a provider (by row id or NPI) with the checks of [`Store::add_provider`];
    /// returns it as stored. The active flag is not changed here.
    ///
    /// Changing the NPI (or name, or taxonomy) is allowed. Claims already sent keep what
    /// they were sent with (`claim_json` is the claim as submitted); this provider's claims
    /// not yet in a batch (`ready` or `blocked`, no batch) are rewritten with the new
    /// rendering provider in the same transaction, each with a `provider_updated` event,
    /// so the next batch sends the corrected record.
    pub fn update_provider(
        &mut self,
        key: ProviderKey<'_>,
        p: &Provider,
    ) -> Result<ProviderEntry, Error> {
        let (id, _) = self.provider_state(key)?;
        let supervisor = self.check_provider(p, Some(id))?;
        let (p, now, actor) = (p.clone(), now(), self.actor.clone());
        let rendering = rendering_provider(&p.npi, &p.last_name, &p.first_name, &p.taxonomy)?;
        self.tx(|c| {
            c.exec(
                "UPDATE providers SET npi = $2, last_name = $3, first_name = $4, credential = $5, \
                 taxonomy = $6, supervisor_id = $7, updated_at = $8, updated_by = $9 WHERE practice_id = $P AND id = $1",
                params![id, p.npi, p.last_name, p.first_name, p.credential.as_str(), p.taxonomy,
                    supervisor, now, actor.as_str()],
            )?;
            let unsent = c.query(
                "SELECT c.id, c.claim_json FROM claims c JOIN visits v ON v.id = c.visit_id \
                 WHERE c.practice_id = $P AND v.provider_id = $1 AND c.batch_id IS NULL AND c.status IN ('ready', 'blocked')",
                params![id],
            )?;
            rewrite_unsent(c, &unsent, &actor, "provider_updated", |claim| {
                claim.rendering_provider = Some(rendering.clone());
            })
        })?;
        self.provider(ProviderKey::Id(id))
    }

    /// Deactivates (`active = false`) or reactivates a provider; returns it as stored.
    /// An inactive provider stays on file with its visits, plans and claims; new visits and
    /// plans of care cannot name it, nor can a provider name it as supervisor. Claims for
    /// visits already entered are still made (the service was furnished while active).
    pub fn set_provider_active(
        &mut self,
        key: ProviderKey<'_>,
        active: bool,
    ) -> Result<ProviderEntry, Error> {
        let (id, _) = self.provider_state(key)?;
        self.set_active(
            "UPDATE providers SET active = $2, updated_at = $3, updated_by = $4 WHERE practice_id = $P AND id = $1",
            id,
            active,
        )?;
        self.provider(ProviderKey::Id(id))
    }

    /// Every rendering provider, active or not, in the order they were added, with the
    /// supervising OT's NPI for an OTA.
    pub fn providers(&mut self) -> Result<Vec<ProviderEntry>, Error> {
        let rows = self.conn.query(
            "SELECT p.id, p.active, p.npi, p.last_name, p.first_name, p.credential, p.taxonomy, s.npi \
             FROM providers p LEFT JOIN providers s ON s.id = p.supervisor_id WHERE p.practice_id = $P ORDER BY p.id",
            params![],
        )?;
        Ok(rows.iter().map(provider_entry).collect())
    }

    /// Adds a payer; returns its id.
    pub fn add_payer(&mut self, p: &Payer) -> Result<i64, Error> {
        check_payer(p)?;
        let (p, now) = (p.clone(), now());
        self.tx(|c| {
            c.insert(
                "INSERT INTO payers (practice_id, payer_id, name, profile, filing_indicator, created_at) \
                 VALUES ($P, $1, $2, $3, $4, $5) RETURNING id",
                params![p.payer_id, p.name, p.profile, p.filing_indicator, now],
            )
        })
    }

    /// Every payer, active or not, in the order they were added.
    pub fn payers(&mut self) -> Result<Vec<PayerEntry>, Error> {
        let rows = self.conn.query(
            "SELECT id, active, payer_id, name, profile, filing_indicator FROM payers WHERE payers.practice_id = $P ORDER BY id",
            params![],
        )?;
        Ok(rows.iter().map(payer_entry).collect())
    }

    /// A payer's row id and whether it is active; `NotFound` if there is none.
    fn payer_state(&mut self, key: PayerKey<'_>) -> Result<(i64, bool), Error> {
        let row = match key {
            PayerKey::Id(id) => self.conn.one(
                "SELECT id, active FROM payers WHERE payers.practice_id = $P AND id = $1",
                params![id],
            )?,
            PayerKey::PayerId(p) => self.conn.one(
                "SELECT id, active FROM payers WHERE payers.practice_id = $P AND payer_id = $1",
                params![p],
            )?,
        };
        state_of(row, "payer")
    }

    /// The row id of an active payer for a new coverage or authorization; the error names
    /// `field` (no such payer, or the payer is inactive).
    pub(crate) fn active_payer(&mut self, field: &str, payer_id: &str) -> Result<i64, Error> {
        match self.payer_state(PayerKey::PayerId(payer_id)) {
            Ok((id, true)) => Ok(id),
            Ok((_, false)) => Err(Error::invalid(
                field,
                "the payer is inactive: reactivate it or choose another",
            )),
            Err(Error::NotFound(_)) => Err(Error::invalid(field, "no payer with this payer id")),
            Err(e) => Err(e),
        }
    }

    /// One payer as stored.
    pub fn payer(&mut self, key: PayerKey<'_>) -> Result<PayerEntry, Error> {
        let (id, _) = self.payer_state(key)?;
        let r = load_one(
            &mut self.conn,
            "SELECT id, active, payer_id, name, profile, filing_indicator FROM payers WHERE payers.practice_id = $P AND id = $1",
            id,
            "payer",
        )?;
        Ok(payer_entry(&r))
    }

    /// Corrects a payer (by row id or payer id) with the checks of [`Store::add_payer`];
    /// returns it as stored. The active flag is not changed here.
    ///
    /// Changing the payer id (or name) is allowed. Claims already sent keep what they were
    /// sent with (`claim_json` is the claim as submitted; 835s are matched to claims by
    /// PCN, not by payer id, so their remittances still post); the payer's claims not yet
    /// in a batch (`ready` or `blocked`, no batch) are rewritten with the new payer id and
    /// name in the same transaction, each with a `payer_updated` event, so the next batch
    /// routes them to the corrected id.
    pub fn update_payer(&mut self, key: PayerKey<'_>, p: &Payer) -> Result<PayerEntry, Error> {
        let (id, _) = self.payer_state(key)?;
        check_payer(p)?;
        let (p, now, actor) = (p.clone(), now(), self.actor.clone());
        let sent_to = m::Payer {
            name: p.name.clone(),
            payer_id: p.payer_id.clone(),
        };
        self.tx(|c| {
            c.exec(
                "UPDATE payers SET payer_id = $2, name = $3, profile = $4, filing_indicator = $5, \
                 updated_at = $6, updated_by = $7 WHERE practice_id = $P AND id = $1",
                params![
                    id,
                    p.payer_id,
                    p.name,
                    p.profile,
                    p.filing_indicator,
                    now,
                    actor.as_str()
                ],
            )?;
            let unsent = c.query(
                "SELECT id, claim_json FROM claims WHERE claims.practice_id = $P AND payer_id = $1 AND batch_id IS NULL \
                 AND status IN ('ready', 'blocked')",
                params![id],
            )?;
            rewrite_unsent(c, &unsent, &actor, "payer_updated", |claim| {
                claim.payer = sent_to.clone();
            })
        })?;
        self.payer(PayerKey::Id(id))
    }

    /// Deactivates (`active = false`) or reactivates a payer; returns it as stored. An
    /// inactive payer stays on file with its coverages and claims (which can still be
    /// batched, posted, corrected and voided); new coverages and authorizations cannot
    /// name it.
    pub fn set_payer_active(
        &mut self,
        key: PayerKey<'_>,
        active: bool,
    ) -> Result<PayerEntry, Error> {
        let (id, _) = self.payer_state(key)?;
        self.set_active(
            "UPDATE payers SET active = $2, updated_at = $3, updated_by = $4 WHERE practice_id = $P AND id = $1",
            id,
            active,
        )?;
        self.payer(PayerKey::Id(id))
    }

    /// Sets the active flag of row `id` with `sql` (`$2` the flag, then who and when).
    fn set_active(&mut self, sql: &'static str, id: i64, active: bool) -> Result<(), Error> {
        let (now, actor) = (now(), self.actor.clone());
        self.tx(|c| {
            c.exec(sql, params![id, i64::from(active), now, actor])?;
            Ok(())
        })
    }
}

/// A looked-up row's id and active flag; `NotFound` naming `what` if there is none.
fn state_of(row: Option<Row>, what: &str) -> Result<(i64, bool), Error> {
    row.map(|r| (r.int(0), r.int(1) != 0))
        .ok_or_else(|| Error::NotFound(what.into()))
}

fn provider_entry(r: &Row) -> ProviderEntry {
    ProviderEntry {
        id: r.int(0),
        active: r.int(1) != 0,
        provider: Provider {
            npi: r.text(2),
            last_name: r.text(3),
            first_name: r.text(4),
            // The table's CHECK allows only OT and OTA.
            credential: if r.text(5) == "OTA" {
                Credential::OTA
            } else {
                Credential::OT
            },
            taxonomy: r.text(6),
            supervisor_npi: r.opt_text(7),
        },
    }
}

fn payer_entry(r: &Row) -> PayerEntry {
    PayerEntry {
        id: r.int(0),
        active: r.int(1) != 0,
        payer: Payer {
            payer_id: r.text(2),
            name: r.text(3),
            profile: r.text(4),
            filing_indicator: r.text(5),
        },
    }
}

/// The checks of a payer record, for add and update.
fn check_payer(p: &Payer) -> Result<(), Error> {
    nonempty("payer.payer_id", &p.payer_id, 80)?;
    nonempty("payer.name", &p.name, 60)?;
    nonempty("payer.profile", &p.profile, 40)?;
    if !matches!(p.filing_indicator.len(), 1 | 2) {
        return Err(Error::invalid(
            "payer.filing_indicator",
            "must be an SBR09 code like MB or CI",
        ));
    }
    Ok(())
}

/// A provider on file as a claim's 2310B rendering provider.
pub(crate) fn rendering_provider(
    provider_npi: &str,
    last: &str,
    first: &str,
    taxonomy: &str,
) -> Result<m::RenderingProvider, Error> {
    Ok(m::RenderingProvider {
        name: m::ProviderName::Person(m::PersonName {
            last: last.to_owned(),
            first: first.to_owned(),
            middle: None,
        }),
        npi: npi("provider.npi", provider_npi)?,
        taxonomy: Some(taxonomy.to_owned()),
    })
}

/// Applies `fix` to the stored model of claims not yet sent (`(id, claim_json)` rows) and
/// records `event` on each.
fn rewrite_unsent(
    c: &mut Conn,
    rows: &[Row],
    actor: &str,
    event: &str,
    fix: impl Fn(&mut m::Claim),
) -> Result<(), Error> {
    for r in rows {
        let id = r.int(0);
        let mut claim: m::Claim = serde_json::from_str(&r.text(1))
            .map_err(|e| Error::Db(format!("stored claim: {e}")))?;
        fix(&mut claim);
        let json = serde_json::to_string(&claim).map_err(|e| Error::Db(e.to_string()))?;
        c.exec(
            "UPDATE claims SET claim_json = $2, updated_at = $3 WHERE practice_id = $P AND id = $1",
            params![id, json, now()],
        )?;
        crate::claims::event(
            c,
            id,
            actor,
            event,
            "not yet sent: the claim now carries the corrected settings",
        )?;
    }
    Ok(())
}
