//! What one record read back from ServiceNow says snowlink linked to it (docs/store.md
//! §Rediscovery): the anomaly its correlation id (message key) names, the anomalies of its
//! description blocks, the anomalies a rule's consolidated notes list, and, for a rule's
//! record, the key generation it stands for. Pure: the sources of block-only anomalies are
//! resolved against the store afterwards (`rediscover.rs`).

use jiff::Timestamp;

use crate::domain::{
    ALERT_TABLE, Anomaly, IncidentRef, IncidentState, OwnCorrelation, consolidated_note_keys,
    find_blocks, parse_correlation_id, split_key,
};

use super::rediscover_read::ReadRecord;

/// One anomaly a record says it is linked to.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub incident: IncidentRef,
    /// Known from the correlation id, a consolidated note or an alert; `None` for a block
    /// alone (the block names no source).
    pub source: Option<String>,
    pub anomaly_id: String,
    /// The block's `Link:` (tells two sources' anomalies with one id apart).
    pub link: Option<String>,
    /// What the record says of the anomaly, for a store that has not read it.
    pub placeholder: Anomaly,
    pub via: &'static str,
    /// (rule, key hash) of a rule's record.
    pub rule: Option<(String, String)>,
    pub state: IncidentState,
}

/// A rule key generation a record stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCandidate {
    pub rule: String,
    pub key_hash: String,
    pub generation: u32,
    pub correlation_id: String,
    pub incident: IncidentRef,
    pub state_code: Option<String>,
    pub opened_at: Option<Timestamp>,
    /// The readable key text when the record itself says it (an overflow window).
    pub key_text: Option<String>,
}

/// What one record yields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub candidates: Vec<Candidate>,
    pub key: Option<KeyCandidate>,
    /// Why parts of the record could not be read back.
    pub problems: Vec<String>,
}

pub const VIA_CORRELATION: &str = "correlation_id";
pub const VIA_BLOCK: &str = "description block";
pub const VIA_NOTE: &str = "rule's consolidated note";
pub const VIA_MESSAGE_KEY: &str = "alert's message key";

/// Reads one record of `table` on `instance`. `sources` are the configured source names.
pub fn parse_record(instance: &str, table: &str, r: &ReadRecord, sources: &[String]) -> Parsed {
    let incident = IncidentRef {
        instance: instance.to_owned(),
        table: table.to_owned(),
        sys_id: r.sys_id.clone(),
        number: r.number.clone(),
    };
    let mut out = Parsed::default();
    let own = parse_correlation_id(&r.correlation, sources);
    let cand = |source: Option<String>, id: &str, via, rule: Option<(String, String)>| Candidate {
        incident: incident.clone(),
        source,
        anomaly_id: id.to_owned(),
        link: None,
        placeholder: Anomaly::new(id, ""),
        via,
        rule,
        state: r.state.clone(),
    };
    if table == ALERT_TABLE {
        parse_alert(r, sources, &mut out, &cand);
        return out;
    }
    let rule = match &own {
        Some(OwnCorrelation::Manual {
            source, anomaly_id, ..
        }) => {
            out.candidates.push(cand(
                Some(source.clone()),
                anomaly_id,
                VIA_CORRELATION,
                None,
            ));
            None
        }
        Some(OwnCorrelation::Rule {
            rule,
            key_hash,
            generation,
        }) => {
            out.key = Some(key(&incident, r, rule, key_hash, *generation, None));
            Some((rule.clone(), key_hash.clone()))
        }
        Some(OwnCorrelation::Overflow { rule, window_start }) => {
            let hash = format!("overflow:{window_start}");
            let text = Timestamp::from_second(*window_start).ok().map(|t| {
                format!(
                    "overflow of the window from {}",
                    crate::domain::format_timestamp(t)
                )
            });
            out.key = Some(key(&incident, r, rule, &hash, 0, text));
            Some((rule.clone(), hash))
        }
        None => None,
    };
    for block in find_blocks(&r.description) {
        match block {
            Ok(b) => {
                // The creator's own block: the anomaly its correlation id names, described.
                if let Some(c) = out
                    .candidates
                    .iter_mut()
                    .find(|c| c.anomaly_id == b.anomaly_id && c.via == VIA_CORRELATION)
                {
                    c.link = b.link;
                    c.placeholder = b.anomaly;
                    continue;
                }
                let mut c = cand(None, &b.anomaly_id, VIA_BLOCK, rule.clone());
                c.link = b.link;
                c.placeholder = b.anomaly;
                out.candidates.push(c);
            }
            Err(m) => out.problems.push(format!(
                "description block `{}`: {}",
                shorten(&m.header),
                m.reason
            )),
        }
    }
    if let Some((rule_name, _)) = &rule {
        if let Some(e) = &r.notes_error {
            out.problems.push(format!(
                "work notes unreadable, so anomalies that joined rule {rule_name}'s record later are not recovered: {e}"
            ));
        }
        for note in &r.notes {
            for (source, id) in consolidated_note_keys(note, rule_name, sources).unwrap_or_default()
            {
                out.candidates
                    .push(cand(Some(source), &id, VIA_NOTE, rule.clone()));
            }
        }
    }
    if out.candidates.is_empty() && out.problems.is_empty() {
        let why = if rule.is_some() {
            "a rule's record whose description holds no block and whose notes name no anomaly"
                .to_owned()
        } else if r.correlation.starts_with(crate::domain::OWN_PREFIX) {
            format!(
                "correlation_id `{}` is not one snowlink writes and the description holds no block",
                shorten(&r.correlation)
            )
        } else {
            "the description mentions `--- snowlink anomaly` but holds no block (a block's \
             header is a line of its own)"
                .to_owned()
        };
        out.problems.push(why);
    }
    out
}

