//! The world the load runs in: a fresh database with two practices filled with the demo
//! data, their visits claimed and batched, a therapist and a biller per practice with API
//! tokens, and the 835 files answering each practice's batches (left unposted: the load
//! uploads them); then the `otbill serve` processes on it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use otbill_scrub::scrub::Engine;
use otbill_server::auth::{self, Role};
use otbill_server::Rules;
use otbill_store::sim::{self, RemitSpec, Verdict};
use otbill_store::{Store, MAIN_PRACTICE};

/// One practice as the load sees it.
#[derive(Debug)]
pub(crate) struct Practice {
    pub(crate) id: i64,
    /// API tokens acting in this practice.
    pub(crate) therapist: String,
    pub(crate) biller: String,
    /// The therapist's linked provider, and the patients whose plans name it.
    pub(crate) npi: String,
    pub(crate) accounts: Vec<String>,
    /// The practice's claims at the start.
    pub(crate) claims: Vec<i64>,
    /// 835 files answering the practice's batches, one remittance (trace) each.
    pub(crate) remits: Vec<Vec<u8>>,
}

/// Splits each payer's claims over this many 835 files, so there are files enough for
/// each to be raced over the instances when it is released.
const FILES_PER_PAYER: usize = 4;

/// Migrates the database at `url`, fills practice 1 and a second practice, and returns
/// both. Batch files go to `dir/outbox`, the outbox of servers started in `dir`.
pub(crate) fn prepare(url: &str, dir: &Path, rules: &Rules) -> anyhow::Result<Vec<Practice>> {
    let mut store = Store::open(url)?;
    store.set_actor("bench-setup");
    let second = store.create_practice("second", "Second Street OT", &otbill_server::now())?;
    let engine = Engine {
        catalog: &rules.catalog,
        payers: &rules.payers,
        rules: &rules.rules,
    };
    let today = otbill_store::today();
    let outbox = dir.join("outbox");
    let mut out = Vec::new();
    for id in [MAIN_PRACTICE, second] {
        store.use_practice(id);
        otbill_store::demo::fill(&mut store, today)?;
        for v in store.visits_in("entered")? {
            store.claim_visit(v, &engine)?;
        }
        let therapist = token(&mut store, &format!("thera{id}"), Role::Therapist)?;
        let biller = token(&mut store, &format!("bill{id}"), Role::Biller)?;
        // The therapist renders for the provider of the first plan of care; the visits they
        // enter name that provider and the patients of its plans.
        let rows = store.raw_query(
            "SELECT DISTINCT pr.npi, pt.account FROM plans_of_care pl \
             JOIN providers pr ON pr.id = pl.provider_id JOIN patients pt ON pt.id = pl.patient_id \
             WHERE pl.practice_id = $P ORDER BY pr.npi, pt.account",
            &[],
        )?;
        let npi = rows
            .first()
            .map(|r| r.text(0))
            .ok_or_else(|| anyhow::anyhow!("practice {id} has no plan of care"))?;
        let accounts: Vec<String> = rows
            .iter()
            .filter(|r| r.text(0) == npi)
            .map(|r| r.text(1))
            .collect();
        store.link_user_npi(&format!("thera{id}"), &npi)?;
        let remits = remits(&mut store, &outbox, today, id)?;
        let claims = store.claims(None)?;
        out.push(Practice {
            id,
            therapist,
            biller,
            npi,
            accounts,
            claims,
            remits,
        });
    }
    Ok(out)
}

/// Creates `name` with `role` in the store's practice; an API token acting as them there.
fn token(store: &mut Store, name: &str, role: Role) -> anyhow::Result<String> {
    let id = auth::create_user(store, name, role, "bench-password-not-used")?;
    Ok(auth::issue_token(store, id, "bench")?.1)
}

