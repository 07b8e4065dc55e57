//! 835 reading over our own fixture (`tests/fixtures/remit.835`): the typed
//! result, the JSON contract, balancing findings and odd encodings.

use otbill_era::{parse_835, Era, Event, Stream835};

const REMIT: &str = include_str!("fixtures/remit.835");

fn codes(era: &Era) -> Vec<&'static str> {
    era.findings
        .iter()
        .chain(era.remittances.iter().flat_map(|r| &r.findings))
        .map(|f| f.code)
        .collect()
}

#[test]
fn typed_remittance() {
    let era = parse_835(REMIT.as_bytes());
    assert_eq!(codes(&era), Vec::<&str>::new());
    let r = &era.remittances[0];
    assert!(r.balanced);
    assert_eq!(r.payment_amount.to_string(), "229.50");
    assert_eq!(r.payment_method, "ACH");
    assert_eq!(r.trace_number, "EFT000123");
    assert_eq!(
        r.payment_date.map(|d| d.to_string()).as_deref(),
        Some("2026-12-01")
    );
    assert_eq!(r.payer.name, "ACME HEALTH PLAN");
    assert_eq!(r.payee.id, "1234567893");
    assert_eq!(r.payee.address.as_ref().map(|a| a.lines.len()), Some(2));
    assert_eq!(r.claims.len(), 3);

    let first = &r.claims[0];
    assert_eq!(first.payer_claim_number, "ICN0001");
    assert_eq!(
        first.patient.as_ref().map(|p| p.last_name.as_str()),
        Some("DOE")
    );
    let line = &first.lines[0];
    assert_eq!(
        (line.code.as_str(), line.units.to_string().as_str()),
        ("97530", "2")
    );
    // Both triples of `CAS*PR*1*10*1*2*5`.
    let pr: Vec<(String, String)> = line
        .adjustments
        .iter()
        .filter(|a| a.group == "PR")
        .map(|a| (a.reason.to_string(), a.amount.to_string()))
        .collect();
    assert_eq!(pr, [("1".into(), "10".into()), ("2".into(), "5".into())]);
    assert_eq!(line.control_number.as_deref(), Some("L-001-1"));
    assert_eq!(
        line.allowed.map(|a| a.to_string()).as_deref(),
        Some("107.25")
    );
    let changed = &first.lines[1];
    assert_eq!(
        changed.original.as_ref().map(|p| p.code.as_str()),
        Some("97112")
    );

    assert_eq!(r.claims[1].status, "4");
    assert_eq!(r.claims[1].lines[0].remarks, ["N130"]);
    assert_eq!(r.claims[2].adjustments[0].reason, "1");
    let plb: Vec<String> = r
        .provider_adjustments
        .iter()
        .map(|p| format!("{}:{}:{}", p.reason, p.reference, p.amount))
        .collect();
    assert_eq!(plb, ["WO:ICN0000:20", "L6::-5"]);
}

#[test]
fn json_contract() {
    let era = parse_835(REMIT.as_bytes());
    let json = serde_json::to_value(&era).unwrap_or_default();
    let r = &json["remittances"][0];
    assert_eq!(r["payment_amount"], "229.50");
    assert_eq!(r["payment_method"], "ACH");
    assert_eq!(r["trace_number"], "EFT000123");
    assert_eq!(r["payer"]["name"], "ACME HEALTH PLAN");
    assert_eq!(r["balanced"], true);
    assert!(r["findings"].as_array().is_some_and(Vec::is_empty));
    let claim = &r["claims"][0];
    assert_eq!(claim["patient_control_number"], "PCN-001");
    assert_eq!(claim["status"], "1");
    assert_eq!(claim["charge"], "270");
    assert_eq!(claim["paid"], "184.50");
    assert_eq!(claim["patient_responsibility"], "30");
    assert_eq!(claim["payer_claim_number"], "ICN0001");
    let line = &claim["lines"][0];
    assert_eq!(line["code"], "97530");
    assert_eq!(line["modifiers"], serde_json::json!(["GO"]));
    assert_eq!(line["units"], 2);
    assert_eq!(line["charge"], "135");
    assert_eq!(line["paid"], "92.25");
    assert_eq!(
        line["adjustments"][0],
        serde_json::json!({"group": "CO", "reason": "45", "amount": "27.75"})
    );
    assert_eq!(r["claims"][2]["adjustments"][0]["group"], "PR");
    assert_eq!(r["provider_adjustments"][0]["amount"], "20");
}

