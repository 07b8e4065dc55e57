//! Loading the rule tables: the built-in data files, then the user's data directory.
//!
//! The data directory (`--data-dir`, else `OTBILL_DATA_DIR`) may hold `codes/*.toml` and
//! `payers/*.toml`; they add code-set years and profiles or override built-in ones, so a
//! practice adds next year's codes without a new build.

use std::path::{Path, PathBuf};

use anyhow::Context;
use otbill_core::{builtin, Catalog, Payers};

/// Where `otbill data import` puts files when no directory is named. The repository's own
/// `data/` folder is compiled in, so it is never the default.
pub(crate) const DEFAULT_DATA_DIR: &str = "otbill-data";

/// The directory named on the command line or in the environment, if any.
pub(crate) fn data_dir(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os("OTBILL_DATA_DIR").map(PathBuf::from))
}

/// Built-in tables plus the data directory's files, in file-name order.
pub(crate) fn load_rules(dir: Option<&Path>) -> anyhow::Result<(Catalog, Payers)> {
    let (mut catalog, mut payers) = builtin();
    let Some(dir) = dir else {
        return Ok((catalog, payers));
    };
    for path in toml_files(&dir.join("codes"))? {
        let text = read(&path)?;
        catalog.add_toml(&path.display().to_string(), &text)?;
    }
    for path in toml_files(&dir.join("payers"))? {
        let text = read(&path)?;
        payers.add_toml(&path.display().to_string(), &text)?;
    }
    Ok((catalog, payers))
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// `*.toml` files in a directory, sorted; none when the directory does not exist.
fn toml_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
