//! The schema, as numbered migrations applied in order on open.
//!
//! One text serves both engines; `{pk}` becomes `INTEGER PRIMARY KEY` (SQLite's rowid
//! alias) or `BIGSERIAL PRIMARY KEY` (PostgreSQL). Integers are `BIGINT`, money is cents,
//! dates and timestamps are ISO-8601 `TEXT`. A migration is never edited once released:
//! add a new one.
//!
//! **Architecture Invariant:** `ledger`, `claim_events`, `adjustments`, `remittances`,
//! `patient_payments`, `payment_applications`, `patient_refunds`, `statements` and
//! `statement_lines` are append-only; balances and statuses shown to people are derived from them.

use crate::db::{params, Conn, Engine};
use crate::{now, Error};

/// `(version, name, SQL)`, in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "ledger", V1),
    (2, "settings_active", V2),
    (3, "practices", V3),
    (4, "eligibility and payer rules", V4),
    (5, "patient payments", V5),
    (6, "statements", V6),
];

// Patient statements (issue 13): each statement sent is a `statements` row with its
// totals as printed, and one `statement_lines` row per claim it listed. Both are
// append-only: a statement, once made, is what the patient was sent.
const V6: &str = "
CREATE TABLE statements (
  id {pk}, practice_id BIGINT NOT NULL, patient_id BIGINT NOT NULL REFERENCES patients(id),
  statement_date TEXT NOT NULL, due_date TEXT NOT NULL,
  previous_balance_cents BIGINT NOT NULL, new_charges_cents BIGINT NOT NULL,
  payments_cents BIGINT NOT NULL, insurance_cents BIGINT NOT NULL, amount_due_cents BIGINT NOT NULL,
  dunning_level BIGINT NOT NULL CHECK (dunning_level IN (1, 2, 3)),
  created_at TEXT NOT NULL, created_by TEXT NOT NULL);
CREATE INDEX statements_patient ON statements (practice_id, patient_id, statement_date);
CREATE TABLE statement_lines (
  id {pk}, practice_id BIGINT NOT NULL, statement_id BIGINT NOT NULL REFERENCES statements(id),
  claim_id BIGINT NOT NULL REFERENCES claims(id), service_date TEXT NOT NULL,
  charge_cents BIGINT NOT NULL, insurance_cents BIGINT NOT NULL, adjustments_cents BIGINT NOT NULL,
  patient_paid_cents BIGINT NOT NULL, patient_owes_cents BIGINT NOT NULL);
CREATE INDEX statement_lines_statement ON statement_lines (statement_id);
";

/// After [`V6`] on SQLite: both tables are append-only.
const V6_SQLITE: &str = "
CREATE TRIGGER statements_no_update BEFORE UPDATE ON statements
  BEGIN SELECT RAISE(ABORT, 'statements is append-only'); END;
CREATE TRIGGER statements_no_delete BEFORE DELETE ON statements
  BEGIN SELECT RAISE(ABORT, 'statements is append-only'); END;
CREATE TRIGGER statement_lines_no_update BEFORE UPDATE ON statement_lines
  BEGIN SELECT RAISE(ABORT, 'statement_lines is append-only'); END;
CREATE TRIGGER statement_lines_no_delete BEFORE DELETE ON statement_lines
  BEGIN SELECT RAISE(ABORT, 'statement_lines is append-only'); END;
";

/// After [`V6`] on PostgreSQL: both tables under the same row-level security, and
/// append-only (with V5's `otbill_append_only`).
const V6_PG: &str = "
ALTER TABLE statements ENABLE ROW LEVEL SECURITY;
ALTER TABLE statements FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON statements USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE statement_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE statement_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON statement_lines USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
CREATE TRIGGER statements_no_change BEFORE UPDATE OR DELETE ON statements
  FOR EACH ROW EXECUTE FUNCTION otbill_append_only();
CREATE TRIGGER statement_lines_no_change BEFORE UPDATE OR DELETE ON statement_lines
  FOR EACH ROW EXECUTE FUNCTION otbill_append_only();
";

// Patient accounts (issue 13): what a patient pays us (at the desk, by check, card or
// otherwise) is a `patient_payments` row; applying it to a claim's patient balance is a
// `payment_applications` row beside a `patient` ledger entry on that claim (`unapply`
// moves an application back to credit, again as new rows); refunds of credit are
// `patient_refunds` rows. All three are append-only (triggers on both engines). A
// reference is a check number or the card processor's reference, never a card number
// (the store refuses one that looks like it).
const V5: &str = "
CREATE TABLE patient_payments (
  id {pk}, practice_id BIGINT NOT NULL, patient_id BIGINT NOT NULL REFERENCES patients(id),
  received_on TEXT NOT NULL, amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
  method TEXT NOT NULL CHECK (method IN ('cash', 'check', 'card', 'other')), reference TEXT,
  visit_id BIGINT REFERENCES visits(id), note TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL);
CREATE INDEX patient_payments_patient ON patient_payments (patient_id, received_on);
CREATE INDEX patient_payments_reference ON patient_payments (reference, method, practice_id);
CREATE TABLE payment_applications (
  id {pk}, practice_id BIGINT NOT NULL, payment_id BIGINT NOT NULL REFERENCES patient_payments(id),
  claim_id BIGINT NOT NULL REFERENCES claims(id), amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
  kind TEXT NOT NULL CHECK (kind IN ('apply', 'unapply')), at TEXT NOT NULL, actor TEXT NOT NULL);
CREATE INDEX payment_applications_payment ON payment_applications (payment_id);
CREATE INDEX payment_applications_claim ON payment_applications (claim_id);
CREATE TABLE patient_refunds (
  id {pk}, practice_id BIGINT NOT NULL, patient_id BIGINT NOT NULL REFERENCES patients(id),
  amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
  method TEXT NOT NULL CHECK (method IN ('cash', 'check', 'card', 'other')), reference TEXT,
  reason TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL);
CREATE INDEX patient_refunds_patient ON patient_refunds (patient_id);
";

/// After [`V5`] on SQLite: the three tables are append-only.
const V5_SQLITE: &str = "
CREATE TRIGGER patient_payments_no_update BEFORE UPDATE ON patient_payments
  BEGIN SELECT RAISE(ABORT, 'patient_payments is append-only'); END;
CREATE TRIGGER patient_payments_no_delete BEFORE DELETE ON patient_payments
  BEGIN SELECT RAISE(ABORT, 'patient_payments is append-only'); END;
