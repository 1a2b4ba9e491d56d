//! Reading back what snowlink wrote into a ServiceNow record, so links can be rebuilt from
//! ServiceNow alone (docs/store.md §Rediscovery): the `correlation_id` forms of
//! docs/formats.md §Creating an incident and docs/rules.md, the description block of
//! `description.rs`, and the rules engine's consolidated note. Pure.
//!
//! A block is recognised by the same header `has_block` looks for (`block_header`), so the
//! writer and this reader cannot disagree on what a block is.

use jiff::Timestamp;

use super::anomaly::Anomaly;
use super::description::block_header;
use super::status::{ArchiveReason, Severity, Status};

/// What every `correlation_id` (and event message key) snowlink writes starts with.
pub const OWN_PREFIX: &str = "snowlink:";
/// What every rule-made correlation id starts with.
pub const RULE_PREFIX: &str = "snowlink:rule:";
/// What every description block's header starts with (what a `descriptionLIKE` query asks for).
pub const BLOCK_MARKER: &str = "--- snowlink anomaly ";

/// A correlation id snowlink wrote, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnCorrelation {
    /// `snowlink:<source>/<anomaly id>#<create id>`: a person's create.
    Manual {
        source: String,
        anomaly_id: String,
        create_id: String,
    },
    /// `snowlink:rule:<rule>:<16 hex hash>#<generation>`.
    Rule {
        rule: String,
        key_hash: String,
        generation: u32,
    },
    /// `snowlink:rule:<rule>:overflow:<window start, unix seconds>`: a flood window's
    /// overflow incident (its key is `overflow:<start>`, generation 0).
    Overflow { rule: String, window_start: i64 },
}

impl OwnCorrelation {
    /// The rule that made the record, for a rule's correlation id.
    pub fn rule(&self) -> Option<&str> {
        match self {
            OwnCorrelation::Manual { .. } => None,
            OwnCorrelation::Rule { rule, .. } | OwnCorrelation::Overflow { rule, .. } => Some(rule),
        }
    }
}

/// Takes a correlation id apart; `None` for one snowlink did not write. `sources` are the
/// configured source names: a source name may itself hold a `/`, so the longest configured
/// name the id starts with wins, and only otherwise does the first `/` split source from id.
pub fn parse_correlation_id(cid: &str, sources: &[String]) -> Option<OwnCorrelation> {
    let cid = cid.trim();
    if let Some(rest) = cid.strip_prefix(RULE_PREFIX) {
        if let Some((rule, start)) = rest.rsplit_once(":overflow:") {
            let window_start = start.parse().ok()?;
            return (!rule.is_empty()).then(|| OwnCorrelation::Overflow {
                rule: rule.to_owned(),
                window_start,
            });
        }
        let (head, generation) = rest.rsplit_once('#')?;
        let generation = generation.parse().ok()?;
        let (rule, hash) = head.rsplit_once(':')?;
        let hex = hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        return (hex && !rule.is_empty()).then(|| OwnCorrelation::Rule {
            rule: rule.to_owned(),
            key_hash: hash.to_owned(),
            generation,
        });
    }
    let rest = cid.strip_prefix(OWN_PREFIX)?;
    let (key, create_id) = rest.rsplit_once('#')?;
    // snowlink writes 16 hex digits; any other non-empty id (an import's, the emulator's
    // `#seed` records) still names the anomaly before it.
    if create_id.is_empty() {
        return None;
    }
    let (source, anomaly_id) = split_key(key, sources)?;
    Some(OwnCorrelation::Manual {
        source,
        anomaly_id,
        create_id: create_id.to_owned(),
    })
}

/// `<source>/<anomaly id>` → (source, id), preferring the longest configured source name.
pub fn split_key(key: &str, sources: &[String]) -> Option<(String, String)> {
    let known = sources
        .iter()
        .filter(|s| {
            key.strip_prefix(s.as_str())
                .is_some_and(|r| r.len() > 1 && r.starts_with('/'))
        })
        .max_by_key(|s| s.len());
    let (source, id) = match known {
        Some(s) => (s.as_str(), &key[s.len() + 1..]),
        None => key.split_once('/')?,
    };
    (!source.is_empty() && !id.is_empty()).then(|| (source.to_owned(), id.to_owned()))
}

/// One block found in a description.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundBlock {
    pub anomaly_id: String,
    /// The `Link:` line, when it holds one.
    pub link: Option<String>,
    /// What the block says of the anomaly (id, type, status at detection, severity, datastore,
    /// container, field, detection time, link), for a store that has not read it yet. Its title
    /// is empty: the block has none.
    pub anomaly: Anomaly,
}

/// A block that cannot be read back, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MangledBlock {
    /// The header line as found.
    pub header: String,
    pub reason: String,
}

