//! Ready claims into 837P files in an outbox, crash-safe.
//!
//! A batch is built in three steps:
//! 1. **Reserve** (one transaction): read the ready claims, take the next interchange and
//!    group control numbers from the `counters` table, insert the batch as `reserved` with
//!    its file name and creation time, and mark its claims `batched` with the batch id and
//!    the ST02 they will have in the file, one update per ST/SE transaction's id range (each
//!    claim row is written once). A claim can only be reserved while `ready` with no batch,
//!    so it is in exactly one batch; if any changed meanwhile nothing is reserved. While the
//!    rows are updated, other threads parse the claims just read and write the file to a
//!    temporary name in the outbox, synced (removed if the reservation fails).
//! 2. **Write**: once the reservation is committed the file is renamed into place, so the
//!    outbox never holds a partial file nor the file of a batch not reserved. A resumed
//!    batch's claims are read back, parsed and written here.
//! 3. **Record** (one transaction): the batch becomes `written` with the file's SHA-256;
//!    each claim gets a `submitted` event (one `INSERT ... SELECT`). Only when the 837P
//!    checks refused claims (set back to `blocked`), or the batch is a resumed one, are the
//!    others' ST02s set again.
//!
//! A process killed between the steps leaves a `reserved` batch; the next
//! [`Store::build_batches`] writes it again first (same claims, same control numbers, same
//! creation time: the same bytes) and records it. Control numbers are never reused: the
//! counter only moves forward, in the transaction that records their use.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use otbill_837p::model as m;
use otbill_837p::{write_837p, ClaimFile, WriteOptions, WriteSummary};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::claims::{event, next_counter};
use crate::db::{params, Conn};
use crate::records::{load_one, Practice};
use crate::{now, pause_at, Error, Store};

/// Claims per ST/SE transaction in our files.
pub const CLAIMS_PER_TRANSACTION: usize = 5000;

/// What one batch did.
#[derive(Debug, Clone, Serialize)]
pub struct BatchResult {
    /// Batch id.
    pub batch_id: i64,
    /// The 837P file in the outbox.
    pub file: PathBuf,
    /// Claims written.
    pub claims: usize,
    /// ISA13.
    pub interchange_control: i64,
    /// GS06.
    pub group_control: i64,
    /// True when this finished a batch an earlier, interrupted run had reserved.
    pub resumed: bool,
    /// Claims the 837P checks refused, `(pcn, message)`: set back to `blocked`.
    pub refused: Vec<(String, String)>,
}

impl Store {
    /// The current practice's outbox under `outbox`: `outbox` itself for the main practice
    /// (a single-practice deployment keeps its folder), `outbox/practice-ID` for the
    /// others, so two practices' files (named by their own control numbers) never meet.
    pub fn outbox_of(&self, outbox: &Path) -> std::path::PathBuf {
        match self.practice_id() {
            crate::MAIN_PRACTICE => outbox.to_path_buf(),
            id => outbox.join(format!("practice-{id}")),
        }
    }

