//! [`otbill_era::write_835_json`] against serde_json over [`otbill_era::parse_835`]:
//! the same bytes, pretty and compact, on our fixture, inputs with text that needs
//! escaping, odd decimals, dates, nulls and findings, the generated benchmark 835s, random
//! segment soups and every shared sample 835; each also cut into parts read on several
//! threads ([`otbill_era::write_835_json_split`]), which must write the same bytes.

#[path = "../benches/support/gen.rs"]
#[allow(dead_code)]
mod gen;

use otbill_era::{parse_835, write_835_json, write_835_json_split, JsonStyle, Split};
use proptest::prelude::*;
use std::path::PathBuf;

/// Splits that cut even small inputs: every transaction a part, or a few together, on
/// 2, 3 and 7 threads.
const SPLITS: [Split; 6] = [
    Split {
        threads: 2,
        part_bytes: 1,
        min_input: 0,
    },
    Split {
        threads: 3,
        part_bytes: 1,
        min_input: 0,
    },
    Split {
        threads: 7,
        part_bytes: 1,
        min_input: 0,
    },
    Split {
        threads: 2,
        part_bytes: 700,
        min_input: 0,
    },
    Split {
        threads: 3,
        part_bytes: 3000,
        min_input: 0,
    },
    Split {
        threads: 7,
        part_bytes: 20_000,
        min_input: 0,
    },
];

/// Asserts both styles write what serde writes, on one thread and split as in
/// [`SPLITS`]; returns the number of remittances.
#[track_caller]
fn same_as_serde(name: &str, input: &[u8]) -> usize {
    let n = same_as_serde_split(name, input, None);
    for split in SPLITS {
        same_as_serde_split(name, input, Some(split));
    }
    n
}

#[track_caller]
fn same_as_serde_split(name: &str, input: &[u8], split: Option<Split>) -> usize {
    let era = parse_835(input);
    let name = &match split {
        Some(s) => format!(
            "{name} ({} threads, parts of {} bytes)",
            s.threads, s.part_bytes
        ),
        None => name.to_string(),
    };
    for style in [JsonStyle::Pretty, JsonStyle::Compact] {
        let mut ours = Vec::new();
        let written = match split {
            Some(split) => write_835_json_split(input, style, split, &mut ours),
            None => write_835_json(input, style, &mut ours),
        }
        .expect("writing to a Vec");
        assert_eq!(written.remittances, era.remittances.len(), "{name}");
        assert_eq!(written.findings, era.findings, "{name}");
        assert_eq!(written.unreadable(), era.unreadable(), "{name}");
        if era.remittances.is_empty() {
            assert!(ours.is_empty(), "{name}: wrote without a remittance");
            continue;
        }
        let theirs = match style {
            JsonStyle::Pretty => serde_json::to_vec_pretty(&era),
            JsonStyle::Compact => serde_json::to_vec(&era),
        }
        .expect("serde");
        if ours != theirs {
            let (ours, theirs) = (
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
            );
            let at = ours
                .bytes()
                .zip(theirs.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(theirs.len()));
            let from = at.saturating_sub(200);
            panic!(
                "{name} ({style:?}): differs at byte {at}\n--- ours\n{}\n--- serde\n{}",
                ours.get(from..(at + 200).min(ours.len()))
                    .unwrap_or_default(),
                theirs
                    .get(from..(at + 200).min(theirs.len()))
                    .unwrap_or_default()
            );
        }
    }
    era.remittances.len()
}

#[test]
fn fixture() {
    assert_eq!(
        same_as_serde("remit.835", include_bytes!("fixtures/remit.835")),
        1
    );
}

