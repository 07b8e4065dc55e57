//! Fuzzes the 835 parser (whole-input, streaming and the borrowed view),
//! the 999 and 277CA readers: no input may panic, and every 835 API agrees
//! on the claims read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otbill_era::{ClaimRef, RemitVisitor, Remittance};

/// Reads every part of every borrowed claim, owned copies kept to compare.
#[derive(Default)]
struct Visit {
    claims: Vec<otbill_era::Claim>,
    remittances: usize,
}

impl RemitVisitor for Visit {
    fn claim(&mut self, c: &ClaimRef<'_>) {
        for line in c.lines() {
            let _ = (line.balanced(), line.procedure_code().modifiers().count());
            let _ = (
                line.adjustments().count(),
                line.dates().count(),
                line.remarks().count(),
            );
            let _ = line.original().map(|o| o.code());
        }
        let _ = (c.adjustments().count(), c.references().count(), c.patient());
        self.claims.push(c.to_claim());
    }
    fn remittance(&mut self, _: Remittance) {
        self.remittances += 1;
    }
}

fuzz_target!(|data: &[u8]| {
    let era = otbill_era::parse_835(data);
    let mut claims = 0;
    for event in otbill_era::Stream835::new(data) {
        if let Ok(otbill_era::Event::Claim(_)) = event {
            claims += 1;
        }
    }
    let whole: Vec<&otbill_era::Claim> = era.remittances.iter().flat_map(|r| &r.claims).collect();
    assert_eq!(claims, whole.len());
    let mut visit = Visit::default();
    otbill_era::visit_835(data, &mut visit);
    assert_eq!(visit.claims.iter().collect::<Vec<_>>(), whole);
    assert_eq!(visit.remittances, era.remittances.len());
    let _ = otbill_era::parse_999(data);
    let _ = otbill_era::parse_277ca(data);
});
