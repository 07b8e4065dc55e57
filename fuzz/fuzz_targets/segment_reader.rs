//! Fuzzes delimiter detection, both segment readers and the envelope checks:
//! no input may panic, the slice and stream readers must agree, and the
//! one-pass separator scan must agree with a plain split.
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
    let mut split = Reader::new(&input);
    let mut offsets = [0u32; 8];
    let mut scanned = Vec::new();
    while let Some((segment, n)) = split.next_with_separators(&mut offsets) {
        let sep = segment.delimiters().element;
        let want: Vec<u32> = (0..segment.as_bytes().len() as u32)
            .filter(|&i| segment.as_bytes()[i as usize] == sep)
            .collect();
        assert_eq!(n, want.len());
        assert_eq!(offsets[..n.min(8)], want[..n.min(8)]);
        scanned.push((segment.as_bytes().to_vec(), segment.position()));
    }
    assert_eq!(slice, scanned);
    let _ = check(data);
});