#[test]
fn text_decimals_dates_nulls_and_findings() {
    let inputs: &[(&str, &[u8])] = &[
        // Quotes, backslashes, control characters, UTF-8, invalid UTF-8 and long text in
        // claim, line and header fields.
        (
            "escaping",
            b"ST*835*\"1\"~BPR*I*5.10*C*CH\\K*******************20261201~TRN*1*T\"R\\N*1X~\
N1*PR*PAYER \"QUOTED\" \\ NAME\x01\t*XV*ID~N3*\xc3\xbc STREET*\xff~N4*CITY*ST*1~\
REF*2U*A\"B~N1*PE*PAYEE*XX*1~LX*1~\
CLP*P\"C\\N\x02*1*5.10*5.10*0*12*ICN \xe2\x82\xac LONGER THAN TWENTY-TWO BYTES*11*1~\
NM1*QC*1*M\xc3\x9cLLER*JO\"E****MI*\x7f\x1f~DTM*232*20261101~AMT*AU*5.10~REF*EA*R\\1~\
SVC*HC:97530:G\"O:\xff*5.10*5.10*R\\V*1.50*HC:9\\7110:GO*2.25~DTM*472*20261101~\
REF*6R*L\"1~REF*ZZ*Z\x0a~AMT*B6*5.1~AMT*ZZ*-0.00~LQ*HE*N\"1~LQ*HE*M\\2~SE*20*\"1\"~",
        ),
        // Scales, negative amounts, zero, quantities, no patient, no payment date, a
        // changed procedure with fractional units, the revenue code.
        (
            "decimals",
            b"ST*835*0001~BPR*I*-0.50*D*NON~DTM*405*20261128~LX*1~\
CLP*A*22*-100.00*-100.00*0.000*12~CAS*CO*45*0*1.5*253*-.5*2~\
SVC*HC:97530*-100.00*-100.00*0420*0.25*HC:97110:GO:KX:59:XU*.5~CAS*PR*1*0.000*3~\
SVC*HC:97110*5.*5.**123456789012345678~\
CLP*B*1*99.99*99.98*0~SVC*HC:1*99.99*99.98~CAS*CO*45*0.01~\
PLB*1*20261231*WO:ICN1*100.5*L6*-100.01**0~SE*12*0001~",
        ),
        // Unbalanced line, claim and transaction, unreadable amounts and dates, content
        // out of place: findings in the remittance and outside it.
        (
            "findings",
            b"ISA*00*          *00*          *ZZ*P              *ZZ*Q              *261128*1530*^*00501*000000001*0*T*:~\
GS*HP*P*Q*20261128*1530*1*X*005010X221A1~ST*835*0001~BPR*I*5*C*CHK*******************2026x~\
CAS*CO*45*1~CLP*A*1*9*5*x~SVC*HC:97530*5*x*2*3~DTM*472*20261301~CAS*CO*1*1*q~\
SVC*:*1*1~CLP*B*1~SE*9*0002~GE*2*1~IEA*1*000000002~",
        ),
        // The header changes after the first claim: BPR, TRN and N1 come late, then a
        // DTM*405 after LX; two transactions, a non-835 between, no SE at the end.
        (
            "late header",
            b"ST*835*1~CLP*A*1*5*5~BPR*I*5*C*CHK~CLP*B*1*0*0~TRN*1*LATE*1~N1*PR*LATE PAYER~\
N3*1 WAY*2 WAY~N4*X*Y*Z~REF*2U*1~LX*1~DTM*405*20261128~CLP*C*1*0*0~SE*9*1~\
ST*999*2~AK1*HC*1~SE*3*2~ST*835*3~BPR*I*2*C*CHK~LX*1~CLP*C*1*2*2~SVC*HC:X*2*2~\
DTM*150*20260101~PLB*1*20261231*WO:X*1~",
        ),
        (
            "no claims",
            b"ST*835*1~BPR*I*0*C*NON~SE*3*1~",
        ),
        (
            "dates",
            b"ST*835*1~BPR*I*0*C*NON*******************00010101~DTM*405*99991231~\
CLP*A*1*0*0~DTM*232*20240229~DTM*233*00000101~SE*6*1~",
        ),
    ];
    for (name, input) in inputs {
        assert!(same_as_serde(name, input) >= 1, "{name}");
    }
}

#[test]
fn nothing_is_written_for_what_is_not_an_835() {
    for input in [&b""[..], b"ST*837*1~SE*2*1~", b"GARBAGE", b"ISA*00~"] {
        assert_eq!(same_as_serde("not an 835", input), 0);
    }
}

#[test]
fn generated_benchmark_files() {
    let file = gen::write_835(Vec::new(), 300_000).expect("generate");
    assert!(same_as_serde("generated 835", &file) > 1);
    // The same file unbalanced everywhere: a finding per claim.
    let text = String::from_utf8_lossy(&file).replace("CAS*CO*45*", "CAS*CO*45*1");
    assert!(same_as_serde("generated, unbalanced", text.as_bytes()) > 1);
}

