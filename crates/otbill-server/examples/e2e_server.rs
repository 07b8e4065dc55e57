//! The server the browser tests run against: the demo practice in a fresh database, with
//! its visits claimed, batched and acknowledged, an 835 answering them left unposted in
//! `DIR/remit.835` for the browser to upload, four users (`thera`, linked to the first demo
//! OT, `thera2`, unlinked, `bill`, `root`, password in `E2E_PASSWORD`), and the patients' PHI listed in `DIR/phi.txt` so the run's logs can be
//! searched for it.
//!
//! ```text
//! cargo run -p otbill-server --example e2e_server -- DIR
//! ```
//!
//! Prints `E2E_READY http://ADDR` on standard output once listening (on 127.0.0.1, a
//! free port) and serves until SIGTERM or Ctrl-C. Logs go to standard error.

use std::io::Write;

use anyhow::{anyhow, Context};
use otbill_scrub::scrub::Engine;
use otbill_server::auth::{self, Role};
use otbill_server::{AppState, Config, Rules};
use otbill_store::sim::{self, RemitSpec, Verdict};
use otbill_store::Store;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .context("usage: e2e_server DIR")?;
    let password = std::env::var("E2E_PASSWORD").unwrap_or_else(|_| "e2e-password-123".into());
    std::fs::create_dir_all(&dir)?;
    let db_url = dir.join("otbill.db").display().to_string();
    let rules = Rules::builtin()?;
    prepare(&dir, &db_url, &rules)?;

    otbill_server::telemetry::init(otbill_server::telemetry::LogFormat::Text);
    let mut config = Config::new("127.0.0.1:0".parse()?, db_url);
    config.secure_cookies = false;
    let state = AppState::new(&config, rules)?;
    state.ledger.run_blocking(|s| {
        for (name, role) in [
            ("thera", Role::Therapist),
            ("thera2", Role::Therapist),
            ("bill", Role::Biller),
            ("root", Role::Admin),
        ] {
            let phc = auth::hash_password(&password)
                .map_err(|e| otbill_store::Error::State(format!("{e:#}")))?;
            s.create_user(name, role, &phc, &otbill_server::now())?;
        }
        // `thera` renders for the first demo OT, so their visit form lists that OT's
        // patients; the admin step links `thera2` on the users page.
        s.link_demo_therapist("thera")
    })?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        println!("E2E_READY http://{addr}");
        std::io::stdout().flush()?;
        otbill_server::serve_on(listener, state, otbill_server::shutdown_signal()).await
    })
}

fn prepare(dir: &std::path::Path, url: &str, rules: &Rules) -> anyhow::Result<()> {
    let err = |e: otbill_store::Error| anyhow!("{e}");
    let mut store = Store::open(url).map_err(err)?;
    store.set_actor("e2e-setup");
    let today = otbill_store::today();
    otbill_store::demo::fill(&mut store, today).map_err(err)?;
    let engine = Engine {
        catalog: &rules.catalog,
        payers: &rules.payers,
        rules: &rules.rules,
    };
    for v in store.visits_in("entered").map_err(err)? {
        store.claim_visit(v, &engine).map_err(err)?;
    }
    let batches = store
        .build_batches(&dir.join("outbox"), 5000)
        .map_err(err)?;
    let b = batches.first().context("the demo made no batch")?;
    let file = store.batch_file(b.batch_id).map_err(err)?;
    let icn = u32::try_from(b.interchange_control).unwrap_or(1);
    let ack =
        sim::ack_999(&file, 700_000 + icn, file.envelope.created).map_err(|e| anyhow!("{e}"))?;
    store.apply_ack(&ack, "e2e.999").map_err(err)?;
    let first = file.claims.first().context("an empty batch")?;
    let (payer_id, payer_name) = (first.payer.payer_id.clone(), first.payer.name.clone());
    let spec = RemitSpec {
        trace: format!("EFT{icn:06}E2E"),
        payer_name,
        payer_id: format!("1{payer_id:0>9}"),
        control_number: 900_000 + icn,
        date: today,
    };
    // The payer's second claim is denied (CO-50), the others paid.
    let denied = file
        .claims
        .iter()
        .enumerate()
        .filter(|(_, c)| c.payer.payer_id == payer_id)
        .map(|(i, _)| i)
        .nth(1);
    let remit = sim::remit_835(&file, &spec, |i, c| {
        if c.payer.payer_id != payer_id {
            Verdict::Skip
        } else if Some(i) == denied {
            Verdict::Denied("50")
        } else {
            Verdict::Paid
        }
    })
    .map_err(|e| anyhow!("{e}"))?;
    std::fs::write(dir.join("remit.835"), remit)?;
    // The PHI of the test patients, one fixed string per line, for the log search.
    let mut phi = Vec::new();
    for r in store
        .raw_query(
            "SELECT last_name, first_name, birth_date FROM patients",
            &[],
        )
        .map_err(err)?
    {
        phi.extend([r.text(0), r.text(1), r.text(2)]);
    }
    for r in store
        .raw_query("SELECT member_id FROM coverages", &[])
        .map_err(err)?
    {
        phi.push(r.text(0));
    }
    let mut phi: Vec<String> = phi.into_iter().filter(|s| s.len() >= 4).collect();
    phi.sort();
    phi.dedup();
    std::fs::write(dir.join("phi.txt"), phi.join("\n") + "\n")?;
    Ok(())
}
