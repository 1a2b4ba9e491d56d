//! The lookup cache (docs/store.md §Lookup cache): the last good read of the ticket form's choice
//! lists (`sys_choice`), groups, users and group members, with the time each was read. The
//! dashboard and `ops::plan_create` write it on every good read and read it when ServiceNow
//! cannot be reached, so a create can be planned, and its form filled, offline.
//!
//! Everything here is bounded: an answer is what a remote server chose to send, and a hostile
//! or broken one must not grow the file without limit. A choice list keeps at most
//! [`MAX_ROWS_PER_LIST`] entries, a ref list the [`MAX_ROWS_PER_LIST`] most recently read, an
//! instance at most [`MAX_CHOICE_LISTS`] choice lists and [`MAX_REF_LISTS`] member lists (the
//! least recently read go first), and an entry with an over-long field is not stored at all.

use super::db::{OptionalExtension, params};
use jiff::Timestamp;

use super::{Result, Store, from_ms, ms};

/// Entries kept per list (a choice list, the groups, the users, one group's members).
pub const MAX_ROWS_PER_LIST: usize = 1000;
/// Choice lists kept per instance (one per table, element and dependent value).
pub const MAX_CHOICE_LISTS: usize = 200;
/// Group member lists kept per instance.
pub const MAX_REF_LISTS: usize = 200;
/// Longest value, label, name or sys_id stored; a longer one is no real ServiceNow value.
const MAX_FIELD_BYTES: usize = 512;

/// One entry of a cached choice list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedChoice {
    pub value: String,
    pub label: String,
}

/// A cached group or user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedRef {
    pub sys_id: String,
    /// The display name (a group's or user's `name`).
    pub name: String,
    /// A user's login (`user_name`), when the read gave it.
    pub user_name: Option<String>,
}

/// A cached answer and when it was read (for a search: the oldest read among the entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedList<T> {
    pub items: Vec<T>,
    pub read_at: Timestamp,
}

/// Which list of groups or users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefList<'a> {
    Groups,
    Users,
    /// The members of this group (a sys_id).
    Members(&'a str),
}

impl RefList<'_> {
    fn key(self) -> String {
        match self {
            RefList::Groups => "group".to_owned(),
            RefList::Users => "user".to_owned(),
            RefList::Members(group) => format!("member:{group}"),
        }
    }
}

fn fits(fields: &[&str]) -> bool {
    fields.iter().all(|f| f.len() <= MAX_FIELD_BYTES)
}

