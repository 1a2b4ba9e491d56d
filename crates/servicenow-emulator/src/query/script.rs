//! The few `javascript:` operand values that are pure date arithmetic, evaluated like the instance
//! does before querying (`gs.dateGenerate`, `gs.daysAgoStart`, `gs.beginningOfToday`, …).
//!
//! Everything is computed in UTC: a real instance uses the session user's time zone and converts to
//! UTC, and the emulator's users are on UTC. Scripts that need a user or other server state
//! (`gs.getUserID()`, `getMyGroups()`) are left as literal text, so they simply match nothing.

use std::borrow::Cow;

use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

const PREFIX: &str = "javascript:";

/// A unit of relative date arithmetic (`RELATIVEGT@hour@ago@1`, `gs.hoursAgo(1)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Unit {
    pub(crate) fn parse(name: &str) -> Option<Unit> {
        Some(match name {
            "second" => Unit::Second,
            "minute" => Unit::Minute,
            "hour" => Unit::Hour,
            "day" => Unit::Day,
            "week" => Unit::Week,
            "month" => Unit::Month,
            "quarter" => Unit::Quarter,
            "year" => Unit::Year,
            _ => return None,
        })
    }

    /// Characters of a raw `YYYY-MM-DD HH:MM:SS` value that identify the same year, month, day,
    /// hour, minute or second. Weeks and quarters are not a prefix.
    pub(crate) fn prefix_len(self) -> Option<usize> {
        match self {
            Unit::Year => Some(4),
            Unit::Month => Some(7),
            Unit::Day => Some(10),
            Unit::Hour => Some(13),
            Unit::Minute => Some(16),
            Unit::Second => Some(19),
            Unit::Week | Unit::Quarter => None,
        }
    }

    fn span(self, amount: i64) -> Option<Span> {
        let span = Span::new();
        match self {
            Unit::Second => span.try_seconds(amount),
            Unit::Minute => span.try_minutes(amount),
            Unit::Hour => span.try_hours(amount),
            Unit::Day => span.try_days(amount),
            Unit::Week => span.try_weeks(amount),
            Unit::Month => span.try_months(amount),
            Unit::Quarter => span.try_months(amount.checked_mul(3)?),
            Unit::Year => span.try_years(amount),
        }
        .ok()
    }
}

/// Resolves `value` if it is a supported `javascript:` expression; otherwise returns it unchanged.
pub(crate) fn resolve(value: &str, now: Timestamp) -> Cow<'_, str> {
    match value
        .strip_prefix(PREFIX)
        .and_then(|script| evaluate(script.trim(), now))
    {
        Some(resolved) => Cow::Owned(resolved),
        None => Cow::Borrowed(value),
    }
}

pub(crate) fn is_script(value: &str) -> bool {
    value.starts_with(PREFIX)
}

/// `now` shifted by `amount` units (negative = in the past), as a raw UTC value.
pub(crate) fn shifted(now: Timestamp, unit: Unit, amount: i64) -> Option<String> {
    Some(format(utc(now).checked_add(unit.span(amount)?).ok()?))
}

fn evaluate(script: &str, now: Timestamp) -> Option<String> {
    let (name, args) = call(script)?;
    if name == "gs.dateGenerate" {
        return date_generate(&args);
    }
    let now = utc(now);
    let n = |i: usize| -> Option<i64> { args.get(i)?.parse::<i64>().ok() };
    let ago = |unit: Unit| -> Option<DateTime> { now.checked_sub(unit.span(n(0)?)?).ok() };
    let result = match name {
        "gs.nowDateTime" | "gs.nowNoTZ" => now,
        "gs.beginningOfToday" => now.start_of_day(),
        "gs.endOfToday" => end_of_day(now),
        "gs.beginningOfYesterday" => now.checked_sub(Span::new().days(1)).ok()?.start_of_day(),
        "gs.endOfYesterday" => end_of_day(now.checked_sub(Span::new().days(1)).ok()?),
        "gs.beginningOfTomorrow" => now.checked_add(Span::new().days(1)).ok()?.start_of_day(),
        "gs.endOfTomorrow" => end_of_day(now.checked_add(Span::new().days(1)).ok()?),
        "gs.daysAgo" => ago(Unit::Day)?,
        "gs.daysAgoStart" => ago(Unit::Day)?.start_of_day(),
        "gs.daysAgoEnd" => end_of_day(ago(Unit::Day)?),
        "gs.hoursAgo" => ago(Unit::Hour)?,
        "gs.hoursAgoStart" => ago(Unit::Hour)?.with().minute(0).second(0).build().ok()?,
        "gs.hoursAgoEnd" => ago(Unit::Hour)?.with().minute(59).second(59).build().ok()?,
        "gs.minutesAgo" => ago(Unit::Minute)?,
        "gs.minutesAgoStart" => ago(Unit::Minute)?.with().second(0).build().ok()?,
        "gs.minutesAgoEnd" => ago(Unit::Minute)?.with().second(59).build().ok()?,
        _ => return None,
    };
    Some(format(result))
}

/// `gs.dateGenerate('2026-01-15','start' | 'end' | 'HH:MM:SS')`.
fn date_generate(args: &[String]) -> Option<String> {
    let [date, time] = args else {
        return None;
    };
    let date: jiff::civil::Date = date.parse().ok()?;
    let time = match time.as_str() {
        "start" => Time::midnight(),
        "end" => Time::constant(23, 59, 59, 0),
        other => other.parse().ok()?,
    };
    Some(format(date.to_datetime(time)))
}

