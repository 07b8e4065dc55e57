//! Writes the deterministic benchmark inputs: `x12gen 835|837 BYTES OUT`.
//!
//! `cargo run --release -p otbill-era --example x12gen -- 835 10000000 bench-out/bench.835`

#[path = "../benches/support/gen.rs"]
mod gen;

use std::io::BufWriter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, kind, bytes, out] = args.as_slice() else {
        return Err("usage: x12gen 835|837 BYTES OUT".into());
    };
    let target: usize = bytes.parse()?;
    let file = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    match kind.as_str() {
        "835" => drop(gen::write_835(file, target)?),
        "837" => drop(gen::write_837(file, target)?),
        _ => return Err("kind must be 835 or 837".into()),
    }
    Ok(())
}
