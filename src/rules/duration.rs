//! Rule durations: `90s`, `15m`, `1h`, `30d` and combinations such as `1h30m`. Written by hand
//! because the config shows them in Netwrix's spirit (short, unit-suffixed) and jiff's friendly
//! format also accepts forms (`1 hour`, ISO 8601) we would then have to document.

use jiff::SignedDuration;

/// Parses a rule duration. Every number needs a unit (`s`, `m`, `h`, `d`); the parts add up,
/// each unit at most once and from the largest to the smallest (`1h30m`, not `30m1h`).
pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("the duration is empty".to_owned());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut last_rank = usize::MAX;
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let (rank, secs) = match c.to_ascii_lowercase() {
            'd' => (3, 86_400),
            'h' => (2, 3_600),
            'm' => (1, 60),
            's' => (0, 1),
            other => {
                return Err(format!(
                    "`{other}` is not a unit; use s, m, h or d (e.g. \"90s\", \"15m\", \"1h30m\", \"30d\")"
                ));
            }
        };
        if digits.is_empty() {
            return Err(format!("`{c}` has no number before it"));
        }
        if rank >= last_rank {
            return Err("give each unit once, largest first (e.g. \"1h30m\")".to_owned());
        }
        last_rank = rank;
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("{digits} is too large"))?;
        total = n
            .checked_mul(secs)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("{s} is too long"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!(
            "{digits} has no unit; write {digits}s, {digits}m, {digits}h or {digits}d"
        ));
    }
    // A hundred years is far past any window that makes sense and keeps timestamp arithmetic
    // (now + interval) clear of overflow.
    if total > 100 * 365 * 86_400 {
        return Err(format!("{s} is longer than 100 years"));
    }
    Ok(SignedDuration::from_secs(total))
}

/// The shortest form [`parse_duration`] reads back: `3600 s` → `1h`, `5400 s` → `1h30m`.
pub fn format_duration(d: SignedDuration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    if secs < 0 {
        out.push('-');
        secs = -secs;
    }
    for (unit, size) in [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn secs(s: &str) -> i64 {
        parse_duration(s).unwrap().as_secs()
    }

    #[test]
    fn units_and_combinations() {
        assert_eq!(secs("0s"), 0);
        assert_eq!(secs("90s"), 90);
        assert_eq!(secs("15m"), 900);
        assert_eq!(secs("1h"), 3600);
        assert_eq!(secs("24h"), 86_400);
        assert_eq!(secs("30d"), 2_592_000);
        assert_eq!(secs("1h30m"), 5400);
        assert_eq!(secs("1d2h3m4s"), 93_784);
        assert_eq!(secs(" 2H "), 7200);
    }

    #[test]
    fn bad_durations_say_why() {
        for (bad, why) in [
            ("", "empty"),
            ("15", "no unit"),
            ("15 m", "not a unit"),
            ("1w", "not a unit"),
            ("h", "no number"),
            ("30m1h", "largest first"),
            ("1h1h", "largest first"),
            ("99999999999999999999s", "too large"),
            ("40000d", "100 years"),
            ("-5m", "not a unit"),
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }

    #[test]
    fn format_reads_back() {
        for s in ["0s", "90s", "15m", "1h30m", "30d", "1d2h3m4s"] {
            let d = parse_duration(s).unwrap();
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
        assert_eq!(format_duration(SignedDuration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(SignedDuration::from_secs(90)), "1m30s");
    }
}
