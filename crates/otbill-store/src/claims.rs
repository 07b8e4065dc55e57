//! From a visit to a claim, and what happens to a claim afterwards.
//!
//! [`Store::claim_visit`] codes and scrubs a visit (otbill-core and otbill-scrub, with the
//! episode read from the ledger: plan of care, treatment days since the last progress
//! report, the year's allowed amounts for KX, the authorization) and, when no error finding
//! blocks it, stores a `ready` claim with its lines, the 837P claim model and one `charge`
//! ledger entry per line. After the 835: [`Store::correct_claim`] (frequency 7),
//! [`Store::void_claim`] (8), [`Store::appeal_claim`], [`Store::move_to_secondary`],
//! [`Store::bill_patient`], [`Store::write_off`]. Each step appends a `claim_events` row
//! with who and when.
//!
//! Charges: the practice bills 150% of the fee-schedule allowed amount, rounded up to whole
//! dollars, or $40 a unit when the fee schedule has no price (a chargemaster table is not
//! modelled yet).

use std::borrow::Cow;

use otbill_837p::model as m;
use otbill_core::{Discipline, ServiceInput, Severity, VisitInput};
use otbill_scrub::episode::{Authorization, Episode, PlanOfCare, YearToDate};
use otbill_scrub::scrub::{scrub, ClaimOptions, Engine, ScrubInput};
use otbill_types::{CptCode, Icd10, Modifier, Money, Npi};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::{params, row, Conn, Rows, Table, Ty};
use crate::records::{load_one, PayerKey};
use otbill_scrub::{DatedRules, PayerRules};

impl VisitContext {
    /// The scrub request of an OT visit on `dos` for the payer profile `profile`, filed
    /// today, with this context's episode and rule set.
    fn into_input(
        self,
        dos: chrono::NaiveDate,
        profile: String,
        services: Vec<ServiceInput<'_>>,
    ) -> ScrubInput<'_> {
        ScrubInput {
            visit: VisitInput {
                id: None,
                date: dos,
                payer: Cow::Owned(profile),
                discipline: Some(Discipline::Ot),
                services,
            },
            episode: self.episode,
            claim: ClaimOptions {
                filing_date: Some(crate::today()),
                ..ClaimOptions::default()
            },
            payer_rules: self.payer_rules,
        }
    }
}

/// A visit's preview: the scrub with its estimate, and what it was scrubbed with.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// The coding (units, modifiers, why) under the payer's rule set.
    pub coded: Option<otbill_core::CodedVisit>,
    /// The scrub result (lines, findings, the share estimate when benefits are known).
    pub scrubbed: otbill_scrub::scrub::Scrubbed,
    /// The payer rule set applied, when the payer has one.
    pub rules_source: Option<String>,
    /// The benefits the estimate used.
    pub benefits: Option<crate::eligibility::LatestBenefits>,
}

/// What the scrub of a visit reads besides the visit itself.
pub(crate) struct VisitContext {
    pub(crate) episode: Episode,
    pub(crate) payer_rules: Option<DatedRules>,
    /// The latest 271 benefits of the primary coverage.
    pub(crate) benefits: Option<crate::eligibility::LatestBenefits>,
}
use crate::{cents, date, dollars, now, Error, Store};

/// DTP*454, the initial treatment date, from the stored `start_date` of the plan of care in
/// effect on the visit (the visit's `plan_id`, the latest plan starting on or before it).
///
/// `start_date` is the first day of the plan, the evaluation (`PlanOfCare::start`), which
/// Medicare counts as the first day of treatment (Pub. 100-02 ch. 15 §220.1.3, as
/// summarised in `rules.md`: certification is timely within 30 days after the first day
/// of treatment, the evaluation included).
/// `certified_date` is when the physician signed and `certified_through` when the
/// certification ends: neither is when treatment began. Limitation: the ledger does not
/// link a plan to the one it continues, so a recertification entered as a new plan sends
/// its own start, not the episode's first treatment.
fn initial_treatment_date(start_date: &str) -> Option<chrono::NaiveDate> {
    date(start_date)
}

/// A finding as stored and shown: stable code, severity, message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// Stable code, e.g. `PLAN_NOT_CERTIFIED`.
    pub code: String,
    /// `error` blocks the claim; `warning`, `info` do not.
    pub severity: String,
    /// What was found.
    pub message: String,
}

/// What coding a visit did.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimOutcome {
    /// The visit.
    pub visit_id: i64,
    /// The claim created, when not blocked.
    pub claim_id: Option<i64>,
    /// Its patient control number.
    pub pcn: Option<String>,
    /// Charge total.
    pub charge: Decimal,
    /// Whether an error finding blocked the claim.
    pub blocked: bool,
    /// Every finding.
    pub findings: Vec<Note>,
}