CREATE TRIGGER payment_applications_no_update BEFORE UPDATE ON payment_applications
  BEGIN SELECT RAISE(ABORT, 'payment_applications is append-only'); END;
CREATE TRIGGER payment_applications_no_delete BEFORE DELETE ON payment_applications
  BEGIN SELECT RAISE(ABORT, 'payment_applications is append-only'); END;
CREATE TRIGGER patient_refunds_no_update BEFORE UPDATE ON patient_refunds
  BEGIN SELECT RAISE(ABORT, 'patient_refunds is append-only'); END;
CREATE TRIGGER patient_refunds_no_delete BEFORE DELETE ON patient_refunds
  BEGIN SELECT RAISE(ABORT, 'patient_refunds is append-only'); END;
";

/// After [`V5`] on PostgreSQL: the new tables under the same row-level security, and
/// append-only.
const V5_PG: &str = "
ALTER TABLE patient_payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient_payments FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON patient_payments USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE payment_applications ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_applications FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON payment_applications USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE patient_refunds ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient_refunds FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON patient_refunds USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
CREATE FUNCTION otbill_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER patient_payments_no_change BEFORE UPDATE OR DELETE ON patient_payments
  FOR EACH ROW EXECUTE FUNCTION otbill_append_only();
CREATE TRIGGER payment_applications_no_change BEFORE UPDATE OR DELETE ON payment_applications
  FOR EACH ROW EXECUTE FUNCTION otbill_append_only();
CREATE TRIGGER patient_refunds_no_change BEFORE UPDATE OR DELETE ON patient_refunds
  FOR EACH ROW EXECUTE FUNCTION otbill_append_only();
";

// Eligibility (issue 11): each 270 we send is a check (its TRN02 trace names it); each
// 271 file is kept raw once per practice (by its SHA-256) and every response in it is
// kept typed against the patient's coverage. Payer rule sets are effective-dated and
// append-only: an edit is a new row, the latest row for a date wins, and the history
// (who, when) stays.
const V4: &str = "
CREATE TABLE eligibility_checks (
  id {pk}, practice_id BIGINT NOT NULL, trace TEXT NOT NULL,
  patient_id BIGINT NOT NULL REFERENCES patients(id), coverage_id BIGINT NOT NULL REFERENCES coverages(id),
  service_date TEXT NOT NULL, service_types TEXT NOT NULL, file TEXT NOT NULL,
  interchange_control BIGINT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  UNIQUE (trace, practice_id));
CREATE TABLE eligibility_files (
  id {pk}, practice_id BIGINT NOT NULL, sha256 TEXT NOT NULL, raw TEXT NOT NULL,
  responses BIGINT NOT NULL, received_at TEXT NOT NULL, received_by TEXT NOT NULL,
  UNIQUE (sha256, practice_id));
CREATE TABLE eligibility_responses (
  id {pk}, practice_id BIGINT NOT NULL, file_id BIGINT NOT NULL REFERENCES eligibility_files(id),
  seq BIGINT NOT NULL, check_id BIGINT REFERENCES eligibility_checks(id),
  patient_id BIGINT NOT NULL REFERENCES patients(id), coverage_id BIGINT NOT NULL REFERENCES coverages(id),
  checked_on TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'rejected', 'unknown')),
  response_json TEXT NOT NULL, summary_json TEXT NOT NULL, received_at TEXT NOT NULL,
  UNIQUE (file_id, seq));
CREATE INDEX eligibility_responses_coverage ON eligibility_responses (coverage_id, checked_on);
CREATE TABLE payer_rule_sets (
  id {pk}, practice_id BIGINT NOT NULL, payer_id BIGINT NOT NULL REFERENCES payers(id),
  effective TEXT NOT NULL, rules_json TEXT NOT NULL, note TEXT,
  created_at TEXT NOT NULL, created_by TEXT NOT NULL);
CREATE INDEX payer_rule_sets_payer ON payer_rule_sets (payer_id, effective);
CREATE INDEX claims_date ON claims (practice_id, service_date, id);
";

/// After [`V4`] on PostgreSQL: the new tables under the same row-level security.
const V4_PG: &str = "
ALTER TABLE eligibility_checks ENABLE ROW LEVEL SECURITY;
ALTER TABLE eligibility_checks FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON eligibility_checks USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE eligibility_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE eligibility_files FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON eligibility_files USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE eligibility_responses ENABLE ROW LEVEL SECURITY;
ALTER TABLE eligibility_responses FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON eligibility_responses USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE payer_rule_sets ENABLE ROW LEVEL SECURITY;
ALTER TABLE payer_rule_sets FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON payer_rule_sets USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
";

const V1: &str = "
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('interchange', 0), ('group', 0), ('claim', 0), ('import', 0);

CREATE TABLE practice (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL, npi TEXT NOT NULL, ein TEXT NOT NULL, taxonomy TEXT NOT NULL,
  line1 TEXT NOT NULL, line2 TEXT, city TEXT NOT NULL, state TEXT NOT NULL, zip TEXT NOT NULL,
  submitter_id TEXT NOT NULL, receiver_id TEXT NOT NULL, receiver_name TEXT NOT NULL,
  contact_name TEXT NOT NULL, contact_phone TEXT NOT NULL, usage TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL);

CREATE TABLE providers (
  id {pk}, npi TEXT NOT NULL UNIQUE, last_name TEXT NOT NULL, first_name TEXT NOT NULL,
  credential TEXT NOT NULL CHECK (credential IN ('OT', 'OTA')), taxonomy TEXT NOT NULL,
  supervisor_id BIGINT REFERENCES providers(id), created_at TEXT NOT NULL);

CREATE TABLE payers (
  id {pk}, payer_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, profile TEXT NOT NULL,
  filing_indicator TEXT NOT NULL, created_at TEXT NOT NULL);

CREATE TABLE patients (
  id {pk}, account TEXT NOT NULL UNIQUE, last_name TEXT NOT NULL, first_name TEXT NOT NULL,
  birth_date TEXT NOT NULL, gender TEXT NOT NULL, line1 TEXT NOT NULL, line2 TEXT,
  city TEXT NOT NULL, state TEXT NOT NULL, zip TEXT NOT NULL, created_at TEXT NOT NULL,
  created_by TEXT NOT NULL);

