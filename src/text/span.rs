//! Spans of time as people type them: `90s`, `30m`, `12h`, `7d`, `2w` (an invitation's
//! life, a member's silence).

use jiff::SignedDuration;

/// Reads a span such as `90s`, `30m`, `12h`, `7d` or `2w`.
pub fn parse_span(text: &str) -> Result<SignedDuration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let unit_secs: i64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => 0,
    };
    let count: i64 = digits.parse().unwrap_or(0);
    match count.checked_mul(unit_secs) {
        Some(secs) if secs > 0 && count <= 100_000 => Ok(SignedDuration::from_secs(secs)),
        _ => Err(format!(
            "{text:?} is not a duration; write a number and s, m, h, d or w (e.g. 7d)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_operators_write_them() {
        assert_eq!(parse_span("7d"), Ok(SignedDuration::from_hours(7 * 24)));
        assert_eq!(parse_span("30m"), Ok(SignedDuration::from_mins(30)));
        assert_eq!(parse_span("2w"), Ok(SignedDuration::from_hours(14 * 24)));
        for bad in ["", "7", "d", "0d", "-1d", "7 days", "99999999999d"] {
            assert!(parse_span(bad).is_err(), "{bad:?}");
        }
    }
}