/// One claim as the ledger sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimView {
    /// Id.
    pub id: i64,
    /// Patient control number (CLM01).
    pub pcn: String,
    /// Status.
    pub status: String,
    /// `1`, `7` or `8`.
    pub frequency: String,
    /// Payer id.
    pub payer_id: String,
    /// 1 primary, 2 secondary.
    pub rank: i64,
    /// Date of service.
    pub service_date: String,
    /// Charge.
    pub charge: Decimal,
    /// What the payer still owes (charges less payments and adjustments).
    pub payer_balance: Decimal,
    /// What the patient owes.
    pub patient_balance: Decimal,
    /// The payer's claim number (ICN), once known.
    pub payer_claim_number: Option<String>,
    /// The batch it went out in.
    pub batch_id: Option<i64>,
    /// History: `(when, who, event, detail)`.
    pub events: Vec<(String, String, String, String)>,
}

impl Store {
    /// Codes, scrubs and prices a visit; stores a `ready` claim unless an error blocks it.
    pub fn claim_visit(
        &mut self,
        visit_id: i64,
        engine: &Engine<'_>,
    ) -> Result<ClaimOutcome, Error> {
        let v = load_one(
            &mut self.conn,
            "SELECT patient_id, provider_id, plan_id, service_date, place_of_service, progress_report, status \
             FROM visits WHERE visits.practice_id = $P AND id = $1",
            visit_id,
            "visit",
        )?;
        let (patient, provider, plan_id) = (v.int(0), v.int(1), v.opt_int(2));
        let dos = date(&v.text(3)).ok_or_else(|| Error::Db("bad stored date".into()))?;
        if v.text(6) == "claimed" {
            return Err(Error::State(format!(
                "visit {visit_id} already has a claim"
            )));
        }
        let mut outcome = ClaimOutcome {
            visit_id,
            claim_id: None,
            pcn: None,
            charge: Decimal::ZERO,
            blocked: true,
            findings: Vec::new(),
        };
        let block = |o: &mut ClaimOutcome, code: &str, msg: &str| {
            o.findings.push(Note {
                code: code.into(),
                severity: "error".into(),
                message: msg.into(),
            });
        };
        let cov = self.conn.one(
            "SELECT c.id, p.payer_id, p.name, p.profile, p.filing_indicator, c.member_id, c.group_number, \
             c.relationship, c.subscriber_last, c.subscriber_first, c.subscriber_birth_date, \
             c.subscriber_gender, p.id, p.active FROM coverages c JOIN payers p ON p.id = c.payer_id \
             WHERE c.practice_id = $P AND c.patient_id = $1 AND c.rank = 1 AND c.effective <= $2 \
             AND (c.expires IS NULL OR c.expires >= $2)",
            params![patient, dos.to_string()],
        )?;
        let plan = match plan_id {
            Some(id) => self.conn.one(
                "SELECT discipline, start_date, certified_date, certified_through, referring_npi, \
                 referring_last, referring_first, diagnoses FROM plans_of_care WHERE plans_of_care.practice_id = $P AND id = $1",
                params![id],
            )?,
            None => None,
        };
        let (Some(cov), Some(plan)) = (cov, plan) else {
            block(&mut outcome, "NO_COVERAGE_OR_PLAN", "the patient has no primary coverage on the date of service or no plan of care (diagnoses)");
            self.block_visit(visit_id, &outcome)?;
            return Ok(outcome);
        };
        if cov.int(13) == 0 {
            block(&mut outcome, "PAYER_INACTIVE", "the primary coverage's payer is inactive: reactivate it in the practice settings, or change the coverage");
            self.block_visit(visit_id, &outcome)?;
            return Ok(outcome);
        }
        let services = self.conn.query(
            "SELECT code, minutes, assistant_minutes FROM visit_services WHERE visit_services.practice_id = $P AND visit_id = $1 ORDER BY seq",
            params![visit_id],
        )?;
        let payer_row = cov.int(12);
        let ctx = self.episode_for(patient, plan_id, &plan, payer_row, dos, v.int(5) != 0)?;
        let prior_auth = ctx
            .episode
            .authorization
            .as_ref()
            .and_then(|a| a.number.clone());
        let services = services
            .iter()
            .map(|s| ServiceInput {
                code: Cow::Owned(s.text(0)),
                minutes: s.opt_int(1).and_then(|m| u32::try_from(m).ok()),
                assistant_minutes: s.opt_int(2).and_then(|m| u32::try_from(m).ok()),
            })
            .collect();
        let input = ctx.into_input(dos, cov.text(3), services);
        let scrubbed = match scrub(engine, &input) {
            Ok(s) => s,
            Err(e) => {
                block(&mut outcome, "VISIT_INPUT", &e.to_string());
                self.block_visit(visit_id, &outcome)?;
                return Ok(outcome);
            }
        };
        for f in &scrubbed.findings {
            outcome.findings.push(Note {
                code: f.code.to_string(),
                severity: match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    _ => "info",
                }
                .into(),
                message: f.message.clone(),
            });
        }
        if scrubbed.blocked || scrubbed.lines.is_empty() {
            if scrubbed.lines.is_empty() {
                block(
                    &mut outcome,
                    "NO_BILLABLE_LINE",
                    "no service earned a billable unit",
                );
            }
            self.block_visit(visit_id, &outcome)?;
            return Ok(outcome);
        }
        // The claim model: patient, subscriber, payer, referring and rendering provider.
        let pat = load_one(
            &mut self.conn,
            "SELECT last_name, first_name, birth_date, gender, line1, line2, city, state, zip FROM patients WHERE patients.practice_id = $P AND id = $1",
            patient,
            "patient",
        )?;
        let prov = load_one(
            &mut self.conn,
            "SELECT npi, last_name, first_name, taxonomy FROM providers WHERE providers.practice_id = $P AND id = $1",
            provider,
            "provider",
        )?;
        let addr = m::Address {
            line1: pat.text(4),
            line2: pat.opt_text(5),
            city: pat.text(6),
            state: pat.text(7),
            zip: pat.text(8),
        };
        let gender = |g: &str| m::Gender::from_code(g).unwrap_or(m::Gender::U);
        let pname = m::PersonName {
            last: pat.text(0),
            first: pat.text(1),
            middle: None,
        };
        let pbirth = date(&pat.text(2)).unwrap_or(dos);
        let is_self = cov.text(7) == "self";
        let subscriber = m::Subscriber {
            payer_responsibility: "P".into(),
            group_number: cov.opt_text(6),
            claim_filing_indicator: cov.text(4),
            name: if is_self {
                pname.clone()
            } else {
                m::PersonName {
                    last: cov.text(8),
                    first: cov.text(9),
                    middle: None,
                }
            },
            member_id: cov.text(5),
            address: Some(addr.clone()),
            birth_date: Some(if is_self {
                pbirth
            } else {
                date(&cov.text(10)).unwrap_or(pbirth)
            }),
            gender: Some(gender(&if is_self { pat.text(3) } else { cov.text(11) })),
        };
        let patient_loop = (!is_self).then(|| m::Patient {
            relationship: match cov.text(7).as_str() {
                "spouse" => m::Relationship::Spouse,
                "child" => m::Relationship::Child,
                _ => m::Relationship::Other,
            },
            name: pname,
            address: addr,
            birth_date: pbirth,
            gender: gender(&pat.text(3)),
        });
        let diagnoses = plan
            .text(7)
            .split(',')
            .map(Icd10::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Db(format!("stored diagnosis: {e}")))?;
        let npi = |s: String| Npi::parse(&s).map_err(|e| Error::Db(format!("stored NPI: {e}")));
        let mut lines = Vec::new();
        let mut allowed = Vec::new();
        for l in &scrubbed.lines {
            let a = l.price.allowed.amount();
            let units = Decimal::from(l.price.units);
            let charge = if a > Decimal::ZERO {
                (a * Decimal::new(15, 1)).ceil()
            } else {
                Decimal::from(40) * units
            };
            allowed.push(cents(a));
            lines.push(m::ServiceLine {
                procedure: l.price.code,
                modifiers: l.modifiers.to_vec(),
                charge: Money::new(charge),
                units: l.price.units,
                diagnosis_pointers: vec![1],
                service_date: dos,
                service_date_end: None,
                place_of_service: None,
                line_control_number: String::new(),
                adjudications: Vec::new(),
            });
        }
        let total: Decimal = lines.iter().map(|l| l.charge.amount()).sum();
        let mut claim = m::Claim {
            patient_control_number: "OT00000000".into(),
            total_charge: Money::new(total),
            place_of_service: v.text(4),
            frequency: m::Frequency::Original,
            original_claim_number: None,
            provider_signature_on_file: true,
            assignment: m::Assignment::Assigned,
            benefits_assigned: true,
            release_of_information: true,
            // The plans_of_care table has no onset date: onset (DTP*431) is left to claims
            // imported with it.
            onset_date: None,
            initial_treatment_date: initial_treatment_date(&plan.text(1)),
            prior_authorization: prior_auth,
            diagnoses,
            subscriber,
            payer: m::Payer {
                name: cov.text(2),
                payer_id: cov.text(1),
            },
            patient: patient_loop,
            referring_provider: Some(m::ReferringProvider {
                name: m::PersonName {
                    last: plan.text(5),
                    first: plan.text(6),
                    middle: None,
                },
                npi: npi(plan.text(4))?,
            }),
            rendering_provider: Some(m::RenderingProvider {
                name: m::ProviderName::Person(m::PersonName {
                    last: prov.text(1),
                    first: prov.text(2),
                    middle: None,
                }),
                npi: npi(prov.text(0))?,
                taxonomy: Some(prov.text(3)),
            }),
            other_payers: Vec::new(),
            lines,
        };
        for (i, l) in claim.lines.iter_mut().enumerate() {
            l.line_control_number = format!("OT00000000-{}", i + 1);
        }
        for f in otbill_837p::check::check_claim_at(&claim, 0) {
            if f.is_error() {
                outcome.findings.push(Note {
                    code: f.code.into(),
                    severity: "error".into(),
                    message: f.message,
                });
            }
        }
        if outcome.findings.iter().any(|f| f.severity == "error") {
            self.block_visit(visit_id, &outcome)?;
            return Ok(outcome);
        }
        let actor = self.actor.clone();
        let result_json = serde_json::to_string(&outcome.findings).unwrap_or_default();
        let (claim_id, pcn) = self.tx(|c| {
            let (id, pcn) = insert_claim(
                c,
                &mut claim,
                &ClaimMeta {
                    key: format!("visit:{visit_id}:1"),
                    visit_id: Some(visit_id),
                    patient,
                    payer: cov.int(12),
                    rank: 1,
                    original: None,
                    status: "ready",
                    allowed: &allowed,
                    actor: &actor,
                },
            )?;
            event(
                c,
                id,
                &actor,
                "coded",
                &format!(
                    "visit {visit_id} coded and scrubbed: {} line(s)",
                    claim.lines.len()
                ),
            )?;
            event(c, id, &actor, "ready", "no error finding: ready to batch")?;
            c.exec(
                "UPDATE visits SET status = 'claimed', result_json = $2 WHERE practice_id = $P AND id = $1",
                params![visit_id, result_json],
            )?;
            Ok((id, pcn))
        })?;
        outcome.blocked = false;
        outcome.claim_id = Some(claim_id);
        outcome.pcn = Some(pcn);
        outcome.charge = total;
        Ok(outcome)
    }

    /// Codes, scrubs and prices a visit not yet stored (the visit entry page's preview)
    /// with everything a claim for it would be scrubbed with: the patient's primary
    /// payer's profile and rule set on the date, the episode, and the latest benefits,
    /// whose share estimate comes with the result. Nothing is stored.
    pub fn preview_visit(
        &mut self,
        v: &crate::records::Visit,
        engine: &Engine<'_>,
    ) -> Result<Preview, Error> {
        let patient = self
            .patient_id(&v.patient_account)
            .map_err(|_| Error::invalid("visit.patient_account", "no patient with this account"))?;
        let dos = v.date;
        let cov = self
            .conn
            .one(
                "SELECT p.id, p.profile FROM coverages c JOIN payers p ON p.id = c.payer_id \
                 WHERE c.practice_id = $P AND c.patient_id = $1 AND c.rank = 1 AND c.effective <= $2 \
                 AND (c.expires IS NULL OR c.expires >= $2)",
                params![patient, dos.to_string()],
            )?
            .ok_or_else(|| Error::invalid("visit.date", "the patient has no primary coverage on this date"))?;
        let plan = self.conn.one(
            "SELECT id, start_date, certified_date, certified_through FROM plans_of_care \
             WHERE plans_of_care.practice_id = $P AND patient_id = $1 AND start_date <= $2 \
             ORDER BY start_date DESC LIMIT 1",
            params![patient, dos.to_string()],
        )?;
        let Some(plan) = plan else {
            return Err(Error::invalid(
                "visit.date",
                "the patient has no plan of care on this date",
            ));
        };
        // `episode_for` reads the plan's start, certification and through dates at 1..=3.
        let ctx = self.episode_for(
            patient,
            Some(plan.int(0)),
            &plan,
            cov.int(0),
            dos,
            v.progress_report,
        )?;
        let rules_source = ctx
            .payer_rules
            .as_ref()
            .map(|r| format!("{}, effective {}", r.source, r.effective));
        let benefits = ctx.benefits.clone();
        let services = v
            .services
            .iter()
            .map(|s| ServiceInput {
                code: Cow::Borrowed(s.code.as_str()),
                minutes: s.minutes,
                assistant_minutes: s.assistant_minutes,
            })
            .collect();
        let input = ctx.into_input(dos, cov.text(1), services);
        let scrubbed = scrub(engine, &input)
            .map_err(|e| Error::invalid(e.field.clone(), e.message.clone()))?;
        // The coding alone (units and why), with the profile the rule set codes with.
        let ruled = input
            .payer_rules
            .as_ref()
            .zip(engine.payers.get(&input.visit.payer))
            .map(|(r, p)| r.rules.coding_profile(p));
        let coded = otbill_core::Visit::resolve(&input.visit, engine.catalog, engine.payers)
            .ok()
            .map(|mut v| {
                if let Some(p) = &ruled {
                    v.payer = p;
                }
                otbill_core::code_visit(&v)
            });
        Ok(Preview {
            coded,
            scrubbed,
            rules_source,
            benefits,
        })
    }

    /// The episode of a visit as the scrub needs it, read from the ledger: plan of care,
    /// treatment days since the last progress report, the year's allowed amounts for KX,
    /// the authorization, the payer's rule set on the date (merged with the secondary's
    /// when the primary's says whose rule wins), the visits billed this plan year and the
    /// latest eligibility benefits.
    fn episode_for(
        &mut self,
        patient: i64,
        plan_id: Option<i64>,
        plan: &crate::db::Row,
        payer_row: i64,
        dos: chrono::NaiveDate,
        progress_report_today: bool,
    ) -> Result<VisitContext, Error> {
        let payer_rules = self.visit_rules(patient, payer_row, dos)?;
        let visits_this_plan_year = match payer_rules
            .as_ref()
            .and_then(|r| r.rules.visit_limit.as_ref())
        {
            Some(limit) => {
                let start = limit.reset.plan_year_start(dos);
                let n = self
                    .conn
                    .one(
                        "SELECT COUNT(*) FROM claims WHERE claims.practice_id = $P AND patient_id = $1 AND payer_id = $2 \
                         AND frequency = '1' AND service_date >= $3 AND service_date <= $4",
                        params![patient, payer_row, start.to_string(), dos.to_string()],
                    )?
                    .map_or(0, |r| r.int(0));
                Some(u32::try_from(n).unwrap_or(u32::MAX))
            }
            None => None,
        };
        let benefits = self.latest_benefits(patient, 1, dos)?;
        let year = chrono::Datelike::year(&dos);
        let ytd = self
            .conn
            .one(
                "SELECT CAST(COALESCE(SUM(l.allowed_cents), 0) AS BIGINT) FROM claim_lines l \
                 JOIN claims c ON c.id = l.claim_id WHERE l.practice_id = $P AND c.patient_id = $1 AND c.frequency = '1' \
                 AND c.rank = 1 AND c.service_date >= $2 AND c.service_date < $3",
                params![
                    patient,
                    format!("{year:04}-01-01"),
                    format!("{:04}-01-01", year + 1)
                ],
            )?
            .map_or(0, |r| r.int(0));
        let report = self
            .conn
            .one(
                "SELECT MAX(service_date) FROM visits WHERE visits.practice_id = $P AND plan_id = $1 AND progress_report = 1 \
                 AND status = 'claimed' AND service_date < $2",
                params![plan_id, dos.to_string()],
            )?
            .and_then(|r| r.opt_text(0));
        let last_progress_report = report.as_deref().and_then(date);
        let last_report = report.unwrap_or_else(|| plan.text(1));
        let since_report = self
            .conn
            .one(
                "SELECT COUNT(*) FROM visits WHERE visits.practice_id = $P AND plan_id = $1 AND status = 'claimed' \
                 AND service_date >= $2 AND service_date < $3",
                params![plan_id, last_report, dos.to_string()],
            )?
            .map_or(0, |r| r.int(0));
        let auth = self.conn.one(
            "SELECT a.number, a.visits_allowed, a.end_date, a.start_date FROM authorizations a \
             WHERE a.practice_id = $P AND a.patient_id = $1 AND a.payer_id = $2 AND a.start_date <= $3 AND a.end_date >= $3 \
             ORDER BY a.id DESC LIMIT 1",
            params![patient, payer_row, dos.to_string()],
        )?;
        let authorization = match &auth {
            Some(a) => {
                let used = self
                    .conn
                    .one(
                        "SELECT COUNT(*) FROM claims WHERE claims.practice_id = $P AND patient_id = $1 AND payer_id = $2 \
                         AND frequency = '1' AND service_date >= $3 AND service_date <= $4",
                        params![patient, payer_row, a.text(3), a.text(2)],
                    )?
                    .map_or(0, |r| r.int(0));
                Some(Authorization {
                    number: Some(a.text(0)),
                    visits_remaining: a
                        .opt_int(1)
                        .map(|n| u32::try_from((n - used).max(0)).unwrap_or(0)),
                    units_remaining: None,
                    expires: date(&a.text(2)),
                })
            }
            None => None,
        };
        let episode = Episode {
            plan_of_care: Some(PlanOfCare {
                discipline: Discipline::Ot,
                start: date(&plan.text(1)).unwrap_or(dos),
                established: date(&plan.text(1)),
                certified: plan.opt_text(2).and_then(|d| date(&d)),
                certified_through: date(&plan.text(3)),
                delayed_certification_reason: None,
                signed_order: None,
                plan_sent_to_referrer: date(&plan.text(1)),
                recertifications: Vec::new(),
                goals: vec!["documented in the plan of care".into()],
            }),
            treatment_days_since_progress_report: u32::try_from(since_report).unwrap_or(u32::MAX),
            progress_report_today,
            year_to_date: YearToDate {
                ot: Money::new(dollars(ytd)),
                pt_slp: Money::ZERO,
            },
            medical_necessity_documented: true,
            authorization,
            visits_this_plan_year,
            last_progress_report,
            benefits: benefits
                .as_ref()
                .map(crate::eligibility::LatestBenefits::for_scrub),
            ..Episode::default()
        };
        Ok(VisitContext {
            episode,
            payer_rules,
            benefits,
        })
    }

    /// The rule set of the primary payer on `dos`, merged with the secondary payer's one
    /// ([`PayerRules::merge`]) when the patient has a secondary coverage on that date.
    fn visit_rules(
        &mut self,
        patient: i64,
        payer_row: i64,
        dos: chrono::NaiveDate,
    ) -> Result<Option<DatedRules>, Error> {
        let Some(mut primary) = self.payer_rules_on(PayerKey::Id(payer_row), dos)? else {
            return Ok(None);
        };
        let secondary = self
            .conn
            .one(
                "SELECT payer_id FROM coverages WHERE coverages.practice_id = $P AND patient_id = $1 AND rank = 2 \
                 AND effective <= $2 AND (expires IS NULL OR expires >= $2)",
                params![patient, dos.to_string()],
            )?
            .map(|r| r.int(0));
        if let Some(sec) = secondary.filter(|&s| s != payer_row) {
            if let Some(other) = self.payer_rules_on(PayerKey::Id(sec), dos)? {
                if other.rules != primary.rules {
                    primary.rules = PayerRules::merge(&primary.rules, &other.rules);
                    primary.source = format!("{} merged with {}", primary.source, other.source);
                }
            }
        }
        Ok(Some(primary))
    }

    fn block_visit(&mut self, visit_id: i64, outcome: &ClaimOutcome) -> Result<(), Error> {
        let json = serde_json::to_string(&outcome.findings).unwrap_or_default();
        self.tx(|c| {
            c.exec(
                "UPDATE visits SET status = 'blocked', result_json = $2 WHERE practice_id = $P AND id = $1",
                params![visit_id, json],
            )?;
            Ok(())
        })
    }

    /// A claim with its balances and history.
    pub fn claim(&mut self, claim_id: i64) -> Result<ClaimView, Error> {
        let r = load_one(
            &mut self.conn,
            "SELECT c.pcn, c.status, c.frequency, p.payer_id, c.rank, c.service_date, c.charge_cents, \
             c.payer_claim_number, c.batch_id FROM claims c JOIN payers p ON p.id = c.payer_id WHERE c.practice_id = $P AND c.id = $1",
            claim_id,
            "claim",
        )?;
        let (payer, patient) = balances(&mut self.conn, claim_id)?;
        let events = self
            .conn
            .query(
                "SELECT at, actor, event, detail FROM claim_events WHERE claim_events.practice_id = $P AND claim_id = $1 ORDER BY id",
                params![claim_id],
            )?
            .iter()
            .map(|e| (e.text(0), e.text(1), e.text(2), e.text(3)))
            .collect();
        Ok(ClaimView {
            id: claim_id,
            pcn: r.text(0),
            status: r.text(1),
            frequency: r.text(2),
            payer_id: r.text(3),
            rank: r.int(4),
            service_date: r.text(5),
            charge: dollars(r.int(6)),
            payer_balance: dollars(payer),
            patient_balance: dollars(patient),
            payer_claim_number: r.opt_text(7),
            batch_id: r.opt_int(8),
            events,
        })
    }

    /// Claim ids by status (`None`: all), oldest first.
    pub fn claims(&mut self, status: Option<&str>) -> Result<Vec<i64>, Error> {
        let rows = match status {
            Some(s) => self.conn.query(
                "SELECT id FROM claims WHERE claims.practice_id = $P AND status = $1 ORDER BY id",
                params![s],
            )?,
            None => self.conn.query(
                "SELECT id FROM claims WHERE claims.practice_id = $P ORDER BY id",
                params![],
            )?,
        };
        Ok(rows.iter().map(|r| r.int(0)).collect())
    }

    /// The claim with this patient control number.
    pub fn claim_by_pcn(&mut self, pcn: &str) -> Result<i64, Error> {
        self.conn
            .one(
                "SELECT id FROM claims WHERE claims.practice_id = $P AND pcn = $1",
                params![pcn],
            )?
            .map(|r| r.int(0))
            .ok_or_else(|| Error::NotFound(format!("claim {pcn}")))
    }
}

