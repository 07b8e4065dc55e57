//! A visit's JSON read without serde, for `otbill code --batch`: [`parse_visit`].
//!
//! serde_json's derive was a third of the batch's time on one-line visits. The visit's
//! shape is small and fixed, so a direct reader takes the common form (plain strings, whole
//! numbers, known fields once each) and gives up on anything else: escapes, `null`,
//! unknown or repeated fields, odd numbers, bad dates. Then the input goes through
//! [`crate::parse_json`], so results and error messages are serde's whatever the input
//! (a property test holds the two equal wherever the fast reader answers).

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::visit::{Discipline, InputError, ServiceInput, VisitInput};

/// Parses one visit (see [`VisitInput`]): what `parse_json::<VisitInput>` returns, faster
/// on the common form.
pub fn parse_visit(text: &str) -> Result<VisitInput<'_>, InputError> {
    match fast_visit(text) {
        Some(visit) => Ok(visit),
        None => crate::parse_json(text),
    }
}

/// The visit when `text` is in the common form, else `None` (not necessarily an error).
pub(crate) fn fast_visit(text: &str) -> Option<VisitInput<'_>> {
    let mut r = Reader { text, at: 0 };
    let (mut id, mut date, mut payer, mut discipline, mut services) =
        (None, None, None, None, None);
    r.ws();
    r.eat(b'{')?;
    r.ws();
    if !r.next_is(b'}') {
        loop {
            r.eat(b'"')?;
            let key = match r.peek()? {
                b'i' if r.name(b"id") => Field::Id,
                b'd' if r.name(b"date") => Field::Date,
                b'd' if r.name(b"discipline") => Field::Discipline,
                b'p' if r.name(b"payer") => Field::Payer,
                b's' if r.name(b"services") => Field::Services,
                _ => return None,
            };
            r.ws();
            r.eat(b':')?;
            r.ws();
            // A field given twice is serde's error to report.
            match key {
                Field::Id if id.is_none() => id = Some(Cow::Borrowed(r.string()?)),
                Field::Date if date.is_none() => date = Some(date_of(r.string()?)?),
                Field::Payer if payer.is_none() => payer = Some(Cow::Borrowed(r.string()?)),
                Field::Discipline if discipline.is_none() => {
                    discipline = Some(match r.string()? {
                        "OT" => Discipline::Ot,
                        "PT" => Discipline::Pt,
                        "SLP" => Discipline::Slp,
                        _ => return None,
                    })
                }
                Field::Services if services.is_none() => services = Some(r.services()?),
                _ => return None,
            }
            r.ws();
            if r.next_is(b',') {
                r.at += 1;
                r.ws();
                continue;
            }
            break;
        }
    }
    r.eat(b'}')?;
    r.ws();
    if r.at != text.len() {
        return None;
    }
    Some(VisitInput {
        id,
        date: date?,
        payer: payer?,
        discipline,
        services: services?,
    })
}

/// The visit's fields.
enum Field {
    Id,
    Date,
    Payer,
    Discipline,
    Services,
}

