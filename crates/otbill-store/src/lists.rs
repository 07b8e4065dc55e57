//! The lists a biller works through all day: claims a page at a time, sorted and
//! filtered on their columns, with the patient's and payer's names and the balance; and
//! the patient search (name, account, date of birth, member id).
//!
//! Paging is server-side with a stable order: every sort ends with the claim id, so a row
//! never appears on two pages. Balances are the ledger's sums (never stored).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::db::params;
use crate::sql::Value;
use crate::{dollars, Error, Store};

/// Most rows a page may hold.
pub const MAX_PER_PAGE: u32 = 200;

/// How far a list's rows are counted: past it the page says "10,000+" (counting a million
/// claims on every page would cost more than the page).
pub const COUNT_CAP: i64 = 10_000;

/// A claims list column to sort on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimSort {
    /// Date of service (the default, newest first).
    #[default]
    Date,
    /// Open balance (payer and patient).
    Balance,
    /// Patient's name.
    Patient,
    /// Payer's name.
    Payer,
    /// Status.
    Status,
    /// Charge.
    Charge,
    /// Patient control number.
    Pcn,
}

impl ClaimSort {
    /// Parses a column name as the pages and the API write it.
    pub fn parse(s: &str) -> Option<ClaimSort> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }

    fn sql(self) -> &'static str {
        match self {
            ClaimSort::Date => "c.service_date",
            ClaimSort::Balance => "balance_cents",
            ClaimSort::Patient => "p.last_name, p.first_name",
            ClaimSort::Payer => "py.name",
            ClaimSort::Status => "c.status",
            ClaimSort::Charge => "c.charge_cents",
            ClaimSort::Pcn => "c.pcn",
        }
    }
}

/// What a claims page asks for.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ClaimQuery {
    /// Only this status.
    #[serde(default)]
    pub status: Option<String>,
    /// Only this payer (payer id, or part of its name).
    #[serde(default)]
    pub payer: Option<String>,
    /// Only patients whose name or account contains this.
    #[serde(default)]
    pub patient: Option<String>,
    /// Only claims with an open balance.
    #[serde(default)]
    pub open: bool,
    /// Sort column.
    #[serde(default)]
    pub sort: ClaimSort,
    /// Ascending (default descending).
    #[serde(default)]
    pub ascending: bool,
    /// Page, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Rows per page (default 50, at most [`MAX_PER_PAGE`]).
    #[serde(default)]
    pub per_page: Option<u32>,
}

/// One claim on a page.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimListRow {
    /// Id.
    pub id: i64,
    /// Patient control number.
    pub pcn: String,
    /// Status.
    pub status: String,
    /// Date of service.
    pub service_date: String,
    /// Age in days since the date of service.
    pub age_days: i64,
    /// The patient.
    pub patient_id: i64,
    /// Account.
    pub account: String,
    /// `LAST, FIRST`.
    pub patient_name: String,
    /// Payer id.
    pub payer_id: String,
    /// Payer name.
    pub payer_name: String,
    /// Rendering provider `LAST, FIRST`.
    pub provider_name: String,
    /// Charge.
    pub charge: Decimal,
    /// Open balance: the payer's and the patient's.
    pub balance: Decimal,
    /// The patient's part of it.
    pub patient_balance: Decimal,
}

/// A page of claims.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimPage {
    /// The rows.
    pub rows: Vec<ClaimListRow>,
    /// Claims matching the filters, on every page, counted up to [`COUNT_CAP`].
    pub total: i64,
    /// True when there are more than [`COUNT_CAP`] (then `total` is the cap).
    pub total_capped: bool,
    /// This page, from 1.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
}

/// One patient found.
#[derive(Clone, Debug, Serialize)]
pub struct PatientHit {
    /// Id.
    pub id: i64,
    /// Account.
    pub account: String,
    /// `LAST, FIRST`.
    pub name: String,
    /// Date of birth.
    pub birth_date: String,
    /// Primary payer's name.
    pub payer: Option<String>,
    /// What matched: `name`, `account`, `birth date` or `member id`.
    pub matched: &'static str,
}

