//! Working while ServiceNow is unreachable (docs/store.md §Lookup cache). Every good read of a
//! lookup the ticket form and `plan_create` need (choice lists, groups, users, group members)
//! is written to the store's cache; when the network read fails because the instance cannot be
//! reached (refused, timeout, hibernating, 5xx, rate limited, or an outage already recorded by
//! the sync worker), the last good read is served instead, with its age and the reason, and a
//! create is planned from it. Anything else (401, a bad value) is an answer, not an outage: it
//! is reported as it is, never papered over with cached data.

use jiff::Timestamp;
use serde::Serialize;
use servicenow_client::{Choice, ErrorCategory, Group, User, looks_like_sys_id};

use crate::domain::TicketDraft;
use crate::store::{CachedChoice, CachedList, CachedRef, RefList, Store};

use super::error::{OpsError, OpsResult};
use super::lookup::NamedRef;
use super::session::Session;
use super::ticket_fields::{check_choice, choice_by_value_or_label};

/// One entry of a choice list (`sys_choice`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChoiceItem {
    pub value: String,
    pub label: String,
}

/// Why an answer came from the cache, and how old it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheNote {
    /// When the cached answer was read from ServiceNow.
    pub read_at: Timestamp,
    /// Why ServiceNow was not asked, or did not answer (one line).
    pub why: String,
}

/// A lookup's answer: from ServiceNow (`cached: None`), or from the last good read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served<T> {
    pub items: Vec<T>,
    pub cached: Option<CacheNote>,
}

impl<T> From<Vec<T>> for Served<T> {
    fn from(items: Vec<T>) -> Self {
        Served::live(items)
    }
}

impl<T> Served<T> {
    pub fn live(items: Vec<T>) -> Self {
        Served {
            items,
            cached: None,
        }
    }
}

/// Whether an error means ServiceNow could not be reached (or is not serving), so the last
/// good read may stand in for it.
pub fn is_unreachable(e: &OpsError) -> bool {
    match e {
        OpsError::ServiceNow(e) => matches!(
            e.category(),
            ErrorCategory::Unavailable | ErrorCategory::RateLimited
        ),
        OpsError::Offline(_) => true,
        _ => false,
    }
}

/// The one-line reason a lookup was served from the cache: short enough for the form's line
/// (the client's full message, with its URL, goes to the log).
pub(crate) fn unreachable_why(e: &OpsError) -> String {
    tracing::info!(error = %e, "ServiceNow unreachable: answering from the lookup cache");
    match e {
        OpsError::ServiceNow(e) if e.category() == ErrorCategory::RateLimited => {
            "ServiceNow rate-limited".to_owned()
        }
        _ => "ServiceNow unreachable".to_owned(),
    }
}

/// The instance's recorded outage, as the reason not to try the network at all: the sync
/// worker already knows it is down and probes it on a backoff (docs/sync.md §Outages).
pub async fn outage_reason(session: &Session) -> OpsResult<Option<String>> {
    session
        .off_runtime(|s| {
            Ok(s.open_store()?
                .outage(s.instance())?
                .map(|o| format!("ServiceNow unreachable: {}", o.cause)))
        })
        .await
}

/// Good reads made while planning a create, to be written to the cache.
#[derive(Debug, Default)]
pub(crate) struct Reads {
    choices: Vec<(String, Option<String>, Vec<CachedChoice>)>,
    groups: Vec<CachedRef>,
    users: Vec<CachedRef>,
}

impl Reads {
    pub(crate) fn choice(&mut self, element: &str, dependent: Option<&str>, choices: &[Choice]) {
        self.choices.push((
            element.to_owned(),
            dependent.map(str::to_owned),
            choices.iter().map(cached_choice).collect(),
        ));
    }

    pub(crate) fn group(&mut self, g: &Group) {
        self.groups.push(CachedRef {
            sys_id: g.sys_id.clone(),
            name: g.name.clone(),
            user_name: None,
        });
    }

