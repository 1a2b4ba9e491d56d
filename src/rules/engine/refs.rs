//! The names a rule's template gives for reference fields (`assignment_group`, `assigned_to`),
//! turned into sys_ids on the rule's instance before a create is queued. A create is sent with
//! raw values (`sysparm_input_display_value=false`), so a name sent as is would be stored as a
//! broken reference; ServiceNow is asked once per name for the runner's life instead.
//!
//! Every name found is written to the store's lookup cache (docs/store.md §Lookup cache), the
//! one the ticket form fills too; when the instance cannot be reached the cached read stands in
//! (and the instance is asked again on the next pass).

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use servicenow_client::{Client, ErrorCategory};

use crate::rules::{Rule, RuleSet};
use crate::store::{CachedRef, RefList};

use super::db::Db;

/// (instance, field, name).
type At = (String, &'static str, String);

/// (instance, field, name) → the sys_id, or `None` when the instance has no such group or user.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    known: HashMap<At, Option<String>>,
    /// Entries taken from the lookup cache: asked again on the next pass.
    from_cache: HashSet<At>,
}

impl Refs {
    /// Puts the sys_ids into a rule's create fields; a name the instance does not know is left
    /// out (an incident without a group beats one with a broken reference; the runner reported
    /// it when it looked the name up).
    pub fn apply(&self, rule: &Rule, fields: &mut Map<String, Value>) {
        for (field, name) in rule.names_to_resolve() {
            match self.known.get(&(rule.instance.clone(), field, name)) {
                Some(Some(sys_id)) => {
                    fields.insert(field.to_owned(), Value::String(sys_id.clone()));
                }
                _ => {
                    fields.remove(field);
                }
            }
        }
    }

    /// Looks up every name not known yet on its rule's instance (`clients` by instance). A name
    /// the instance does not have is remembered as missing and named in `problems`; a cached
    /// stand-in is named there too, with its age. A name neither readable nor cached is an
    /// error: the pass waits rather than create with a missing group.
    pub async fn resolve(
        &mut self,
        rules: &RuleSet,
        clients: &HashMap<String, Client>,
        db: &Db,
        problems: &mut Vec<String>,
    ) -> Result<(), String> {
        for at in self.from_cache.drain() {
            self.known.remove(&at);
        }
        for rule in rules.rules() {
            let Some(client) = clients.get(&rule.instance) else {
                continue;
            };
            for (field, name) in rule.names_to_resolve() {
                let at = (rule.instance.clone(), field, name.clone());
                if self.known.contains_key(&at) {
                    continue;
                }
                let found = match read(client, field, &name).await {
                    Ok(found) => found,
                    Err(e) if unreachable(&e) => {
                        let Some((sys_id, read_at)) = cached(db, &at).await else {
                            return Err(format!(
                                "rule {}: could not look up {field} {name:?} on {} ({e}), and it \
                                 is not in the lookup cache: its creates wait",
                                rule.name, rule.instance
                            ));
                        };
                        problems.push(format!(
                            "rule {}: {field} {name:?} taken from the lookup cache (read {}): {} \
                             is unreachable",
                            rule.name,
                            crate::domain::format_timestamp(read_at),
                            rule.instance
                        ));
                        self.from_cache.insert(at.clone());
                        self.known.insert(at, Some(sys_id));
                        continue;
                    }
                    Err(e) => {
                        return Err(format!(
                            "rule {}: could not look up {field} {name:?} on {}: {e}",
                            rule.name, rule.instance
                        ));
                    }
                };
                match &found {
                    Some(r) => remember(db, &at, r.clone()).await,
                    None => problems.push(format!(
                        "rule {}: {field} {name:?} is not on instance {} (or inactive): its \
                         incidents are created without it; fix the rule (`snowlink config check \
                         --online` checks every name)",
                        rule.name, rule.instance
                    )),
                }
                self.known.insert(at, found.map(|r| r.sys_id));
            }
        }
        Ok(())
    }
}

/// The outages the lookup cache stands in for; a 401 or a bad answer is reported as it is.
fn unreachable(e: &servicenow_client::Error) -> bool {
    matches!(
        e.category(),
        ErrorCategory::Unavailable | ErrorCategory::RateLimited
    )
}

fn list(field: &str) -> RefList<'static> {
    match field {
        "assignment_group" => RefList::Groups,
        _ => RefList::Users,
    }
}

async fn read(
    client: &Client,
    field: &str,
    name: &str,
) -> Result<Option<CachedRef>, servicenow_client::Error> {
    Ok(match field {
        "assignment_group" => client.find_group(name).await?.map(|g| CachedRef {
            sys_id: g.sys_id,
            name: g.name,
            user_name: None,
        }),
        _ => client.find_user(name).await?.map(|u| CachedRef {
            sys_id: u.sys_id,
            name: u.name,
            user_name: Some(u.user_name),
        }),
    })
}

/// Best effort: the cache only helps a later outage, so failing to write it changes nothing now.
async fn remember(db: &Db, at: &At, found: CachedRef) {
    let (instance, field) = (at.0.clone(), at.1);
    let now = jiff::Timestamp::now();
    if let Err(e) = db
        .call(move |s| s.cache_refs(&instance, list(field), &[found], now))
        .await
    {
        tracing::warn!(error = %e, "could not cache a rule's reference");
    }
}

async fn cached(db: &Db, at: &At) -> Option<(String, jiff::Timestamp)> {
    let (instance, field, name) = at.clone();
    db.call(move |s| s.cached_ref(&instance, list(field), &name))
        .await
        .ok()
        .flatten()
        .map(|(r, read_at)| (r.sys_id, read_at))
}
