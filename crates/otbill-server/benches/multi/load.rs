//! The mixed load: worker threads, each with one keep-alive connection to one instance,
//! acting for one practice with its therapist's and biller's tokens, picking each request
//! by weight until the time or the request budget runs out.
//!
//! What the workers see is kept for the checks: statuses, transport errors, the claim ids
//! each practice's lists returned, which uploads of which 835 posted, the control numbers
//! of the batches built.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::client::Conn;
use crate::setup::Practice;

/// The routes of the mix, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Route {
    Visit,
    Code,
    ClaimList,
    ClaimGet,
    ClaimOther,
    Remit,
    Batch,
}

impl Route {
    pub(crate) const ALL: [Route; 7] = [
        Route::Visit,
        Route::Code,
        Route::ClaimList,
        Route::ClaimGet,
        Route::ClaimOther,
        Route::Remit,
        Route::Batch,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Route::Visit => "POST /api/v1/visits",
            Route::Code => "POST /api/v1/visits/code",
            Route::ClaimList => "GET /api/v1/claims",
            Route::ClaimGet => "GET /api/v1/claims/{id}",
            Route::ClaimOther => "GET /api/v1/claims/{id} (other practice's)",
            Route::Remit => "POST /api/v1/remittances",
            Route::Batch => "POST /api/v1/batches",
        }
    }

    /// The one status the route must answer with.
    fn expected(self) -> u16 {
        match self {
            Route::Visit | Route::Batch => 201,
            Route::ClaimOther => 404,
            _ => 200,
        }
    }

    /// Relative frequency in the mix.
    fn weight(self) -> u32 {
        match self {
            Route::Visit => 20,
            Route::Code => 25,
            Route::ClaimList => 10,
            Route::ClaimGet => 25,
            Route::ClaimOther => 8,
            Route::Remit => 8,
            Route::Batch => 4,
        }
    }
}

/// How long and how wide the load runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) duration: Duration,
    pub(crate) connections: usize,
    /// Stops each worker after this many requests even if time is left.
    pub(crate) max_requests: usize,
}

/// What a practice's workers saw, for the checks.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// Every claim id a list of this practice returned.
    pub(crate) listed: HashSet<i64>,
    /// Listed rows whose PCN does not look like this practice's.
    pub(crate) foreign_pcns: Vec<String>,
    /// Per 835 file: every upload of it.
    pub(crate) uploads: Vec<Vec<Upload>>,
    /// `(ISA13, GS06)` of every batch a build answered with.
    pub(crate) controls: Vec<(i64, i64)>,
    /// Claims batched by the load.
    pub(crate) batched: usize,
    /// Answers naming a batch another request had reserved.
    pub(crate) resumed: usize,
}

/// One upload of an 835: when it was sent and answered (microseconds into the run), to
/// which instance, and whether it posted (not a duplicate).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upload {
    pub(crate) sent: u64,
    pub(crate) answered: u64,
    pub(crate) instance: usize,
    pub(crate) posted: bool,
}

/// The run's figures.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) elapsed: Duration,
    /// Latencies in microseconds per route.
    pub(crate) latencies: BTreeMap<Route, Vec<u32>>,
    /// Status counts per route.
    pub(crate) statuses: BTreeMap<Route, BTreeMap<u16, u64>>,
    /// Transport errors, and the first few unexpected answers with their bodies.
    pub(crate) transport_errors: u64,
    pub(crate) unexpected: Vec<String>,
    /// One per practice, in the order of the practices given.
    pub(crate) seen: Vec<Seen>,
}

