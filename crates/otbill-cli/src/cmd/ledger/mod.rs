//! The practice-ledger commands (`otbill patient`, `visit`, `batch`, `post`, `ack`,
//! `report`, `backup`, `demo`, `ledger`, `statements`): thin wrappers over `otbill-store`, which holds
//! every record in `./otbill.db` unless `--db URL` or `OTBILL_DB` names another SQLite file
//! or a `postgres://` URL.

pub(crate) mod demo;
pub(crate) mod ops;
pub(crate) mod records;
pub(crate) mod statements;

use anyhow::Context;
use otbill_store::Store;

/// Where the ledger is and who is working in it; shared by every ledger command.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct DbArgs {
    /// SQLite file or `postgres://` URL.
    #[arg(
        long,
        env = "OTBILL_DB",
        default_value = "otbill.db",
        value_name = "URL"
    )]
    pub(crate) db: String,
    /// Who is recorded as doing the work (default: $USER).
    #[arg(long = "as", env = "OTBILL_USER", value_name = "NAME")]
    pub(crate) actor: Option<String>,
    /// The practice to work in, by its code (default: the first practice, `main`).
    #[arg(long, env = "OTBILL_PRACTICE", value_name = "CODE")]
    pub(crate) practice: Option<String>,
}

impl DbArgs {
    pub(crate) fn open(&self) -> anyhow::Result<Store> {
        let mut store = Store::open(&self.db)
            .with_context(|| format!("opening the ledger {}", redact(&self.db)))?;
        let actor = self
            .actor
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "cli".into());
        store.set_actor(&actor);
        if let Some(code) = &self.practice {
            let id = store
                .practices()?
                .into_iter()
                .find(|p| p.code == *code)
                .map(|p| p.id)
                .with_context(|| format!("--practice: no practice with the code {code}"))?;
            store.use_practice(id);
        }
        Ok(store)
    }
}

/// A database URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The built-in coding and scrubbing rules.
pub(crate) fn rules() -> anyhow::Result<(
    otbill_core::Catalog,
    otbill_core::Payers,
    otbill_scrub::RuleSet,
)> {
    let (catalog, payers) = otbill_core::builtin();
    let rules = otbill_scrub::rules::builtin().context("loading the built-in rule tables")?;
    Ok((catalog, payers, rules))
}

pub(crate) fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}