#[test]
fn each_balancing_rule_is_a_finding() {
    // Line paid off by one cent: line and claim rules both fail.
    let line = REMIT.replace("SVC*HC:97535*100*65**1", "SVC*HC:97535*100*65.01**1");
    let era = parse_835(line.as_bytes());
    assert!(!era.balanced());
    assert_eq!(codes(&era), ["ERA-LINE-BALANCE"]);
    let finding = &era.remittances[0].findings[0];
    assert_eq!(finding.position.map(|p| p.segment), Some(42));
    assert_eq!(
        era.remittances[0]
            .claims
            .iter()
            .filter(|c| !c.balanced)
            .count(),
        1
    );

    let claim = REMIT.replace("CLP*PCN-003*1*100*60", "CLP*PCN-003*1*100*61");
    assert_eq!(
        codes(&parse_835(claim.as_bytes())),
        ["ERA-CLAIM-BALANCE", "ERA-TRANSACTION-BALANCE"]
    );

    let bpr = REMIT.replace("BPR*I*229.50", "BPR*I*229.51");
    assert_eq!(
        codes(&parse_835(bpr.as_bytes())),
        ["ERA-TRANSACTION-BALANCE"]
    );

    let garbage = REMIT.replace("CAS*CO*45*30~", "CAS*CO*45*THIRTY~");
    let era = parse_835(garbage.as_bytes());
    assert!(!era.balanced());
    assert!(codes(&era).contains(&"ERA-BALANCE-UNVERIFIED"));
}

#[test]
fn other_delimiters_bom_and_pretty_print() {
    let odd: String = REMIT
        .replace('*', "|")
        .replace(':', ">")
        .replace("~\n", "\r\n    ");
    let input = [b"\xEF\xBB\xBF".as_slice(), odd.as_bytes()].concat();
    let era = parse_835(&input);
    assert_eq!(codes(&era), ["X12-BOM"]);
    assert_eq!(era.remittances[0].claims[0].lines[0].modifiers, ["GO"]);
    let utf16: Vec<u8> = REMIT.bytes().flat_map(|b| [b, 0]).collect();
    assert!(parse_835(&utf16).balanced());
    assert_eq!(parse_835(&utf16).remittances[0].claims.len(), 3);
}

#[test]
fn stream_yields_claims_then_remittance() {
    let mut kinds = Vec::new();
    for event in Stream835::new(REMIT.as_bytes()) {
        match event {
            Ok(Event::Claim(c)) => kinds.push(c.patient_control_number.to_string()),
            Ok(Event::Remittance(r)) => {
                assert!(r.balanced && r.claims.is_empty());
                kinds.push(format!("end {}", r.payment_amount));
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(kinds, ["PCN-001", "PCN-002", "PCN-003", "end 229.50"]);
}

#[test]
fn unreadable_input_is_a_finding() {
    let era = parse_835(b"this is not x12");
    assert!(era.remittances.is_empty());
    assert_eq!(era.unreadable().map(|f| f.code), Some("X12-NO-ISA"));
    let era = parse_835(b"");
    assert_eq!(era.unreadable().map(|f| f.code), Some("X12-EMPTY"));
    let era = parse_835(b"ST*837*1~BHT*0019~SE*3*1~");
    let finding = era.unreadable();
    assert_eq!(finding.map(|f| f.code), Some("ERA-NOT-835"));
    assert_eq!(finding.and_then(|f| f.position).map(|p| p.segment), Some(1));
}
