//! Fuzzes the 271 reader, its summary and table: no input may panic, and every
//! finding's position lies within the (decoded) input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let read = otbill_elig::read_271(data);
    let len = otbill_x12::decode(data).len();
    for f in &read.findings {
        if let Some(p) = f.position {
            assert!(p.offset <= len, "{f} beyond {len} bytes");
            assert!(p.segment >= 1, "{f}");
        }
    }
    for r in &read.responses {
        let _ = r.summary(&["AD", "30"], true);
        let _ = r.summary(&[], false);
    }
    let _ = otbill_elig::render_table(&read);
    let _ = serde_json::to_string(&read).expect("a 271 serializes");
});
