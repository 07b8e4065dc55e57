//! Conformance over the shared sample folder (`../shared/x12-samples`).
//!
//! Every 835 reads without panic and its balance verdict matches the
//! samples README; every 999/277 reads; every 837 (negatives included)
//! gives findings rather than panics. The folder is outside the repo: when
//! it is absent the test says it was skipped and passes. `OTBILL_SHARED`
//! points at the `shared` folder when it lives elsewhere.

use std::path::PathBuf;

/// The 835 samples the README names as not balancing.
const UNBALANCED: &[&str] = &[
    "lfh__tertiary-payment.835",
    "affect835__sample_835.txt",
    "oopfactory__Example1.txt",
    "oopfactory__ExampleFromNth.txt",
    "oopfactory__835_WithMultipleInterchanges.txt",
];

/// `$OTBILL_SHARED/x12-samples` (or `$OTBILL_SHARED` itself when it is the
/// samples folder), else `shared/x12-samples` beside the repository.
fn samples() -> Option<PathBuf> {
    let candidates = match std::env::var_os("OTBILL_SHARED") {
        Some(shared) => vec![
            PathBuf::from(&shared).join("x12-samples"),
            PathBuf::from(shared),
        ],
        None => vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/x12-samples")],
    };
    candidates.into_iter().find(|dir| dir.join("835").is_dir())
}

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    std::fs::read(e.path()).ok().map(|bytes| (name, bytes))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn shared_samples() {
    let Some(dir) = samples() else {
        println!("skipped: no x12-samples folder (set OTBILL_SHARED to the shared folder)");
        return;
    };
    let mut mismatches = Vec::new();
    let remits = files(&dir.join("835"));
    assert!(
        remits.len() >= 19,
        "expected the 19 sample 835s, found {}",
        remits.len()
    );
    for (name, bytes) in &remits {
        let era = otbill_era::parse_835(bytes);
        assert!(
            !era.remittances.is_empty(),
            "{name}: no remittance read: {:?}",
            era.findings
        );
        let expected = !UNBALANCED.contains(&name.as_str());
        if era.balanced() != expected {
            let findings: Vec<String> = era
                .remittances
                .iter()
                .flat_map(|r| r.findings.iter().map(|f| f.to_string()))
                .collect();
            mismatches.push(format!(
                "{name}: balanced {} expected {expected}: {findings:?}",
                era.balanced()
            ));
        }
        // The stream must agree with the whole-input parse.
        let mut stream = otbill_era::Stream835::new(&bytes[..]);
        let mut claims = 0;
        let mut balanced = true;
        for event in stream.by_ref() {
            match event {
                Ok(otbill_era::Event::Claim(_)) => claims += 1,
                Ok(otbill_era::Event::Remittance(r)) => balanced &= r.balanced,
                Err(e) => panic!("{name}: {e}"),
            }
        }
        let whole: usize = era.remittances.iter().map(|r| r.claims.len()).sum();
        assert_eq!(
            (claims, balanced),
            (whole, era.balanced()),
            "{name}: stream differs"
        );
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));

    let mut acks = 0;
    for (name, bytes) in files(&dir.join("other")) {
        let (n999, _) = otbill_era::parse_999(&bytes);
        let (n277, _) = otbill_era::parse_277ca(&bytes);
        let findings = otbill_x12::check(&bytes);
        if name.contains("999") {
            assert!(
                n999.iter().all(|a| !a.transactions.is_empty()),
                "{name}: {n999:?}"
            );
            assert!(!n999.is_empty(), "{name}: no 999 read");
            acks += 1;
        }
        if name.contains("277") {
            assert!(!n277.is_empty(), "{name}: no 277 read");
            acks += 1;
        }
        match name.as_str() {
            "imsweb__x12_999_rejected.txt" => {
                let t = &n999[0].transactions[0];
                assert!(
                    !t.accepted && t.segment_errors[0].segment_id == "NM",
                    "{name}: {t:?}"
                );
            }
            "imsweb__x12_999_accepted.txt" => assert!(n999[0].transactions[0].accepted, "{name}"),
            "imsweb__x12_277CA_rejected.txt" => {
                let claim = &n277[0].claims[0];
                assert_eq!(claim.outcome, otbill_era::Outcome::Rejected, "{name}");
                assert_eq!(claim.statuses[0].category, "A7");
            }
            "imsweb__x12_277CA_accepted.txt" => {
                assert_eq!(
                    n277[0].claims[0].outcome,
                    otbill_era::Outcome::Accepted,
                    "{name}"
                );
                assert_eq!(n277[0].claims[0].patient_control_number, "5781");
            }
            _ => {}
        }
        if name.contains("TA1") {
            assert!(n999.is_empty() && n277.is_empty());
        }
        let _ = findings;
    }
    assert!(acks >= 12, "expected the 999/277 samples, read {acks}");

    let claims = files(&dir.join("837p"));
    assert!(claims.len() >= 50);
    let mut clean = 0;
    for (name, bytes) in &claims {
        let findings = otbill_x12::check(bytes);
        if findings
            .iter()
            .all(|f| f.severity != otbill_x12::Severity::Error)
        {
            clean += 1;
        }
        if name == "imsweb__x12_no_isa_line.txt" || name == "oopfactory__ProfessionalClaim1.txt" {
            assert!(!findings.is_empty(), "{name}: expected findings");
        }
    }
    println!(
        "conformance: {} 835, {acks} 999/277, {} 837 ({clean} without envelope errors)",
        remits.len(),
        claims.len()
    );
}