CREATE TABLE coverages (
  id {pk}, patient_id BIGINT NOT NULL REFERENCES patients(id),
  payer_id BIGINT NOT NULL REFERENCES payers(id), rank BIGINT NOT NULL CHECK (rank IN (1, 2, 3)),
  member_id TEXT NOT NULL, group_number TEXT, relationship TEXT NOT NULL,
  subscriber_last TEXT, subscriber_first TEXT, subscriber_birth_date TEXT, subscriber_gender TEXT,
  effective TEXT NOT NULL, expires TEXT, UNIQUE (patient_id, rank));

CREATE TABLE plans_of_care (
  id {pk}, patient_id BIGINT NOT NULL REFERENCES patients(id),
  provider_id BIGINT NOT NULL REFERENCES providers(id), discipline TEXT NOT NULL,
  start_date TEXT NOT NULL, certified_date TEXT, certified_through TEXT NOT NULL,
  referring_npi TEXT NOT NULL, referring_last TEXT NOT NULL, referring_first TEXT NOT NULL,
  diagnoses TEXT NOT NULL, progress_every BIGINT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX plans_patient ON plans_of_care (patient_id);

CREATE TABLE authorizations (
  id {pk}, patient_id BIGINT NOT NULL REFERENCES patients(id),
  payer_id BIGINT NOT NULL REFERENCES payers(id), number TEXT NOT NULL,
  visits_allowed BIGINT, start_date TEXT NOT NULL, end_date TEXT NOT NULL);

CREATE TABLE visits (
  id {pk}, patient_id BIGINT NOT NULL REFERENCES patients(id),
  provider_id BIGINT NOT NULL REFERENCES providers(id),
  plan_id BIGINT REFERENCES plans_of_care(id), service_date TEXT NOT NULL,
  place_of_service TEXT NOT NULL, progress_report BIGINT NOT NULL,
  status TEXT NOT NULL, result_json TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL);
CREATE INDEX visits_patient ON visits (patient_id, service_date);

CREATE TABLE visit_services (
  id {pk}, visit_id BIGINT NOT NULL REFERENCES visits(id), seq BIGINT NOT NULL,
  code TEXT NOT NULL, minutes BIGINT, assistant_minutes BIGINT);

CREATE TABLE batches (
  id {pk}, state TEXT NOT NULL CHECK (state IN ('reserved', 'written')),
  interchange_control BIGINT NOT NULL UNIQUE, group_control BIGINT NOT NULL UNIQUE,
  created TEXT NOT NULL, file_name TEXT NOT NULL UNIQUE, sha256 TEXT, claim_count BIGINT NOT NULL,
  created_by TEXT NOT NULL, written_at TEXT);

CREATE TABLE claims (
  id {pk}, pcn TEXT NOT NULL UNIQUE, claim_key TEXT NOT NULL UNIQUE, visit_id BIGINT REFERENCES visits(id),
  patient_id BIGINT NOT NULL REFERENCES patients(id),
  payer_id BIGINT NOT NULL REFERENCES payers(id), rank BIGINT NOT NULL,
  frequency TEXT NOT NULL, original_claim_id BIGINT REFERENCES claims(id),
  payer_claim_number TEXT, service_date TEXT NOT NULL, charge_cents BIGINT NOT NULL,
  status TEXT NOT NULL, batch_id BIGINT REFERENCES batches(id), transaction_control TEXT,
  claim_json TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX claims_status ON claims (status);
CREATE INDEX claims_batch ON claims (batch_id);

CREATE TABLE claim_lines (
  id {pk}, claim_id BIGINT NOT NULL REFERENCES claims(id), seq BIGINT NOT NULL,
  lcn TEXT NOT NULL UNIQUE, code TEXT NOT NULL, modifiers TEXT NOT NULL, units BIGINT NOT NULL,
  charge_cents BIGINT NOT NULL, allowed_cents BIGINT NOT NULL, service_date TEXT NOT NULL);
CREATE INDEX claim_lines_claim ON claim_lines (claim_id);

CREATE TABLE claim_events (
  id {pk}, claim_id BIGINT NOT NULL REFERENCES claims(id), at TEXT NOT NULL,
  actor TEXT NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX claim_events_claim ON claim_events (claim_id);

CREATE TABLE acks (
  id {pk}, kind TEXT NOT NULL, content_hash TEXT NOT NULL UNIQUE, file_name TEXT NOT NULL,
  received_at TEXT NOT NULL, actor TEXT NOT NULL, accepted BIGINT NOT NULL,
  rejected BIGINT NOT NULL);

CREATE TABLE remittances (
  id {pk}, payer_key TEXT NOT NULL, trace_number TEXT NOT NULL, content_hash TEXT NOT NULL,
  payment_cents BIGINT NOT NULL, payment_date TEXT, file_name TEXT NOT NULL,
  posted_at TEXT NOT NULL, posted_by TEXT NOT NULL, claims BIGINT NOT NULL,
  UNIQUE (payer_key, trace_number, content_hash));

CREATE TABLE remit_claims (
  id {pk}, remittance_id BIGINT NOT NULL REFERENCES remittances(id),
  claim_id BIGINT REFERENCES claims(id), pcn TEXT NOT NULL, status_code TEXT NOT NULL,
  charge_cents BIGINT NOT NULL, paid_cents BIGINT NOT NULL, patient_cents BIGINT NOT NULL,
  payer_claim_number TEXT NOT NULL);
CREATE INDEX remit_claims_claim ON remit_claims (claim_id);

CREATE TABLE adjustments (
  id {pk}, remittance_id BIGINT NOT NULL REFERENCES remittances(id),
  claim_id BIGINT NOT NULL REFERENCES claims(id), claim_line_id BIGINT REFERENCES claim_lines(id),
  group_code TEXT NOT NULL, reason TEXT NOT NULL, amount_cents BIGINT NOT NULL,
  remarks TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX adjustments_claim ON adjustments (claim_id);

CREATE TABLE ledger (
  id {pk}, claim_id BIGINT NOT NULL REFERENCES claims(id),
  claim_line_id BIGINT REFERENCES claim_lines(id),
  remittance_id BIGINT REFERENCES remittances(id),
  party TEXT NOT NULL CHECK (party IN ('payer', 'patient')), kind TEXT NOT NULL,
  amount_cents BIGINT NOT NULL, group_code TEXT, reason TEXT, at TEXT NOT NULL,
  actor TEXT NOT NULL);
CREATE INDEX ledger_claim ON ledger (claim_id);

CREATE TABLE unmatched (
  id {pk}, remittance_id BIGINT NOT NULL REFERENCES remittances(id), pcn TEXT NOT NULL,
  line_control TEXT, code TEXT, reason TEXT NOT NULL, paid_cents BIGINT NOT NULL);
";

/// Providers and payers are corrected in place and retired instead of deleted (claims,
/// visits and coverages reference them): an `active` flag (1 or 0) and when and by whom a
/// row was last changed.
const V2: &str = "
ALTER TABLE providers ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
ALTER TABLE providers ADD COLUMN updated_at TEXT;
ALTER TABLE providers ADD COLUMN updated_by TEXT;
ALTER TABLE payers ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
ALTER TABLE payers ADD COLUMN updated_at TEXT;
ALTER TABLE payers ADD COLUMN updated_by TEXT;
";

/// Many practices in one database: `practices`, and a `practice_id` on every ledger row;
/// what was unique in the one practice (an NPI, a payer id, an account, a PCN, control
/// numbers, counters, a file's hash) is unique per practice now. SQLite cannot change a
/// table's constraints in place, so every table is rebuilt (new table, copy, drop, rename;
/// on both engines alike); the rows of a single-practice database become practice 1.
/// A unique key names its own columns first and the practice last: an index that starts
/// with `practice_id` matches every row of a practice, and a planner without statistics
/// yet (a table just filled by a posting) ANDs it into lookups by claim or line.
/// Foreign keys: `practice_id` names a practice, which is never deleted, so it carries
/// none; the append-only rows a posting writes by the thousand (`ledger`, `adjustments`,
/// `remit_claims`, `claim_events`, `unmatched`) carry none either: only the store writes
/// them, always in the transaction that read the claim, line and remittance they name, and
/// on PostgreSQL their checks cost several times the inserts themselves.
/// Generated once by a script from migrations 1 and 2; like every released migration it is
/// never edited.
const V3: &str = "
CREATE TABLE practices (
  id {pk}, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  active BIGINT NOT NULL DEFAULT 1, created_at TEXT NOT NULL);
INSERT INTO practices (id, code, name, created_at)
  SELECT 1, 'main', COALESCE((SELECT name FROM practice), 'Practice 1'), '{now}';
CREATE TABLE counters_v3 (
  practice_id BIGINT NOT NULL,
  name TEXT NOT NULL, value BIGINT NOT NULL, PRIMARY KEY (practice_id, name));
INSERT INTO counters_v3 (practice_id, name, value)
  SELECT 1, name, value FROM counters;
CREATE TABLE practice_v3 (
  id BIGINT PRIMARY KEY REFERENCES practices(id),
  name TEXT NOT NULL, npi TEXT NOT NULL, ein TEXT NOT NULL, taxonomy TEXT NOT NULL,
  line1 TEXT NOT NULL, line2 TEXT, city TEXT NOT NULL, state TEXT NOT NULL, zip TEXT NOT NULL,
  submitter_id TEXT NOT NULL, receiver_id TEXT NOT NULL, receiver_name TEXT NOT NULL,
  contact_name TEXT NOT NULL, contact_phone TEXT NOT NULL, usage TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL);
INSERT INTO practice_v3 (id, name, npi, ein, taxonomy, line1, line2, city, state, zip, submitter_id, receiver_id, receiver_name, contact_name, contact_phone, usage, updated_at, updated_by)
  SELECT id, name, npi, ein, taxonomy, line1, line2, city, state, zip, submitter_id, receiver_id, receiver_name, contact_name, contact_phone, usage, updated_at, updated_by FROM practice;
CREATE TABLE providers_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  npi TEXT NOT NULL, last_name TEXT NOT NULL, first_name TEXT NOT NULL,
  credential TEXT NOT NULL CHECK (credential IN ('OT', 'OTA')), taxonomy TEXT NOT NULL,
  supervisor_id BIGINT REFERENCES providers_v3(id), created_at TEXT NOT NULL,
  active BIGINT NOT NULL DEFAULT 1, updated_at TEXT, updated_by TEXT, UNIQUE (npi, practice_id));
INSERT INTO providers_v3 (practice_id, id, npi, last_name, first_name, credential, taxonomy, supervisor_id, created_at, active, updated_at, updated_by)
  SELECT 1, id, npi, last_name, first_name, credential, taxonomy, supervisor_id, created_at, active, updated_at, updated_by FROM providers;
CREATE TABLE payers_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  payer_id TEXT NOT NULL, name TEXT NOT NULL, profile TEXT NOT NULL,
  filing_indicator TEXT NOT NULL, created_at TEXT NOT NULL,
  active BIGINT NOT NULL DEFAULT 1, updated_at TEXT, updated_by TEXT, UNIQUE (payer_id, practice_id));
INSERT INTO payers_v3 (practice_id, id, payer_id, name, profile, filing_indicator, created_at, active, updated_at, updated_by)
  SELECT 1, id, payer_id, name, profile, filing_indicator, created_at, active, updated_at, updated_by FROM payers;
CREATE TABLE patients_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  account TEXT NOT NULL, last_name TEXT NOT NULL, first_name TEXT NOT NULL,
  birth_date TEXT NOT NULL, gender TEXT NOT NULL, line1 TEXT NOT NULL, line2 TEXT,
  city TEXT NOT NULL, state TEXT NOT NULL, zip TEXT NOT NULL, created_at TEXT NOT NULL,
  created_by TEXT NOT NULL, UNIQUE (account, practice_id));
INSERT INTO patients_v3 (practice_id, id, account, last_name, first_name, birth_date, gender, line1, line2, city, state, zip, created_at, created_by)
  SELECT 1, id, account, last_name, first_name, birth_date, gender, line1, line2, city, state, zip, created_at, created_by FROM patients;
CREATE TABLE coverages_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  patient_id BIGINT NOT NULL REFERENCES patients_v3(id),
  payer_id BIGINT NOT NULL REFERENCES payers_v3(id), rank BIGINT NOT NULL CHECK (rank IN (1, 2, 3)),
  member_id TEXT NOT NULL, group_number TEXT, relationship TEXT NOT NULL,
  subscriber_last TEXT, subscriber_first TEXT, subscriber_birth_date TEXT, subscriber_gender TEXT,
  effective TEXT NOT NULL, expires TEXT, UNIQUE (patient_id, rank));
