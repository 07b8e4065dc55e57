//! `otbill remit FILE`: an 835 remittance file as JSON (the public contract:
//! `{"remittances": [...]}`, one per ST/SE, money as decimal strings).
//!
//! Balancing problems are findings inside the JSON (exit 0); input that
//! holds no readable 835 is an error naming the segment position (exit 2).
//!
//! The JSON is written while the file is read (`otbill_era::write_835_json`): the
//! same bytes as serde_json over `parse_835`'s result, several times faster, and a large
//! file on several threads (its transactions in parts). A large file is read into memory
//! on several threads too: copying it in and touching its pages for the first time is
//! otherwise the longest stretch a single thread has.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

/// Read an 835 remittance into JSON.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// 835 file, or `-` for standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print compact JSON (one line) instead of pretty JSON.
    #[arg(long)]
    compact: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut bytes = Vec::new();
    if args.file.as_os_str() == "-" {
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
    } else {
        bytes =
            read_file(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    }
    let style = if args.compact {
        otbill_era::JsonStyle::Compact
    } else {
        otbill_era::JsonStyle::Pretty
    };
    // The writer hands stdout a few large writes (a transaction at a time), so it needs
    // no buffer of its own; nothing is written when the input holds no 835.
    let mut out = io::stdout().lock();
    let written = otbill_era::write_835_json(&bytes, style, &mut out)?;
    if let Some(finding) = written.unreadable() {
        bail!("{}: not a readable 835: {finding}", args.file.display());
    }
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Files at least this large are read on several threads.
const PARALLEL_READ: u64 = 4 << 20;

/// The whole file; a large regular file is read in as many pieces as there are cores, each
/// on its own thread (`read_exact_at`), then checked for bytes added meanwhile.
fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let meta = file.metadata()?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let Ok(len) = usize::try_from(meta.len()) else {
        return Err(io::Error::other("the file is too large for memory"));
    };
    if !meta.is_file() || meta.len() < PARALLEL_READ || threads < 2 {
        let mut bytes = Vec::with_capacity(len);
        file.read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    let mut bytes = vec![0; len];
    let piece = len.div_ceil(threads);
    let file_ref = &file;
    let read: io::Result<()> = std::thread::scope(|scope| {
        let handles: Vec<_> = bytes
            .chunks_mut(piece)
            .enumerate()
            .map(|(i, chunk)| {
                let offset = (i * piece) as u64;
                scope.spawn(move || file_ref.read_exact_at(chunk, offset))
            })
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(io::Error::other("a reading thread stopped")))
        })
    });
    match read {
        Ok(()) => {
            // The file may have grown since its size was read: the rest follows.
            file.seek(SeekFrom::Start(len as u64))?;
            file.read_to_end(&mut bytes)?;
            Ok(bytes)
        }
        // It shrank: read it again in one piece.
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => std::fs::read(path),
        Err(e) => Err(e),
    }
}