/// What a claim insert needs besides the claim model.
pub(crate) struct ClaimMeta<'a> {
    pub(crate) key: String,
    pub(crate) visit_id: Option<i64>,
    pub(crate) patient: i64,
    pub(crate) payer: i64,
    pub(crate) rank: i64,
    pub(crate) original: Option<i64>,
    pub(crate) status: &'static str,
    pub(crate) allowed: &'a [i64],
    pub(crate) actor: &'a str,
}

/// Inserts a claim, its lines and their charges; numbers it (PCN and line control numbers)
/// from the `claim` counter. Runs inside the caller's transaction.
pub(crate) fn insert_claim(
    c: &mut Conn,
    claim: &mut m::Claim,
    meta: &ClaimMeta<'_>,
) -> Result<(i64, String), Error> {
    insert_claims(c, std::slice::from_mut(claim), std::slice::from_ref(meta))?
        .pop()
        .ok_or_else(|| Error::Db("claim insert returned no id".into()))
}

/// The `claims` columns a new claim fills.
static CLAIMS: Table = Table::new(
    "claims",
    &[
        ("pcn", Ty::Text),
        ("claim_key", Ty::Text),
        ("visit_id", Ty::Int),
        ("patient_id", Ty::Int),
        ("payer_id", Ty::Int),
        ("rank", Ty::Int),
        ("frequency", Ty::Text),
        ("original_claim_id", Ty::Int),
        ("payer_claim_number", Ty::Text),
        ("service_date", Ty::Text),
        ("charge_cents", Ty::Int),
        ("status", Ty::Text),
        ("claim_json", Ty::Text),
        ("created_at", Ty::Text),
        ("updated_at", Ty::Text),
    ],
);