INSERT INTO coverages_v3 (practice_id, id, patient_id, payer_id, rank, member_id, group_number, relationship, subscriber_last, subscriber_first, subscriber_birth_date, subscriber_gender, effective, expires)
  SELECT 1, id, patient_id, payer_id, rank, member_id, group_number, relationship, subscriber_last, subscriber_first, subscriber_birth_date, subscriber_gender, effective, expires FROM coverages;
CREATE TABLE plans_of_care_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  patient_id BIGINT NOT NULL REFERENCES patients_v3(id),
  provider_id BIGINT NOT NULL REFERENCES providers_v3(id), discipline TEXT NOT NULL,
  start_date TEXT NOT NULL, certified_date TEXT, certified_through TEXT NOT NULL,
  referring_npi TEXT NOT NULL, referring_last TEXT NOT NULL, referring_first TEXT NOT NULL,
  diagnoses TEXT NOT NULL, progress_every BIGINT NOT NULL, created_at TEXT NOT NULL);
INSERT INTO plans_of_care_v3 (practice_id, id, patient_id, provider_id, discipline, start_date, certified_date, certified_through, referring_npi, referring_last, referring_first, diagnoses, progress_every, created_at)
  SELECT 1, id, patient_id, provider_id, discipline, start_date, certified_date, certified_through, referring_npi, referring_last, referring_first, diagnoses, progress_every, created_at FROM plans_of_care;