/// `YYYY-MM-DD` as chrono reads it; anything else is left to chrono (and its message).
pub(crate) fn date_of(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

/// Where the first `"`, `\\` or control character in `b` is (`b.len()` if none): eight
/// bytes at a time, since most strings are plain.
fn special(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit of each byte below `n`; exact up to the first such byte, which is all
    // that is used.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let equal = |x: u64, c: u64| below(x ^ (ONES * c), 1);
    let mut at = 0;
    while let Some(chunk) = b.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let hits = below(x, 0x20) | equal(x, u64::from(b'"')) | equal(x, u64::from(b'\\'));
        if hits != 0 {
            return at + (hits.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let tail = b.get(at..).unwrap_or_default();
    at + tail
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(tail.len())
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next_is(&self, b: u8) -> bool {
        self.peek() == Some(b)
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        if self.next_is(b) {
            self.at += 1;
            Some(())
        } else {
            None
        }
    }

    /// JSON whitespace.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Whether a key (its opening quote read) is `name`; if so, reads it and its quote.
    #[inline(always)]
    fn name(&mut self, name: &[u8]) -> bool {
        let rest = self.text.as_bytes().get(self.at..).unwrap_or_default();
        let n = name.len();
        let found = rest.get(..n) == Some(name) && rest.get(n) == Some(&b'"');
        if found {
            self.at += n + 1;
        }
        found
    }

    /// A string without escapes or control characters (serde's own borrowed case).
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let rest = self.text.as_bytes().get(self.at..)?;
        let len = special(rest);
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        let s = self.text.get(self.at..self.at + len)?;
        self.at += len + 1;
        Some(s)
    }

    /// A whole number in `u32`, written as JSON writes integers (no sign, no leading
    /// zero, no fraction or exponent).
    fn u32(&mut self) -> Option<u32> {
        let rest = self.text.as_bytes().get(self.at..)?;
        let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let digits = rest.get(..len)?;
        if len == 0 || len > 10 || (len > 1 && digits.first() == Some(&b'0')) {
            return None;
        }
        if matches!(rest.get(len), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let n = digits
            .iter()
            .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
        self.at += len;
        u32::try_from(n).ok()
    }

    fn services(&mut self) -> Option<Vec<ServiceInput<'a>>> {
        self.eat(b'[')?;
        self.ws();
        let mut out = Vec::with_capacity(4);
        if self.next_is(b']') {
            self.at += 1;
            return Some(out);
        }
        loop {
            out.push(self.service()?);
            self.ws();
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.ws();
                }
                b']' => {
                    self.at += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    fn service(&mut self) -> Option<ServiceInput<'a>> {
        let (mut code, mut minutes, mut assistant) = (None, None, None);
        self.eat(b'{')?;
        self.ws();
        if !self.next_is(b'}') {
            loop {
                self.eat(b'"')?;
                let key = match self.peek()? {
                    b'c' if self.name(b"code") => 0,
                    b'm' if self.name(b"minutes") => 1,
                    b'a' if self.name(b"assistant_minutes") => 2,
                    _ => return None,
                };
                self.ws();
                self.eat(b':')?;
                self.ws();
                match key {
                    0 if code.is_none() => code = Some(Cow::Borrowed(self.string()?)),
                    1 if minutes.is_none() => minutes = Some(self.u32()?),
                    2 if assistant.is_none() => assistant = Some(self.u32()?),
                    _ => return None,
                }
                self.ws();
                if self.next_is(b',') {
                    self.at += 1;
                    self.ws();
                    continue;
                }
                break;
            }
        }
        self.eat(b'}')?;
        Some(ServiceInput {
            code: code?,
            minutes,
            assistant_minutes: assistant,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    /// serde's result as text, to compare with the fast reader's.
    fn serde(text: &str) -> Result<String, InputError> {
        crate::parse_json::<VisitInput>(text).map(|v| format!("{v:?}"))
    }

    #[track_caller]
    fn agrees(text: &str) -> bool {
        match fast_visit(text) {
            Some(v) => {
                assert_eq!(Ok(format!("{v:?}")), serde(text), "{text}");
                true
            }
            None => {
                assert_eq!(parse_visit(text).map(|v| format!("{v:?}")), serde(text));
                false
            }
        }
    }

    #[test]
    fn common_form_is_read_and_the_rest_left_to_serde() {
        let fast = [
            r#"{"id":"v1","date":"2026-03-02","payer":"medicare","discipline":"OT","services":[{"code":"97112","minutes":24},{"code":"97110","minutes":23,"assistant_minutes":0}]}"#,
            "{ \"date\" : \"2025-12-31\" ,\n\t\"payer\": \"commercial\", \"services\": [ ] }\r\n",
            r#"{"services":[{"minutes":4294967295,"code":"97530"}],"payer":"m","date":"0000-01-01","discipline":"SLP"}"#,
            r#"{"date":"2024-02-29","payer":"","services":[{"code":""}],"id":"ü"}"#,
        ];
        for text in fast {
            assert!(agrees(text), "fast reader gave up on {text}");
        }
        let slow = [
            r#"{"date":"2026-02-30","payer":"medicare","services":[]}"#,
            r#"{"date":"2026-3-02","payer":"medicare","services":[]}"#,
            r#"{"date":"2026-03-02","payer":"medi\"care","services":[]}"#,
            r#"{"date":"2026-03-02","payer":"medicare","services":[],"payer":"x"}"#,
            r#"{"date":"2026-03-02","payer":"medicare","services":[],"extra":1}"#,
            r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"97110","minutes":012}]}"#,
            r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"97110","minutes":1.0}]}"#,
            r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"97110","minutes":4294967296}]}"#,
            r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"97110","minutes":-1}]}"#,
            r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"97110","minutes":null}]}"#,
            r#"{"date":"2026-03-02","payer":"medicare","discipline":"OTR","services":[]}"#,
            r#"{"date":"2026-03-02","payer":"medicare","services":[]} x"#,
            r#"{"date":"2026-03-02","payer":"medicare"}"#,
            r#"{"date":"2026-03-02","payer":"medicare","services":[],}"#,
            "\u{feff}{\"date\":\"2026-03-02\",\"payer\":\"medicare\",\"services\":[]}",
            "",
            "{",
        ];
        for text in slow {
            assert!(!agrees(text), "fast reader took {text}");
        }
    }

    /// `"key": value` with probability `p`: mostly one of `good`, else one of `odd`.
    fn member(
        key: &'static str,
        p: f64,
        (good, odd): (&[&'static str], &[&'static str]),
    ) -> impl Strategy<Value = Option<String>> {
        let ws = prop::sample::select(vec!["", "", " ", "\n", "\t "]);
        let value = prop_oneof![
            9 => prop::sample::select(good.to_vec()),
            1 => prop::sample::select(odd.to_vec()),
        ];
        prop::option::weighted(
            p,
            (value, ws).prop_map(move |(v, w)| format!("{w}\"{key}\"{w}:{w}{v}{w}")),
        )
    }

    /// Members in any order, as an object.
    fn object(members: Vec<Option<String>>) -> String {
        let members: Vec<String> = members.into_iter().flatten().collect();
        format!("{{{}}}", members.join(","))
    }

    /// Visits mostly in the common form, with fields missing, repeated, unknown or given
    /// values that are odd or wrong, in any order.
    fn visit_text() -> impl Strategy<Value = String> {
        const MINUTES: (&[&str], &[&str]) = (
            &["7", "12", "0", "40", "4294967295"],
            &["012", "-3", "1e1", "1.5", "4294967296", "null", "\"7\""],
        );
        let service = (
            member(
                "code",
                0.97,
                (
                    &["\"97110\"", "\"97530\"", "\"\""],
                    &["\"9\\u0037\"", "5", "null"],
                ),
            ),
            member("minutes", 0.85, MINUTES),
            member("assistant_minutes", 0.3, MINUTES),
            member("minutes", 0.01, (&["8"], &["8"])),
            member("x", 0.01, (&["1"], &["1"])),
            member("minute", 0.01, (&["8"], &["8"])),
        )
            .prop_map(|(a, b, c, d, e, f)| vec![a, b, c, d, e, f])
            .prop_shuffle()
            .prop_map(object);
        let services = (
            prop::collection::vec(service, 0..5),
            prop::bool::weighted(0.98),
        )
            .prop_map(|(s, ok)| {
                Some(format!(
                    "\"services\":[{}]{}",
                    s.join(","),
                    if ok { "" } else { "," }
                ))
            });
        let date: (&[&str], &[&str]) = (
            &["\"2026-03-02\"", "\"2025-12-31\"", "\"2024-02-29\""],
            &[
                "\"2026-02-30\"",
                "\"2026-3-02\"",
                "\"2026-03-02T00:00\"",
                "null",
                "7",
            ],
        );
        (
            (
                member(
                    "id",
                    0.5,
                    (
                        &["\"v1\"", "\"\"", "\"\u{fc}\""],
                        &["\"a\\\"b\"", "null", "5"],
                    ),
                ),
                member("date", 0.95, date),
                member(
                    "payer",
                    0.97,
                    (&["\"medicare\"", "\"commercial\"", "\"\""], &["null"]),
                ),
                member(
                    "discipline",
                    0.5,
                    (&["\"OT\"", "\"PT\"", "\"SLP\""], &["\"ot\"", "null"]),
                ),
                services,
            ),
            (
                member("date", 0.01, date),
                member("extra", 0.01, (&["1"], &["1"])),
                // Keys that start like a field's name.
                member("dates", 0.01, date),
                member("i", 0.01, (&["\"v1\""], &["\"v1\""])),
            ),
            prop::sample::select(vec!["", "", " ", "\n", "\r\n", " x"]),
        )
            .prop_map(|((a, b, c, d, e), (f, g, h, i), tail)| {
                (vec![a, b, c, d, e, f, g, h, i], tail)
            })
            .prop_flat_map(|(members, tail)| (Just(members).prop_shuffle(), Just(tail)))
            .prop_map(|(members, tail)| format!("{}{tail}", object(members)))
    }

    /// The generator reaches both sides: inputs the fast reader takes and inputs it leaves.
    #[test]
    fn generated_visits_reach_both_readers() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = visit_text();
        let taken = (0..2000)
            .filter(|_| {
                let text = strategy
                    .new_tree(&mut runner)
                    .map(|t| t.current())
                    .unwrap_or_default();
                agrees(&text)
            })
            .count();
        assert!((200..1800).contains(&taken), "{taken} of 2000 taken");
    }

    proptest! {
        #[test]
        fn special_finds_the_first_quote_backslash_or_control(
            b in prop::collection::vec(prop::sample::select(vec![b'a', b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80, 0xff, 0]), 0..40),
        ) {
            let want = b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).unwrap_or(b.len());
            prop_assert_eq!(special(&b), want);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn fast_reader_agrees_with_serde(text in visit_text()) {
            agrees(&text);
        }

        #[test]
        fn dates_as_chrono(y in 0u32..10000, m in 0u32..14, d in 0u32..33) {
            let text = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(date_of(&text), text.parse::<NaiveDate>().ok());
        }
    }
}