static CLAIM_LINES: Table = Table::new(
    "claim_lines",
    &[
        ("claim_id", Ty::Int),
        ("seq", Ty::Int),
        ("lcn", Ty::Text),
        ("code", Ty::Text),
        ("modifiers", Ty::Text),
        ("units", Ty::Int),
        ("charge_cents", Ty::Int),
        ("allowed_cents", Ty::Int),
        ("service_date", Ty::Text),
    ],
);

/// Every column of a `ledger` entry.
pub(crate) static LEDGER: Table = Table::new(
    "ledger",
    &[
        ("claim_id", Ty::Int),
        ("claim_line_id", Ty::Int),
        ("remittance_id", Ty::Int),
        ("party", Ty::Text),
        ("kind", Ty::Text),
        ("amount_cents", Ty::Int),
        ("group_code", Ty::Text),
        ("reason", Ty::Text),
        ("at", Ty::Text),
        ("actor", Ty::Text),
    ],
);

/// Every column of a `claim_events` row.
pub(crate) static CLAIM_EVENTS: Table = Table::new(
    "claim_events",
    &[
        ("claim_id", Ty::Int),
        ("at", Ty::Text),
        ("actor", Ty::Text),
        ("event", Ty::Text),
        ("detail", Ty::Text),
    ],
);

