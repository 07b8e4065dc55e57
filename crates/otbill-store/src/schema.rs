//! The schema, as numbered migrations applied in order on open.
//!
//! One text serves both engines; `{pk}` becomes `INTEGER PRIMARY KEY` (SQLite's rowid
//! alias) or `BIGSERIAL PRIMARY KEY` (PostgreSQL). Integers are `BIGINT`, money is cents,
//! dates and timestamps are ISO-8601 `TEXT`. A migration is never edited once released:
//! add a new one.
//!
//! **Architecture Invariant:** `ledger`, `claim_events`, `adjustments` and `remittances`
//! are append-only; balances and statuses shown to people are derived from them.

use crate::db::{params, Conn, Engine};
use crate::{now, Error};

/// `(version, name, SQL)`, in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "ledger", V1), (2, "settings_active", V2)];

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

/// Applies every migration not yet applied, each in its own transaction, serialized
/// against other processes opening the same database.
pub(crate) fn migrate(conn: &mut Conn) -> Result<i64, Error> {
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
    for (version, name, sql) in MIGRATIONS {
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
            let res = conn.batch(&sql.replace("{pk}", pk)).and_then(|()| {
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
        conn.commit()?;
        current = *version;
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
