//! Eligibility: 270 requests out, 271 responses in, and the latest benefits of a
//! patient's coverage, which the scrub and the visit's share estimate read.
//!
//! A request is one 270 file in the practice's outbox (`eligibility-ISA13.270`), one
//! subscriber (or dependent) loop per patient, each with a trace (TRN02) we keep in
//! `eligibility_checks`. A 271 file is kept raw once (by its SHA-256, so posting it again
//! stores nothing) and each response in it is matched to a coverage, by the trace it echoes
//! or else by payer id and member id, and kept typed (`response_json`) with its reduction
//! (`summary_json`, [`otbill_elig::BenefitSummary`]). A file with an error finding, or in
//! which no response matches anyone, is refused whole: nothing is stored.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use otbill_elig::{BenefitSummary, Envelope, Person, Read271, Request270, Response271};
use otbill_types::Money;
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::batch::write_atomic;
use crate::claims::next_counter;
use crate::db::{params, Conn};
use crate::records::load_one;
use crate::{now, today, Error, Store};

/// The service types a request asks about when the caller names none: OT (`AD`) and
/// the plan's general coverage (`30`).
pub const DEFAULT_SERVICE_TYPES: [&str; 2] = ["AD", "30"];

/// Days after which a check is stale (the patient page warns).
pub const STALE_AFTER_DAYS: i64 = 30;

/// One 270 file written.
#[derive(Debug, Clone, Serialize)]
pub struct RequestOutcome {
    /// The file in the outbox.
    pub file: PathBuf,
    /// ISA13.
    pub interchange_control: i64,
    /// One check per patient asked about.
    pub checks: Vec<CheckRow>,
}

/// One patient asked about in a 270.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRow {
    /// Check id.
    pub id: i64,
    /// TRN02, echoed by the 271.
    pub trace: String,
    /// The patient.
    pub patient_id: i64,
    /// Their account.
    pub account: String,
}

/// What posting a 271 file did.
#[derive(Debug, Clone, Serialize)]
pub struct Posted271 {
    /// The stored file's id.
    pub file_id: i64,
    /// True when the same file had been posted before (nothing was stored this time).
    pub already_posted: bool,
    /// Responses stored, with the patient they were matched to.
    pub stored: Vec<StoredResponse>,
    /// Responses that matched no patient (not stored), by their position in the file.
    pub unmatched: Vec<String>,
    /// The reader's warnings (errors refuse the file).
    pub warnings: Vec<String>,
}

/// One stored response.
#[derive(Debug, Clone, Serialize)]
pub struct StoredResponse {
    /// Response id.
    pub id: i64,
    /// The patient.
    pub patient_id: i64,
    /// `active`, `inactive`, `rejected` or `unknown`.
    pub status: String,
    /// How it was matched: `trace` or `member id`.
    pub matched_by: &'static str,
}

/// The latest stored benefits of a coverage.
#[derive(Debug, Clone, Serialize)]
pub struct LatestBenefits {
    /// Response id.
    pub id: i64,
    /// The day the 271 was received.
    pub checked_on: NaiveDate,
    /// `active`, `inactive`, `rejected` or `unknown`.
    pub status: String,
    /// The payer's name.
    pub payer: String,
    /// The reduction for OT.
    pub summary: BenefitSummary,
    /// The typed response, as read (its JSON).
    pub response: serde_json::Value,
    /// The payer's reasons for not answering (AAA): `(code, reason in words)`.
    pub rejections: Vec<(String, String)>,
    /// Claims billed to this coverage's payer since the check (the 271's visit counts are
    /// as of its day).
    pub visits_since: u32,
}

impl LatestBenefits {
    /// Whether the check is older than [`STALE_AFTER_DAYS`] on `today`.
    pub fn stale(&self, today: NaiveDate) -> bool {
        (today - self.checked_on).num_days() > STALE_AFTER_DAYS
    }

    /// Visits left this plan year: the 271's count less the claims billed since.
    pub fn visits_left(&self) -> Option<u32> {
        self.summary
            .visits_remaining
            .map(|n| n.saturating_sub(self.visits_since))
    }