/// Runs the mix over `addrs` and `practices` for `plan`.
pub(crate) fn run(addrs: &[SocketAddr], practices: &[Practice], plan: Plan) -> Outcome {
    let seen: Vec<Mutex<Seen>> = practices
        .iter()
        .map(|p| {
            Mutex::new(Seen {
                uploads: vec![Vec::new(); p.remits.len()],
                ..Seen::default()
            })
        })
        .collect();
    let shared = Mutex::new(Outcome::default());
    let start = Instant::now();
    std::thread::scope(|scope| {
        for w in 0..plan.connections {
            // Worker w: instance w mod n, practice (w / n) mod 2, so every instance serves
            // both practices and every practice is served by every instance.
            let addr = addrs[w % addrs.len()];
            let p = (w / addrs.len()) % practices.len();
            let (seen, shared) = (&seen, &shared);
            scope.spawn(move || {
                let mut worker = Worker {
                    conn: Conn::new(addr),
                    instance: w % addrs.len(),
                    last: (0, 0),
                    me: &practices[p],
                    other: &practices[(p + 1) % practices.len()],
                    seen: &seen[p],
                    rng: 0x9E37_79B9_7F4A_7C15 ^ ((w as u64 + 1) * 0xA24B_AED4_963E_E407),
                    uploaded: vec![false; practices[p].remits.len()],
                    claims: practices[p].claims.clone(),
                    out: Outcome::default(),
                    start,
                    plan,
                };
                worker.run();
                let mut all = shared.lock().unwrap_or_else(|e| e.into_inner());
                all.merge(worker.out);
            });
        }
    });
    let mut out = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    out.elapsed = start.elapsed();
    out.seen = seen
        .into_iter()
        .map(|s| s.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
    out
}

impl Outcome {
    fn merge(&mut self, other: Outcome) {
        for (r, mut l) in other.latencies {
            self.latencies.entry(r).or_default().append(&mut l);
        }
        for (r, s) in other.statuses {
            let mine = self.statuses.entry(r).or_default();
            for (code, n) in s {
                *mine.entry(code).or_default() += n;
            }
        }
        self.transport_errors += other.transport_errors;
        self.unexpected.extend(other.unexpected);
    }
}

struct Worker<'a> {
    conn: Conn,
    instance: usize,
    /// When the last request was sent and answered, microseconds into the run.
    last: (u64, u64),
    me: &'a Practice,
    other: &'a Practice,
    seen: &'a Mutex<Seen>,
    rng: u64,
    /// Which of the practice's 835 files this worker has uploaded at least once.
    uploaded: Vec<bool>,
    /// Claim ids of the practice this worker may read.
    claims: Vec<i64>,
    out: Outcome,
    start: Instant,
    plan: Plan,
}

#[derive(Deserialize)]
struct ClaimRow {
    id: i64,
    pcn: String,
}

#[derive(Deserialize)]
struct Posted {
    visit_id: i64,
}

#[derive(Deserialize)]
struct PostedRemit {
    remittances: Vec<RemitRow>,
}

#[derive(Deserialize)]
struct RemitRow {
    duplicate: bool,
}

#[derive(Deserialize)]
struct BatchRow {
    claims: usize,
    resumed: bool,
    interchange_control: i64,
    group_control: i64,
}

/// Visits the therapists document: a few common OT days.
const SERVICES: &[&str] = &[
    r#"[{"code": "97112", "minutes": 24}, {"code": "97110", "minutes": 23}]"#,
    r#"[{"code": "97530", "minutes": 38}]"#,
    r#"[{"code": "97535", "minutes": 30}, {"code": "97110", "minutes": 8}]"#,
    r#"[{"code": "97165"}, {"code": "97530", "minutes": 15}]"#,
];

