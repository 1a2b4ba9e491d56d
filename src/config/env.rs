//! Environment lookups behind a trait, so resolution code can be tested with an injected map instead
//! of the process environment (tests run in parallel and must not race on `std::env::set_var`).

use std::collections::HashMap;

/// Reads environment variables. `ProcessEnv` reads the real environment; `MapEnv` is a fixed map.
pub trait Env: Send + Sync {
    /// The value of `key`, or `None` when unset or not valid UTF-8.
    fn var(&self, key: &str) -> Option<String>;

    /// Like [`Env::var`], but an empty value counts as unset (`SNOWLINK_URL=` disables the override).
    fn non_empty(&self, key: &str) -> Option<String> {
        self.var(key).filter(|v| !v.is_empty())
    }
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

/// A fixed set of variables; everything else is unset.
///
/// Debug shows only the variable names: a test or a caller may put a password in here.
#[derive(Clone, Default)]
pub struct MapEnv {
    vars: HashMap<String, String>,
}

impl MapEnv {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builder-style insert.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.vars.insert(key.to_owned(), value.into());
        self
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.vars.insert(key.to_owned(), value.into());
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for MapEnv {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self {
            vars: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

impl std::fmt::Debug for MapEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.vars.keys().collect();
        names.sort();
        f.debug_struct("MapEnv").field("names", &names).finish()
    }
}

impl Env for MapEnv {
    fn var(&self, key: &str) -> Option<String> {
        self.vars.get(key).cloned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn map_env_lookups_and_debug_hides_values() {
        let env = MapEnv::new().with("A", "1").with("EMPTY", "");
        assert_eq!(env.var("A").as_deref(), Some("1"));
        assert_eq!(env.var("B"), None);
        assert_eq!(env.var("EMPTY").as_deref(), Some(""));
        assert_eq!(env.non_empty("EMPTY"), None);
        let secret_env = MapEnv::new().with("SNOWLINK_PASSWORD", "hunter2");
        let dbg = format!("{secret_env:?}");
        assert!(dbg.contains("SNOWLINK_PASSWORD"));
        assert!(!dbg.contains("hunter2"));
    }
}