/// One of a patient's visits, with its claim when it has one.
#[derive(Clone, Debug, Serialize)]
pub struct PatientVisit {
    /// Visit id.
    pub visit_id: i64,
    /// Date of service.
    pub date: String,
    /// `entered`, `blocked` or `claimed`.
    pub status: String,
    /// Rendering provider `LAST, FIRST`.
    pub provider: String,
    /// Codes billed or documented, in order.
    pub codes: String,
    /// The claim.
    pub claim_id: Option<i64>,
    /// Its control number.
    pub pcn: Option<String>,
    /// Its status.
    pub claim_status: Option<String>,
    /// Its charge.
    pub charge: Option<Decimal>,
    /// Its open balance (payer and patient).
    pub balance: Option<Decimal>,
}

impl Store {
    /// A patient's visits, newest first, each with its claim (the original, frequency 1)
    /// and that claim's balance.
    pub fn patient_visits(&mut self, patient_id: i64) -> Result<Vec<PatientVisit>, Error> {
        let rows = self.conn.query(
            "SELECT v.id, v.service_date, v.status, pr.last_name || ', ' || pr.first_name, \
             c.id, c.pcn, c.status, c.charge_cents, \
             (SELECT CAST(SUM(l.amount_cents) AS BIGINT) FROM ledger l WHERE l.claim_id = c.id) \
             FROM visits v JOIN providers pr ON pr.id = v.provider_id \
             LEFT JOIN claims c ON c.visit_id = v.id AND c.frequency = '1' \
             WHERE v.practice_id = $P AND v.patient_id = $1 ORDER BY v.service_date DESC, v.id DESC",
            params![patient_id],
        )?;
        let mut codes: std::collections::HashMap<i64, Vec<String>> =
            std::collections::HashMap::new();
        for r in self.conn.query(
            "SELECT s.visit_id, s.code FROM visit_services s JOIN visits v ON v.id = s.visit_id \
             WHERE s.practice_id = $P AND v.patient_id = $1 ORDER BY s.visit_id, s.seq",
            params![patient_id],
        )? {
            codes.entry(r.int(0)).or_default().push(r.text(1));
        }
        Ok(rows
            .iter()
            .map(|r| PatientVisit {
                visit_id: r.int(0),
                date: r.text(1),
                status: r.text(2),
                provider: r.text(3),
                codes: codes.remove(&r.int(0)).unwrap_or_default().join(" "),
                claim_id: r.opt_int(4),
                pcn: r.opt_text(5),
                claim_status: r.opt_text(6),
                charge: r.opt_int(7).map(dollars),
                balance: r.opt_int(4).map(|_| dollars(r.opt_int(8).unwrap_or(0))),
            })
            .collect())
    }

