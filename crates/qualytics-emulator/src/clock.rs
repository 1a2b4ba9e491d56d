//! Timestamps in the API's format: UTC, microseconds, `Z`.

use jiff::Timestamp;

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

pub fn now() -> String {
    Timestamp::now().strftime(FORMAT).to_string()
}

/// Re-formats any RFC 3339 time into the API's format; `None` when it does not parse.
pub fn normalize(time: &str) -> Option<String> {
    let ts: Timestamp = time.parse().ok()?;
    Some(ts.strftime(FORMAT).to_string())
}

/// Seconds since the epoch, for JWT `iat`/`exp`.
pub fn unix_now() -> i64 {
    Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    #[test]
    fn normalizes_to_microseconds_utc() {
        assert_eq!(
            super::normalize("2026-11-20T10:15:00+01:00").unwrap(),
            "2026-11-20T09:15:00.000000Z"
        );
        assert_eq!(super::normalize("yesterday"), None);
        assert!(super::now().ends_with('Z'));
    }
}
