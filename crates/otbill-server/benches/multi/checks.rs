//! The checks after a run, each a line of the report and a pass or a failure: no 5xx and
//! no transport error, every answer the one expected, each 835 posted exactly once per
//! practice, no control number used twice, no row seen across practices. The database
//! side is read with hand-written SQL on a connection that sees every practice (the
//! superuser on PostgreSQL, the file itself on SQLite).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use otbill_store::Store;

use crate::load::{Outcome, Route};
use crate::setup::Practice;

/// One check's result.
#[derive(Debug)]
pub(crate) struct Check {
    pub(crate) ok: bool,
    pub(crate) what: String,
}

fn check(ok: bool, what: String) -> Check {
    Check { ok, what }
}

/// Runs every check. `all_url` sees every practice's rows; `app_url`, when given, is the
/// ordinary role the servers use, for the row-level security check.
pub(crate) fn run(
    all_url: &str,
    outbox: &Path,
    app_url: Option<&str>,
    practices: &[Practice],
    out: &Outcome,
) -> anyhow::Result<Vec<Check>> {
    let mut res = Vec::new();
    let count = |f: &dyn Fn(u16) -> bool| -> u64 {
        out.statuses
            .values()
            .flat_map(|s| s.iter())
            .filter(|(code, _)| f(**code))
            .map(|(_, n)| n)
            .sum()
    };
    let server_errors = count(&|c| c >= 500);
    res.push(check(
        server_errors == 0 && out.transport_errors == 0,
        format!(
            "no 5xx and no transport error: {server_errors} 5xx, {} transport errors",
            out.transport_errors
        ),
    ));
    res.push(check(
        out.unexpected.is_empty(),
        format!(
            "every answer the expected status and shape: {} not{}",
            out.unexpected.len(),
            out.unexpected
                .iter()
                .filter(|s| !s.is_empty())
                .take(20)
                .map(|s| format!("\n      {s}"))
                .collect::<String>()
        ),
    ));

    let mut db = Store::connect(all_url)?;
    // 835s: one remittance row per (practice, file content), for every file uploaded.
    let rows = db.raw_query(
        "SELECT practice_id, content_hash, COUNT(*) FROM remittances GROUP BY practice_id, content_hash",
        &[],
    )?;
    let twice = rows.iter().filter(|r| r.int(2) != 1).count();
    for (p, seen) in practices.iter().zip(&out.seen) {
        let in_db = rows.iter().filter(|r| r.int(0) == p.id).count();
        let uploaded = seen.uploads.iter().filter(|u| !u.is_empty()).count();
        let uploads: usize = seen.uploads.iter().map(Vec::len).sum();
        let posted_once = seen
            .uploads
            .iter()
            .filter(|u| !u.is_empty())
            .all(|u| u.iter().filter(|x| x.posted).count() == 1);
        // The race: uploads of a file sent before the posting upload was answered, and
        // over how many instances those were spread (the posting one's included).
        let (mut raced, mut widest) = (0, 0);
        for u in &seen.uploads {
            let Some(first) = u.iter().find(|x| x.posted) else {
                continue;
            };
            let during: Vec<_> = u
                .iter()
                .filter(|x| x.sent < first.answered && x.answered > first.sent)
                .collect();
            raced += during.len().saturating_sub(1);
            let mut instances: Vec<usize> = during.iter().map(|x| x.instance).collect();
            instances.sort_unstable();
            instances.dedup();
            widest = widest.max(instances.len());
        }
        res.push(check(
            twice == 0 && in_db == uploaded && posted_once && uploaded > 0,
            format!(
                "practice {}: each 835 posted exactly once: {uploaded} of {} files uploaded \
                 {uploads} times, {raced} of them while the posting upload of the same file \
                 was in flight (up to {widest} instances at once); {in_db} remittance rows, \
                 one upload of each file answered as posted, the others as duplicates",
                p.id,
                p.remits.len()
            ),
        ));
    }
    // Control numbers: ISA13 and GS06 distinct per practice, ST02 distinct in a batch.
    let dup =
        |db: &mut Store, sql: &str| -> anyhow::Result<usize> { Ok(db.raw_query(sql, &[])?.len()) };
    let icn = dup(
        &mut db,
        "SELECT practice_id, interchange_control FROM batches GROUP BY practice_id, interchange_control HAVING COUNT(*) > 1",
    )?;
    let gcn = dup(
        &mut db,
        "SELECT practice_id, group_control FROM batches GROUP BY practice_id, group_control HAVING COUNT(*) > 1",
    )?;
    // Up to CLAIMS_PER_TRANSACTION claims share an ST02; more would be a number reused.
    let st02 = dup(
        &mut db,
        &format!(
            "SELECT batch_id, transaction_control FROM claims WHERE batch_id IS NOT NULL \
             GROUP BY batch_id, transaction_control HAVING COUNT(*) > {}",
            otbill_store::batch::CLAIMS_PER_TRANSACTION
        ),
    )?;
    // The files as sent: each names its batch's ISA13 and repeats no ST02.
    let files = db.raw_query(
        "SELECT practice_id, file_name, interchange_control FROM batches ORDER BY id",
        &[],
    )?;
    let mut bad_files = Vec::new();
    for f in &files {
        let folder = match f.int(0) {
            otbill_store::MAIN_PRACTICE => outbox.to_path_buf(),
            p => outbox.join(format!("practice-{p}")),
        };
        let path = folder.join(f.text(1));
        if let Err(e) = file_ok(&path, f.int(2)) {
            bad_files.push(format!("{}: {e}", path.display()));
        }
    }
    let one = |db: &mut Store, sql: &str| -> anyhow::Result<i64> {
        Ok(db.raw_query(sql, &[])?.first().map_or(0, |r| r.int(0)))
    };
    let no_st02 = one(
        &mut db,
        "SELECT COUNT(*) FROM claims WHERE batch_id IS NOT NULL AND transaction_control IS NULL",
    )?;
    let mixed = one(
        &mut db,
        "SELECT COUNT(*) FROM claims c JOIN batches b ON b.id = c.batch_id WHERE b.practice_id <> c.practice_id",
    )?;
    let unfinished = one(
        &mut db,
        "SELECT COUNT(*) FROM batches WHERE state <> 'written'",
    )?;
    let batches = one(&mut db, "SELECT COUNT(*) FROM batches")?;
    let mut answered_twice = 0;
    let mut built = 0;
    let mut batched = 0;
    let mut resumed = 0;
    for seen in &out.seen {
        resumed += seen.resumed;
        let mut c = seen.controls.clone();
        built += c.len();
        batched += seen.batched;
        c.sort_unstable();
        let n = c.len();
        c.dedup_by_key(|x| x.0);
        answered_twice += n - c.len();
    }
    res.push(check(
        icn + gcn + st02 == 0
            && no_st02 == 0
            && mixed == 0
            && unfinished == 0
            && answered_twice == 0
            && bad_files.is_empty(),
        format!(
            "no control number used twice: {batches} batches ({built} built by the load, \
             {batched} claims), ISA13 repeated {icn}, GS06 repeated {gcn}, ST02 repeated in a \
             batch {st02}, batched claims without ST02 {no_st02}, claims in another practice's \
             batch {mixed}, batches left reserved {unfinished}, ISA13 answered twice {answered_twice} \
             ({resumed} answers finished a batch another request had reserved), 837P files \
             with a wrong ISA13 or a repeated ST02 {}{}",
            bad_files.len(),
            bad_files.iter().take(5).map(|b| format!("\n      {b}")).collect::<String>()
        ),
    ));
    // Tenancy: every listed claim is the lister's practice's; the other's ids are 404s.
    let owner: HashMap<i64, i64> = db
        .raw_query("SELECT id, practice_id FROM claims", &[])?
        .iter()
        .map(|r| (r.int(0), r.int(1)))
        .collect();
    for (p, seen) in practices.iter().zip(&out.seen) {
        let wrong = seen
            .listed
            .iter()
            .filter(|id| owner.get(id) != Some(&p.id))
            .count();
        res.push(check(
            wrong == 0 && seen.foreign_pcns.is_empty() && !seen.listed.is_empty(),
            format!(
                "practice {}: no row of another practice listed: {} claim ids listed, {wrong} \
                 not the practice's, {} PCNs not of its form",
                p.id,
                seen.listed.len(),
                seen.foreign_pcns.len()
            ),
        ));
    }
    let other = out.statuses.get(&Route::ClaimOther);
    let (n404, n) = other.map_or((0, 0), |s| {
        (s.get(&404).copied().unwrap_or(0), s.values().sum::<u64>())
    });
    res.push(check(
        n > 0 && n404 == n,
        format!("another practice's claim by id is a 404: {n404} of {n}"),
    ));
    if let Some(app) = app_url {
        // Row-level security: the servers' role, scoped to a practice, sees no other's row
        // even when the query asks for them.
        let mut s = Store::connect(app)?;
        let mut leaks = 0;
        for p in practices {
            s.use_practice(p.id);
            leaks += s
                .raw_query("SELECT COUNT(*) FROM claims WHERE practice_id <> $P", &[])?
                .first()
                .map_or(0, |r| r.int(0));
        }
        res.push(check(
            leaks == 0,
            format!("row-level security: {leaks} claims of another practice visible to the servers' role"),
        ));
    }
    Ok(res)
}

/// An 837P file's ISA13 is `icn` and no ST02 appears twice in it.
fn file_ok(path: &Path, icn: i64) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut st02 = HashSet::new();
    let mut isa13 = None;
    for seg in text.split('~').map(str::trim) {
        let el: Vec<&str> = seg.split('*').collect();
        match el.first().copied() {
            Some("ISA") => isa13 = el.get(13).and_then(|v| v.trim().parse::<i64>().ok()),
            Some("ST") => {
                let n = el.get(2).copied().unwrap_or_default();
                if !st02.insert(n.to_owned()) {
                    return Err(format!("ST02 {n} twice"));
                }
            }
            _ => {}
        }
    }
    if isa13 != Some(icn) {
        return Err(format!("ISA13 {isa13:?}, the batch says {icn}"));
    }
    if st02.is_empty() {
        return Err("no transaction".into());
    }
    Ok(())
}
