//! Phase two: what ServiceNow knows about a key. Before creating for a key with no local record
//! (a fresh data directory, another machine), its incidents are looked up by correlation id
//! prefix, newest first: an open one is adopted instead of creating; the list also feeds a new
//! incident's "earlier incidents" (`correlation_window`). Reads only.

use jiff::{SignedDuration, Timestamp};
use servicenow_client::{Client, DisplayValue, GetParams, ListParams, Query, Record};

use std::collections::{HashMap, HashSet};

use crate::domain::{IncidentRef, OwnCorrelation, parse_correlation_id};
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
    /// Its `correlation_id` as ServiceNow has it.
    pub correlation_id: String,
    /// The rule named in the correlation id (the rule that made it, maybe on another machine).
    pub owner: String,
}

/// Which incidents a lookup asks for.
#[derive(Debug, Clone, Copy)]
pub enum KeyQuery<'a> {
    /// One rule's generations of a key: the correlation ids starting with this prefix.
    Rule(&'a str),
    /// Any rule's incidents for a key hash (what a `link` rule joins).
    AnyRule(&'a str),
}

impl KeyQuery<'_> {
    fn query(&self) -> Query {
        match self {
            KeyQuery::Rule(prefix) => Query::new().starts_with("correlation_id", prefix),
            KeyQuery::AnyRule(hash) => Query::new()
                .starts_with("correlation_id", RULE_CID_PREFIX)
                .like("correlation_id", &format!(":{hash}#")),
        }
    }

    /// (owner rule, generation) of a correlation id this query asked for; `None` for any other
    /// (a server that ignored the query must not make us adopt someone else's incident).
    fn accept(&self, correlation_id: &str) -> Option<(String, u32)> {
        // The domain's parser of snowlink's own correlation ids (also used by rediscovery).
        let Some(OwnCorrelation::Rule {
            rule,
            key_hash,
            generation,
        }) = parse_correlation_id(correlation_id, &[])
        else {
            return None;
        };
        match self {
            KeyQuery::Rule(prefix) => {
                correlation_id.strip_prefix(prefix)?;
                Some((rule, generation))
            }
            KeyQuery::AnyRule(want) => (key_hash == *want).then_some((rule, generation)),
        }
    }

    fn text(&self) -> String {
        match self {
            KeyQuery::Rule(prefix) => (*prefix).to_owned(),
            KeyQuery::AnyRule(hash) => format!("{RULE_CID_PREFIX}*:{hash}#"),
        }
    }
}

/// What every rule-made correlation id starts with (docs/rules.md §Dedupe key).
const RULE_CID_PREFIX: &str = crate::domain::RULE_PREFIX;

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

/// The incidents `what` asks for, newest first.
pub async fn lookup_key(
    client: &Client,
    instance: &str,
    table: &str,
    what: KeyQuery<'_>,
    window: SignedDuration,
    now: Timestamp,
) -> Result<RemoteKey, servicenow_client::Error> {
    let params = ListParams::new()
        .query(what.query().order_by_desc("sys_created_on"))
        .fields(FIELDS)
        .limit(50)
        .display(DisplayValue::All)
        .exclude_reference_link(true);
    let records = client.list(table, &params).await?.records;
    let mut out = RemoteKey::default();
    let since = now.checked_sub(window).unwrap_or(Timestamp::MIN);
    for rec in &records {
        let cid = rec.value("correlation_id").unwrap_or("");
        let Some((owner, generation)) = what.accept(cid) else {
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
                correlation_id: cid.to_owned(),
                owner,
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

/// The answers of key lookups, by (rule, key hash).
pub type LookedUp = HashMap<(String, String), RemoteKey>;

/// Phase two: for each key of the batch, its incident's state now (known incident) or its
/// incidents on ServiceNow (no local record, or one that may need a successor).
pub(super) async fn remote_facts(
    rules: &RuleSet,
    clients: &HashMap<String, Client>,
    db: &Db,
    cands: &[Candidate],
    now: Timestamp,
    dry: bool,
    looked_up: &mut LookedUp,
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
            // An event rule asks nothing: ServiceNow dedupes its events by message key, which
            // holds no generation, so a key another machine already sent joins the same alert.
            if rule.target == crate::rules::RuleTarget::Event {
                continue;
            }
            if !seen.insert((m.rule.clone(), m.key.hash.clone())) {
                continue;
            }
            let Some(client) = clients.get(&rule.instance) else {
                if dry {
                    // A dry run shows what the store alone decides.
                    continue;
                }
                // Deciding without ServiceNow's view could create a second incident for a key
                // another machine already ticketed: the batch waits instead.
                return Err(format!(
                    "rule {} routes to instance {}, which has no ServiceNow client here                      (its profile or credentials failed; `snowlink doctor --instance {}`)",
                    rule.name, rule.instance, rule.instance
                ));
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
                        correlation_id: row.correlation_id.clone(),
                        owner: row.rule.clone(),
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
                let found = match looked_up.get(&id) {
                    Some(r) => r.clone(),
                    None => lookup(client, rule, &m.key, now).await?,
                };
                looked_up.insert(id.clone(), found.clone());
                out.insert(id, found);
            }
        }
    }
    Ok(out)
}

/// A `create` rule looks for its own generations of the key; a `link` rule for the incident any
/// rule made for it (on any machine: the rule name is in the correlation id).
async fn lookup(
    client: &Client,
    rule: &crate::rules::Rule,
    key: &crate::rules::DedupeKey,
    now: Timestamp,
) -> Result<RemoteKey, String> {
    let prefix = rule.correlation_prefix(key);
    let what = match rule.action {
        crate::rules::RuleAction::Create => KeyQuery::Rule(&prefix),
        crate::rules::RuleAction::Link => KeyQuery::AnyRule(&key.hash),
    };
    lookup_key(
        client,
        &rule.instance,
        &rule.table,
        what,
        rule.flood.correlation_window,
        now,
    )
    .await
    .map_err(|e| format!("looking up {} for rule {}: {e}", what.text(), rule.name))
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
        let q = KeyQuery::Rule(p);
        assert_eq!(
            q.accept("snowlink:rule:r:00000000000000aa#3"),
            Some(("r".into(), 3))
        );
        assert_eq!(q.accept("snowlink:rule:r:00000000000000ab#3"), None);
        assert_eq!(q.accept("snowlink:rule:r:00000000000000aa#x"), None);
        assert_eq!(q.accept("snowlink:rule:rr:00000000000000aa#3"), None);
    }

    #[test]
    fn any_rule_accepts_every_rule_of_the_hash_and_nothing_else() {
        let q = KeyQuery::AnyRule("00000000000000aa");
        assert_eq!(
            q.accept("snowlink:rule:db:errors:00000000000000aa#2"),
            Some(("db:errors".into(), 2))
        );
        assert_eq!(q.accept("snowlink:rule:r:00000000000000ab#0"), None);
        assert_eq!(q.accept("snowlink:rule:r:overflow:1700000000"), None);
        assert_eq!(q.accept("other:r:00000000000000aa#0"), None);
        assert_eq!(q.accept("snowlink:rule::00000000000000aa#0"), None);
    }
}