/// The generated file in other layouts and with envelope problems, cut into parts:
/// positions, line numbers and the envelope findings must be the whole file's.
#[test]
fn generated_files_split() {
    let file = gen::write_835(Vec::new(), 200_000).expect("generate");
    let text = String::from_utf8_lossy(&file).into_owned();
    let transactions = text.matches("~ST*").count();
    assert!(transactions > 3, "{transactions} transactions");
    let mut second_isa = text.clone();
    let isa = &text[..106];
    second_isa.push_str(isa);
    second_isa.push_str(&text[106..]);
    let cases: Vec<(&str, String)> = vec![
        ("lines", text.replace('~', "~\n")),
        ("crlf and indent", text.replace('~', "~\r\n  ")),
        ("cr", text.replace('~', "~\r")),
        ("newline terminator", text.replace('~', "\n")),
        ("cr terminator, crlf", text.replace('~', "\r\n")),
        ("bom", format!("\u{feff}{text}")),
        (
            "leading blank lines",
            format!("\n\n  {}", text.replace('~', "~\n")),
        ),
        (
            "empty segments",
            text.replace("~ST*", "~~ST*").replace("~SE*", "~~\n~SE*"),
        ),
        ("se count wrong", text.replace("~SE*", "~SE*9")),
        ("st02 repeated", text.replace("~ST*835*", "~ST*835*1")),
        ("se missing", text.replacen("~SE*", "~XSE*", 2)),
        (
            "ge and iea missing",
            text.replace("~GE*", "~").replace("~IEA*", "~"),
        ),
        (
            "not an 835 between",
            text.replacen("~ST*835*", "~ST*837*", 2),
        ),
        ("second interchange", second_isa),
        (
            "content outside",
            text.replace("~ST*", "~CAS*CO*45*1~LX*1~ST*"),
        ),
        ("unterminated", text.trim_end_matches('~').to_string()),
        (
            "unbalanced lines",
            text.replace("CAS*CO*45*", "CAS*CO*45*1"),
        ),
        (
            "unbalanced transactions",
            text.replace("~BPR*I*", "~BPR*I*1"),
        ),
        (
            "bad amounts",
            text.replace("~AMT*B6*", "~AMT*B6*x")
                .replace("*45*1", "*45*y"),
        ),
    ];
    for (name, input) in &cases {
        assert!(same_as_serde(name, input.as_bytes()) > 0, "{name}");
    }
    // A later ISA with other delimiters: read in one piece, still the same bytes.
    let other = text[..106].replace('*', "|").replace('~', "\n")
        + &text[106..].replace('*', "|").replace('~', "\n");
    let mixed = format!("{text}{other}");
    assert!(same_as_serde("delimiters change", mixed.as_bytes()) > 0);
    // UTF-16: decoded first.
    let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(same_as_serde("utf-16", &utf16) > 0);
}

fn shared_835s() -> Vec<(String, Vec<u8>)> {
    let dir = match std::env::var_os("OTBILL_SHARED") {
        Some(shared) => [
            PathBuf::from(&shared).join("x12-samples"),
            PathBuf::from(shared),
        ]
        .into_iter()
        .find(|d| d.join("835").is_dir()),
        None => Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/x12-samples"))
            .filter(|d| d.join("835").is_dir()),
    };
    let Some(dir) = dir else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("835"))
        .map(|it| {
            it.filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    std::fs::read(e.path()).ok().map(|b| (name, b))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn shared_samples() {
    let samples = shared_835s();
    if samples.is_empty() {
        println!("skipped: no x12-samples folder (set OTBILL_SHARED to the shared folder)");
        return;
    }
    for (name, bytes) in &samples {
        same_as_serde(name, bytes);
        // Pretty-printed the way some senders do it.
        let text = String::from_utf8_lossy(bytes);
        if !text.contains('\n') {
            let lines = text.replace('~', "~\r\n");
            same_as_serde(&format!("{name}, one segment a line"), lines.as_bytes());
        }
    }
}

const ISA: &[u8] = b"ISA*00*          *00*          *ZZ*P              *ZZ*Q              \
*261128*1530*^*00501*000000001*0*T*:~GS*HP*P*Q*20261128*1530*1*X*005010X221A1~";

/// A segment of an 835 with elements drawn from `values`.
fn segment() -> impl Strategy<Value = Vec<u8>> {
    let ids = prop::sample::select(vec![
        "ST", "SE", "BPR", "TRN", "DTM", "N1", "N3", "N4", "REF", "LX", "CLP", "NM1", "CAS", "SVC",
        "AMT", "LQ", "PLB", "GS", "ISA",
    ]);
    let value = prop::sample::select(vec![
        "",
        "835",
        "1",
        "22",
        "4",
        "PR",
        "PE",
        "QC",
        "6R",
        "B6",
        "AU",
        "405",
        "472",
        "CO",
        "PR",
        "HE",
        "HC:97530:GO",
        "HC:97110::KX",
        "WO:ICN1",
        "L6",
        "5",
        "-5.25",
        "0.10",
        ".5",
        "100",
        "x",
        "20261201",
        "20261301",
        "\"Q\"",
        "B\\S",
        "\u{fc}",
        "\x01\t",
    ]);
    (ids, prop::collection::vec(value, 0..10)).prop_map(|(id, values)| {
        let mut seg = id.as_bytes().to_vec();
        for v in values {
            seg.push(b'*');
            seg.extend_from_slice(v.as_bytes());
        }
        seg.push(b'~');
        seg
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_segments(
        body in prop::collection::vec(segment(), 0..60),
        invalid in any::<bool>(),
        envelope in any::<bool>(),
    ) {
        let mut input = Vec::new();
        if envelope {
            input.extend_from_slice(ISA);
        }
        input.extend_from_slice(b"ST*835*1~BPR*I*5*C*CHK~");
        for seg in body {
            input.extend_from_slice(&seg);
        }
        if invalid {
            input.extend_from_slice(b"CLP*\xff\xfe*1*1*1~");
        }
        same_as_serde("random", &input);
    }
}