impl Store {
    /// Replaces the cached choice list of `table.element` (under `dependent`, the parent value)
    /// with `items`, read at `now`.
    pub fn cache_choices(
        &mut self,
        instance: &str,
        table: &str,
        element: &str,
        dependent: Option<&str>,
        items: &[CachedChoice],
        now: Timestamp,
    ) -> Result<()> {
        let dep = dependent.unwrap_or("");
        if !fits(&[table, element, dep]) {
            return Ok(());
        }
        let tx = self.write_tx()?;
        tx.execute(
            "DELETE FROM cached_choices WHERE instance = ?1 AND tbl = ?2 AND element = ?3 \
             AND dependent = ?4",
            params![instance, table, element, dep],
        )?;
        tx.execute(
            "INSERT INTO choice_lists (instance, tbl, element, dependent, read_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (instance, tbl, element, dependent) DO UPDATE SET read_at = excluded.read_at",
            params![instance, table, element, dep, ms(now)],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO cached_choices (instance, tbl, element, dependent, pos, value, label) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let kept = items
                .iter()
                .filter(|c| fits(&[&c.value, &c.label]))
                .take(MAX_ROWS_PER_LIST);
            for (pos, c) in kept.enumerate() {
                insert.execute(params![
                    instance, table, element, dep, pos as i64, c.value, c.label
                ])?;
            }
        }
        // The least recently read lists beyond the cap go, with their entries.
        tx.execute(
            "DELETE FROM cached_choices WHERE instance = ?1 AND (tbl, element, dependent) IN \
             (SELECT tbl, element, dependent FROM choice_lists WHERE instance = ?1 \
              ORDER BY read_at DESC LIMIT -1 OFFSET ?2)",
            params![instance, MAX_CHOICE_LISTS as i64],
        )?;
        tx.execute(
            "DELETE FROM choice_lists WHERE instance = ?1 AND (tbl, element, dependent) IN \
             (SELECT tbl, element, dependent FROM choice_lists WHERE instance = ?1 \
              ORDER BY read_at DESC LIMIT -1 OFFSET ?2)",
            params![instance, MAX_CHOICE_LISTS as i64],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The cached choice list, in its order, and when it was read; `None` if never read.
    pub fn cached_choices(
        &self,
        instance: &str,
        table: &str,
        element: &str,
        dependent: Option<&str>,
    ) -> Result<Option<CachedList<CachedChoice>>> {
        let dep = dependent.unwrap_or("");
        let read_at: Option<i64> = self
            .conn
            .query_row(
                "SELECT read_at FROM choice_lists WHERE instance = ?1 AND tbl = ?2 \
                 AND element = ?3 AND dependent = ?4",
                params![instance, table, element, dep],
                |r| r.get(0),
            )
            .optional()?;
        let Some(read_at) = read_at else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare(
            "SELECT value, label FROM cached_choices WHERE instance = ?1 AND tbl = ?2 \
             AND element = ?3 AND dependent = ?4 ORDER BY pos",
        )?;
        let items = stmt
            .query_map(params![instance, table, element, dep], |r| {
                Ok(CachedChoice {
                    value: r.get(0)?,
                    label: r.get(1)?,
                })
            })?
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(CachedList {
            items,
            read_at: from_ms(read_at)?,
        }))
    }

    /// Adds (or refreshes) groups or users read at `now`. A search answers a part of the list,
    /// so entries are merged, not replaced; the list keeps its most recently read entries.
    pub fn cache_refs(
        &mut self,
        instance: &str,
        list: RefList<'_>,
        items: &[CachedRef],
        now: Timestamp,
    ) -> Result<()> {
        if let RefList::Members(group) = list
            && !fits(&[group])
        {
            return Ok(());
        }
        let key = list.key();
        let tx = self.write_tx()?;
        {
            let mut upsert = tx.prepare(
                "INSERT INTO lookup_refs (instance, list, sys_id, name, user_name, read_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (instance, list, sys_id) DO UPDATE SET name = excluded.name, \
                 user_name = COALESCE(excluded.user_name, lookup_refs.user_name), \
                 read_at = excluded.read_at",
            )?;
            let kept = items
                .iter()
                .filter(|r| !r.sys_id.is_empty())
                .filter(|r| fits(&[&r.sys_id, &r.name, r.user_name.as_deref().unwrap_or("")]))
                .take(MAX_ROWS_PER_LIST);
            for r in kept {
                upsert.execute(params![
                    instance,
                    key,
                    r.sys_id,
                    r.name,
                    r.user_name,
                    ms(now)
                ])?;
            }
        }
        tx.execute(
            "DELETE FROM lookup_refs WHERE instance = ?1 AND list = ?2 AND sys_id IN \
             (SELECT sys_id FROM lookup_refs WHERE instance = ?1 AND list = ?2 \
              ORDER BY read_at DESC, sys_id LIMIT -1 OFFSET ?3)",
            params![instance, key, MAX_ROWS_PER_LIST as i64],
        )?;
        if matches!(list, RefList::Members(_)) {
            tx.execute(
                "DELETE FROM lookup_refs WHERE instance = ?1 AND list IN \
                 (SELECT list FROM lookup_refs WHERE instance = ?1 AND list LIKE 'member:%' \
                  GROUP BY list ORDER BY MAX(read_at) DESC, list LIMIT -1 OFFSET ?2)",
                params![instance, MAX_REF_LISTS as i64],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Cached entries whose name or user_name contains `text` (case-insensitive; all for an
    /// empty text), by name, with the oldest read among them; `None` if the list has no entry.
    pub fn cached_refs(
        &self,
        instance: &str,
        list: RefList<'_>,
        text: &str,
    ) -> Result<Option<CachedList<CachedRef>>> {
        let all = self.ref_rows(instance, list)?;
        let Some(newest) = all.iter().map(|(_, at)| *at).max() else {
            return Ok(None);
        };
        let needle = text.trim().to_lowercase();
        let mut hits: Vec<(CachedRef, i64)> = all
            .into_iter()
            .filter(|(r, _)| {
                needle.is_empty()
                    || r.name.to_lowercase().contains(&needle)
                    || r.user_name
                        .as_deref()
                        .is_some_and(|u| u.to_lowercase().contains(&needle))
            })
            .collect();
        hits.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        let oldest = hits.iter().map(|(_, at)| *at).min().unwrap_or(newest);
        Ok(Some(CachedList {
            items: hits.into_iter().map(|(r, _)| r).collect(),
            read_at: from_ms(oldest)?,
        }))
    }

    /// The cached entry that is exactly `name_or_sys_id` (its sys_id, or its name or user_name
    /// ignoring case), and when it was read.
    pub fn cached_ref(
        &self,
        instance: &str,
        list: RefList<'_>,
        name_or_sys_id: &str,
    ) -> Result<Option<(CachedRef, Timestamp)>> {
        let wanted = name_or_sys_id.trim();
        let lower = wanted.to_lowercase();
        let found = self.ref_rows(instance, list)?.into_iter().find(|(r, _)| {
            r.sys_id == wanted
                || r.name.to_lowercase() == lower
                || r.user_name.as_deref().map(str::to_lowercase) == Some(lower.clone())
        });
        found.map(|(r, at)| Ok((r, from_ms(at)?))).transpose()
    }

    fn ref_rows(&self, instance: &str, list: RefList<'_>) -> Result<Vec<(CachedRef, i64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT sys_id, name, user_name, read_at FROM lookup_refs \
             WHERE instance = ?1 AND list = ?2",
        )?;
        let rows = stmt
            .query_map(params![instance, list.key()], |r| {
                Ok((
                    CachedRef {
                        sys_id: r.get(0)?,
                        name: r.get(1)?,
                        user_name: r.get(2)?,
                    },
                    r.get(3)?,
                ))
            })?
            .collect::<Result<Vec<_>>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
#[path = "lookup_cache_tests.rs"]
mod tests;