CREATE TABLE authorizations_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  patient_id BIGINT NOT NULL REFERENCES patients_v3(id),
  payer_id BIGINT NOT NULL REFERENCES payers_v3(id), number TEXT NOT NULL,
  visits_allowed BIGINT, start_date TEXT NOT NULL, end_date TEXT NOT NULL);
INSERT INTO authorizations_v3 (practice_id, id, patient_id, payer_id, number, visits_allowed, start_date, end_date)
  SELECT 1, id, patient_id, payer_id, number, visits_allowed, start_date, end_date FROM authorizations;
CREATE TABLE visits_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  patient_id BIGINT NOT NULL REFERENCES patients_v3(id),
  provider_id BIGINT NOT NULL REFERENCES providers_v3(id),
  plan_id BIGINT REFERENCES plans_of_care_v3(id), service_date TEXT NOT NULL,
  place_of_service TEXT NOT NULL, progress_report BIGINT NOT NULL,
  status TEXT NOT NULL, result_json TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL);
INSERT INTO visits_v3 (practice_id, id, patient_id, provider_id, plan_id, service_date, place_of_service, progress_report, status, result_json, created_at, created_by)
  SELECT 1, id, patient_id, provider_id, plan_id, service_date, place_of_service, progress_report, status, result_json, created_at, created_by FROM visits;
CREATE TABLE visit_services_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  visit_id BIGINT NOT NULL REFERENCES visits_v3(id), seq BIGINT NOT NULL,
  code TEXT NOT NULL, minutes BIGINT, assistant_minutes BIGINT);
INSERT INTO visit_services_v3 (practice_id, id, visit_id, seq, code, minutes, assistant_minutes)
  SELECT 1, id, visit_id, seq, code, minutes, assistant_minutes FROM visit_services;
CREATE TABLE batches_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('reserved', 'written')),
  interchange_control BIGINT NOT NULL, group_control BIGINT NOT NULL,
  created TEXT NOT NULL, file_name TEXT NOT NULL, sha256 TEXT, claim_count BIGINT NOT NULL,
  created_by TEXT NOT NULL, written_at TEXT, UNIQUE (interchange_control, practice_id),
  UNIQUE (group_control, practice_id), UNIQUE (file_name, practice_id));
INSERT INTO batches_v3 (practice_id, id, state, interchange_control, group_control, created, file_name, sha256, claim_count, created_by, written_at)
  SELECT 1, id, state, interchange_control, group_control, created, file_name, sha256, claim_count, created_by, written_at FROM batches;
CREATE TABLE claims_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  pcn TEXT NOT NULL, claim_key TEXT NOT NULL, visit_id BIGINT REFERENCES visits_v3(id),
  patient_id BIGINT NOT NULL REFERENCES patients_v3(id),
  payer_id BIGINT NOT NULL REFERENCES payers_v3(id), rank BIGINT NOT NULL,
  frequency TEXT NOT NULL, original_claim_id BIGINT REFERENCES claims_v3(id),
  payer_claim_number TEXT, service_date TEXT NOT NULL, charge_cents BIGINT NOT NULL,
  status TEXT NOT NULL, batch_id BIGINT REFERENCES batches_v3(id), transaction_control TEXT,
  claim_json TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  UNIQUE (pcn, practice_id), UNIQUE (claim_key, practice_id));
INSERT INTO claims_v3 (practice_id, id, pcn, claim_key, visit_id, patient_id, payer_id, rank, frequency, original_claim_id, payer_claim_number, service_date, charge_cents, status, batch_id, transaction_control, claim_json, created_at, updated_at)
  SELECT 1, id, pcn, claim_key, visit_id, patient_id, payer_id, rank, frequency, original_claim_id, payer_claim_number, service_date, charge_cents, status, batch_id, transaction_control, claim_json, created_at, updated_at FROM claims;
CREATE TABLE claim_lines_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  claim_id BIGINT NOT NULL REFERENCES claims_v3(id), seq BIGINT NOT NULL,
  lcn TEXT NOT NULL, code TEXT NOT NULL, modifiers TEXT NOT NULL, units BIGINT NOT NULL,
  charge_cents BIGINT NOT NULL, allowed_cents BIGINT NOT NULL, service_date TEXT NOT NULL,
  UNIQUE (lcn, practice_id));
INSERT INTO claim_lines_v3 (practice_id, id, claim_id, seq, lcn, code, modifiers, units, charge_cents, allowed_cents, service_date)
  SELECT 1, id, claim_id, seq, lcn, code, modifiers, units, charge_cents, allowed_cents, service_date FROM claim_lines;
CREATE TABLE claim_events_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  claim_id BIGINT NOT NULL, at TEXT NOT NULL,
  actor TEXT NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL);
INSERT INTO claim_events_v3 (practice_id, id, claim_id, at, actor, event, detail)
  SELECT 1, id, claim_id, at, actor, event, detail FROM claim_events;
