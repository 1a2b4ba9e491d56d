//! Where snowlink keeps its files: XDG base directories, overridable by flags and env vars.
//!
//! XDG variables are read through [`Env`] (not by `directories`, which reads the process
//! environment) so resolution is testable; `directories::BaseDirs` is only the last resort when
//! neither the XDG variable nor HOME is set.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::env::{Env, ProcessEnv};
use super::error::{ConfigError, Result};

const APP: &str = "snowlink";
/// File name of the SQLite store inside the data dir.
pub const DB_FILE: &str = "snowlink.db";
/// File name of the config file inside the config dir.
pub const CONFIG_FILE: &str = "config.toml";

/// Where the config file path came from: an explicit path must exist, the default may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PathOrigin {
    /// `--config` / `--data-dir`.
    Flag,
    /// `SNOWLINK_CONFIG` / `SNOWLINK_DATA_DIR`.
    Env,
    /// XDG default.
    Default,
}

/// The paths in use by this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_file: PathBuf,
    pub config_origin: PathOrigin,
    pub data_dir: PathBuf,
    pub data_origin: PathOrigin,
    /// `<data_dir>/snowlink.db`.
    pub db_path: PathBuf,
    /// `$XDG_STATE_HOME/snowlink`: log files live here.
    pub log_dir: PathBuf,
}

/// One path and whether it exists, for `snowlink config path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathStatus {
    pub path: PathBuf,
    pub exists: bool,
}

/// What `snowlink config path` prints (stable `--json` shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathsReport {
    pub config_file: PathStatus,
    pub data_dir: PathStatus,
    pub db_path: PathStatus,
    pub log_dir: PathStatus,
}

impl Paths {
    /// Resolves against the process environment. `config_override` is `--config`,
    /// `data_dir_override` is `--data-dir`; the env vars `SNOWLINK_CONFIG` / `SNOWLINK_DATA_DIR`
    /// apply when the flag is absent.
    pub fn resolve(
        config_override: Option<PathBuf>,
        data_dir_override: Option<PathBuf>,
    ) -> Result<Paths> {
        Self::resolve_with_env(&ProcessEnv, config_override, data_dir_override)
    }

    /// Same as [`Paths::resolve`] with an injected environment.
    pub fn resolve_with_env(
        env: &dyn Env,
        config_override: Option<PathBuf>,
        data_dir_override: Option<PathBuf>,
    ) -> Result<Paths> {
        let (config_file, config_origin) = match pick(config_override, env, "SNOWLINK_CONFIG") {
            Some(found) => found,
            None => (
                base_dir(env, Kind::Config)?.join(APP).join(CONFIG_FILE),
                PathOrigin::Default,
            ),
        };
        let (data_dir, data_origin) = match pick(data_dir_override, env, "SNOWLINK_DATA_DIR") {
            Some(found) => found,
            None => (base_dir(env, Kind::Data)?.join(APP), PathOrigin::Default),
        };
        let log_dir = base_dir(env, Kind::State)?.join(APP);
        Ok(Paths {
            db_path: data_dir.join(DB_FILE),
            config_file,
            config_origin,
            data_dir,
            data_origin,
            log_dir,
        })
    }

    /// Each path with whether it exists now.
    pub fn report(&self) -> PathsReport {
        PathsReport {
            config_file: status(&self.config_file),
            data_dir: status(&self.data_dir),
            db_path: status(&self.db_path),
            log_dir: status(&self.log_dir),
        }
    }
}

fn status(path: &Path) -> PathStatus {
    PathStatus {
        path: path.to_path_buf(),
        exists: path.exists(),
    }
}

fn pick(flag: Option<PathBuf>, env: &dyn Env, var: &str) -> Option<(PathBuf, PathOrigin)> {
    match flag.filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => Some((p, PathOrigin::Flag)),
        None => env
            .non_empty(var)
            .map(|v| (PathBuf::from(v), PathOrigin::Env)),
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Config,
    Data,
    State,
}

impl Kind {
    fn xdg_var(self) -> &'static str {
        match self {
            Kind::Config => "XDG_CONFIG_HOME",
            Kind::Data => "XDG_DATA_HOME",
            Kind::State => "XDG_STATE_HOME",
        }
    }

    fn home_suffix(self) -> &'static str {
        match self {
            Kind::Config => ".config",
            Kind::Data => ".local/share",
            Kind::State => ".local/state",
        }
    }
}

