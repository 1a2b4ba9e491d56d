//! Text fitting by display width (CJK and emoji take two cells), and relative times.

use std::borrow::Cow;

use jiff::Timestamp;
use unicode_width::UnicodeWidthChar;

/// Display width in terminal cells; control characters count as one (they are shown as spaces).
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    if c.is_control() {
        1
    } else {
        c.width().unwrap_or(0)
    }
}

/// `s` on one line (control characters become spaces), cut to at most `max` cells with a
/// trailing `…` when something was cut. A wide character that would straddle the edge is dropped.
pub fn fit(s: &str, max: usize) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) && width(s) <= max {
        return Cow::Borrowed(s);
    }
    let total = width(s);
    let mut out = String::with_capacity(max + 3);
    if total <= max {
        out.extend(s.chars().map(|c| if c.is_control() { ' ' } else { c }));
        return Cow::Owned(out);
    }
    if max == 0 {
        return Cow::Owned(out);
    }
    let budget = max - 1;
    let mut used = 0;
    for c in s.chars() {
        let w = char_width(c);
        if used + w > budget {
            break;
        }
        used += w;
        out.push(if c.is_control() { ' ' } else { c });
    }
    // "Beth …" reads worse than "Beth…".
    out.truncate(out.trim_end().len());
    out.push('…');
    Cow::Owned(out)
}

/// `A-1, A-2, A-3`, or `A-1, A-2, A-3 and 5 more` past `max` ids: anomaly lists in titles and
/// questions stay one short line.
pub fn id_list(ids: &[String], max: usize) -> String {
    let shown = ids.iter().take(max).cloned().collect::<Vec<_>>().join(", ");
    match ids.len().saturating_sub(max) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// [`fit`], then padded with spaces to exactly `cells` cells (for aligned columns).
pub fn pad(s: &str, cells: usize) -> String {
    let f = fit(s, cells);
    let w = width(&f);
    let mut out = f.into_owned();
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

/// Data younger than this reads "just now" and never needs a redraw to stay true.
pub const FRESH_SECS: i64 = 60;

/// What quitting with deliveries still in the outbox prints (on stderr, after the terminal is
/// restored): how many, and that they are not lost.
pub fn queued_on_quit(n: usize) -> Option<String> {
    match n {
        0 => None,
        1 => Some(
            "1 delivery (note, link or create) is still queued; it will be delivered by the next `snowlink sync` or dashboard".to_owned(),
        ),
        n => Some(format!(
            "{n} deliveries (notes, links, creates) are still queued; they will be delivered by the next `snowlink sync` or dashboard"
        )),
    }
}

/// `just now`, `5m ago`, `3h ago`, `2d ago`: minute granularity at least, so a stale label
/// changes (and costs a redraw) at most once a minute.
pub fn ago(then: Timestamp, now: Timestamp) -> String {
    let secs = now.as_second().saturating_sub(then.as_second());
    if secs < FRESH_SECS {
        "just now".to_owned()
    } else if secs < 3600 {
        format!("{}m ago", secs / 60)
    } else if secs < 86_400 {
        format!("{}h ago", secs / 3600)
    } else {
        format!("{}d ago", secs / 86_400)
    }
}

/// `due`, `in <1m`, `in 5m`, `in 3h`, `in 2d`: the future counterpart of [`ago`], at minute
/// granularity too.
pub fn until(then: Timestamp, now: Timestamp) -> String {
    let secs = then.as_second().saturating_sub(now.as_second());
    if secs <= 0 {
        "due".to_owned()
    } else if secs < 60 {
        "in <1m".to_owned()
    } else if secs < 3600 {
        format!("in {}m", secs / 60)
    } else if secs < 86_400 {
        format!("in {}h", secs / 3600)
    } else {
        format!("in {}d", secs / 86_400)
    }
}

/// `2026-11-23 10:30` in UTC, or `-`.
pub fn short_time(t: Option<Timestamp>) -> String {
    t.map_or_else(
        || "-".to_owned(),
        |t| t.strftime("%Y-%m-%d %H:%M").to_string(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn fits_by_display_width() {
        assert_eq!(fit("hello", 10), "hello");
        assert_eq!(fit("hello world", 6), "hello…");
        assert_eq!(width("顧客名"), 6);
        // Two cells each: "顧客" (4) + "…" (1) fits 5; "顧客名" would need 6.
        assert_eq!(fit("顧客名が空です", 5), "顧客…");
        assert_eq!(fit("顧客名が空です", 6), "顧客…");
        assert_eq!(width(&fit("🚨🚨🚨 alert", 6)), 5);
        assert_eq!(fit("a\nb", 5), "a b");
        assert_eq!(pad("顧客", 6), "顧客  ");
        assert_eq!(width(&pad("顧客名が空です", 7)), 7);
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit("Beth Anglin", 6), "Beth…");
    }

    #[test]
    fn relative_times() {
        let now: Timestamp = "2026-11-23T10:30:00Z".parse().unwrap();
        let at = |s: i64| Timestamp::from_second(now.as_second() - s).unwrap();
        assert_eq!(ago(at(5), now), "just now");
        assert_eq!(queued_on_quit(0), None);
        assert!(
            queued_on_quit(1)
                .unwrap()
                .starts_with("1 delivery (note, link or create) is still queued; it will")
        );
        assert!(queued_on_quit(3).unwrap().starts_with("3 deliveries (notes, links, creates) are still queued; they will be delivered by the next `snowlink sync` or dashboard"));
        assert_eq!(ago(at(61), now), "1m ago");
        assert_eq!(ago(at(7200), now), "2h ago");
        assert_eq!(ago(at(3 * 86_400), now), "3d ago");
        assert_eq!(until(at(-30), now), "in <1m");
        assert_eq!(until(at(-600), now), "in 10m");
        assert_eq!(until(at(5), now), "due");
        assert_eq!(short_time(Some(now)), "2026-11-23 10:30");
        assert_eq!(short_time(None), "-");
    }
}