CREATE TABLE acks_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  kind TEXT NOT NULL, content_hash TEXT NOT NULL, file_name TEXT NOT NULL,
  received_at TEXT NOT NULL, actor TEXT NOT NULL, accepted BIGINT NOT NULL,
  rejected BIGINT NOT NULL, UNIQUE (content_hash, practice_id));
INSERT INTO acks_v3 (practice_id, id, kind, content_hash, file_name, received_at, actor, accepted, rejected)
  SELECT 1, id, kind, content_hash, file_name, received_at, actor, accepted, rejected FROM acks;
CREATE TABLE remittances_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  payer_key TEXT NOT NULL, trace_number TEXT NOT NULL, content_hash TEXT NOT NULL,
  payment_cents BIGINT NOT NULL, payment_date TEXT, file_name TEXT NOT NULL,
  posted_at TEXT NOT NULL, posted_by TEXT NOT NULL, claims BIGINT NOT NULL,
  UNIQUE (payer_key, trace_number, content_hash, practice_id));
INSERT INTO remittances_v3 (practice_id, id, payer_key, trace_number, content_hash, payment_cents, payment_date, file_name, posted_at, posted_by, claims)
  SELECT 1, id, payer_key, trace_number, content_hash, payment_cents, payment_date, file_name, posted_at, posted_by, claims FROM remittances;
CREATE TABLE remit_claims_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  remittance_id BIGINT NOT NULL,
  claim_id BIGINT, pcn TEXT NOT NULL, status_code TEXT NOT NULL,
  charge_cents BIGINT NOT NULL, paid_cents BIGINT NOT NULL, patient_cents BIGINT NOT NULL,
  payer_claim_number TEXT NOT NULL);
INSERT INTO remit_claims_v3 (practice_id, id, remittance_id, claim_id, pcn, status_code, charge_cents, paid_cents, patient_cents, payer_claim_number)
  SELECT 1, id, remittance_id, claim_id, pcn, status_code, charge_cents, paid_cents, patient_cents, payer_claim_number FROM remit_claims;
CREATE TABLE adjustments_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  remittance_id BIGINT NOT NULL,
  claim_id BIGINT NOT NULL, claim_line_id BIGINT,
  group_code TEXT NOT NULL, reason TEXT NOT NULL, amount_cents BIGINT NOT NULL,
  remarks TEXT NOT NULL, at TEXT NOT NULL);
INSERT INTO adjustments_v3 (practice_id, id, remittance_id, claim_id, claim_line_id, group_code, reason, amount_cents, remarks, at)
  SELECT 1, id, remittance_id, claim_id, claim_line_id, group_code, reason, amount_cents, remarks, at FROM adjustments;
CREATE TABLE ledger_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  claim_id BIGINT NOT NULL,
  claim_line_id BIGINT,
  remittance_id BIGINT,
  party TEXT NOT NULL CHECK (party IN ('payer', 'patient')), kind TEXT NOT NULL,
  amount_cents BIGINT NOT NULL, group_code TEXT, reason TEXT, at TEXT NOT NULL,
  actor TEXT NOT NULL);
INSERT INTO ledger_v3 (practice_id, id, claim_id, claim_line_id, remittance_id, party, kind, amount_cents, group_code, reason, at, actor)
  SELECT 1, id, claim_id, claim_line_id, remittance_id, party, kind, amount_cents, group_code, reason, at, actor FROM ledger;
CREATE TABLE unmatched_v3 (
  id {pk}, practice_id BIGINT NOT NULL,
  remittance_id BIGINT NOT NULL, pcn TEXT NOT NULL,
  line_control TEXT, code TEXT, reason TEXT NOT NULL, paid_cents BIGINT NOT NULL);
INSERT INTO unmatched_v3 (practice_id, id, remittance_id, pcn, line_control, code, reason, paid_cents)
  SELECT 1, id, remittance_id, pcn, line_control, code, reason, paid_cents FROM unmatched;
DROP TABLE unmatched;
DROP TABLE ledger;
DROP TABLE adjustments;
DROP TABLE remit_claims;
DROP TABLE remittances;
DROP TABLE acks;
DROP TABLE claim_events;
DROP TABLE claim_lines;
DROP TABLE claims;
DROP TABLE batches;
DROP TABLE visit_services;
DROP TABLE visits;
DROP TABLE authorizations;
DROP TABLE plans_of_care;
DROP TABLE coverages;
DROP TABLE patients;
DROP TABLE payers;
DROP TABLE providers;
DROP TABLE practice;
DROP TABLE counters;
ALTER TABLE counters_v3 RENAME TO counters;
ALTER TABLE practice_v3 RENAME TO practice;
ALTER TABLE providers_v3 RENAME TO providers;
ALTER TABLE payers_v3 RENAME TO payers;
ALTER TABLE patients_v3 RENAME TO patients;
ALTER TABLE coverages_v3 RENAME TO coverages;
ALTER TABLE plans_of_care_v3 RENAME TO plans_of_care;
ALTER TABLE authorizations_v3 RENAME TO authorizations;
ALTER TABLE visits_v3 RENAME TO visits;
ALTER TABLE visit_services_v3 RENAME TO visit_services;
ALTER TABLE batches_v3 RENAME TO batches;
ALTER TABLE claims_v3 RENAME TO claims;
ALTER TABLE claim_lines_v3 RENAME TO claim_lines;
ALTER TABLE claim_events_v3 RENAME TO claim_events;
ALTER TABLE acks_v3 RENAME TO acks;
ALTER TABLE remittances_v3 RENAME TO remittances;
ALTER TABLE remit_claims_v3 RENAME TO remit_claims;
ALTER TABLE adjustments_v3 RENAME TO adjustments;
ALTER TABLE ledger_v3 RENAME TO ledger;
ALTER TABLE unmatched_v3 RENAME TO unmatched;
CREATE INDEX plans_patient ON plans_of_care (patient_id);
CREATE INDEX visits_patient ON visits (patient_id, service_date);
CREATE INDEX visits_practice ON visits (practice_id, service_date);
CREATE INDEX claims_status ON claims (practice_id, status);
CREATE INDEX claims_batch ON claims (batch_id);
CREATE INDEX claims_patient ON claims (patient_id);
CREATE INDEX claim_lines_claim ON claim_lines (claim_id);
CREATE INDEX claim_events_claim ON claim_events (claim_id);
CREATE INDEX remit_claims_claim ON remit_claims (claim_id);
CREATE INDEX adjustments_claim ON adjustments (claim_id);
CREATE INDEX ledger_claim ON ledger (claim_id);
CREATE INDEX patients_practice ON patients (practice_id, last_name, first_name);
";