    /// The benefits as the scrub reads them.
    pub fn for_scrub(&self) -> otbill_scrub::benefits::Benefits {
        let money = |d: Option<Decimal>| d.map(Money::new);
        otbill_scrub::benefits::Benefits {
            checked_on: self.checked_on,
            active: self.summary.active,
            copay: money(self.summary.copay),
            coinsurance: self.summary.coinsurance,
            deductible_remaining: money(self.summary.deductible_remaining),
            out_of_pocket_remaining: money(self.summary.out_of_pocket_remaining),
            visits_remaining: self.visits_left(),
            authorization_required: self.summary.authorization_required,
        }
    }
}

impl Store {
    /// Writes one 270 asking about each patient's primary coverage (or `rank`) on
    /// `service_date`, into the practice's folder of `outbox`, and records a check per
    /// patient. A patient without that coverage is refused with the patient named.
    pub fn request_eligibility(
        &mut self,
        outbox: &Path,
        patient_ids: &[i64],
        rank: u8,
        service_date: NaiveDate,
        service_types: &[String],
    ) -> Result<RequestOutcome, Error> {
        if patient_ids.is_empty() {
            return Err(Error::invalid("patients", "name at least one patient"));
        }
        let practice = self.practice()?.ok_or_else(|| {
            Error::State("set the practice first (otbill practice set FILE.json)".into())
        })?;
        let types: Vec<String> = if service_types.is_empty() {
            DEFAULT_SERVICE_TYPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        } else {
            service_types.to_vec()
        };
        for (i, t) in types.iter().enumerate() {
            if t.is_empty() || t.len() > 2 || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(Error::invalid(
                    format!("service_types[{i}]"),
                    "an X12 service type code (EQ01), e.g. AD for occupational therapy",
                ));
            }
        }
        let outbox = self.outbox_of(outbox);
        std::fs::create_dir_all(&outbox)
            .map_err(|e| Error::io(format!("creating {}", outbox.display()), e))?;
        let actor = self.actor.clone();
        let practice_id = self.practice_id();
        self.tx(|c| {
            let icn = next_counter(c, "interchange")?;
            let mut requests = Vec::with_capacity(patient_ids.len());
            let mut checks = Vec::with_capacity(patient_ids.len());
            for (i, &pid) in patient_ids.iter().enumerate() {
                let (request, coverage_id, account) =
                    request_for(c, pid, rank, service_date, &types, &practice)
                        .map_err(|e| in_patient(i, e))?;
                let trace = format!("OT{practice_id}E{icn}-{}", i + 1);
                let request = Request270 {
                    trace: trace.clone(),
                    ..request
                };
                requests.push(request);
                checks.push((pid, coverage_id, account, trace));
            }
            let envelope = Envelope {
                sender_id: practice.submitter_id.clone(),
                receiver_id: practice.receiver_id.clone(),
                control_number: u32::try_from(icn)
                    .map_err(|_| Error::State("interchange counter above 999999999".into()))?,
                date: today(),
                time: chrono::Utc::now().format("%H%M").to_string(),
                production: practice.usage == "production",
            };
            let text = otbill_elig::write_270(&requests, &envelope)
                .map_err(|e| Error::invalid("270", e.to_string()))?;
            let file = outbox.join(format!("eligibility-{icn:09}.270"));
            let mut rows = Vec::with_capacity(checks.len());
            for (pid, coverage_id, account, trace) in checks {
                let id = c.insert(
                    "INSERT INTO eligibility_checks (practice_id, trace, patient_id, coverage_id, service_date, \
                     service_types, file, interchange_control, created_at, created_by) \
                     VALUES ($P, $1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    params![
                        trace.as_str(),
                        pid,
                        coverage_id,
                        service_date.to_string(),
                        types.join(","),
                        file.display().to_string(),
                        icn,
                        now(),
                        actor.as_str()
                    ],
                )?;
                rows.push(CheckRow {
                    id,
                    trace,
                    patient_id: pid,
                    account,
                });
            }
            // Last, so that a refused insert leaves no file; a file whose transaction then
            // fails to commit is written again, same name, by the next request.
            write_atomic(&file, |w| w.write_all(text.as_bytes()))?;
            Ok(RequestOutcome {
                file,
                interchange_control: icn,
                checks: rows,
            })
        })
    }

    /// Every patient with a coverage of `rank` in force on `date` (for a batch 270).
    pub fn patients_covered_on(&mut self, rank: u8, date: NaiveDate) -> Result<Vec<i64>, Error> {
        Ok(self
            .conn
            .query(
                "SELECT patient_id FROM coverages WHERE coverages.practice_id = $P AND rank = $1 \
                 AND effective <= $2 AND (expires IS NULL OR expires >= $2) ORDER BY patient_id",
                params![i64::from(rank), date.to_string()],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect())
    }

    /// Posts a 271 file: every response matched to a coverage is stored, in one
    /// transaction; see the module doc for what is refused.
    pub fn post_271(&mut self, raw: &[u8]) -> Result<Posted271, Error> {
        let read: Read271 = otbill_elig::read_271(raw);
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        for f in &read.findings {
            let at = f
                .position
                .map(|p| format!("segment {}: ", p.segment))
                .unwrap_or_default();
            let line = format!("{at}{} {}", f.code, f.message);
            if f.severity == otbill_x12::Severity::Error {
                errors.push(line);
            } else {
                warnings.push(line);
            }
        }
        if !errors.is_empty() {
            return Err(Error::invalid("271", errors.join("; ")));
        }
        if read.responses.is_empty() {
            return Err(Error::invalid(
                "271",
                "the file holds no eligibility response",
            ));
        }
        let text = String::from_utf8_lossy(raw).into_owned();
        let sha = {
            let mut h = Sha256::new();
            h.update(raw);
            crate::batch::hex(&h.finalize())
        };
        let actor = self.actor.clone();
        let checked_on = today();
        self.tx(|c| {
            if let Some(r) = c.one(
                "SELECT id FROM eligibility_files WHERE eligibility_files.practice_id = $P AND sha256 = $1",
                params![sha.as_str()],
            )? {
                return Ok(Posted271 {
                    file_id: r.int(0),
                    already_posted: true,
                    stored: Vec::new(),
                    unmatched: Vec::new(),
                    warnings,
                });
            }
            let mut matched = Vec::new();
            let mut unmatched = Vec::new();
            for (seq, resp) in read.responses.iter().enumerate() {
                match match_response(c, resp)? {
                    Some(m) => matched.push((seq, resp, m)),
                    None => unmatched.push(format!(
                        "response {}: no patient of this practice has that trace or payer and member id",
                        seq + 1
                    )),
                }
            }
            if matched.is_empty() {
                return Err(Error::NotFound(format!(
                    "271: none of its {} response(s) matches a patient we know (by the 270's trace, or payer id and member id)",
                    read.responses.len()
                )));
            }
            let file_id = c.insert(
                "INSERT INTO eligibility_files (practice_id, sha256, raw, responses, received_at, received_by) \
                 VALUES ($P, $1, $2, $3, $4, $5) RETURNING id",
                params![sha.as_str(), text.as_str(), read.responses.len() as i64, now(), actor.as_str()],
            )?;
            let mut stored = Vec::new();
            for (seq, resp, m) in matched {
                let summary = resp.summary(&DEFAULT_SERVICE_TYPES, true);
                let status = status_of(resp, &summary);
                let id = c.insert(
                    "INSERT INTO eligibility_responses (practice_id, file_id, seq, check_id, patient_id, coverage_id, \
                     checked_on, status, response_json, summary_json, received_at) \
                     VALUES ($P, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                    params![
                        file_id,
                        seq as i64,
                        m.check_id,
                        m.patient_id,
                        m.coverage_id,
                        checked_on.to_string(),
                        status,
                        json(resp)?,
                        json(&summary)?,
                        now()
                    ],
                )?;
                stored.push(StoredResponse {
                    id,
                    patient_id: m.patient_id,
                    status: status.to_owned(),
                    matched_by: m.by,
                });
            }
            Ok(Posted271 {
                file_id,
                already_posted: false,
                stored,
                unmatched,
                warnings,
            })
        })
    }

    /// The latest stored benefits of a patient's coverage of `rank` in force on `date`.
    pub fn latest_benefits(
        &mut self,
        patient_id: i64,
        rank: u8,
        date: NaiveDate,
    ) -> Result<Option<LatestBenefits>, Error> {
        let row = self.conn.one(
            "SELECT r.id, r.checked_on, r.status, r.summary_json, r.response_json, p.name, p.id \
             FROM eligibility_responses r JOIN coverages c ON c.id = r.coverage_id \
             JOIN payers p ON p.id = c.payer_id \
             WHERE r.practice_id = $P AND c.patient_id = $1 AND c.rank = $2 AND c.effective <= $3 \
             AND (c.expires IS NULL OR c.expires >= $3) \
             ORDER BY r.checked_on DESC, r.id DESC LIMIT 1",
            params![patient_id, i64::from(rank), date.to_string()],
        )?;
        let Some(r) = row else { return Ok(None) };
        let bad = |what: &str, e: serde_json::Error| Error::Db(format!("stored 271 {what}: {e}"));
        let checked_on =
            crate::date(&r.text(1)).ok_or_else(|| Error::Db("bad stored date".into()))?;
        let summary: BenefitSummary =
            serde_json::from_str(&r.text(3)).map_err(|e| bad("summary", e))?;
        let response: serde_json::Value =
            serde_json::from_str(&r.text(4)).map_err(|e| bad("response", e))?;
        let rejections = response["rejections"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| {
                        let text = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
                        (text("code"), text("reason"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let visits_since = self
            .conn
            .one(
                "SELECT COUNT(*) FROM claims WHERE claims.practice_id = $P AND patient_id = $1 AND payer_id = $2 \
                 AND frequency = '1' AND service_date > $3",
                params![patient_id, r.int(6), r.text(1)],
            )?
            .map_or(0, |x| x.int(0));
        Ok(Some(LatestBenefits {
            id: r.int(0),
            checked_on,
            status: r.text(2),
            payer: r.text(5),
            summary,
            response,
            rejections,
            visits_since: u32::try_from(visits_since).unwrap_or(u32::MAX),
        }))
    }
}

impl Store {
    /// The average allowed amount of a patient's visits (claims of the primary payer), or
    /// of all the practice's claims to the patient's primary payer when the patient has
    /// none yet: what a visit's share is estimated on when no visit is at hand.
    pub fn typical_allowed(&mut self, patient_id: i64) -> Result<Option<Decimal>, Error> {
        let own = self.conn.one(
            "SELECT CAST(SUM(l.allowed_cents) AS BIGINT), COUNT(DISTINCT c.id) FROM claim_lines l \
             JOIN claims c ON c.id = l.claim_id WHERE l.practice_id = $P AND c.patient_id = $1 \
             AND c.frequency = '1' AND c.rank = 1",
            params![patient_id],
        )?;
        if let Some(avg) = own.and_then(|r| average(r.opt_int(0), r.int(1))) {
            return Ok(Some(avg));
        }
        let payer = self.conn.one(
            "SELECT CAST(SUM(l.allowed_cents) AS BIGINT), COUNT(DISTINCT c.id) FROM claim_lines l \
             JOIN claims c ON c.id = l.claim_id WHERE l.practice_id = $P AND c.frequency = '1' AND c.rank = 1 \
             AND c.payer_id = (SELECT payer_id FROM coverages WHERE coverages.practice_id = $P \
             AND patient_id = $1 AND rank = 1)",
            params![patient_id],
        )?;
        Ok(payer.and_then(|r| average(r.opt_int(0), r.int(1))))
    }
}

/// `cents / n` in dollars, to the cent; `None` without claims.
fn average(cents: Option<i64>, n: i64) -> Option<Decimal> {
    let cents = cents?;
    (n > 0).then(|| (crate::dollars(cents) / Decimal::from(n)).round_dp(2))
}

/// A response's status: rejected when the payer said why it could not answer, else what
/// the coverage benefit (EB01 1-8) says.
fn status_of(resp: &Response271, summary: &BenefitSummary) -> &'static str {
    if !resp.rejections.is_empty() {
        "rejected"
    } else {
        match summary.active {
            Some(true) => "active",
            Some(false) => "inactive",
            None => "unknown",
        }
    }
}

struct Match {
    check_id: Option<i64>,
    patient_id: i64,
    coverage_id: i64,
    by: &'static str,
}

/// The coverage a response answers for: the check its trace names, else the coverage of
/// the payer (by payer id) with the subscriber's member id.
fn match_response(c: &mut Conn, resp: &Response271) -> Result<Option<Match>, Error> {
    if let Some(trace) = resp.trace.as_deref() {
        if let Some(r) = c.one(
            "SELECT id, patient_id, coverage_id FROM eligibility_checks \
             WHERE eligibility_checks.practice_id = $P AND trace = $1",
            params![trace],
        )? {
            return Ok(Some(Match {
                check_id: Some(r.int(0)),
                patient_id: r.int(1),
                coverage_id: r.int(2),
                by: "trace",
            }));
        }
    }
    let (Some(payer), Some(member)) = (
        resp.payer_id.as_deref(),
        resp.subscriber.member_id.as_deref(),
    ) else {
        return Ok(None);
    };
    let rows = c.query(
        "SELECT c.id, c.patient_id FROM coverages c JOIN payers p ON p.id = c.payer_id \
         WHERE c.practice_id = $P AND p.payer_id = $1 AND c.member_id = $2 ORDER BY c.id",
        params![payer, member],
    )?;
    // A member id shared by a family: only a single coverage is a match.
    Ok(match rows.as_slice() {
        [one] => Some(Match {
            check_id: None,
            patient_id: one.int(1),
            coverage_id: one.int(0),
            by: "member id",
        }),
        _ => None,
    })
}

/// The 270 loop for one patient: `(request without its trace, coverage id, account)`.
fn request_for(
    c: &mut Conn,
    patient_id: i64,
    rank: u8,
    date: NaiveDate,
    types: &[String],
    practice: &crate::records::Practice,
) -> Result<(Request270, i64, String), Error> {
    let pat = load_one(
        c,
        "SELECT account, last_name, first_name, birth_date, gender FROM patients \
         WHERE patients.practice_id = $P AND id = $1",
        patient_id,
        "patient",
    )?;
    let cov = c
        .one(
            "SELECT c.id, p.payer_id, p.name, c.member_id, c.relationship, c.subscriber_last, \
             c.subscriber_first, c.subscriber_birth_date, c.subscriber_gender, p.active \
             FROM coverages c JOIN payers p ON p.id = c.payer_id \
             WHERE c.practice_id = $P AND c.patient_id = $1 AND c.rank = $2 AND c.effective <= $3 \
             AND (c.expires IS NULL OR c.expires >= $3)",
            params![patient_id, i64::from(rank), date.to_string()],
        )?
        .ok_or_else(|| {
            Error::NotFound(format!(
                "patient {patient_id} has no coverage of rank {rank} in force on {date}"
            ))
        })?;
    if cov.int(9) == 0 {
        return Err(Error::State(format!(
            "patient {patient_id}: the coverage's payer is inactive"
        )));
    }
    let gender = |g: String| g.chars().next().filter(|c| matches!(c, 'M' | 'F' | 'U'));
    let patient = Person {
        member_id: cov.text(3),
        last: pat.text(1),
        first: pat.text(2),
        birth_date: crate::date(&pat.text(3)),
        gender: gender(pat.text(4)),
    };
    let (subscriber, dependent) = if cov.text(4) == "self" {
        (patient, None)
    } else {
        let subscriber = Person {
            member_id: cov.text(3),
            last: cov.opt_text(5).unwrap_or_default(),
            first: cov.opt_text(6).unwrap_or_default(),
            birth_date: cov.opt_text(7).and_then(|d| crate::date(&d)),
            gender: cov.opt_text(8).and_then(gender),
        };
        (subscriber, Some(patient))
    };
    Ok((
        Request270 {
            trace: String::new(),
            payer_name: cov.text(2),
            payer_id: cov.text(1),
            provider_name: practice.name.clone(),
            provider_first: None,
            provider_npi: practice.npi.clone(),
            subscriber,
            dependent,
            service_date: date,
            service_types: types.to_vec(),
        },
        cov.int(0),
        pat.text(0),
    ))
}

/// Names the request a patient's refusal came from.
fn in_patient(i: usize, e: Error) -> Error {
    match e {
        Error::Invalid { field, message } => Error::Invalid {
            field: format!("patients[{i}].{field}"),
            message,
        },
        other => other,
    }
}

/// JSON of the typed values kept beside the raw file.
fn json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Db(format!("271 to JSON: {e}")))
}
