//! Key chord → [`Action`], built from the defaults in `action.rs` and the config `[keys]` table
//! (action name → key list; a listed action's defaults are replaced, not extended).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::config::KeyList;

use super::action::{Action, Context};
use super::keys::{BadKey, KeySpec};

/// One problem in `[keys]`, with the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("[keys] names an unknown action \"{name}\"{hint}; actions are: {all}")]
    UnknownAction {
        name: String,
        hint: String,
        all: String,
    },
    #[error("[keys] {action}: {source}")]
    BadKey {
        action: String,
        #[source]
        source: BadKey,
    },
    #[error("[keys] {action} has an empty key list: give it at least one key")]
    NoKeys { action: String },
    #[error(
        "[keys] key \"{key}\" is bound to both {first} and {second}: bind one of them to another key"
    )]
    Clash {
        key: String,
        first: String,
        second: String,
    },
}

/// All problems found at once, so the user fixes the file in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapErrors(pub Vec<KeymapError>);

impl fmt::Display for KeymapErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for KeymapErrors {}

/// The resolved keymap.
#[derive(Debug, Clone)]
pub struct Keymap {
    lookup: HashMap<(Context, KeySpec), Action>,
    keys: BTreeMap<Action, Vec<KeySpec>>,
}

impl Default for Keymap {
    fn default() -> Self {
        // The defaults are tested to parse and not clash, so an error here is a programming error;
        // fall back to an empty map rather than panic in library code.
        Keymap::from_config(&BTreeMap::new()).unwrap_or_else(|_| Keymap {
            lookup: HashMap::new(),
            keys: BTreeMap::new(),
        })
    }
}

impl Keymap {
    /// Defaults overridden by `[keys]`. Every problem is reported, not just the first.
    pub fn from_config(overrides: &BTreeMap<String, KeyList>) -> Result<Keymap, KeymapErrors> {
        let mut errors = Vec::new();
        let mut keys: BTreeMap<Action, Vec<KeySpec>> = BTreeMap::new();
        for action in Action::ALL {
            let specs = action
                .default_keys()
                .iter()
                .filter_map(|k| KeySpec::parse(k).ok())
                .collect();
            keys.insert(action, specs);
        }
        for (name, list) in overrides {
            let Some(action) = Action::from_name(name) else {
                errors.push(unknown_action(name));
                continue;
            };
            if list.0.is_empty() {
                errors.push(KeymapError::NoKeys {
                    action: name.clone(),
                });
                continue;
            }
            let mut specs = Vec::new();
            for k in &list.0 {
                match KeySpec::parse(k) {
                    Ok(s) if !specs.contains(&s) => specs.push(s),
                    Ok(_) => {}
                    Err(source) => errors.push(KeymapError::BadKey {
                        action: name.clone(),
                        source,
                    }),
                }
            }
            keys.insert(action, specs);
        }
        let mut lookup: HashMap<(Context, KeySpec), Action> = HashMap::new();
        for (action, specs) in &keys {
            for spec in specs {
                match lookup.insert((action.context(), *spec), *action) {
                    Some(other) if other != *action => errors.push(KeymapError::Clash {
                        key: spec.to_string(),
                        first: other.name().to_owned(),
                        second: action.name().to_owned(),
                    }),
                    _ => {}
                }
            }
        }
        if errors.is_empty() {
            Ok(Keymap { lookup, keys })
        } else {
            Err(KeymapErrors(errors))
        }
    }

    pub fn action(&self, context: Context, key: KeySpec) -> Option<Action> {
        self.lookup.get(&(context, key)).copied()
    }

    /// The keys bound to `action`, in config order.
    pub fn keys(&self, action: Action) -> &[KeySpec] {
        self.keys.get(&action).map_or(&[], Vec::as_slice)
    }

    /// `j, down` for help and the palette.
    pub fn keys_label(&self, action: Action) -> String {
        self.keys(action)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The first key of `action`, for hints like "press ? for help".
    pub fn first_key(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map_or_else(|| format!(":{}", action.name()), ToString::to_string)
    }
}

fn unknown_action(name: &str) -> KeymapError {
    let best = Action::ALL
        .iter()
        .map(|a| (strsim::jaro_winkler(name, a.name()), a.name()))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.8);
    KeymapError::UnknownAction {
        name: name.to_owned(),
        hint: best.map_or_else(String::new, |(_, n)| format!(" (did you mean \"{n}\"?)")),
        all: Action::ALL.map(Action::name).join(", "),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn cfg(pairs: &[(&str, &[&str])]) -> BTreeMap<String, KeyList> {
        pairs
            .iter()
            .map(|(a, ks)| {
                (
                    (*a).to_owned(),
                    KeyList(ks.iter().map(|k| (*k).to_owned()).collect()),
                )
            })
            .collect()
    }

    #[test]
    fn defaults_are_valid_and_complete() {
        let km = Keymap::from_config(&BTreeMap::new()).unwrap();
        for a in Action::ALL {
            assert_eq!(km.keys(a).len(), a.default_keys().len(), "{a:?}");
        }
        let j = KeySpec::parse("j").unwrap();
        assert_eq!(km.action(Context::Main, j), Some(Action::MoveDown));
        assert_eq!(km.action(Context::Form, j), None);
        assert_eq!(km.keys_label(Action::MoveDown), "j, down");
    }

    #[test]
    fn override_replaces_defaults() {
        let km = Keymap::from_config(&cfg(&[("move_down", &["n", "ctrl-n"])])).unwrap();
        assert_eq!(km.keys_label(Action::MoveDown), "n, ctrl-n");
        assert_eq!(km.action(Context::Main, KeySpec::parse("j").unwrap()), None);
        assert_eq!(
            km.action(Context::Main, KeySpec::parse("ctrl-n").unwrap()),
            Some(Action::MoveDown)
        );
    }

    #[test]
    fn reports_every_problem_with_a_fix() {
        let err = Keymap::from_config(&cfg(&[
            ("archiv", &["z"]),
            ("quit", &["hyper-q"]),
            ("comment", &["a"]),
            ("sort", &[]),
        ]))
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.0.len(), 4, "{text}");
        assert!(text.contains("unknown action \"archiv\" (did you mean \"archive\"?)"));
        assert!(text.contains("key \"hyper-q\" is not understood"));
        assert!(text.contains(
            "key \"a\" is bound to both acknowledge and comment: bind one of them to another key"
        ));
        assert!(text.contains("sort has an empty key list"));
    }

    #[test]
    fn same_key_in_different_contexts_is_fine() {
        // Esc clears marks in the panes and cancels in forms.
        let km = Keymap::from_config(&cfg(&[("submit", &["enter"]), ("open", &["enter"])]));
        assert!(km.is_ok());
    }
}