/// Builds a candidate of the record being parsed: (source, id, via, rule).
type MakeCandidate<'a> =
    dyn Fn(Option<String>, &str, &'static str, Option<(String, String)>) -> Candidate + 'a;

/// An alert: a manual send's key names the anomaly (`snowlink:<source>/<id>`); a rule's
/// (`snowlink:rule:<rule>:<hash>`) does not, but `additional_info` names the anomaly whose
/// event the alert last took (docs/formats.md §Events).
fn parse_alert(r: &ReadRecord, sources: &[String], out: &mut Parsed, cand: &MakeCandidate<'_>) {
    let key = r.correlation.trim();
    if let Some(rest) = key.strip_prefix(crate::domain::RULE_PREFIX) {
        // `<rule>:<hash>`, or a window's overflow alert `<rule>:overflow:<start>` (its key
        // is `overflow:<start>`, as the runner names it).
        let (rule, hash) = match rest.rsplit_once(":overflow:") {
            Some((rule, start)) => (rule, format!("overflow:{start}")),
            None => rest
                .rsplit_once(':')
                .map_or((rest, String::new()), |(r, h)| (r, h.to_owned())),
        };
        let info: serde_json::Value = serde_json::from_str(&r.additional_info).unwrap_or_default();
        let field = |f: &str| {
            info.get(f)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        let (source, id) = (field("source"), field("id"));
        if source.is_empty() || id.is_empty() || rule.is_empty() {
            out.problems.push(format!(
                "message key `{}`: additional_info names no anomaly (source and id)",
                shorten(key)
            ));
            return;
        }
        let rule = Some((rule.to_owned(), hash));
        out.candidates
            .push(cand(Some(source), &id, VIA_MESSAGE_KEY, rule));
        return;
    }
    match key
        .strip_prefix(crate::domain::OWN_PREFIX)
        .and_then(|k| split_key(k, sources))
    {
        Some((source, id)) => out
            .candidates
            .push(cand(Some(source), &id, VIA_MESSAGE_KEY, None)),
        None => out
            .problems
            .push(format!("message key `{}` names no anomaly", shorten(key))),
    }
}

fn key(
    incident: &IncidentRef,
    r: &ReadRecord,
    rule: &str,
    hash: &str,
    generation: u32,
    key_text: Option<String>,
) -> KeyCandidate {
    KeyCandidate {
        rule: rule.to_owned(),
        key_hash: hash.to_owned(),
        generation,
        correlation_id: r.correlation.clone(),
        incident: incident.clone(),
        state_code: r.state_code.clone(),
        opened_at: r.opened_at,
        key_text,
    }
}

/// At most 120 characters of a text quoted in a message.
fn shorten(s: &str) -> String {
    crate::domain::truncate_chars(s, 120)
}

#[cfg(test)]
#[path = "rediscover_parse_tests.rs"]
mod tests;
