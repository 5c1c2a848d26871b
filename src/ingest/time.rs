//! Timestamps written as text (ISO 8601 / RFC 3339), as UTC epoch
//! nanoseconds.

/// ISO 8601 / RFC 3339 timestamps as UTC epoch nanoseconds. Accepts a
/// missing zone (taken as UTC, as TRAIL and Phoenix write them) and any
/// number of fraction digits.
pub fn parse_timestamp_ns(text: &str) -> Option<i64> {
    let t = text.trim();
    let bytes = t.as_bytes();
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b' ')
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| t.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &t[19..];
    let mut nanos = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        let kept = &fraction[..digits.min(9)];
        nanos = kept.parse::<i64>().ok()? * 10i64.pow(9 - kept.len() as u32);
        rest = &fraction[digits..];
    }
    let offset_seconds = match rest {
        "" | "Z" | "z" => 0,
        zone => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 {
                return None;
            }
            sign * (digits[..2].parse::<i64>().ok()? * 3600 + digits[2..].parse::<i64>().ok()? * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    seconds.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::format_timestamp_ns;

    #[test]
    fn timestamps_parse_with_and_without_zones() {
        assert_eq!(parse_timestamp_ns("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp_ns("2018-12-13T14:51:00.5Z"),
            Some(1_544_712_660_500_000_000)
        );
        assert_eq!(
            parse_timestamp_ns("2026-07-23T00:00:02+00:00"),
            parse_timestamp_ns("2026-07-23T02:00:02+02:00")
        );
        assert_eq!(
            parse_timestamp_ns("2025-03-19T16:32:08.062589"),
            Some(1_742_401_928_062_589_000)
        );
        assert_eq!(parse_timestamp_ns("yesterday"), None);
        assert_eq!(parse_timestamp_ns("2025-13-19T16:32:08"), None);
    }

    #[test]
    fn timestamps_format_back() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2026-07-23T00:00:02.123456789Z",
            "1969-12-31T23:59:59.5Z",
            "2024-02-29T12:00:00Z",
        ] {
            let ns = parse_timestamp_ns(text).unwrap();
            assert_eq!(
                parse_timestamp_ns(&format_timestamp_ns(ns)),
                Some(ns),
                "{text}"
            );
        }
        assert_eq!(format_timestamp_ns(0), "1970-01-01T00:00:00.000000000Z");
    }
}