/// After [`V3`] on PostgreSQL: sequences past the copied ids, and row-level security as a
/// second wall behind the store's own `practice_id = $P` conditions. Every ledger table
/// answers only the rows of the practice in the session's `otbill.practice` setting (none
/// when it is unset) and refuses to take rows of another; `FORCE` holds the tables' owner
/// to it too (only a superuser or a `BYPASSRLS` role is above it: connect as neither).
const V3_PG: &str = "
CREATE FUNCTION otbill_practice() RETURNS BIGINT LANGUAGE sql STABLE AS $$
  SELECT NULLIF(current_setting('otbill.practice', true), '')::bigint $$;
SELECT setval(pg_get_serial_sequence('practices', 'id'), COALESCE((SELECT MAX(id) FROM practices), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('providers', 'id'), COALESCE((SELECT MAX(id) FROM providers), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('payers', 'id'), COALESCE((SELECT MAX(id) FROM payers), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('patients', 'id'), COALESCE((SELECT MAX(id) FROM patients), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('coverages', 'id'), COALESCE((SELECT MAX(id) FROM coverages), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('plans_of_care', 'id'), COALESCE((SELECT MAX(id) FROM plans_of_care), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('authorizations', 'id'), COALESCE((SELECT MAX(id) FROM authorizations), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('visits', 'id'), COALESCE((SELECT MAX(id) FROM visits), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('visit_services', 'id'), COALESCE((SELECT MAX(id) FROM visit_services), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('batches', 'id'), COALESCE((SELECT MAX(id) FROM batches), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('claims', 'id'), COALESCE((SELECT MAX(id) FROM claims), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('claim_lines', 'id'), COALESCE((SELECT MAX(id) FROM claim_lines), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('claim_events', 'id'), COALESCE((SELECT MAX(id) FROM claim_events), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('acks', 'id'), COALESCE((SELECT MAX(id) FROM acks), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('remittances', 'id'), COALESCE((SELECT MAX(id) FROM remittances), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('remit_claims', 'id'), COALESCE((SELECT MAX(id) FROM remit_claims), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('adjustments', 'id'), COALESCE((SELECT MAX(id) FROM adjustments), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('ledger', 'id'), COALESCE((SELECT MAX(id) FROM ledger), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('unmatched', 'id'), COALESCE((SELECT MAX(id) FROM unmatched), 0) + 1, false);
ALTER TABLE counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE counters FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON counters USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE providers ENABLE ROW LEVEL SECURITY;
ALTER TABLE providers FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON providers USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE payers ENABLE ROW LEVEL SECURITY;
ALTER TABLE payers FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON payers USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE patients ENABLE ROW LEVEL SECURITY;
ALTER TABLE patients FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON patients USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE coverages ENABLE ROW LEVEL SECURITY;
ALTER TABLE coverages FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON coverages USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE plans_of_care ENABLE ROW LEVEL SECURITY;
ALTER TABLE plans_of_care FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON plans_of_care USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE authorizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE authorizations FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON authorizations USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE visits ENABLE ROW LEVEL SECURITY;
ALTER TABLE visits FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON visits USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE visit_services ENABLE ROW LEVEL SECURITY;
ALTER TABLE visit_services FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON visit_services USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE batches FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON batches USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE claims ENABLE ROW LEVEL SECURITY;
ALTER TABLE claims FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON claims USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE claim_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE claim_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON claim_lines USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE claim_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE claim_events FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON claim_events USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE acks ENABLE ROW LEVEL SECURITY;
ALTER TABLE acks FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON acks USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE remittances ENABLE ROW LEVEL SECURITY;
ALTER TABLE remittances FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON remittances USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE remit_claims ENABLE ROW LEVEL SECURITY;
ALTER TABLE remit_claims FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON remit_claims USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE adjustments ENABLE ROW LEVEL SECURITY;
ALTER TABLE adjustments FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON adjustments USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON ledger USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE unmatched ENABLE ROW LEVEL SECURITY;
ALTER TABLE unmatched FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON unmatched USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
ALTER TABLE practice ENABLE ROW LEVEL SECURITY;
ALTER TABLE practice FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON practice USING (id = otbill_practice()) WITH CHECK (id = otbill_practice());
";

/// Applies every migration not yet applied, each in its own transaction, serialized
/// against other processes opening the same database.
pub(crate) fn migrate(conn: &mut Conn) -> Result<i64, Error> {
    migrate_to(conn, i64::MAX)
}

/// [`migrate`], stopping after migration `upto` (tests build an old database with it).
pub(crate) fn migrate_to(conn: &mut Conn, upto: i64) -> Result<i64, Error> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .or_else(|e| match conn.engine() {
        // Two PostgreSQL sessions racing on the very first CREATE can collide on the
        // catalog; the loser finds the table there on retry.
        Engine::Postgres => conn.batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations \
             (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        ),
        Engine::Sqlite => Err(e),
    })?;
    let mut current = 0;
    let sqlite = conn.engine() == Engine::Sqlite;
    if sqlite {
        // A table rebuild drops tables others reference; SQLite can only turn the checks
        // off outside a transaction. They are checked as a whole below, then on again.
        conn.batch("PRAGMA foreign_keys = OFF")?;
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 <= upto) {
        conn.begin()?;
        if conn.engine() == Engine::Postgres {
            conn.batch("SELECT pg_advisory_xact_lock(5170001)")?;
        }
        let done = conn
            .one(
                "SELECT version FROM schema_migrations WHERE version = $1",
                params![*version],
            )?
            .is_some();
        if !done {
            let pk = match conn.engine() {
                Engine::Sqlite => "INTEGER PRIMARY KEY",
                Engine::Postgres => "BIGSERIAL PRIMARY KEY",
            };
            let sql = sql.replace("{pk}", pk).replace("{now}", &now());
            let extra = match (*version, conn.engine()) {
                (3, Engine::Postgres) => V3_PG,
                (4, Engine::Postgres) => V4_PG,
                (5, Engine::Postgres) => V5_PG,
                (5, Engine::Sqlite) => V5_SQLITE,
                (6, Engine::Postgres) => V6_PG,
                (6, Engine::Sqlite) => V6_SQLITE,
                _ => "",
            };
            let res = conn
                .batch(&sql)
                .and_then(|()| conn.batch(extra))
                .and_then(|()| {
                    conn.exec(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    params![*version, *name, now()],
                )
                });
            if let Err(e) = res {
                conn.rollback();
                return Err(Error::Db(format!("migration {version} ({name}): {e}")));
            }
        }
        if sqlite && !done {
            let broken = conn.query_text("PRAGMA foreign_key_check", params![])?;
            if !broken.is_empty() {
                conn.rollback();
                return Err(Error::Db(format!(
                    "migration {version} ({name}): {} rows break a foreign key",
                    broken.len()
                )));
            }
        }
        conn.commit()?;
        current = *version;
    }
    if sqlite {
        conn.batch("PRAGMA foreign_keys = ON")?;
    }
    Ok(current)
}

/// The accounts' tables (users, sessions, API tokens, sign-in failures, the audit log),
/// numbered on their own in `server_migrations` (they were the server's before the store
/// owned every table; the numbers and texts are kept so existing databases carry on).
/// `(version, name, SQL)`; a released migration is never edited: add one.
const ACCOUNT_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "accounts and audit", A1),
    (2, "user to rendering provider link", A2),
    (3, "memberships per practice", A3),
];

const A1: &str = "
CREATE TABLE server_users (
  id {pk}, username TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('therapist', 'biller', 'admin')),
  password_hash TEXT NOT NULL, active BIGINT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE server_sessions (
  token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES server_users(id),
  csrf TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE server_api_tokens (
  id {pk}, token_hash TEXT NOT NULL UNIQUE, user_id BIGINT NOT NULL REFERENCES server_users(id),
  label TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE server_signin_failures (id {pk}, username TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX server_signin_failures_user ON server_signin_failures (username, at);
CREATE TABLE server_audit (
  id {pk}, at TEXT NOT NULL, user_id BIGINT, username TEXT NOT NULL, action TEXT NOT NULL,
  resource TEXT NOT NULL, resource_id TEXT, patient_id BIGINT, route TEXT NOT NULL);
CREATE INDEX server_audit_patient ON server_audit (patient_id, at);
";

// The ledger's `providers.id`, not the NPI, so that an NPI corrected in place keeps the
// link; no foreign key because the server's tables must not constrain the ledger's. The
// unique index makes a provider linked to at most one user (NULLs are distinct on both
// engines).
const A2: &str = "
ALTER TABLE server_users ADD COLUMN provider_id BIGINT;
CREATE UNIQUE INDEX server_users_provider ON server_users (provider_id);
";

// A user is one person across the practices of a billing company; what they may do, and
// the rendering provider they are, is per practice (`server_memberships`, filled from the
// one practice's users). A session has a current practice; an API token acts in the one
// practice it was issued for; an audit entry belongs to the practice it happened in.
const A3: &str = "
CREATE TABLE server_memberships (
  user_id BIGINT NOT NULL REFERENCES server_users(id), practice_id BIGINT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('therapist', 'biller', 'admin')), provider_id BIGINT,
  created_at TEXT NOT NULL, PRIMARY KEY (user_id, practice_id));
CREATE UNIQUE INDEX server_memberships_provider ON server_memberships (provider_id);
INSERT INTO server_memberships (user_id, practice_id, role, provider_id, created_at)
  SELECT id, 1, role, provider_id, created_at FROM server_users;
ALTER TABLE server_sessions ADD COLUMN practice_id BIGINT;
ALTER TABLE server_api_tokens ADD COLUMN practice_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE server_audit ADD COLUMN practice_id BIGINT NOT NULL DEFAULT 1;
CREATE INDEX server_audit_practice ON server_audit (practice_id, id);
";

/// After [`A3`] on PostgreSQL: the audit log is read per practice (row-level security, as
/// the ledger's tables).
const A3_PG: &str = "
ALTER TABLE server_audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE server_audit FORCE ROW LEVEL SECURITY;
CREATE POLICY practice_scope ON server_audit
  USING (practice_id = otbill_practice()) WITH CHECK (practice_id = otbill_practice());
";

const SQLITE_APPEND_ONLY: &str = "
CREATE TRIGGER server_audit_no_update BEFORE UPDATE ON server_audit
  BEGIN SELECT RAISE(ABORT, 'server_audit is append-only'); END;
CREATE TRIGGER server_audit_no_delete BEFORE DELETE ON server_audit
  BEGIN SELECT RAISE(ABORT, 'server_audit is append-only'); END;
";

const PG_APPEND_ONLY: &str = "
CREATE FUNCTION server_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN RAISE EXCEPTION 'server_audit is append-only'; END $$;
CREATE TRIGGER server_audit_no_change BEFORE UPDATE OR DELETE ON server_audit
  FOR EACH ROW EXECUTE FUNCTION server_audit_append_only();
";

/// Applies the accounts' migrations not yet applied, in one transaction serialized
/// against other processes opening the same database.
pub(crate) fn migrate_accounts(conn: &mut Conn) -> Result<(), Error> {
    let pg = conn.engine() == Engine::Postgres;
    conn.batch(
        "CREATE TABLE IF NOT EXISTS server_migrations (
           version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    conn.begin()?;
    let res = (|| {
        if pg {
            // Several instances may start at once on one PostgreSQL.
            conn.batch("SELECT pg_advisory_xact_lock(7242001)")?;
        }
        let done: Vec<i64> = conn
            .query("SELECT version FROM server_migrations", params![])?
            .iter()
            .map(|r| r.int(0))
            .collect();
        for (version, name, sql) in ACCOUNT_MIGRATIONS {
            if done.contains(version) {
                continue;
            }
            let pk = if pg {
                "BIGSERIAL PRIMARY KEY"
            } else {
                "INTEGER PRIMARY KEY"
            };
            conn.batch(&sql.replace("{pk}", pk))
                .map_err(|e| Error::Db(format!("accounts migration {version} ({name}): {e}")))?;
            if *version == 1 {
                conn.batch(if pg {
                    PG_APPEND_ONLY
                } else {
                    SQLITE_APPEND_ONLY
                })?;
            }
            if *version == 3 && pg {
                conn.batch(A3_PG)?;
            }
            conn.exec(
                "INSERT INTO server_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                params![*version, *name, now()],
            )?;
        }
        Ok(())
    })();
    match res {
        Ok(()) => conn.commit(),
        Err(e) => {
            conn.rollback();
            Err(e)
        }
    }
}