/// Splits `name(arg, 'arg', …)` into the name and unquoted, trimmed arguments.
fn call(script: &str) -> Option<(&str, Vec<String>)> {
    let script = script.strip_suffix(';').unwrap_or(script).trim_end();
    let open = script.find('(')?;
    let inner = script[open + 1..].strip_suffix(')')?;
    let args = inner
        .split(',')
        .map(|arg| arg.trim().trim_matches(['\'', '"']).to_string())
        .filter(|arg| !arg.is_empty())
        .collect();
    Some((script[..open].trim(), args))
}

fn utc(now: Timestamp) -> DateTime {
    now.to_zoned(TimeZone::UTC).datetime()
}

fn end_of_day(at: DateTime) -> DateTime {
    at.date().to_datetime(Time::constant(23, 59, 59, 0))
}

/// The raw UTC form ServiceNow stores: `YYYY-MM-DD HH:MM:SS`.
fn format(at: DateTime) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::{Unit, resolve, shifted};
    use jiff::Timestamp;

    fn now() -> Timestamp {
        "2026-03-10T14:25:36Z".parse().unwrap()
    }

    fn r(value: &str) -> String {
        resolve(value, now()).into_owned()
    }

    #[test]
    fn date_generate() {
        assert_eq!(
            r("javascript:gs.dateGenerate('2026-01-15','start')"),
            "2026-01-15 00:00:00"
        );
        assert_eq!(
            r("javascript:gs.dateGenerate('2026-01-15','end')"),
            "2026-01-15 23:59:59"
        );
        assert_eq!(
            r("javascript:gs.dateGenerate('2026-01-15','08:30:00')"),
            "2026-01-15 08:30:00"
        );
        assert_eq!(
            r("javascript:gs.dateGenerate( \"2026-01-15\" , 'start' );"),
            "2026-01-15 00:00:00"
        );
    }

    #[test]
    fn days_ago_family() {
        assert_eq!(r("javascript:gs.daysAgo(7)"), "2026-03-03 14:25:36");
        assert_eq!(r("javascript:gs.daysAgoStart(0)"), "2026-03-10 00:00:00");
        assert_eq!(r("javascript:gs.daysAgoEnd(0)"), "2026-03-10 23:59:59");
        assert_eq!(r("javascript:gs.daysAgoStart(-1)"), "2026-03-11 00:00:00");
        assert_eq!(r("javascript:gs.daysAgoStart(10)"), "2026-02-28 00:00:00");
    }

    #[test]
    fn named_days() {
        assert_eq!(r("javascript:gs.beginningOfToday()"), "2026-03-10 00:00:00");
        assert_eq!(r("javascript:gs.endOfToday()"), "2026-03-10 23:59:59");
        assert_eq!(
            r("javascript:gs.beginningOfYesterday()"),
            "2026-03-09 00:00:00"
        );
        assert_eq!(r("javascript:gs.endOfYesterday()"), "2026-03-09 23:59:59");
        assert_eq!(
            r("javascript:gs.beginningOfTomorrow()"),
            "2026-03-11 00:00:00"
        );
        assert_eq!(r("javascript:gs.endOfTomorrow()"), "2026-03-11 23:59:59");
        assert_eq!(r("javascript:gs.nowDateTime()"), "2026-03-10 14:25:36");
    }

    #[test]
    fn hours_and_minutes() {
        assert_eq!(r("javascript:gs.hoursAgo(2)"), "2026-03-10 12:25:36");
        assert_eq!(r("javascript:gs.hoursAgoStart(2)"), "2026-03-10 12:00:00");
        assert_eq!(r("javascript:gs.hoursAgoEnd(15)"), "2026-03-09 23:59:59");
        assert_eq!(r("javascript:gs.minutesAgo(30)"), "2026-03-10 13:55:36");
        assert_eq!(r("javascript:gs.minutesAgoStart(0)"), "2026-03-10 14:25:00");
        assert_eq!(r("javascript:gs.minutesAgoEnd(0)"), "2026-03-10 14:25:59");
    }

    #[test]
    fn unsupported_or_malformed_scripts_stay_literal() {
        for value in [
            "javascript:gs.getUserID()",
            "javascript:getMyGroups()",
            "javascript:gs.daysAgo(x)",
            "javascript:gs.daysAgo(",
            "javascript:gs.dateGenerate('2026-13-40','start')",
            "javascript:gs.dateGenerate('2026-01-01')",
            "javascript:gs.daysAgo(99999999999999)",
            "plain text",
        ] {
            assert_eq!(r(value), value);
        }
    }

    #[test]
    fn shifting_by_units() {
        assert_eq!(
            shifted(now(), Unit::Hour, -1).unwrap(),
            "2026-03-10 13:25:36"
        );
        assert_eq!(
            shifted(now(), Unit::Month, -1).unwrap(),
            "2026-02-10 14:25:36"
        );
        assert_eq!(
            shifted(now(), Unit::Quarter, 1).unwrap(),
            "2026-06-10 14:25:36"
        );
        assert_eq!(
            shifted(now(), Unit::Week, -1).unwrap(),
            "2026-03-03 14:25:36"
        );
        assert!(shifted(now(), Unit::Year, i64::MAX).is_none());
    }

    #[test]
    fn unit_names() {
        assert_eq!(Unit::parse("day"), Some(Unit::Day));
        assert_eq!(Unit::parse("Day"), None);
    }
}