    pub(crate) fn user(&mut self, u: &User) {
        self.users.push(CachedRef {
            sys_id: u.sys_id.clone(),
            name: u.name.clone(),
            user_name: Some(u.user_name.clone()).filter(|n| !n.is_empty()),
        });
    }

    pub(crate) fn save(&self, store: &mut Store, instance: &str, table: &str) -> OpsResult<()> {
        let now = Timestamp::now();
        for (element, dependent, items) in &self.choices {
            store.cache_choices(instance, table, element, dependent.as_deref(), items, now)?;
        }
        store.cache_refs(instance, RefList::Groups, &self.groups, now)?;
        store.cache_refs(instance, RefList::Users, &self.users, now)?;
        Ok(())
    }
}

fn cached_choice(c: &Choice) -> CachedChoice {
    CachedChoice {
        value: c.value.clone(),
        label: c.label.clone(),
    }
}

/// Resolves a draft from the cache alone: what `resolve_draft` does over the network. A group
/// or user given as a sys_id (picked in the form) needs nothing; a name must be in the cache.
/// `why` says why ServiceNow was not asked; it goes into every error, with the fix.
pub fn resolve_draft_offline(
    store: &Store,
    instance: &str,
    draft: &TicketDraft,
    why: &str,
) -> OpsResult<TicketDraft> {
    draft
        .validate()
        .map_err(|e| OpsError::Invalid(format!("ticket: {e}")))?;
    let mut out = draft.clone();
    let later = "or try again when ServiceNow answers";
    let choices = |element: &str, dependent: Option<&str>| -> OpsResult<Vec<Choice>> {
        let list = store
            .cached_choices(instance, &draft.table, element, dependent)?
            .ok_or_else(|| {
                OpsError::Offline(format!(
                    "{why}; the {element} choices were never read from it, so the {element} cannot be checked: leave it out ({later})"
                ))
            })?;
        Ok(list
            .items
            .into_iter()
            .map(|c| Choice {
                label: c.label,
                value: c.value,
                sequence: None,
                dependent_value: None,
            })
            .collect())
    };
    if let Some(category) = &draft.category {
        out.category = Some(check_choice(
            "category",
            category,
            &choices("category", None)?,
            None,
        )?);
    }
    if let Some(sub) = &draft.subcategory {
        let Some(category) = &out.category else {
            return Err(OpsError::Invalid(
                "--subcategory needs --category: subcategories depend on the category".into(),
            ));
        };
        let list = choices("subcategory", Some(category))?;
        out.subcategory = Some(check_choice("subcategory", sub, &list, Some(category))?);
    }
    if let Some(risk) = &draft.risk {
        out.risk = Some(choice_by_value_or_label(
            "risk",
            risk,
            &choices("risk", None)?,
        )?);
    }
    if let Some(group) = draft.assignment_group.clone() {
        out.assignment_group = Some(offline_ref(
            store,
            instance,
            RefList::Groups,
            &group,
            "assignment group",
            why,
        )?);
    }
    for (label, field) in [
        ("assigned to", &mut out.assigned_to),
        ("caller", &mut out.caller),
    ] {
        if let Some(user) = field.clone() {
            *field = Some(offline_ref(
                store,
                instance,
                RefList::Users,
                &user,
                label,
                why,
            )?);
        }
    }
    Ok(out)
}

fn offline_ref(
    store: &Store,
    instance: &str,
    list: RefList<'_>,
    given: &str,
    label: &str,
    why: &str,
) -> OpsResult<String> {
    if looks_like_sys_id(given.trim()) {
        return Ok(given.trim().to_owned());
    }
    match store.cached_ref(instance, list, given)? {
        Some((r, _)) => Ok(r.sys_id),
        None => Err(OpsError::Offline(format!(
            "{why}; {label} {given:?} was not among the names read from it earlier, so it cannot be resolved offline: pick it from the form's list (a cached name), give its sys_id, leave it out, or try again when ServiceNow answers"
        ))),
    }
}

/// How a lookup is served: from the network when it answers, else from the cache.
enum Source {
    Network,
    Cache(String),
}

