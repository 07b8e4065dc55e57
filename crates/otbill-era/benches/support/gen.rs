//! Deterministic synthetic 837P and 835 files for benchmarks (no PHI, no
//! randomness beyond a fixed-seed xorshift). Every 835 balances. Shared by
//! `benches/throughput.rs` and `examples/x12gen.rs`.

use otbill_x12::{Delimiters, Group, Interchange, WriteError, Writer};
use std::io::Write;

/// Claims per ST..SE transaction.
const CLAIMS_PER_ST: usize = 100;
const CODES: [&str; 6] = ["97530", "97110", "97112", "97535", "97165", "97140"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Cents as an X12 decimal (`135`, `92.25`).
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let (whole, fraction) = (c / 100, c % 100);
    if fraction == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction:02}")
    }
}

struct Line {
    code: &'static str,
    units: u64,
    charge: i64,
    co: i64,
    pr: i64,
}

fn lines(rng: &mut Rng) -> Vec<Line> {
    (0..3)
        .map(|_| {
            let units = 1 + rng.below(4);
            let charge = 4500 * units as i64;
            let co = (rng.below(1500) as i64) * units as i64;
            let pr = if rng.below(3) == 0 { 1000 } else { 0 };
            Line {
                code: CODES[rng.below(CODES.len() as u64) as usize],
                units,
                charge,
                co,
                pr,
            }
        })
        .collect()
}

/// Writes an 835 of at least `target` bytes to `out`.
pub fn write_835<W: Write>(out: W, target: usize) -> Result<W, WriteError> {
    let mut rng = Rng(0x835_5EED);
    let mut w = Writer::new(Counting(out, 0), Delimiters::default());
    w.begin_interchange(&Interchange::new("ZZ", "PAYERID", "ZZ", "PRACTICE", 1))?;
    w.begin_group(&Group::new("HP", "PAYERID", "PRACTICE", 1, "005010X221A1"))?;
    let mut claim_no = 0usize;
    while w_bytes(&w) < target {
        let claims: Vec<(usize, Vec<Line>)> = (0..CLAIMS_PER_ST)
            .map(|_| {
                claim_no += 1;
                (claim_no, lines(&mut rng))
            })
            .collect();
        let paid: i64 = claims
            .iter()
            .flat_map(|(_, ls)| ls.iter().map(|l| l.charge - l.co - l.pr))
            .sum();
        let plb = 500;
        w.begin_transaction("835", None)?;
        w.segment(
            "BPR",
            &[
                "I",
                &money(paid - plb),
                "C",
                "ACH",
                "CCP",
                "01",
                "999999999",
                "DA",
                "123456",
                "1999999999",
                "",
                "01",
                "999999998",
                "DA",
                "654321",
                "20261201",
            ],
        )?;
        w.segment("TRN", &["1", &format!("EFT{claim_no:09}"), "1999999999"])?;
        w.segment("DTM", &["405", "20261128"])?;
        w.segment("N1", &["PR", "ACME HEALTH PLAN"])?;
        w.segment("N3", &["1 PAYER WAY"])?;
        w.segment("N4", &["SPRINGFIELD", "IL", "627010001"])?;
        w.segment("PER", &["BL", "EDI", "TE", "8005551212"])?;
        w.segment("N1", &["PE", "HAPPY HANDS OT", "XX", "1234567893"])?;
        w.segment("LX", &["1"])?;
        for (no, ls) in &claims {
            let charge: i64 = ls.iter().map(|l| l.charge).sum();
            let pr: i64 = ls.iter().map(|l| l.pr).sum();
            let paid: i64 = ls.iter().map(|l| l.charge - l.co - l.pr).sum();
            let pcn = format!("PCN{no:08}");
            w.segment(
                "CLP",
                &[
                    &pcn,
                    "1",
                    &money(charge),
                    &money(paid),
                    &money(pr),
                    "12",
                    &format!("ICN{no:010}"),
                    "11",
                    "1",
                ],
            )?;
            w.segment(
                "NM1",
                &[
                    "QC",
                    "1",
                    "PATIENT",
                    "SYNTH",
                    "",
                    "",
                    "",
                    "MI",
                    &format!("M{no:08}"),
                ],
            )?;
            w.segment("DTM", &["232", "20261101"])?;
            for (i, l) in ls.iter().enumerate() {
                w.start("SVC")
                    .composite(&["HC", l.code, "GO"])
                    .element(&money(l.charge))
                    .element(&money(l.charge - l.co - l.pr))
                    .element("")
                    .element(&l.units.to_string())
                    .finish()?;
                w.segment("DTM", &["472", "20261101"])?;
                w.segment("CAS", &["CO", "45", &money(l.co)])?;
                if l.pr > 0 {
                    w.segment("CAS", &["PR", "3", &money(l.pr)])?;
                }
                w.segment("REF", &["6R", &format!("{pcn}-{}", i + 1)])?;
                w.segment("AMT", &["B6", &money(l.charge - l.co)])?;
            }
        }
        w.start("PLB")
            .element("1234567893")
            .element("20261231")
            .composite(&["WO", "ICN0000000001"])
            .element(&money(plb))
            .finish()?;
        w.end_transaction()?;
    }
    w.end_group()?;
    Ok(w.finish()?.0)
}