/// Every block in `description`, in order: read back, or with why it cannot be.
pub fn find_blocks(description: &str) -> Vec<Result<FoundBlock, MangledBlock>> {
    let lines: Vec<&str> = description
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.trim_start().starts_with(BLOCK_MARKER.trim_end()) {
            continue;
        }
        out.push(read_block(line, &lines[i + 1..]));
    }
    out
}

fn read_block(header: &str, after: &[&str]) -> Result<FoundBlock, MangledBlock> {
    let mangled = |reason: String| MangledBlock {
        header: header.to_owned(),
        reason,
    };
    let Some(id_line) = after.first().and_then(|l| l.strip_prefix("Anomaly ID: ")) else {
        return Err(mangled(
            "the line after the header is not `Anomaly ID: …`".to_owned(),
        ));
    };
    let id = id_line.trim();
    if id.is_empty() || id == "-" {
        return Err(mangled("the `Anomaly ID:` line is empty".to_owned()));
    }
    // A cut line ends in `…` within a few bytes of the cap (the cut keeps char boundaries).
    let line_len = "Anomaly ID: ".len() + id.len();
    if id.ends_with('…') && line_len + 8 >= super::description::MAX_LINE_BYTES {
        return Err(mangled(
            "the anomaly id was cut when the block was written".to_owned(),
        ));
    }
    if block_header(id) != header {
        return Err(mangled(format!(
            "the header does not match `Anomaly ID: {id}` (edited by hand?)"
        )));
    }
    // The block's own lines run until the `Link:` line (or the next block / end of text).
    let mut a = Anomaly::new(id, "");
    let mut link = None;
    for line in after[1..]
        .iter()
        .take_while(|l| !l.starts_with(BLOCK_MARKER))
    {
        let (name, value) = match line.split_once(": ") {
            Some((n, v)) => (n, v.trim()),
            None => continue,
        };
        let value = (!value.is_empty() && value != "-").then_some(value);
        match (name, value) {
            ("Type", Some(v)) => a.kind = Some(v.to_owned()),
            ("Status at detection", Some(v)) => {
                if let Some(s) = status_from_display(v) {
                    a.status = s;
                }
            }
            ("Severity", Some(v)) => a.severity = Severity::parse(v),
            ("Datastore / container / field", Some(v)) => {
                let parts: Vec<&str> = v.split(" / ").collect();
                if let [d, c, f] = parts.as_slice() {
                    let part = |p: &str| (p != "-").then(|| p.to_owned());
                    (a.datastore, a.container, a.field) = (part(d), part(c), part(f));
                }
            }
            ("Detected", Some(v)) => a.detected_at = timestamp_from_note(v),
            ("Link", v) => {
                link = v.filter(|v| !v.starts_with('(')).map(str::to_owned);
                break;
            }
            _ => {}
        }
    }
    a.url = link.clone();
    Ok(FoundBlock {
        anomaly_id: id.to_owned(),
        link,
        anomaly: a,
    })
}

/// `Active`, `Acknowledged`, `Archived (Duplicate)` (what `Status`'s `Display` writes) back.
fn status_from_display(v: &str) -> Option<Status> {
    match v {
        "Active" => Some(Status::Active),
        "Acknowledged" => Some(Status::Acknowledged),
        _ => {
            let reason = v.strip_prefix("Archived (")?.strip_suffix(')')?;
            ArchiveReason::parse(&reason.to_ascii_lowercase()).map(Status::Archived)
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` (what `format_timestamp` writes) back.
fn timestamp_from_note(v: &str) -> Option<Timestamp> {
    let civil: jiff::civil::DateTime = v.strip_suffix(" UTC")?.parse().ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// The `<source>/<id>` keys a rules engine consolidated note lists (`rules/engine/notes.rs`:
/// `[…] snowlink rule <rule>: N more anomalies with the same key (…):` then one
/// `- <source>/<id>[ [severity]]: <title>` line each). `None` when the note is not one of
/// `rule`'s consolidated notes. Keys are split with [`split_key`].
pub fn consolidated_note_keys(
    text: &str,
    rule: &str,
    sources: &[String],
) -> Option<Vec<(String, String)>> {
    let text = text.trim();
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let after_stamp = first.strip_prefix('[')?.split_once("] ")?.1;
    let tail = after_stamp.strip_prefix(&format!("snowlink rule {rule}: "))?;
    if !tail.contains(" with the same key (") {
        return None;
    }
    let mut keys = Vec::new();
    for line in rest.lines().map(|l| l.trim_end_matches('\r')) {
        let Some(item) = line.strip_prefix("- ") else {
            continue;
        };
        // `<key>[ [sev]]: <title>`: the key ends before ` [` or `: `, whichever comes first.
        let end = [item.find(" ["), item.find(": ")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(item.len());
        if let Some(k) = split_key(&item[..end], sources) {
            keys.push(k);
        }
    }
    Some(keys)
}

#[cfg(test)]
#[path = "rediscover_tests.rs"]
mod tests;
