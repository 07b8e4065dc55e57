//! Property: what the `Writer` writes, the readers read back identically,
//! whatever the delimiters, and the envelope it builds checks clean.

use otbill_x12::{check, Delimiters, Group, Interchange, Reader, StreamReader, Writer};
use proptest::prelude::*;

/// Candidate delimiters, including a newline terminator.
const DELIMS: &[u8] = b"*|~:^>!{}_\n";

fn delimiters() -> impl Strategy<Value = Delimiters> {
    (Just(DELIMS.to_vec()).prop_shuffle(), any::<bool>()).prop_filter_map(
        "newline only as terminator",
        |(d, with_rep)| {
            let delimiters = Delimiters {
                element: d[0],
                component: d[1],
                repetition: with_rep.then_some(d[2]),
                segment: d[3],
            };
            let only_terminator_is_newline = [d[0], d[1], d[2]].iter().all(|b| *b != b'\n');
            only_terminator_is_newline.then_some(delimiters)
        },
    )
}

/// A composite: 1-3 components, the last non-empty (the writer drops empty trailing ones).
fn composite() -> impl Strategy<Value = Vec<String>> {
    (
        prop::collection::vec("[A-Z0-9 .*|~:^>!{}_-]{0,6}", 0..3),
        "[A-Z0-9.*|~:^>!{}_-]{1,6}",
    )
        .prop_map(|(mut head, last)| {
            head.push(last);
            head
        })
}

#[derive(Debug, Clone)]
struct Seg {
    id: String,
    elements: Vec<Vec<String>>,
}

fn segment() -> impl Strategy<Value = Seg> {
    (
        "[A-Z][A-Z0-9]{1,2}",
        prop::collection::vec(prop_oneof![composite(), Just(vec![])], 0..5),
        composite(),
    )
        .prop_filter_map("not an envelope id", |(id, mut elements, last)| {
            elements.push(last);
            (!matches!(
                id.as_str(),
                "ISA" | "IEA" | "GS" | "GE" | "ST" | "SE" | "TA1"
            ))
            .then_some(Seg { id, elements })
        })
}

fn clean(s: &str, d: &Delimiters) -> String {
    s.bytes()
        .filter(|b| !d.is_delimiter(*b))
        .map(char::from)
        .collect()
}

/// Drops delimiter bytes from the data, then makes it non-empty at the
/// ends so the writer's trimming does not change it.
fn sanitize(segments: &[Seg], d: &Delimiters) -> Vec<Seg> {
    segments
        .iter()
        .map(|s| {
            let mut elements: Vec<Vec<String>> = s
                .elements
                .iter()
                .map(|c| c.iter().map(|x| clean(x, d)).collect::<Vec<_>>())
                .collect();
            for components in &mut elements {
                if components.last().is_some_and(String::is_empty) {
                    if let Some(last) = components.last_mut() {
                        last.push('X');
                    }
                }
            }
            Seg {
                id: s.id.clone(),
                elements,
            }
        })
        .collect()
}

fn write(segments: &[Seg], d: Delimiters) -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), d);
    let result = (|| {
        w.begin_interchange(&Interchange::new("ZZ", "S", "ZZ", "R", 7))?;
        w.begin_group(&Group::new("HC", "S", "R", 3, "005010X222A1"))?;
        w.begin_transaction("837", Some("005010X222A1"))?;
        for s in segments {
            let mut b = w.start(&s.id);
            for components in &s.elements {
                let refs: Vec<&str> = components.iter().map(String::as_str).collect();
                b = b.composite(&refs);
            }
            b.finish()?;
        }
        w.end_transaction()
    })();
    assert!(result.is_ok(), "{result:?}");
    w.finish().unwrap_or_default()
}

fn read_back(bytes: &[u8]) -> Vec<Seg> {
    Reader::new(bytes)
        .filter(|s| !matches!(s.id(), "ISA" | "IEA" | "GS" | "GE" | "ST" | "SE"))
        .map(|s| Seg {
            id: s.id().to_string(),
            elements: s
                .elements()
                .map(|e| {
                    if e.is_empty() {
                        vec![]
                    } else {
                        e.components().map(|c| c.as_str().to_string()).collect()
                    }
                })
                .collect(),
        })
        .collect()
}

proptest! {
    #[test]
    fn written_segments_read_back(d in delimiters(), raw in prop::collection::vec(segment(), 0..12)) {
        let segments = sanitize(&raw, &d);
        let bytes = write(&segments, d);
        let got = read_back(&bytes);
        prop_assert_eq!(got.len(), segments.len());
        for (g, s) in got.iter().zip(&segments) {
            prop_assert_eq!(&g.id, &s.id);
            prop_assert_eq!(&g.elements, &s.elements);
        }
        prop_assert_eq!(check(&bytes), vec![]);
        let mut detected = Reader::new(&bytes);
        prop_assert!(detected.next().is_some());
        prop_assert_eq!(detected.delimiters(), d);

        let mut stream = StreamReader::new(&bytes[..]);
        let mut n = 0;
        while let Ok(Some(_)) = stream.next_segment() {
            n += 1;
        }
        prop_assert_eq!(n, segments.len() + 6);
    }

    #[test]
    fn data_with_a_delimiter_is_rejected(d in delimiters(), pick in 0usize..4) {
        let all = [Some(d.element), Some(d.component), d.repetition, Some(d.segment)];
        let Some(delim) = all[pick] else { return Ok(()) };
        let mut w = Writer::new(Vec::new(), d);
        w.begin_interchange(&Interchange::new("ZZ", "S", "ZZ", "R", 1)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        w.begin_group(&Group::new("HC", "S", "R", 1, "V")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        w.begin_transaction("837", None).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let value = format!("A{}B", char::from(delim));
        let err = w.segment("NM1", &["85", &value]);
        let is_delimiter_error = matches!(err, Err(otbill_x12::WriteError::Delimiter { element: 2, .. }));
        prop_assert!(is_delimiter_error);
    }
}