/// Writes an 837P of at least `target` bytes to `out` (realistic shape,
/// not meant as a pyx12-clean claim file).
pub fn write_837<W: Write>(out: W, target: usize) -> Result<W, WriteError> {
    let mut rng = Rng(0x837_5EED);
    let mut w = Writer::new(Counting(out, 0), Delimiters::default());
    w.begin_interchange(&Interchange::new(
        "ZZ",
        "PRACTICE",
        "ZZ",
        "CLEARINGHOUSE",
        1,
    ))?;
    w.begin_group(&Group::new(
        "HC",
        "PRACTICE",
        "CLEARINGHOUSE",
        1,
        "005010X222A1",
    ))?;
    let mut claim_no = 0usize;
    while w_bytes(&w) < target {
        w.begin_transaction("837", Some("005010X222A1"))?;
        w.segment(
            "BHT",
            &[
                "0019",
                "00",
                &format!("B{claim_no:08}"),
                "20261128",
                "1530",
                "CH",
            ],
        )?;
        w.segment(
            "NM1",
            &[
                "41",
                "2",
                "HAPPY HANDS OT",
                "",
                "",
                "",
                "",
                "46",
                "SUBMIT01",
            ],
        )?;
        w.segment("PER", &["IC", "BILLING", "TE", "2175551212"])?;
        w.segment(
            "NM1",
            &["40", "2", "CLEARINGHOUSE", "", "", "", "", "46", "CH01"],
        )?;
        w.segment("HL", &["1", "", "20", "1"])?;
        w.segment("PRV", &["BI", "PXC", "225X00000X"])?;
        w.segment(
            "NM1",
            &[
                "85",
                "2",
                "HAPPY HANDS OT",
                "",
                "",
                "",
                "",
                "XX",
                "1234567893",
            ],
        )?;
        w.segment("N3", &["10 MAIN ST"])?;
        w.segment("N4", &["SPRINGFIELD", "IL", "627020002"])?;
        w.segment("REF", &["EI", "123456789"])?;
        let mut hl = 1;
        for _ in 0..CLAIMS_PER_ST {
            claim_no += 1;
            hl += 1;
            let ls = lines(&mut rng);
            w.segment("HL", &[&hl.to_string(), "1", "22", "0"])?;
            w.segment("SBR", &["P", "18", "", "", "", "", "", "", "CI"])?;
            w.segment(
                "NM1",
                &[
                    "IL",
                    "1",
                    "PATIENT",
                    "SYNTH",
                    "",
                    "",
                    "",
                    "MI",
                    &format!("M{claim_no:08}"),
                ],
            )?;
            w.segment("N3", &["20 ELM ST"])?;
            w.segment("N4", &["SPRINGFIELD", "IL", "627030003"])?;
            w.segment("DMG", &["D8", "19800101", "F"])?;
            w.segment(
                "NM1",
                &["PR", "2", "ACME HEALTH PLAN", "", "", "", "", "PI", "ACME1"],
            )?;
            let charge: i64 = ls.iter().map(|l| l.charge).sum();
            let pcn = format!("PCN{claim_no:08}");
            w.start("CLM")
                .element(&pcn)
                .element(&money(charge))
                .element("")
                .element("")
                .composite(&["11", "B", "1"])
                .element("Y")
                .element("A")
                .element("Y")
                .element("Y")
                .finish()?;
            w.start("HI")
                .composite(&["ABK", "M6281"])
                .composite(&["ABF", "R262"])
                .finish()?;
            for (i, l) in ls.iter().enumerate() {
                w.segment("LX", &[&(i + 1).to_string()])?;
                w.start("SV1")
                    .composite(&["HC", l.code, "GO"])
                    .element(&money(l.charge))
                    .element("UN")
                    .element(&l.units.to_string())
                    .element("")
                    .element("")
                    .composite(&["1", "2"])
                    .finish()?;
                w.segment("DTP", &["472", "D8", "20261101"])?;
                w.segment("REF", &["6R", &format!("{pcn}-{}", i + 1)])?;
            }
        }
        w.end_transaction()?;
    }
    w.end_group()?;
    Ok(w.finish()?.0)
}

/// A writer that counts the bytes written through it.
pub struct Counting<W>(pub W, pub usize);

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(buf)?;
        self.1 += n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn w_bytes<W: Write>(w: &Writer<Counting<W>>) -> usize {
    w.get_ref().1
}