    /// Finishes any interrupted batch, then batches every `ready` claim, at most
    /// `max_claims` per file, into the current practice's folder of `outbox` (created if
    /// missing; see [`Store::outbox_of`]).
    pub fn build_batches(
        &mut self,
        outbox: &Path,
        max_claims: usize,
    ) -> Result<Vec<BatchResult>, Error> {
        let outbox = &self.outbox_of(outbox);
        std::fs::create_dir_all(outbox)
            .map_err(|e| Error::io(format!("creating {}", outbox.display()), e))?;
        let mut out = Vec::new();
        let pending: Vec<i64> = self
            .conn
            .query(
                "SELECT id FROM batches WHERE batches.practice_id = $P AND state = 'reserved' ORDER BY id",
                params![],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect();
        for id in pending {
            out.push(self.write_batch(id, outbox)?);
        }
        while let Some((id, ids, written)) = self.reserve_batch(max_claims.max(1), outbox)? {
            pause_at("batch:reserved", 0);
            put_in_place(&written.tmp, &written.path)?;
            out.push(self.record_batch(id, ids, written, false)?);
        }
        Ok(out)
    }

    /// Reserves the next batch and writes its file (synced, not yet in place) while the
    /// claim rows are updated; returns it with its claims' `(id, pcn)`.
    fn reserve_batch(
        &mut self,
        max_claims: usize,
        outbox: &Path,
    ) -> Result<Option<Reserved>, Error> {
        let Some(practice) = self.practice()? else {
            return Err(Error::State(
                "set the practice first (otbill practice set FILE.json)".into(),
            ));
        };
        let actor = self.actor.clone();
        let pg = self.engine() == crate::Engine::Postgres;
        // The temporary file, once made: removed if the reservation does not hold.
        let mut made: Option<PathBuf> = None;
        let res = self.tx(|c| {
            if pg {
                // One batcher at a time across processes; SQLite's BEGIN IMMEDIATE already is.
                c.batch("SELECT pg_advisory_xact_lock(5170002)")?;
            }
            let (ids, json) = read_claims(
                c,
                "SELECT id, pcn, claim_json FROM claims WHERE claims.practice_id = $P AND status = 'ready' AND batch_id IS NULL ORDER BY id LIMIT $1",
                max_claims as i64,
            )?;
            if ids.is_empty() {
                return Ok(None);
            }
            let claims: Vec<i64> = ids.iter().map(|x| x.0).collect();
            let b = new_batch(c, claims.len(), &actor)?;
            // The file is made from the rows just read (exactly these are reserved, or
            // nothing is) on other threads while the claim rows are updated here; it is
            // put in place only once the reservation is committed.
            let (updated, written) = std::thread::scope(|s| {
                let writing = s.spawn(|| {
                    let mut file = header(&practice, b.icn, b.gcn, b.created)?;
                    file.claims =
                        parse_claims(&json, |i| format!("claim {}: stored claim", ids[i].0))?;
                    write_file(&file, &outbox.join(&b.file_name))
                });
                let updated = reserve_claims(c, b.id, &claims);
                let written = writing
                    .join()
                    .unwrap_or_else(|_| Err(Error::Db("batch writer panicked".into())));
                (updated, written)
            });
            if let Ok(w) = &written {
                made = Some(w.tmp.clone());
            }
            updated?;
            Ok(Some((b.id, ids, written?)))
        });
        if res.is_err() {
            if let Some(tmp) = made {
                let _ = std::fs::remove_file(tmp);
            }
        }
        res
    }

    /// Writes and records a batch an interrupted run reserved: its claims read back.
    fn write_batch(&mut self, id: i64, outbox: &Path) -> Result<BatchResult, Error> {
        let b = load_one(
            &mut self.conn,
            "SELECT interchange_control, group_control, created, file_name FROM batches WHERE batches.practice_id = $P AND id = $1",
            id,
            "batch",
        )?;
        let practice = self
            .practice()?
            .ok_or_else(|| Error::State("the practice is not set".into()))?;
        let created = NaiveDateTime::parse_from_str(&b.text(2), "%Y-%m-%dT%H:%M:%S")
            .map_err(|e| Error::Db(format!("batch {id} created: {e}")))?;
        let mut file = header(&practice, b.int(0), b.int(1), created)?;
        let (ids, json) = read_claims(
            &mut self.conn,
            "SELECT id, pcn, claim_json FROM claims WHERE claims.practice_id = $P AND batch_id = $1 ORDER BY id",
            id,
        )?;
        file.claims = parse_claims(&json, |i| format!("claim {}: stored claim", ids[i].0))?;
        drop(json);
        let written = write_file(&file, &outbox.join(b.text(3)))?;
        put_in_place(&written.tmp, &written.path)?;
        self.record_batch(id, ids, written, true)
    }

    /// Records a batch whose file is in place: `written`, refused claims back to `blocked`,
    /// a `submitted` event for each of the others.
    fn record_batch(
        &mut self,
        id: i64,
        ids: Vec<(i64, String)>,
        written_file: Written,
        resumed: bool,
    ) -> Result<BatchResult, Error> {
        let b = load_one(
            &mut self.conn,
            "SELECT interchange_control, group_control, file_name FROM batches WHERE batches.practice_id = $P AND id = $1",
            id,
            "batch",
        )?;
        let Written {
            path, sha, summary, ..
        } = written_file;
        let refused: Vec<(i64, String, String)> = summary
            .refused
            .iter()
            .filter_map(|&i| {
                let (cid, pcn) = ids.get(i)?;
                let msg = summary
                    .findings
                    .iter()
                    .find(|f| f.claim == Some(i) && f.is_error())
                    .map_or_else(
                        || "refused by the 837P checks".to_owned(),
                        |f| f.message.clone(),
                    );
                Some((*cid, pcn.clone(), msg))
            })
            .collect();
        let actor = self.actor.clone();
        let written: Vec<i64> = summary
            .written
            .iter()
            .filter_map(|&i| ids.get(i).map(|x| x.0))
            .collect();
        let file_name = b.text(2);
        // The ST02s set at reservation hold when every claim was written in order; a
        // resumed batch may predate that and is renumbered anyway.
        let renumber = resumed || written.len() != ids.len();
        self.tx(|c| {
            let changed = c.exec(
                "UPDATE batches SET state = 'written', sha256 = $2, written_at = $3, claim_count = $4 \
                 WHERE practice_id = $P AND id = $1 AND state = 'reserved'",
                params![id, sha.as_str(), now(), written.len() as i64],
            )?;
            if changed == 0 {
                // Another process recorded it first: same file, nothing more to do.
                return Ok(());
            }
            for (cid, _, msg) in &refused {
                c.exec(
                    "UPDATE claims SET batch_id = NULL, status = 'blocked', transaction_control = NULL, \
                     updated_at = $2 WHERE practice_id = $P AND id = $1",
                    params![*cid, now()],
                )?;
                event(c, *cid, &actor, "blocked", &format!("refused by the 837P checks: {msg}"))?;
            }
            for (t, chunk) in written.chunks(CLAIMS_PER_TRANSACTION).enumerate() {
                let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else { continue };
                if !renumber {
                    break;
                }
                c.exec(
                    "UPDATE claims SET transaction_control = $2 WHERE practice_id = $P AND batch_id = $1 AND id >= $3 AND id <= $4",
                    params![id, st02(t), *first, *last],
                )?;
            }
            c.exec(
                "INSERT INTO claim_events (practice_id, claim_id, at, actor, event, detail) \
                 SELECT CAST($P AS BIGINT), id, $2, $3, 'submitted', $4 FROM claims \
                 WHERE practice_id = $P AND batch_id = $1",
                params![id, now(), actor.as_str(), format!("in {file_name} (ISA13 {})", b.int(0))],
            )?;
            Ok(())
        })?;
        Ok(BatchResult {
            batch_id: id,
            file: path,
            claims: written.len(),
            interchange_control: b.int(0),
            group_control: b.int(1),
            resumed,
            refused: refused.into_iter().map(|(_, p, m)| (p, m)).collect(),
        })
    }

    /// The claims of a batch as an 837P claim file (for the payer simulator and tests).
    pub fn batch_file(&mut self, batch_id: i64) -> Result<ClaimFile, Error> {
        let b = load_one(
            &mut self.conn,
            "SELECT interchange_control, group_control, created FROM batches WHERE batches.practice_id = $P AND id = $1",
            batch_id,
            "batch",
        )?;
        let practice = self
            .practice()?
            .ok_or_else(|| Error::State("the practice is not set".into()))?;
        let created = NaiveDateTime::parse_from_str(&b.text(2), "%Y-%m-%dT%H:%M:%S")
            .map_err(|e| Error::Db(e.to_string()))?;
        let mut file = header(&practice, b.int(0), b.int(1), created)?;
        let mut json = Vec::new();
        self.conn.query_each(
            "SELECT claim_json FROM claims WHERE claims.practice_id = $P AND batch_id = $1 ORDER BY id",
            params![batch_id],
            |r| {
                json.push(r.str(0)?.to_owned());
                Ok(())
            },
        )?;
        file.claims = parse_claims(&json, |_| "stored claim".to_owned())?;
        Ok(file)
    }

    /// `(batch id, state, file name, claims)` of every batch.
    pub fn batches(&mut self) -> Result<Vec<(i64, String, String, i64)>, Error> {
        Ok(self
            .conn
            .query(
                "SELECT id, state, file_name, claim_count FROM batches WHERE batches.practice_id = $P ORDER BY id",
                params![],
            )?
            .iter()
            .map(|r| (r.int(0), r.text(1), r.text(2), r.int(3)))
            .collect())
    }
}

/// Takes a batch's control numbers and inserts it as `reserved`, for `claims` claims.
fn new_batch(c: &mut Conn, claims: usize, actor: &str) -> Result<NewBatch, Error> {
    let icn = next_counter(c, "interchange")?;
    let gcn = next_counter(c, "group")?;
    if icn > 999_999_999 || gcn > 999_999_999 {
        return Err(Error::State("control numbers exhausted (999999999)".into()));
    }
    // Whole seconds, as stored: a resumed write reads the same time back.
    let created = crate::utc_now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let created_at = NaiveDateTime::parse_from_str(&created, "%Y-%m-%dT%H:%M:%S")
        .map_err(|e| Error::Db(format!("batch created: {e}")))?;
    let file = format!("otbill-{icn:09}.837");
    let id = c.insert(
        "INSERT INTO batches (practice_id, state, interchange_control, group_control, created, file_name, \
         claim_count, created_by) VALUES ($P, 'reserved', $1, $2, $3, $4, $5, $6) RETURNING id",
        params![icn, gcn, created, file.as_str(), claims as i64, actor],
    )?;
    Ok(NewBatch {
        id,
        icn,
        gcn,
        created: created_at,
        file_name: file,
    })
}

/// Marks `claims` (ready, in id order) as batch `id`'s.
fn reserve_claims(c: &mut Conn, id: i64, claims: &[i64]) -> Result<(), Error> {
    // Each claim row is written once here, with the ST02 it will have in the file
    // (claims in id order, CLAIMS_PER_TRANSACTION to a transaction), one statement
    // per transaction by id range. Under the write lock (SQLite) the ready claims
    // in a range are exactly the ones just read; on PostgreSQL one could have been
    // made ready or taken meanwhile, so the ids changed are compared, and if any
    // differ nothing is reserved. The record step renumbers only if the 837P checks
    // refuse some.
    let at = now();
    for (t, chunk) in claims.chunks(CLAIMS_PER_TRANSACTION).enumerate() {
        let (Some(&first), Some(&last)) = (chunk.first(), chunk.last()) else {
            continue;
        };
        let mut got: Vec<i64> = c
            .query(
                "UPDATE claims SET batch_id = $1, status = 'batched', transaction_control = $2, updated_at = $3 \
                 WHERE practice_id = $P AND id >= $4 AND id <= $5 AND status = 'ready' AND batch_id IS NULL RETURNING id",
                params![id, st02(t), at.as_str(), first, last],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect();
        got.sort_unstable();
        if got != chunk {
            return Err(Error::State(
                "claims changed while being batched; nothing was reserved, run the batch again"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// A batch just reserved: its id, its claims' `(id, pcn)` in id order, its file.
type Reserved = (i64, Vec<(i64, String)>, Written);

/// A batch's file, synced under its temporary name.
struct Written {
    tmp: PathBuf,
    path: PathBuf,
    sha: String,
    summary: WriteSummary,
}

/// Writes `file` as the 837P at `path`, under a temporary name (see [`write_atomic`]).
fn write_file(file: &ClaimFile, path: &Path) -> Result<Written, Error> {
    let options = WriteOptions {
        max_claims_per_transaction: CLAIMS_PER_TRANSACTION,
        newline_after_segment: true,
    };
    let mut summary = None;
    let (tmp, sha) = write_temp(path, |w| {
        summary =
            Some(write_837p(file, &options, w).map_err(|e| std::io::Error::other(e.to_string()))?);
        Ok(())
    })?;
    Ok(Written {
        tmp,
        path: path.to_path_buf(),
        sha,
        summary: summary.unwrap_or_default(),
    })
}

/// A reserved batch's row.
struct NewBatch {
    id: i64,
    icn: i64,
    gcn: i64,
    created: NaiveDateTime,
    file_name: String,
}

/// Claims as read: `(id, pcn)` and the JSON of each.
type Read = (Vec<(i64, String)>, Vec<String>);

/// `(id, pcn)` and the JSON of the claims `sql` (selecting those three, with one
/// parameter) reads.
fn read_claims(c: &mut Conn, sql: &'static str, param: i64) -> Result<Read, Error> {
    let (mut ids, mut json) = (Vec::new(), Vec::new());
    c.query_each(sql, params![param], |r| {
        ids.push((r.int(0)?, r.str(1)?.to_owned()));
        json.push(r.str(2)?.to_owned());
        Ok(())
    })?;
    Ok((ids, json))
}

/// Claims per thread below which parsing stays on one thread.
const PARSE_CHUNK: usize = 1000;

/// Parses stored claims in order, on up to four threads: JSON parsing is most of a large
/// batch's own work, and the database is idle meanwhile. `what(i)` names claim `i` in an
/// error.
fn parse_claims(json: &[String], what: impl Fn(usize) -> String) -> Result<Vec<m::Claim>, Error> {
    let parse = |start: usize, part: &[String]| -> Result<Vec<m::Claim>, (usize, String)> {
        part.iter()
            .enumerate()
            .map(|(k, j)| serde_json::from_str(j).map_err(|e| (start + k, e.to_string())))
            .collect()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(json.len() / PARSE_CHUNK)
        .max(1);
    let parts: Vec<Result<Vec<m::Claim>, (usize, String)>> = if threads == 1 {
        vec![parse(0, json)]
    } else {
        let size = json.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = json
                .chunks(size)
                .enumerate()
                .map(|(t, part)| s.spawn(move || parse(t * size, part)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err((0, "parser panicked".into())))
                })
                .collect()
        })
    };
    let mut out = Vec::with_capacity(json.len());
    for part in parts {
        out.extend(part.map_err(|(i, e)| Error::Db(format!("{}: {e}", what(i))))?);
    }
    Ok(out)
}

/// ST02 of the `t`-th transaction (from 0) of a file.
fn st02(t: usize) -> String {
    format!("{:04}", t + 1)
}

/// The file header of our 837Ps: envelope, submitter, receiver, billing provider.
pub(crate) fn header(
    p: &Practice,
    icn: i64,
    gcn: i64,
    created: NaiveDateTime,
) -> Result<ClaimFile, Error> {
    let npi = otbill_types::Npi::parse(&p.npi).map_err(|e| Error::Db(e.to_string()))?;
    let control =
        |n: i64| u32::try_from(n).map_err(|_| Error::Db("control number out of range".into()));
    let addr = &p.address;
    Ok(ClaimFile {
        envelope: m::Envelope {
            sender_qualifier: "ZZ".into(),
            sender_id: p.submitter_id.clone(),
            receiver_qualifier: "ZZ".into(),
            receiver_id: p.receiver_id.clone(),
            interchange_control_number: control(icn)?,
            group_control_number: control(gcn)?,
            created,
            usage: if p.usage == "production" {
                m::Usage::Production
            } else {
                m::Usage::Test
            },
            acknowledgment_requested: false,
        },
        submitter: m::Submitter {
            name: m::ProviderName::Organization(p.name.clone()),
            id: p.submitter_id.clone(),
            contact: m::Contact {
                name: p.contact_name.clone(),
                phone: p.contact_phone.clone(),
            },
        },
        receiver: m::Receiver {
            name: p.receiver_name.clone(),
            id: p.receiver_id.clone(),
        },
        billing_provider: m::BillingProvider {
            name: m::ProviderName::Organization(p.name.clone()),
            npi,
            ein: p.ein.clone(),
            taxonomy: Some(p.taxonomy.clone()),
            address: m::Address {
                line1: addr.line1.clone(),
                line2: addr.line2.clone(),
                city: addr.city.clone(),
                state: addr.state.clone(),
                zip: addr.zip.clone(),
            },
            pay_to_address: None,
        },
        claims: Vec::new(),
    })
}

/// Writes `path` atomically: a temporary file in the same folder, synced, then renamed over
/// `path`, then the folder synced. Returns the SHA-256 (hex) of what was written.
///
/// Several writers of one path may run at once (a server finishing a batch another of its
/// requests is still writing): each has its own temporary file, named by process and a
/// per-process sequence number, and the last rename wins with the same bytes.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<String, Error> {
    let (tmp, sha) = write_temp(path, fill)?;
    put_in_place(&tmp, path)?;
    Ok(sha)
}

/// The first half of [`write_atomic`]: the temporary file, written and synced, and the
/// SHA-256 of its content.
fn write_temp(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(PathBuf, String), Error> {
    static WRITERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let seq = WRITERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{seq}.tmp", std::process::id()));
    let io = |e| Error::io(format!("writing {}", path.display()), e);
    let file = File::create(&tmp).map_err(io)?;
    let mut w = HashingWriter {
        inner: BufWriter::with_capacity(1 << 20, file),
        hash: Sha256::new(),
    };
    fill(&mut w).map_err(io)?;
    let HashingWriter { inner, hash } = w;
    let file = inner.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    drop(file);
    Ok((tmp, hex(&hash.finalize())))
}

/// The second half of [`write_atomic`]: `tmp` renamed over `path`, the folder synced.
fn put_in_place(tmp: &Path, path: &Path) -> Result<(), Error> {
    pause_at("batch:written", 0);
    std::fs::rename(tmp, path).map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    if let Ok(d) = File::open(path.parent().unwrap_or(Path::new("."))) {
        // Directory fsync makes the rename durable; not every platform allows it.
        let _ = d.sync_all();
    }
    Ok(())
}

struct HashingWriter<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
