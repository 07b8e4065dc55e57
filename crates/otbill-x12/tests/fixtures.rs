//! The odd inputs real senders produce, one small fixture each: what the
//! readers see in them and which findings `check` reports.

use otbill_x12::{check, decode, Reader, StreamReader};

/// Reads `name` both ways and returns (segment ids, SV1 procedure, finding codes).
#[track_caller]
fn read(name: &str) -> (Vec<String>, String, Vec<&'static str>) {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let input = decode(&bytes);
    let segments: Vec<_> = Reader::new(&input).collect();
    let ids: Vec<String> = segments.iter().map(|s| s.id().to_string()).collect();
    let code = segments
        .iter()
        .find(|s| s.id() == "SV1")
        .map(|s| s.element(1).component(2).as_str().to_string())
        .unwrap_or_default();
    let mut stream = StreamReader::new(&bytes[..]);
    let mut streamed = Vec::new();
    while let Ok(Some(s)) = stream.next_segment() {
        streamed.push(s.id().to_string());
    }
    assert_eq!(streamed, ids, "{name}: stream and slice readers differ");
    (ids, code, check(&bytes).iter().map(|f| f.code).collect())
}

#[test]
fn bom_crlf_and_indentation() {
    let (ids, code, findings) = read("pretty-bom-crlf.x12");
    assert_eq!(ids, ["ISA", "GS", "ST", "BHT", "SV1", "SE", "GE", "IEA"]);
    assert_eq!(code, "97530");
    assert_eq!(findings, ["X12-BOM"]);
}

#[test]
fn unpadded_isa_pipes_and_lf_terminator() {
    let (ids, code, findings) = read("unpadded-lf.x12");
    assert_eq!(ids.len(), 7);
    assert_eq!(code, "97530");
    assert_eq!(findings, ["X12-ISA-UNPADDED"]);
}

#[test]
fn cr_terminator_with_a_wrong_count() {
    let (ids, _, findings) = read("cr-terminated-wrong-count.x12");
    assert_eq!(ids, ["ISA", "GS", "ST", "SE", "GE", "IEA"]);
    assert_eq!(findings, ["X12-SE01-COUNT"]);
}

#[test]
fn fragment_without_envelope() {
    let (ids, _, findings) = read("fragment.x12");
    assert_eq!(ids, ["ST", "BPR", "SE"]);
    assert_eq!(findings, ["X12-NO-ISA", "X12-ST-OUTSIDE-GS"]);
}

#[test]
fn utf16_without_bom() {
    let (ids, code, findings) = read("utf16le.x12");
    assert_eq!(ids.len(), 8);
    assert_eq!(code, "97530");
    assert_eq!(findings, Vec::<&str>::new());
}