    /// A page of claims, filtered and sorted (see [`ClaimQuery`]), as of `today` (ages).
    pub fn claim_page(&mut self, q: &ClaimQuery, today: NaiveDate) -> Result<ClaimPage, Error> {
        let per_page = q.per_page.unwrap_or(50).clamp(1, MAX_PER_PAGE);
        let page = q.page.unwrap_or(1).max(1);
        let like = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| format!("%{}%", s.to_uppercase()))
                .unwrap_or_default()
        };
        // Only the filters asked for are in the statement (no `$1 = '' OR ...`), so the
        // planner picks the index of the sort or of the filter without statistics. Payer and
        // patient filters find their few payers and patients first, then the claims by
        // those ids (indexed), never a LIKE over every claim's joined names.
        let mut args: Vec<Value> = Vec::new();
        let mut filters = String::from("WHERE c.practice_id = $P");
        if let Some(status) = q.status.as_deref().filter(|s| !s.is_empty()) {
            args.push(Value::Text(status.to_owned()));
            filters.push_str(&format!(" AND c.status = ${}", args.len()));
        }
        let payer = like(&q.payer);
        if !payer.is_empty() {
            args.push(Value::Text(payer));
            let n = args.len();
            filters.push_str(&format!(
                " AND c.payer_id IN (SELECT f.id FROM payers f WHERE f.practice_id = $P \
                 AND (UPPER(f.name) LIKE ${n} OR f.payer_id LIKE ${n}))"
            ));
        }
        let patient = like(&q.patient);
        if !patient.is_empty() {
            args.push(Value::Text(patient));
            let n = args.len();
            filters.push_str(&format!(
                " AND c.patient_id IN (SELECT f.id FROM patients f WHERE f.practice_id = $P \
                 AND (UPPER(f.last_name || ', ' || f.first_name) LIKE ${n} OR UPPER(f.account) LIKE ${n}))"
            ));
        }
        let from = "FROM claims c JOIN payers py ON py.id = c.payer_id JOIN patients p ON p.id = c.patient_id \
             LEFT JOIN visits v ON v.id = c.visit_id LEFT JOIN providers pr ON pr.id = v.provider_id \
             LEFT JOIN (SELECT claim_id, SUM(amount_cents) AS total, \
               SUM(CASE WHEN party = 'patient' THEN amount_cents ELSE 0 END) AS patient \
               FROM ledger WHERE practice_id = $P GROUP BY claim_id) b ON b.claim_id = c.id";
        let open = if q.open {
            " AND COALESCE(b.total, 0) <> 0"
        } else {
            ""
        };
        // Without a balance to sort or filter on, the page's ids come from the claims (and
        // their index) alone, and only those claims' ledger rows are summed.
        let by_balance = q.open || q.sort == ClaimSort::Balance;
        let count_from = if by_balance { from } else { "FROM claims c" };
        let ids_from = match q.sort {
            ClaimSort::Patient => "FROM claims c JOIN patients p ON p.id = c.patient_id",
            ClaimSort::Payer => "FROM claims c JOIN payers py ON py.id = c.payer_id",
            _ => "FROM claims c",
        };
        let counted = self
            .conn
            .query_text(
                &format!(
                    "SELECT COUNT(*) FROM (SELECT 1 {count_from} {filters}{open} LIMIT {}) counted",
                    COUNT_CAP + 1
                ),
                &args,
            )?
            .first()
            .map_or(0, |r| r.int(0));
        let (total, total_capped) = (counted.min(COUNT_CAP), counted > COUNT_CAP);
        let dir = if q.ascending { "ASC" } else { "DESC" };
        let order = q
            .sort
            .sql()
            .split(", ")
            .map(|col| format!("{col} {dir}"))
            .collect::<Vec<_>>()
            .join(", ");
        let offset = u64::from(page - 1) * u64::from(per_page);
        let select = "SELECT c.id, c.pcn, c.status, c.service_date, c.patient_id, p.account, \
             p.last_name || ', ' || p.first_name, py.payer_id, py.name, COALESCE(pr.last_name || ', ' || pr.first_name, ''), \
             c.charge_cents, CAST(COALESCE(b.total, 0) AS BIGINT) AS balance_cents, CAST(COALESCE(b.patient, 0) AS BIGINT)";
        // The page's claims by their ids take no parameters.
        let no_args: [Value; 0] = [];
        let (sql, sql_args): (String, &[Value]) = if by_balance {
            (format!("{select} {from} {filters}{open} ORDER BY {order}, c.id {dir} LIMIT {per_page} OFFSET {offset}"), &args)
        } else {
            // The page's ids first (from the claims' index alone when nothing but the
            // status filters them), then those claims with their names and ledger sums.
            let page_ids = format!(
                "SELECT c.id {ids_from} {filters} ORDER BY {order}, c.id {dir} LIMIT {per_page} OFFSET {offset}"
            );
            let ids: Vec<String> = self
                .conn
                .query_text(&page_ids, &args)?
                .iter()
                .map(|r| r.int(0).to_string())
                .collect();
            if ids.is_empty() {
                return Ok(ClaimPage {
                    rows: Vec::new(),
                    total,
                    total_capped,
                    page,
                    per_page,
                });
            }
            let ids = ids.join(", ");
            let from_page = from.replace(
                "FROM ledger WHERE practice_id = $P GROUP BY claim_id",
                &format!(
                    "FROM ledger WHERE practice_id = $P AND claim_id IN ({ids}) GROUP BY claim_id"
                ),
            );
            (format!("{select} {from_page} WHERE c.practice_id = $P AND c.id IN ({ids}) ORDER BY {order}, c.id {dir}"), &no_args)
        };
        let rows = self.conn.query_text(&sql, sql_args)?;
        Ok(ClaimPage {
            rows: rows
                .iter()
                .map(|r| {
                    let date = r.text(3);
                    ClaimListRow {
                        id: r.int(0),
                        pcn: r.text(1),
                        status: r.text(2),
                        age_days: crate::date(&date).map_or(0, |d| (today - d).num_days()),
                        service_date: date,
                        patient_id: r.int(4),
                        account: r.text(5),
                        patient_name: r.text(6),
                        payer_id: r.text(7),
                        payer_name: r.text(8),
                        provider_name: r.text(9),
                        charge: dollars(r.int(10)),
                        balance: dollars(r.int(11)),
                        patient_balance: dollars(r.int(12)),
                    }
                })
                .collect(),
            total,
            total_capped,
            page,
            per_page,
        })
    }

    /// Patients found by a name (`LAST`, `LAST, FIRST` or part of one), an account, a
    /// date of birth (`YYYY-MM-DD` or `MM/DD/YYYY`) or a member id of any of their
    /// coverages; at most 50, by name.
    pub fn search_patients(&mut self, text: &str) -> Result<Vec<PatientHit>, Error> {
        let t = text.trim().to_uppercase();
        if t.is_empty() {
            return Ok(Vec::new());
        }
        let birth = NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(&t, "%m/%d/%Y"))
            .map(|d| d.to_string())
            .unwrap_or_default();
        let name = match t.split_once(',') {
            Some((last, first)) => format!("{}%, {}%", last.trim(), first.trim()),
            None => format!("%{t}%"),
        };
        let rows = self.conn.query(
            "SELECT p.id, p.account, p.last_name || ', ' || p.first_name, p.birth_date, \
             (SELECT py.name FROM coverages c JOIN payers py ON py.id = c.payer_id \
              WHERE c.patient_id = p.id AND c.rank = 1), \
             CASE WHEN UPPER(p.account) = $1 THEN 'account' WHEN p.birth_date = $3 THEN 'birth date' \
              WHEN EXISTS (SELECT 1 FROM coverages c WHERE c.patient_id = p.id AND UPPER(c.member_id) = $1) \
              THEN 'member id' ELSE 'name' END \
             FROM patients p WHERE p.practice_id = $P AND (UPPER(p.account) = $1 \
              OR UPPER(p.last_name || ', ' || p.first_name) LIKE $2 OR ($3 <> '' AND p.birth_date = $3) \
              OR EXISTS (SELECT 1 FROM coverages c WHERE c.practice_id = $P AND c.patient_id = p.id AND UPPER(c.member_id) = $1)) \
             ORDER BY p.last_name, p.first_name, p.id LIMIT 50",
            params![t.as_str(), name.as_str(), birth.as_str()],
        )?;
        Ok(rows
            .iter()
            .map(|r| PatientHit {
                id: r.int(0),
                account: r.text(1),
                name: r.text(2),
                birth_date: r.text(3),
                payer: r.opt_text(4),
                matched: match r.text(5).as_str() {
                    "account" => "account",
                    "birth date" => "birth date",
                    "member id" => "member id",
                    _ => "name",
                },
            })
            .collect())
    }
}
