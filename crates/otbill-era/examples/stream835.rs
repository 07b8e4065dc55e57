//! Streams an 835 file in bounded memory and prints claims, balance and
//! peak RSS: `stream835 FILE`. Used by `bench/x12/run.sh` on a 1 GB file.

use std::io::BufReader;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: stream835 FILE")?;
    let bytes = std::fs::metadata(&path)?.len();
    let start = Instant::now();
    let file = BufReader::with_capacity(1 << 16, std::fs::File::open(&path)?);
    let (mut claims, mut remittances, mut balanced) = (0u64, 0u64, true);
    for event in otbill_era::Stream835::new(file) {
        match event? {
            otbill_era::Event::Claim(_) => claims += 1,
            otbill_era::Event::Remittance(r) => {
                remittances += 1;
                balanced &= r.balanced;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: ?");
    println!(
        "stream835\t{bytes} B\t{remittances} remittances\t{claims} claims\tbalanced={balanced}\t{secs:.2} s\t{:.1} MB/s\t{}",
        bytes as f64 / 1e6 / secs,
        hwm.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    Ok(())
}
