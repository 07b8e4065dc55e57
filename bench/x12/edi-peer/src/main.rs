//! Times the `edi` crate (`edi::parse`, the generic ISA/GS/ST/segment tree)
//! on the benchmark files: `edi-peer RUNS FILE...`, best of RUNS.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3);
    for path in args {
        let text = std::fs::read_to_string(&path).expect("read input");
        let mut best = f64::MAX;
        let mut segments = 0;
        for _ in 0..runs {
            let start = Instant::now();
            let doc = edi::loose_parse(&text).expect("edi parse");
            segments = doc
                .interchanges
                .iter()
                .flat_map(|i| &i.functional_groups)
                .flat_map(|g| &g.transactions)
                .map(|t| t.segments.len())
                .sum::<usize>();
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!(
            "edi-crate-loose_parse\t{path}\t{}\t{best:.4}\t{:.1} MB/s\t{segments} segments",
            text.len(),
            text.len() as f64 / 1e6 / best
        );
    }
}