impl Worker<'_> {
    fn run(&mut self) {
        let total: u32 = Route::ALL.iter().map(|r| r.weight()).sum();
        for _ in 0..self.plan.max_requests {
            if self.start.elapsed() >= self.plan.duration {
                break;
            }
            let mut pick = self.next() as u32 % total;
            let mut route = Route::Code;
            for r in Route::ALL {
                if pick < r.weight() {
                    route = r;
                    break;
                }
                pick -= r.weight();
            }
            self.one(route);
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*: enough to spread the mix, and the same each run.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 16
    }

    fn pick<'b, T>(&mut self, items: &'b [T]) -> Option<&'b T> {
        if items.is_empty() {
            return None;
        }
        let i = self.next() as usize % items.len();
        items.get(i)
    }

    fn one(&mut self, route: Route) {
        let today = otbill_store::today();
        let services = self.pick(SERVICES).copied().unwrap_or(SERVICES[0]);
        let (me, other) = (self.me, self.other);
        let (method, path, token, body): (&str, String, &str, Vec<u8>) = match route {
            Route::Visit => {
                let Some(account) = self.pick(&me.accounts) else {
                    return;
                };
                let body = format!(
                    r#"{{"patient_account": "{account}", "provider_npi": "{}", "date": "{today}", "services": {services}}}"#,
                    me.npi
                );
                ("POST", "/api/v1/visits".into(), &me.therapist, body.into())
            }
            Route::Code => {
                let body = format!(
                    r#"{{"date": "{today}", "payer": "medicare", "services": {services}}}"#
                );
                (
                    "POST",
                    "/api/v1/visits/code".into(),
                    &me.therapist,
                    body.into(),
                )
            }
            Route::ClaimList => {
                // Every third list is filtered, as the claims page's tabs are.
                let path = match self.next() % 3 {
                    0 => "/api/v1/claims?status=ready",
                    _ => "/api/v1/claims",
                };
                ("GET", path.into(), &me.biller, Vec::new())
            }
            Route::ClaimGet => {
                if self.claims.is_empty() {
                    return;
                }
                let i = self.next() as usize % self.claims.len();
                let id = self.claims[i];
                (
                    "GET",
                    format!("/api/v1/claims/{id}"),
                    &me.biller,
                    Vec::new(),
                )
            }
            Route::ClaimOther => {
                let Some(id) = self.pick(&other.claims).copied() else {
                    return;
                };
                (
                    "GET",
                    format!("/api/v1/claims/{id}"),
                    &me.biller,
                    Vec::new(),
                )
            }
            Route::Remit => {
                let Some(file) = self.remit_to_upload() else {
                    return;
                };
                self.uploaded[file] = true;
                let path = format!("/api/v1/remittances?name=bench-{file}.835");
                let body = me.remits[file].clone();
                self.send(
                    route,
                    "POST",
                    &path,
                    &me.biller.clone(),
                    &body,
                    |w, body| w.on_remit(file, body),
                );
                return;
            }
            Route::Batch => ("POST", "/api/v1/batches".into(), &me.biller, Vec::new()),
        };
        let token = token.to_owned();
        self.send(route, method, &path, &token, &body, |w, body| match route {
            Route::ClaimList => w.on_list(body),
            Route::Visit => w.on_visit(body),
            Route::Batch => w.on_batch(body),
            _ => Ok(()),
        });
    }

    /// The 835 to upload: one released that this worker has not uploaded yet (so a newly
    /// released file is raced by every worker of the practice, over every instance), else
    /// any released one again. Files are released evenly over the first 80% of the run.
    fn remit_to_upload(&mut self) -> Option<usize> {
        let n = self.me.remits.len();
        let span = self.plan.duration.as_secs_f64() * 0.8;
        let at = self.start.elapsed().as_secs_f64();
        let released = if span <= 0.0 {
            n
        } else {
            (((at / span) * n as f64) as usize + 1).min(n)
        };
        if released == 0 {
            return None;
        }
        (0..released)
            .find(|&i| !self.uploaded[i])
            .or_else(|| Some(self.next() as usize % released))
    }

    fn send(
        &mut self,
        route: Route,
        method: &str,
        path: &str,
        token: &str,
        body: &[u8],
        check: impl FnOnce(&mut Self, &[u8]) -> Result<(), String>,
    ) {
        let ct = if body.is_empty() {
            ""
        } else if route == Route::Remit {
            "application/edi-x12"
        } else {
            "application/json"
        };
        let t = Instant::now();
        let res = self.conn.request(method, path, token, ct, body);
        let us = u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX);
        let sent = u64::try_from(t.duration_since(self.start).as_micros()).unwrap_or(u64::MAX);
        self.last = (sent, sent.saturating_add(u64::from(us)));
        match res {
            Err(e) => {
                self.out.transport_errors += 1;
                self.note(format!("{} {path}: transport error: {e}", route.name()));
            }
            Ok(res) => {
                self.out.latencies.entry(route).or_default().push(us);
                *self
                    .out
                    .statuses
                    .entry(route)
                    .or_default()
                    .entry(res.status)
                    .or_default() += 1;
                if res.status != route.expected() {
                    let text = String::from_utf8_lossy(&res.body);
                    let text: String = text.chars().take(300).collect();
                    self.note(format!(
                        "{} {path}: status {} (expected {}): {text}",
                        route.name(),
                        res.status,
                        route.expected()
                    ));
                } else if let Err(e) = check(self, &res.body) {
                    self.note(format!("{} {path}: {e}", route.name()));
                }
            }
        }
    }

    fn note(&mut self, what: String) {
        // The first few are enough to see what went wrong; all are counted.
        if self.out.unexpected.len() < 20 {
            self.out.unexpected.push(what);
        } else {
            self.out.unexpected.push(String::new());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn on_list(&mut self, body: &[u8]) -> Result<(), String> {
        let rows: Vec<ClaimRow> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        // Outside practice 1 a PCN names its practice (`OT2P…`); practice 1's do not.
        let prefix = format!("OT{}P", self.me.id);
        let foreign = |pcn: &str| {
            if self.me.id == otbill_store::MAIN_PRACTICE {
                // `OT` then digits then `P`: another practice's form.
                let rest = pcn.strip_prefix("OT").unwrap_or("");
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                !pcn.starts_with("OT") || (digits > 0 && rest.as_bytes().get(digits) == Some(&b'P'))
            } else {
                !pcn.starts_with(&prefix)
            }
        };
        let bad: Vec<String> = rows
            .iter()
            .filter(|r| foreign(&r.pcn))
            .map(|r| r.pcn.clone())
            .collect();
        for r in &rows {
            if self.claims.len() < 5000 && !self.claims.contains(&r.id) {
                self.claims.push(r.id);
            }
        }
        let mut seen = self.lock();
        seen.listed.extend(rows.iter().map(|r| r.id));
        seen.foreign_pcns.extend(bad);
        Ok(())
    }

    fn on_visit(&mut self, body: &[u8]) -> Result<(), String> {
        let posted: Posted = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        if posted.visit_id <= 0 {
            return Err("no visit id".into());
        }
        Ok(())
    }

    fn on_remit(&mut self, file: usize, body: &[u8]) -> Result<(), String> {
        let posted: PostedRemit = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        if posted.remittances.len() != 1 {
            return Err(format!(
                "{} remittances in one file",
                posted.remittances.len()
            ));
        }
        let fresh = posted.remittances.iter().any(|r| !r.duplicate);
        let mut seen = self.lock();
        if let Some(u) = seen.uploads.get_mut(file) {
            u.push(Upload {
                sent: self.last.0,
                answered: self.last.1,
                instance: self.instance,
                posted: fresh,
            });
        }
        Ok(())
    }

    fn on_batch(&mut self, body: &[u8]) -> Result<(), String> {
        let rows: Vec<BatchRow> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        let mut seen = self.lock();
        for b in rows {
            // A batch another request reserved and had not recorded yet is finished again
            // (`resumed`, the same file): only the builder's answer names it as new.
            if b.resumed {
                seen.resumed += 1;
            } else {
                seen.controls.push((b.interchange_control, b.group_control));
                seen.batched += b.claims;
            }
        }
        Ok(())
    }
}