async fn source(session: &Session) -> OpsResult<Source> {
    Ok(match outage_reason(session).await? {
        Some(why) => Source::Cache(why),
        None => Source::Network,
    })
}

/// The answer when the network failed (or was not tried): the cache, else a plain error.
fn from_cache<T>(list: Option<CachedList<T>>, why: String, what: &str) -> OpsResult<Served<T>> {
    match list {
        Some(l) => Ok(Served {
            items: l.items,
            cached: Some(CacheNote {
                read_at: l.read_at,
                why,
            }),
        }),
        None => Err(OpsError::Offline(format!(
            "{why}; no earlier read of the {what} is cached: they are listed once ServiceNow answers"
        ))),
    }
}

/// The choice list of `table.element` (`dependent`: the parent value), live or cached.
pub async fn served_choices(
    session: &Session,
    table: &str,
    element: &str,
    dependent: Option<&str>,
) -> OpsResult<Served<ChoiceItem>> {
    let table = table.to_owned();
    let (element, dependent) = (element.to_owned(), dependent.map(str::to_owned));
    let why = match source(session).await? {
        Source::Cache(why) => why,
        Source::Network => {
            let client = session.client()?;
            match client
                .choices(&table, &element, dependent.as_deref())
                .await
                .map_err(OpsError::from)
            {
                Ok(rows) => {
                    let cached: Vec<CachedChoice> = rows.iter().map(cached_choice).collect();
                    let (t, e, d) = (table.clone(), element.clone(), dependent.clone());
                    remember(session, move |store, instance| {
                        store.cache_choices(
                            instance,
                            &t,
                            &e,
                            d.as_deref(),
                            &cached,
                            Timestamp::now(),
                        )
                    })
                    .await;
                    return Ok(Served::live(
                        rows.into_iter()
                            .map(|c| ChoiceItem {
                                value: c.value,
                                label: c.label,
                            })
                            .collect(),
                    ));
                }
                Err(e) if is_unreachable(&e) => unreachable_why(&e),
                Err(e) => return Err(e),
            }
        }
    };
    let what = format!("{element} choices");
    let list = session
        .off_runtime(move |s| {
            Ok(s.open_store()?.cached_choices(
                s.instance(),
                &table,
                &element,
                dependent.as_deref(),
            )?)
        })
        .await?;
    let served = from_cache(list, why, &what)?;
    Ok(Served {
        items: served
            .items
            .into_iter()
            .map(|c| ChoiceItem {
                value: c.value,
                label: c.label,
            })
            .collect(),
        cached: served.cached,
    })
}

/// Which lookup a search is, for [`served_refs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefSearch {
    Groups,
    Users,
    /// The members of this group (a sys_id).
    Members(String),
}

impl RefSearch {
    fn list(&self) -> RefList<'_> {
        match self {
            RefSearch::Groups => RefList::Groups,
            RefSearch::Users => RefList::Users,
            RefSearch::Members(g) => RefList::Members(g),
        }
    }

    fn what(&self) -> &'static str {
        match self {
            RefSearch::Groups => "groups",
            RefSearch::Users => "users",
            RefSearch::Members(_) => "group's members",
        }
    }
}

