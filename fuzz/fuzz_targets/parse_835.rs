//! Fuzzes the 835 parser (whole-input and streaming), the 999 and 277CA
//! readers: no input may panic, and whole and streamed 835 reads agree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let era = otbill_era::parse_835(data);
    let mut claims = 0;
    for event in otbill_era::Stream835::new(data) {
        if let Ok(otbill_era::Event::Claim(_)) = event {
            claims += 1;
        }
    }
    let whole: usize = era.remittances.iter().map(|r| r.claims.len()).sum();
    assert_eq!(claims, whole);
    let _ = otbill_era::parse_999(data);
    let _ = otbill_era::parse_277ca(data);
});