/// The XDG base directory (without the `snowlink` component).
fn base_dir(env: &dyn Env, kind: Kind) -> Result<PathBuf> {
    // The XDG spec says relative values are invalid and must be ignored.
    if let Some(v) = env.non_empty(kind.xdg_var()) {
        let p = PathBuf::from(v);
        if p.is_absolute() {
            return Ok(p);
        }
    }
    if let Some(home) = env.non_empty("HOME") {
        return Ok(PathBuf::from(home).join(kind.home_suffix()));
    }
    // HOME unset (rare: some service managers). Let the OS tell us the home directory.
    if let Some(base) = directories::BaseDirs::new() {
        return Ok(base.home_dir().join(kind.home_suffix()));
    }
    Err(ConfigError::NoHomeDir {
        what: match kind {
            Kind::Config => "config",
            Kind::Data => "data",
            Kind::State => "state",
        },
        xdg_var: kind.xdg_var(),
        flag: match kind {
            Kind::Config => "--config",
            Kind::Data => "--data-dir",
            Kind::State => "XDG_STATE_HOME",
        },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::env::MapEnv;

    #[test]
    fn xdg_vars_win_over_home() {
        let env = MapEnv::new()
            .with("HOME", "/home/u")
            .with("XDG_CONFIG_HOME", "/x/cfg")
            .with("XDG_DATA_HOME", "/x/data")
            .with("XDG_STATE_HOME", "/x/state");
        let p = Paths::resolve_with_env(&env, None, None).unwrap();
        assert_eq!(p.config_file, PathBuf::from("/x/cfg/snowlink/config.toml"));
        assert_eq!(p.config_origin, PathOrigin::Default);
        assert_eq!(p.data_dir, PathBuf::from("/x/data/snowlink"));
        assert_eq!(p.db_path, PathBuf::from("/x/data/snowlink/snowlink.db"));
        assert_eq!(p.log_dir, PathBuf::from("/x/state/snowlink"));
    }

    #[test]
    fn home_fallback_and_relative_xdg_ignored() {
        let env = MapEnv::new()
            .with("HOME", "/home/u")
            .with("XDG_CONFIG_HOME", "relative/dir");
        let p = Paths::resolve_with_env(&env, None, None).unwrap();
        assert_eq!(
            p.config_file,
            PathBuf::from("/home/u/.config/snowlink/config.toml")
        );
        assert_eq!(p.data_dir, PathBuf::from("/home/u/.local/share/snowlink"));
        assert_eq!(p.log_dir, PathBuf::from("/home/u/.local/state/snowlink"));
    }

    #[test]
    fn flags_beat_env_beat_defaults() {
        let env = MapEnv::new()
            .with("HOME", "/home/u")
            .with("SNOWLINK_CONFIG", "/env/c.toml")
            .with("SNOWLINK_DATA_DIR", "/env/data");
        let p = Paths::resolve_with_env(&env, None, None).unwrap();
        assert_eq!(p.config_file, PathBuf::from("/env/c.toml"));
        assert_eq!(p.config_origin, PathOrigin::Env);
        assert_eq!(p.data_dir, PathBuf::from("/env/data"));
        assert_eq!(p.data_origin, PathOrigin::Env);
        assert_eq!(p.db_path, PathBuf::from("/env/data/snowlink.db"));

        let p =
            Paths::resolve_with_env(&env, Some("/flag/c.toml".into()), Some("/flag/data".into()))
                .unwrap();
        assert_eq!(p.config_file, PathBuf::from("/flag/c.toml"));
        assert_eq!(p.config_origin, PathOrigin::Flag);
        assert_eq!(p.data_dir, PathBuf::from("/flag/data"));
        assert_eq!(p.data_origin, PathOrigin::Flag);
    }

    #[test]
    fn report_says_what_exists() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap().to_owned();
        let env = MapEnv::new()
            .with("XDG_CONFIG_HOME", format!("{root}/cfg"))
            .with("XDG_DATA_HOME", format!("{root}/data"))
            .with("XDG_STATE_HOME", format!("{root}/state"));
        std::fs::create_dir_all(format!("{root}/data/snowlink")).unwrap();
        let report = Paths::resolve_with_env(&env, None, None).unwrap().report();
        assert!(!report.config_file.exists);
        assert!(report.data_dir.exists);
        assert!(!report.db_path.exists);
        assert!(!report.log_dir.exists);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["data_dir"]["exists"], true);
    }
}