/// Groups, users or a group's members whose name contains `text`, live or cached.
pub async fn served_refs(
    session: &Session,
    search: RefSearch,
    text: &str,
) -> OpsResult<Served<NamedRef>> {
    let why = match source(session).await? {
        Source::Cache(why) => why,
        Source::Network => {
            let client = session.client()?;
            let read = match &search {
                RefSearch::Groups => super::lookup::search_groups(client, text).await,
                RefSearch::Users => super::lookup::search_users(client, text).await,
                RefSearch::Members(g) => super::lookup::search_group_members(client, g, text).await,
            };
            match read {
                Ok(found) => {
                    let cached: Vec<CachedRef> = found
                        .iter()
                        .map(|r| CachedRef {
                            sys_id: r.sys_id.clone(),
                            name: r.name.clone(),
                            user_name: None,
                        })
                        .collect();
                    let s = search.clone();
                    remember(session, move |store, instance| {
                        let now = Timestamp::now();
                        store.cache_refs(instance, s.list(), &cached, now)?;
                        // A group's members are users too: a name picked from them resolves
                        // offline like any user.
                        if matches!(s, RefSearch::Members(_)) {
                            store.cache_refs(instance, RefList::Users, &cached, now)?;
                        }
                        Ok(())
                    })
                    .await;
                    return Ok(Served::live(found));
                }
                Err(e) if is_unreachable(&e) => unreachable_why(&e),
                Err(e) => return Err(e),
            }
        }
    };
    let text = text.to_owned();
    let s = search.clone();
    let list = session
        .off_runtime(move |sess| {
            Ok(sess
                .open_store()?
                .cached_refs(sess.instance(), s.list(), &text)?)
        })
        .await?;
    let served = from_cache(list, why, search.what())?;
    Ok(Served {
        items: served
            .items
            .into_iter()
            .map(|r| NamedRef {
                sys_id: r.sys_id,
                name: r.name,
            })
            .collect(),
        cached: served.cached,
    })
}

/// Writes a good read to the cache, off the async workers. Best effort: a cache that cannot be
/// written costs only the offline fallback, never the answer the user is waiting for.
async fn remember(
    session: &Session,
    write: impl FnOnce(&mut Store, &str) -> crate::store::Result<()> + Send + 'static,
) {
    let result = session
        .off_runtime(move |s| {
            let mut store = s.open_store()?;
            Ok(write(&mut store, s.instance())?)
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "lookup cache not written");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn draft() -> TicketDraft {
        TicketDraft {
            table: "incident".into(),
            short_description: "disk full".into(),
            description: None,
            category: None,
            subcategory: None,
            impact: Some(3),
            urgency: Some(3),
            assignment_group: None,
            assigned_to: None,
            caller: None,
            change_type: None,
            risk: None,
        }
    }

    #[test]
    fn a_draft_resolves_offline_from_sys_ids_and_cached_names_only() {
        let mut store = Store::open_in_memory().unwrap();
        let now = Timestamp::now();
        store
            .cache_choices(
                "default",
                "incident",
                "category",
                None,
                &[CachedChoice {
                    value: "database".into(),
                    label: "Database".into(),
                }],
                now,
            )
            .unwrap();
        store
            .cache_refs(
                "default",
                RefList::Users,
                &[CachedRef {
                    sys_id: "u-itil".into(),
                    name: "ITIL User".into(),
                    user_name: Some("itil".into()),
                }],
                now,
            )
            .unwrap();
        let mut d = draft();
        d.category = Some("database".into());
        d.caller = Some("itil".into());
        d.assignment_group = Some("0123456789abcdef0123456789abcdef".into());
        let out =
            resolve_draft_offline(&store, "default", &d, "ServiceNow unreachable: x").unwrap();
        assert_eq!(out.caller.as_deref(), Some("u-itil"));
        assert_eq!(
            out.assignment_group.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );

        let mut d = draft();
        d.assigned_to = Some("beth.anglin".into());
        let e = resolve_draft_offline(&store, "default", &d, "ServiceNow unreachable: refused")
            .unwrap_err();
        assert!(is_unreachable(&e));
        let e = e.to_string();
        assert!(
            e.starts_with("ServiceNow unreachable: refused; assigned to \"beth.anglin\""),
            "{e}"
        );
        assert!(e.contains("pick it from the form's list"), "{e}");

        let mut d = draft();
        d.category = Some("database".into());
        d.subcategory = Some("oracle".into());
        let e = resolve_draft_offline(&store, "default", &d, "down")
            .unwrap_err()
            .to_string();
        assert!(e.contains("subcategory choices were never read"), "{e}");

        let mut d = draft();
        d.category = Some("netwrok".into());
        let e = resolve_draft_offline(&store, "default", &d, "down")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a choice on this instance"), "{e}");
    }
}
