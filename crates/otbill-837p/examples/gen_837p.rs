//! Writes a deterministic synthetic 837P for benchmarks and peer comparisons.
//!
//! ```sh
//! cargo run --release -p otbill-837p --example gen_837p -- OUT.837 [BYTES] [CLAIMS_PER_ST]
//! ```
//!
//! BYTES defaults to 10,000,000 (the file is the smallest whole number of claims at or
//! above it); CLAIMS_PER_ST defaults to 100, like the peer files in x12.md §6. The same
//! arguments always give byte-identical output.

use otbill_837p::synth;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: gen_837p OUT.837 [BYTES] [CLAIMS_PER_ST]");
        return ExitCode::from(2);
    };
    let target: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let per_st: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    match synth::file_of_size(target, per_st) {
        Ok((bytes, claims)) => match std::fs::write(path, &bytes) {
            Ok(()) => {
                println!(
                    "{path}: {} bytes, {claims} claims, {per_st} claims per ST",
                    bytes.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("gen_837p: cannot write {path}: {e}");
                ExitCode::from(2)
            }
        },
        Err(e) => {
            eprintln!("gen_837p: {e}");
            ExitCode::from(2)
        }
    }
}
