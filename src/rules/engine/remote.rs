//! Phase two: what ServiceNow knows about a key. Before creating for a key with no local record
//! (a fresh data directory, another machine), its incidents are looked up by correlation id
//! prefix, newest first: an open one is adopted instead of creating; the list also feeds a new
//! incident's "earlier incidents" (`correlation_window`). Reads only.

use jiff::{SignedDuration, Timestamp};
use servicenow_client::{Client, DisplayValue, GetParams, ListParams, Query, Record};

use std::collections::{HashMap, HashSet};

use crate::domain::IncidentRef;
use crate::rules::{EarlierIncident, RuleSet};

use super::db::Db;
use super::facts::Candidate;

/// The newest incident of a key on ServiceNow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub incident: IncidentRef,
    pub generation: u32,
    /// Raw state code.
    pub state: String,
}

/// What a key lookup found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteKey {
    pub newest: Option<Found>,
    /// Within `correlation_window`, newest first.
    pub earlier: Vec<EarlierIncident>,
}

const FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "opened_at",
    "state",
    "assignment_group",
    "correlation_id",
];

/// The incidents whose correlation id starts with `prefix`.
pub async fn lookup_key(
    client: &Client,
    instance: &str,
    table: &str,
    prefix: &str,
    window: SignedDuration,
    now: Timestamp,
) -> Result<RemoteKey, servicenow_client::Error> {
    let params = ListParams::new()
        .query(
            Query::new()
                .starts_with("correlation_id", prefix)
                .order_by_desc("sys_created_on"),
        )
        .fields(FIELDS)
        .limit(50)
        .display(DisplayValue::All)
        .exclude_reference_link(true);
    let records = client.list(table, &params).await?.records;
    let mut out = RemoteKey::default();
    let since = now.checked_sub(window).unwrap_or(Timestamp::MIN);
    for rec in &records {
        // A server that ignored the query must not make us adopt someone else's incident.
        let Some(generation) = generation_of(rec.value("correlation_id").unwrap_or(""), prefix)
        else {
            continue;
        };
        let opened = opened_at(rec);
        if out.newest.is_none() {
            out.newest = Some(Found {
                incident: IncidentRef {
                    instance: instance.to_owned(),
                    table: table.to_owned(),
                    sys_id: rec.value("sys_id").unwrap_or("").to_owned(),
                    number: rec.value("number").unwrap_or("").to_owned(),
                },
                generation,
                state: rec.value("state").unwrap_or("").trim().to_owned(),
            });
        }
        if opened.is_none_or(|o| o >= since) {
            out.earlier.push(EarlierIncident {
                number: rec.value("number").unwrap_or("").to_owned(),
                opened_at: opened,
                state: rec
                    .display("state")
                    .or(rec.value("state"))
                    .unwrap_or("")
                    .to_owned(),
                group: rec
                    .display("assignment_group")
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned),
            });
        }
    }
    Ok(out)
}

/// An incident's raw state code now.
pub async fn read_state(
    client: &Client,
    table: &str,
    sys_id: &str,
) -> Result<String, servicenow_client::Error> {
    let params = GetParams::new()
        .fields(&["sys_id", "state"])
        .display(DisplayValue::False);
    let rec = client.get(table, sys_id, &params).await?;
    Ok(rec.str("state").trim().to_owned())
}

/// Phase two: for each key of the batch, its incident's state now (known incident) or its
/// incidents on ServiceNow (no local record, or one that may need a successor).
pub(super) async fn remote_facts(
    rules: &RuleSet,
    clients: &HashMap<String, Client>,
    db: &Db,
    cands: &[Candidate],
    now: Timestamp,
    dry: bool,
) -> Result<HashMap<(String, String), RemoteKey>, String> {
    let mut out = HashMap::new();
    let mut seen = HashSet::new();
    for c in cands {
        for m in c
            .matched
            .iter()
            .filter(|m| !m.decided && !m.linked_by_person)
        {
            let Some(rule) = rules.get(&m.rule) else {
                continue;
            };
            if !seen.insert((m.rule.clone(), m.key.hash.clone())) {
                continue;
            }
            let Some(client) = clients.get(&rule.instance) else {
                continue;
            };
            let id = (m.rule.clone(), m.key.hash.clone());
            if let Some((row, inc)) = m.latest.as_ref().and_then(|r| Some((r, r.incident()?))) {
                let state = read_state(client, &inc.table, &inc.sys_id)
                    .await
                    .map_err(|e| format!("reading {} for rule {}: {e}", inc.number, rule.name))?;
                if !dry {
                    let (k, i, st) = (row.key_ref(), inc.clone(), state.clone());
                    db.call(move |s| s.set_rule_key_state(&k, Some(&i), &st))
                        .await
                        .map_err(|e| e.to_string())?;
                }
                let mut r = RemoteKey {
                    newest: Some(Found {
                        incident: inc,
                        generation: row.generation,
                        state,
                    }),
                    earlier: Vec::new(),
                };
                // A successor lists its predecessors: read them only when one may be made.
                if matches!(
                    r.newest.as_ref().map(|f| f.state.as_str()),
                    Some(super::decide::STATE_CLOSED) | Some(super::decide::STATE_CANCELED)
                ) || now.duration_since(row.last_seen_at) > rule.flood.update_interval
                {
                    r.earlier = lookup(client, rule, &m.key, now).await?.earlier;
                }
                out.insert(id, r);
            } else if m.latest.is_none() {
                out.insert(id, lookup(client, rule, &m.key, now).await?);
            }
        }
    }
    Ok(out)
}

async fn lookup(
    client: &Client,
    rule: &crate::rules::Rule,
    key: &crate::rules::DedupeKey,
    now: Timestamp,
) -> Result<RemoteKey, String> {
    let prefix = rule.correlation_prefix(key);
    lookup_key(
        client,
        &rule.instance,
        &rule.table,
        &prefix,
        rule.flood.correlation_window,
        now,
    )
    .await
    .map_err(|e| format!("looking up {prefix} for rule {}: {e}", rule.name))
}

fn generation_of(correlation_id: &str, prefix: &str) -> Option<u32> {
    correlation_id.strip_prefix(prefix)?.parse().ok()
}

/// `opened_at` as ServiceNow stores it (UTC, `YYYY-MM-DD HH:MM:SS`).
fn opened_at(rec: &Record) -> Option<Timestamp> {
    let raw = rec.value("opened_at")?.trim();
    let dt: jiff::civil::DateTime = raw.parse().ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_come_from_the_exact_prefix_only() {
        let p = "snowlink:rule:r:00000000000000aa#";
        assert_eq!(
            generation_of("snowlink:rule:r:00000000000000aa#3", p),
            Some(3)
        );
        assert_eq!(generation_of("snowlink:rule:r:00000000000000ab#3", p), None);
        assert_eq!(generation_of("snowlink:rule:r:00000000000000aa#x", p), None);
    }
}
