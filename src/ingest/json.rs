//! JSON records: parsed with the reason a record is skipped when it does
//! not parse (`json_error`), and the defects of published files that a
//! format may ask to have repaired (`JsonDefect`).

use super::record::RecordError;

/// A record deserialized into `T`, or why it is skipped. The record's
/// UTF-8 is checked once, whole: from bytes, serde_json checks every string
/// on its own (half a million short checks on the 10 MiB bench corpus, 4%
/// of `check`'s instructions). A record that is not UTF-8 is parsed from its
/// bytes, so that the error says where.
pub fn parse_json<'a, T: serde::Deserialize<'a>>(
    record: &'a [u8],
    first_line: u32,
) -> Result<T, RecordError> {
    let parsed = match std::str::from_utf8(record) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(record),
    };
    parsed.map_err(|e| json_error(&e, record, first_line))
}

/// Why a JSON text did not parse, as a skip reason, and where.
pub fn json_error(error: &serde_json::Error, record: &[u8], first_line: u32) -> RecordError {
    let message = error.to_string();
    let line = first_line + error.line().saturating_sub(1) as u32;
    let at_error = byte_offset_of(record, error.line(), error.column());
    let rest = record.get(at_error..).unwrap_or_default();
    let near_bare_number = [&b"NaN"[..], b"Infinity", b"-Infinity"].iter().any(|t| {
        rest.starts_with(t)
            || record
                .get(at_error.saturating_sub(1)..)
                .is_some_and(|r| r.starts_with(t))
    });
    // serde_json names a trailing comma in objects; in arrays it reports
    // "expected value" at the closing bracket.
    let before_close = rest.first().is_some_and(|b| matches!(b, b']' | b'}'))
        && record[..at_error]
            .iter()
            .rev()
            .find(|b| !b.is_ascii_whitespace())
            == Some(&b',');
    let reason = if message.contains("recursion limit") {
        "too_deep"
    } else if near_bare_number {
        "nan_or_infinity"
    } else if message.contains("trailing comma") || before_close {
        "trailing_comma"
    } else if message.contains("invalid unicode") || message.contains("UTF-8") {
        "invalid_utf8"
    } else if error.is_eof() {
        "truncated"
    } else {
        "malformed_json"
    };
    let detail = match reason {
        "too_deep" => "JSON nested deeper than 128 levels".to_string(),
        "nan_or_infinity" => format!("bare NaN or Infinity is not JSON ({message})"),
        "truncated" => format!("input ends inside a JSON value ({message})"),
        _ => message,
    };
    RecordError {
        reason,
        detail,
        line: Some(line),
    }
}

/// A serde_json message without its " at line L column C": for a part of
/// a record parsed on its own, whose positions count from the part, the
/// location is given separately.
pub fn without_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => &message[..at],
        _ => message,
    }
}

/// Byte offset of a serde_json (line, column) position, both 1-based.
fn byte_offset_of(record: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', record)
            .nth(line - 2)
            .map_or(record.len(), |i| i + 1)
    };
    (line_start + column.saturating_sub(1)).min(record.len())
}

/// Defects of published JSON files that a format may tolerate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonDefect {
    /// `NaN`, `Infinity`, `-Infinity` as values: read as null.
    BareNan,
    /// A comma before `}` or `]`: dropped.
    TrailingComma,
}

impl JsonDefect {
    /// The defect a skip reason (`json_error`) names, if it is one.
    pub fn of_reason(reason: &str) -> Option<JsonDefect> {
        match reason {
            "nan_or_infinity" => Some(JsonDefect::BareNan),
            "trailing_comma" => Some(JsonDefect::TrailingComma),
            _ => None,
        }
    }

    /// The repair reason in the ingest report.
    pub fn reason(self) -> &'static str {
        match self {
            JsonDefect::BareNan => "bare_nan",
            JsonDefect::TrailingComma => "trailing_comma",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            JsonDefect::BareNan => "bare NaN/Infinity token(s) read as null",
            JsonDefect::TrailingComma => "trailing comma(s) dropped",
        }
    }

    /// The document repaired, and how many repairs were made.
    pub fn repair(self, bytes: &[u8]) -> (Vec<u8>, usize) {
        match self {
            JsonDefect::BareNan => null_bare_nan_tokens(bytes),
            JsonDefect::TrailingComma => drop_trailing_commas(bytes),
        }
    }
}

/// The document with each bare `NaN`, `Infinity` and `-Infinity` token
/// outside strings replaced by `null`, and how many there were. Line
/// numbers do not move (no newline is added or removed).
fn null_bare_nan_tokens(bytes: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let mut replaced = 0;
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            out.push(b);
            match b {
                b'\\' => {
                    if let Some(&next) = bytes.get(i + 1) {
                        out.push(next);
                        i += 1;
                    }
                }
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        let token = [&b"-Infinity"[..], b"Infinity", b"NaN"]
            .into_iter()
            .find(|t| bytes[i..].starts_with(t));
        match token {
            Some(token) => {
                out.extend_from_slice(b"null");
                replaced += 1;
                i += token.len();
            }
            None => {
                in_string = b == b'"';
                out.push(b);
                i += 1;
            }
        }
    }
    (out, replaced)
}

/// The document with each comma that is followed (after whitespace) by `}`
/// or `]` outside strings replaced by a space, and how many there were.
/// Offsets and line numbers do not move.
fn drop_trailing_commas(bytes: &[u8]) -> (Vec<u8>, usize) {
    let mut out = bytes.to_vec();
    let mut dropped = 0;
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match (in_string, bytes[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') => in_string = false,
            (false, b'"') => in_string = true,
            (false, b',') => {
                let next = bytes[i + 1..].iter().find(|b| !b.is_ascii_whitespace());
                if matches!(next, Some(b'}' | b']')) {
                    out[i] = b' ';
                    dropped += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    (out, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_get_specific_reasons() {
        let reason = |text: &str| {
            let err = serde_json::from_slice::<serde_json::Value>(text.as_bytes()).unwrap_err();
            json_error(&err, text.as_bytes(), 1).reason
        };
        assert_eq!(reason(r#"{"a": NaN}"#), "nan_or_infinity");
        assert_eq!(reason(r#"{"a": -Infinity}"#), "nan_or_infinity");
        assert_eq!(reason(r#"{"a": 1,}"#), "trailing_comma");
        assert_eq!(reason("{\"a\": [1,\n  ]}"), "trailing_comma");
        assert_eq!(reason(r#"{"a": [1, 2"#), "truncated");
        assert_eq!(reason(r#"{"a" 1}"#), "malformed_json");
        assert_eq!(reason(&"[".repeat(1000)), "too_deep");
    }

    #[test]
    fn trailing_commas_are_dropped_outside_strings() {
        let (out, n) = drop_trailing_commas(br#"{"a": [1, 2, ], "b": "x, }",}"#);
        assert_eq!(n, 2);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a": [1, 2  ], "b": "x, }" }"#
        );
    }

    #[test]
    fn bare_nan_tokens_become_null_outside_strings() {
        let (out, n) =
            null_bare_nan_tokens(br#"{"a": NaN, "b": "NaN \" NaN", "c": [-Infinity, Infinity]}"#);
        assert_eq!(n, 3);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a": null, "b": "NaN \" NaN", "c": [null, null]}"#
        );
    }
}
