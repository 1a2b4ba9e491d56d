//! `back_sync` and `[instances.<name>.back_sync_map]` (docs/config.md §Back-sync): the TOML shape
//! and its translation to the domain mapping, with one error naming the key and the fix.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::{ArchiveReason, BackSyncMap, Target};

/// `[instances.<name>.back_sync_map]`. Each key left out keeps its default; a key given
/// replaces that part of the default mapping entirely.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackSyncMapConfig {
    /// What `assigned_to` being set means when the state maps to nothing: `"acknowledged"` or
    /// `"none"`.
    pub assigned: Option<String>,
    /// State value or label → `"acknowledged"` or an archive reason.
    pub states: Option<BTreeMap<String, String>>,
    /// Close code value or label → the archive reason it gives an archiving state.
    pub close_codes: Option<BTreeMap<String, String>>,
    /// More ServiceNow user_names whose changes are never applied back (other integrations);
    /// the profile's `username` is always one.
    #[serde(default)]
    pub ignore_users: Vec<String>,
}

const TARGETS: &str = "\"acknowledged\", \"resolved\", \"invalid\", \"duplicate\" or \"discarded\"";
const REASONS: &str = "\"resolved\", \"invalid\", \"duplicate\" or \"discarded\"";

/// The mapping this table describes, or the first problem with it.
pub fn mapping(cfg: Option<&BackSyncMapConfig>) -> Result<BackSyncMap, String> {
    let mut map = BackSyncMap::default();
    let Some(cfg) = cfg else { return Ok(map) };
    if let Some(a) = &cfg.assigned {
        map.assigned = match a.trim().to_ascii_lowercase().as_str() {
            "none" | "" => None,
            _ => match Target::parse(a) {
                Some(Target::Acknowledge) => Some(Target::Acknowledge),
                _ => {
                    return Err(format!(
                        "back_sync_map.assigned = {a:?}: use \"acknowledged\" or \"none\""
                    ));
                }
            },
        };
    }
    if let Some(states) = &cfg.states {
        map.states = Vec::with_capacity(states.len());
        for (name, value) in states {
            let t = Target::parse(value).ok_or_else(|| {
                format!("back_sync_map.states.{name:?} = {value:?}: use {TARGETS}")
            })?;
            map.states.push((name.clone(), t));
        }
    }
    if let Some(codes) = &cfg.close_codes {
        map.close_codes = Vec::with_capacity(codes.len());
        for (name, value) in codes {
            let r = ArchiveReason::parse(value.trim().trim_start_matches("archived:")).ok_or_else(
                || format!("back_sync_map.close_codes.{name:?} = {value:?}: use {REASONS}"),
            )?;
            map.close_codes.push((name.clone(), r));
        }
    }
    Ok(map)
}

/// One line for `config check`: the mapping in words.
pub fn describe(map: &BackSyncMap) -> String {
    let target = |t: &Target| match t {
        Target::Acknowledge => "Acknowledged".to_owned(),
        Target::Archive(r) => format!("Archived ({r})"),
    };
    let mut parts: Vec<String> = map
        .states
        .iter()
        .map(|(n, t)| format!("{n} → {}", target(t)))
        .collect();
    if let Some(t) = &map.assigned {
        parts.push(format!("assigned → {}", target(t)));
    }
    for (n, r) in &map.close_codes {
        parts.push(format!("close code {n} → Archived ({r})"));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(text: &str) -> Result<BackSyncMap, String> {
        let cfg: BackSyncMapConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        mapping(Some(&cfg))
    }

    #[test]
    fn keys_left_out_keep_the_default_and_given_keys_replace_it() {
        assert_eq!(mapping(None).unwrap(), BackSyncMap::default());
        let m = parse(
            r#"assigned = "none"
states = { "Resolved" = "resolved", "8" = "archived:discarded" }"#,
        )
        .unwrap();
        assert_eq!(m.assigned, None);
        assert_eq!(m.states.len(), 2);
        assert_eq!(m.close_codes, BackSyncMap::default().close_codes);
    }

    #[test]
    fn bad_values_name_the_key_and_the_choices() {
        let e = parse(r#"states = { "In Progress" = "active" }"#).unwrap_err();
        assert!(
            e.contains("states.\"In Progress\"") && e.contains("acknowledged"),
            "{e}"
        );
        let e = parse(r#"close_codes = { "Duplicate" = "acknowledged" }"#).unwrap_err();
        assert!(e.contains("close_codes") && e.contains("duplicate"), "{e}");
        let e = parse(r#"assigned = "resolved""#).unwrap_err();
        assert!(e.contains("\"none\""), "{e}");
        let e = parse("statez = {}").unwrap_err();
        assert!(e.contains("statez"), "{e}");
    }

    #[test]
    fn describe_names_every_rule() {
        let d = describe(&BackSyncMap::default());
        assert!(d.contains("In Progress → Acknowledged"), "{d}");
        assert!(
            d.contains("close code Duplicate → Archived (Duplicate)"),
            "{d}"
        );
        assert!(d.contains("Canceled → Archived (Discarded)"), "{d}");
    }
}
