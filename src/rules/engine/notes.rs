//! Consolidated work notes: the anomalies merged into a key's incident since its last note, in
//! one note per `consolidation_interval` (Netwrix's ConsolidationInterval) instead of one per
//! anomaly.

use jiff::Timestamp;

use crate::domain::{AnomalyKey, format_timestamp};
use crate::store::{RuleKeyRow, Store, StoreError};

/// At most this many anomalies are named one per line; the rest are counted (every one is also
/// linked to the incident, so none is lost from view).
const LISTED_MAX: usize = 200;

/// The note for `row`'s buffer.
pub fn note_text(s: &Store, row: &RuleKeyRow, now: Timestamp) -> Result<String, StoreError> {
    let n = row.pending.len();
    let mut text = format!(
        "[{}] snowlink rule {}: {} more {} with the same key ({})",
        format_timestamp(now),
        row.rule,
        n,
        if n == 1 { "anomaly" } else { "anomalies" },
        row.key_text
    );
    if let Some(since) = row.last_note_at {
        text.push_str(&format!(" since {}", format_timestamp(since)));
    }
    text.push(':');
    for key in row.pending.iter().take(LISTED_MAX) {
        text.push_str(&format!("\n- {}", line(s, key)?));
    }
    if n > LISTED_MAX {
        text.push_str(&format!(
            "\n… and {} more (linked to this incident; `snowlink anomalies --linked`)",
            n - LISTED_MAX
        ));
    }
    Ok(text)
}

fn line(s: &Store, key: &AnomalyKey) -> Result<String, StoreError> {
    Ok(match s.get_anomaly(key)? {
        Some(a) => {
            let sev = a
                .anomaly
                .severity
                .map(|v| format!(" [{}]", v.as_str()))
                .unwrap_or_default();
            format!("{key}{sev}: {}", a.anomaly.title)
        }
        None => key.to_string(),
    })
}