/// Batches the practice's ready claims, acknowledges them with a 999 and writes the 835s
/// answering them (paid, partly paid, denied), as `otbill_store::demo::run` does.
fn remits(
    store: &mut Store,
    outbox: &Path,
    today: chrono::NaiveDate,
    practice: i64,
) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut files = Vec::new();
    for b in store.build_batches(outbox, 5000)? {
        let file = store.batch_file(b.batch_id)?;
        let icn = u32::try_from(b.interchange_control)?;
        let ack = sim::ack_999(&file, 700_000 + icn, file.envelope.created)?;
        store.apply_ack(&ack, "bench.999")?;
        let mut payers: Vec<(String, String)> = file
            .claims
            .iter()
            .map(|c| (c.payer.payer_id.clone(), c.payer.name.clone()))
            .collect();
        payers.sort();
        payers.dedup();
        for (k, (payer_id, payer_name)) in payers.iter().enumerate() {
            let mine: Vec<usize> = (0..file.claims.len())
                .filter(|&i| &file.claims[i].payer.payer_id == payer_id)
                .collect();
            let per_file = mine.len().div_ceil(FILES_PER_PAYER).max(1);
            for (part, chunk) in mine.chunks(per_file).enumerate() {
                let n = u32::try_from(k * FILES_PER_PAYER + part)?;
                let spec = RemitSpec {
                    trace: format!("EFT{practice}{icn:06}{n:02}"),
                    payer_name: payer_name.clone(),
                    payer_id: format!("1{payer_id:0>9}"),
                    control_number: 800_000 + icn * 100 + n,
                    date: today,
                };
                let remit = sim::remit_835(&file, &spec, |i, _| {
                    if !chunk.contains(&i) {
                        Verdict::Skip
                    } else if i % 7 == 3 {
                        Verdict::Denied("50")
                    } else if i % 5 == 2 {
                        Verdict::PartlyPaid
                    } else {
                        Verdict::Paid
                    }
                })?;
                files.push(remit);
            }
        }
    }
    Ok(files)
}

/// Running `otbill serve` processes, stopped (SIGTERM, then SIGKILL) when dropped.
#[derive(Debug)]
pub(crate) struct Servers {
    children: Vec<Child>,
    pub(crate) addrs: Vec<SocketAddr>,
}

/// Starts `n` `otbill serve` processes on `db_url`, each on a free loopback port, working
/// in `dir` (so they share one outbox), logging to `logs/serve-N.log`.
pub(crate) fn start(
    bin: &Path,
    db_url: &str,
    dir: &Path,
    logs: &Path,
    n: usize,
) -> anyhow::Result<Servers> {
    std::fs::create_dir_all(logs)?;
    let mut servers = Servers {
        children: Vec::new(),
        addrs: Vec::new(),
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for i in 0..n {
        let log = logs.join(format!("serve-{}.log", i + 1));
        let err = std::fs::File::create(&log)?;
        let child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--db", db_url])
            .arg("--insecure-cookies")
            .current_dir(dir)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("info".into()),
            )
            .env_remove("OTBILL_ADMIN_PASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .map_err(|e| anyhow::anyhow!("starting {}: {e}", bin.display()))?;
        servers.children.push(child);
        paths.push(log);
    }
    // Each prints its address once listening.
    let deadline = Instant::now() + Duration::from_secs(60);
    for (i, log) in paths.iter().enumerate() {
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(rest) = text.split("listening on http://").nth(1) {
                let addr: SocketAddr =
                    rest.split_whitespace().next().unwrap_or_default().parse()?;
                anyhow::ensure!(addr.ip().is_loopback(), "server {i} is not on loopback");
                servers.addrs.push(addr);
                break;
            }
            if let Some(status) = servers.children[i].try_wait()? {
                anyhow::bail!("server {} exited ({status}): see {}", i + 1, log.display());
            }
            anyhow::ensure!(Instant::now() < deadline, "server {} did not start", i + 1);
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Ok(servers)
}

impl Servers {
    /// Stops the servers gracefully; true when each exited by itself after SIGTERM.
    pub(crate) fn stop(&mut self) -> bool {
        let mut clean = true;
        for c in &mut self.children {
            // std has no SIGTERM: `kill` by the child's own pid, nothing broader.
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        for c in &mut self.children {
            loop {
                match c.try_wait() {
                    Ok(Some(st)) => {
                        clean &= st.success();
                        break;
                    }
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    _ => {
                        clean = false;
                        let _ = c.kill();
                        let _ = c.wait();
                        break;
                    }
                }
            }
        }
        self.children.clear();
        clean
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
