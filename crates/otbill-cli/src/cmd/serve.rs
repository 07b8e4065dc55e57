//! `otbill serve`: the HTTP API and web app (see the `otbill-server` crate).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::tables;

/// Serve the JSON API and the web app for therapists and billers.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// Ledger database: an SQLite file or a postgres:// URL.
    #[arg(
        long,
        env = "OTBILL_DB",
        default_value = "otbill.db",
        value_name = "URL"
    )]
    db: String,
    /// Send cookies without the Secure flag (plain HTTP on localhost only).
    #[arg(long)]
    insecure_cookies: bool,
    /// Log JSON lines instead of text (filter with RUST_LOG).
    #[arg(long)]
    log_json: bool,
    /// Largest request body accepted, in KiB.
    #[arg(long, default_value_t = 2048, value_name = "KIB")]
    body_limit_kib: usize,
    /// Seconds a request may take.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    timeout: u64,
    /// Name of the first admin, created when the database has no user and
    /// OTBILL_ADMIN_PASSWORD is set.
    #[arg(long, default_value = "admin", value_name = "NAME")]
    admin: String,
    /// Directory with extra rule data (else `OTBILL_DATA_DIR`).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = tables::data_dir(args.data_dir.as_deref());
    let (catalog, payers) = tables::load_rules(dir.as_deref())?;
    let rules = super::data::load_rules(dir.as_deref())?;
    let rules = otbill_server::Rules {
        catalog,
        payers,
        rules,
    };
    let mut config = otbill_server::Config::new(args.listen, args.db.clone());
    config.secure_cookies = !args.insecure_cookies;
    config.body_limit = args.body_limit_kib.saturating_mul(1024);
    config.request_timeout = std::time::Duration::from_secs(args.timeout.max(1));
    config.log_format = if args.log_json {
        otbill_server::telemetry::LogFormat::Json
    } else {
        otbill_server::telemetry::LogFormat::Text
    };
    if let Ok(password) = std::env::var("OTBILL_ADMIN_PASSWORD") {
        if otbill_server::bootstrap_admin(&args.db, &args.admin, &password)
            .context("creating the first admin")?
        {
            eprintln!("otbill serve: created admin user {}", args.admin);
        }
    } else if !otbill_server::has_users(&args.db).context("opening the database")? {
        eprintln!(
            "otbill serve: no users yet; restart with OTBILL_ADMIN_PASSWORD set to create admin user {}",
            args.admin
        );
    }
    let secure = config.secure_cookies;
    otbill_server::run_blocking(config, rules, |addr| {
        let scheme = if secure { "https (behind TLS)" } else { "http" };
        eprintln!("otbill serve: listening on http://{addr} ({scheme} cookies)");
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `otbill demo --serve`: serves the demo practice on `listen` with plain-HTTP cookies and
/// prints the address and the demo sign-ins (a new password each run).
pub(crate) fn serve_demo(
    db_url: &str,
    listen: SocketAddr,
    rules: otbill_server::Rules,
) -> anyhow::Result<ExitCode> {
    if !listen.ip().is_loopback() {
        anyhow::bail!("otbill demo --serve listens on loopback only (got {listen})");
    }
    let password = otbill_server::demo_users(db_url).context("creating the demo sign-ins")?;
    let mut config = otbill_server::Config::new(listen, db_url.to_owned());
    config.secure_cookies = false;
    otbill_server::run_blocking(config, rules, |addr| {
        println!("\notbill demo: serving the demo practice on http://{addr}/");
        println!("  sign in as demo-therapist, demo-biller or demo-admin, password {password}");
        println!("  (Ctrl-C stops the server)");
    })?;
    Ok(ExitCode::SUCCESS)
}