/// Inserts claims (`metas[i]` for `claims[i]`), their lines and their charges as three bulk
/// inserts; numbers them from one block of the `claim` counter, in order. Runs inside the
/// caller's transaction. Returns `(id, pcn)` per claim.
pub(crate) fn insert_claims(
    c: &mut Conn,
    claims: &mut [m::Claim],
    metas: &[ClaimMeta<'_>],
) -> Result<Vec<(i64, String)>, Error> {
    if claims.len() != metas.len() {
        return Err(Error::Db("insert_claims: one meta per claim".into()));
    }
    if claims.is_empty() {
        return Ok(Vec::new());
    }
    let first = reserve_counter(c, "claim", claims.len() as i64)?;
    // Each practice numbers its own claims; outside the main practice the PCN names the
    // practice too, so an 835 uploaded into the wrong practice matches none of its claims.
    let prefix = match c.practice() {
        crate::MAIN_PRACTICE => "OT".to_owned(),
        p => format!("OT{p}P"),
    };
    let at = now();
    let mut rows = Rows::new(&CLAIMS);
    let mut pcns = Vec::with_capacity(claims.len());
    for (k, (claim, meta)) in claims.iter_mut().zip(metas).enumerate() {
        let pcn = format!("{prefix}{:08}", first + k as i64);
        claim.patient_control_number.clone_from(&pcn);
        for (i, l) in claim.lines.iter_mut().enumerate() {
            l.line_control_number = format!("{pcn}-{}", i + 1);
        }
        let dos = claim
            .lines
            .iter()
            .map(|l| l.service_date)
            .min()
            .unwrap_or_default();
        let json = serde_json::to_string(&*claim).map_err(|e| Error::Db(e.to_string()))?;
        rows.push(row![
            &pcn,
            &meta.key,
            meta.visit_id,
            meta.patient,
            meta.payer,
            meta.rank,
            claim.frequency.code(),
            meta.original,
            None::<String>,
            dos.to_string(),
            cents(claim.total_charge.amount()),
            meta.status,
            json,
            at.as_str(),
            at.as_str()
        ]);
        pcns.push(pcn);
    }
    let ids = c.insert_rows(&rows)?;
    drop(rows);
    let mut lines = Rows::new(&CLAIM_LINES);
    for ((claim, meta), id) in claims.iter().zip(metas).zip(&ids) {
        for (i, l) in claim.lines.iter().enumerate() {
            lines.push(row![
                *id,
                i as i64 + 1,
                &l.line_control_number,
                l.procedure.as_str(),
                modifiers(&l.modifiers),
                i64::from(l.units),
                cents(l.charge.amount()),
                meta.allowed.get(i).copied().unwrap_or(0),
                l.service_date.to_string()
            ]);
        }
    }
    let line_ids = c.insert_rows(&lines)?;
    drop(lines);
    let mut charges = Rows::new(&LEDGER);
    let mut line_id = line_ids.iter();
    for ((claim, meta), id) in claims.iter().zip(metas).zip(&ids) {
        for l in &claim.lines {
            let line = line_id
                .next()
                .copied()
                .ok_or_else(|| Error::Db("claim line insert returned too few ids".into()))?;
            charges.push(row![
                *id,
                line,
                None::<i64>,
                "payer",
                "charge",
                cents(l.charge.amount()),
                None::<String>,
                None::<String>,
                at.as_str(),
                meta.actor
            ]);
        }
    }
    c.insert_rows(&charges)?;
    Ok(ids.into_iter().zip(pcns).collect())
}

pub(crate) fn modifiers(m: &[Modifier]) -> String {
    m.iter().map(Modifier::as_str).collect::<Vec<_>>().join(":")
}

/// `UPDATE ... RETURNING`: the next value of a named counter, in the caller's transaction.
/// A value is never handed out twice: a rolled-back transaction leaves nothing that used it.
pub(crate) fn next_counter(c: &mut Conn, name: &str) -> Result<i64, Error> {
    reserve_counter(c, name, 1)
}

/// Reserves the next `n` values of a named counter in one statement, in the caller's
/// transaction, and returns the first; the block is `first..first + n`. The counter's row
/// stays locked until the transaction ends, so concurrent blocks never overlap.
pub(crate) fn reserve_counter(c: &mut Conn, name: &str, n: i64) -> Result<i64, Error> {
    c.one(
        "UPDATE counters SET value = value + $2 WHERE practice_id = $P AND name = $1 RETURNING value",
        params![name, n],
    )?
    .map(|r| r.int(0) - n + 1)
    .ok_or_else(|| Error::Db(format!("counter {name} missing")))
}

/// `(payer, patient)` balances of a claim in cents, from the ledger.
pub(crate) fn balances(c: &mut Conn, claim_id: i64) -> Result<(i64, i64), Error> {
    let rows = c.query(
        "SELECT party, CAST(SUM(amount_cents) AS BIGINT) FROM ledger WHERE ledger.practice_id = $P AND claim_id = $1 GROUP BY party",
        params![claim_id],
    )?;
    let mut out = (0, 0);
    for r in rows {
        if r.text(0) == "payer" {
            out.0 = r.int(1);
        } else {
            out.1 = r.int(1);
        }
    }
    Ok(out)
}

pub(crate) fn event(
    c: &mut Conn,
    claim_id: i64,
    actor: &str,
    event: &str,
    detail: &str,
) -> Result<(), Error> {
    c.exec(
        "INSERT INTO claim_events (practice_id, claim_id, at, actor, event, detail) VALUES ($P, $1, $2, $3, $4, $5)",
        params![claim_id, now(), actor, event, detail],
    )?;
    Ok(())
}

/// A code that the claim model carries, for callers building claims by hand.
pub fn cpt(code: &str) -> Result<CptCode, Error> {
    CptCode::parse(code).map_err(|e| Error::invalid("code", e.to_string()))
}
