//! Fuzzes delimiter detection, both segment readers and the envelope checks:
//! no input may panic, and the slice and stream readers must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otbill_x12::{check, decode, Reader, StreamReader};

fuzz_target!(|data: &[u8]| {
    let input = decode(data);
    let mut reader = Reader::new(&input);
    let mut slice = Vec::new();
    for segment in reader.by_ref() {
        let _ = segment.id();
        for element in segment.elements() {
            let _ = element.component(2).as_str();
            let _ = element.repetitions().count();
        }
        slice.push((segment.as_bytes().to_vec(), segment.position()));
    }
    let mut stream = StreamReader::new(data);
    let mut streamed = Vec::new();
    while let Ok(Some(segment)) = stream.next_segment() {
        streamed.push((segment.as_bytes().to_vec(), segment.position()));
    }
    assert_eq!(slice, streamed);
    let _ = check(data);
});
