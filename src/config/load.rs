//! Reading and parsing the config file, turning toml errors into located, secret-free messages.

use std::path::{Path, PathBuf};

use super::error::{ConfigError, ParseError, Result};
use super::paths::{PathOrigin, Paths};
use super::schema::ConfigFile;
use super::suggest;

/// Keys whose values must never be echoed, even inside a parse error.
const SECRET_KEYS: &[&str] = &["password", "client_secret"];

/// A loaded configuration: the parsed file plus what we know about the file itself.
#[derive(Debug, Default)]
pub struct Config {
    pub file: ConfigFile,
    /// The file that was read; `None` when there was no file (env-only setup).
    pub path: Option<PathBuf>,
    /// Permission bits of that file (unix), for the plain-password rule.
    pub mode: Option<u32>,
    /// Where a config file was looked for (for messages when there is none).
    pub(crate) looked_at: PathBuf,
}

impl Config {
    /// Loads the config file named by `paths`. A missing file at the default location is not an
    /// error (the profile may come from `SNOWLINK_URL`); a missing file named by `--config` or
    /// `SNOWLINK_CONFIG` is.
    pub fn load(paths: &Paths) -> Result<Config> {
        let path = &paths.config_file;
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if paths.config_origin == PathOrigin::Default {
                    Ok(Config {
                        looked_at: path.clone(),
                        ..Config::default()
                    })
                } else {
                    Err(ConfigError::ConfigNotFound { path: path.clone() })
                }
            }
            Err(source) => Err(ConfigError::Read {
                path: path.clone(),
                source,
            }),
            Ok(_) => Self::from_file(path),
        }
    }

    /// Reads and parses one file, which must exist.
    pub fn from_file(path: &Path) -> Result<Config> {
        let read_err = |source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        };
        let text = std::fs::read_to_string(path).map_err(read_err)?;
        let mode = file_mode(path).map_err(read_err)?;
        Ok(Config {
            file: parse_str(&text, path)?,
            path: Some(path.to_path_buf()),
            mode,
            looked_at: path.to_path_buf(),
        })
    }

    /// Parses text as if it were the file at `path` (the path only appears in error messages).
    pub fn from_str_at(text: &str, path: &Path, mode: Option<u32>) -> Result<Config> {
        Ok(Config {
            file: parse_str(text, path)?,
            path: Some(path.to_path_buf()),
            mode,
            looked_at: path.to_path_buf(),
        })
    }
}

#[cfg(unix)]
fn file_mode(path: &Path) -> std::io::Result<Option<u32>> {
    use std::os::unix::fs::PermissionsExt;
    Ok(Some(std::fs::metadata(path)?.permissions().mode() & 0o7777))
}

#[cfg(not(unix))]
fn file_mode(_path: &Path) -> std::io::Result<Option<u32>> {
    Ok(None)
}

/// Parses config text, mapping errors to [`ConfigError::Parse`].
pub fn parse_str(text: &str, path: &Path) -> Result<ConfigFile> {
    let file = toml::from_str::<ConfigFile>(text).map_err(|e| located(text, path, &e))?;
    // Which keys a source kind takes is known only once the kind is: checked after parsing.
    let problems: Vec<String> = file.sources.iter().flat_map(|s| s.validate()).collect();
    if !problems.is_empty() {
        return Err(ConfigError::InvalidSources {
            path: path.to_path_buf(),
            problems: problems.join("; "),
        });
    }
    Ok(file)
}

fn located(text: &str, path: &Path, err: &toml::de::Error) -> ConfigError {
    // toml's Display quotes the offending source line, which may hold a secret; build our own.
    let mut message = err.message().trim().to_owned();
    let (mut line, mut column, mut table, mut key) = (0, 0, None, None);
    if let Some(span) = err.span() {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let before = &text[..start];
        line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        column = before[line_start..].chars().count() + 1;
        table = enclosing_table(before);
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        key = key_on_line(&text[line_start..line_end]);
    }
    let mut suggestion = None;
    let unknown = suggest::parse_unknown(&message);
    if let Some((bad, expected)) = &unknown {
        suggestion = suggest::closest(bad, expected).map(str::to_owned);
    }
    match unknown {
        Some((bad, expected)) if message.starts_with("unknown field") => {
            // serde lists every field; with a suggestion that is noise, without it it is the help.
            message = match &suggestion {
                Some(_) => format!("unknown key `{bad}`"),
                None => format!(
                    "unknown key `{bad}`; known keys here: {}",
                    expected.join(", ")
                ),
            };
            key = Some(bad);
        }
        _ => {
            if let Some(k) = &key {
                let leaf = k.rsplit('.').next().unwrap_or(k);
                message = if SECRET_KEYS.contains(&leaf) {
                    format!("invalid value for `{k}` (value not shown): expected a quoted string")
                } else {
                    format!("`{k}`: {message}")
                };
            }
        }
    }
    ConfigError::Parse(Box::new(ParseError {
        file: path.to_path_buf(),
        line,
        column,
        table,
        key,
        message,
        suggestion,
    }))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The last `[table]` / `[[array]]` header before the error position.
fn enclosing_table(before: &str) -> Option<String> {
    before.lines().rev().find_map(|l| {
        let l = l.trim();
        let inner = l.strip_prefix("[[").and_then(|r| r.split("]]").next());
        let inner = inner.or_else(|| l.strip_prefix('[').and_then(|r| r.split(']').next()));
        inner.map(|t| t.trim().to_owned())
    })
}

/// `key` of a `key = value` line (dotted keys kept, quotes removed).
fn key_on_line(line: &str) -> Option<String> {
    let (lhs, _) = line.split_once('=')?;
    let lhs = lhs.trim();
    if lhs.is_empty() || lhs.starts_with('[') || lhs.starts_with('#') {
        return None;
    }
    Some(lhs.replace(['"', '\'', ' '], ""))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn parse_err(text: &str) -> ConfigError {
        parse_str(text, Path::new("/etc/snow.toml")).unwrap_err()
    }

    #[test]
    fn parses_a_full_instance_with_defaults() {
        let cfg = parse_str(
            r#"
default_instance = "prod"
[instances.prod]
url = "https://acme.service-now.com"
username = "svc"
password_env = "SN_PASS"
[[sources]]
name = "dq"
kind = "file"
path = "/tmp/a.ndjson"
[ui]
theme = "light"
[keys]
quit = "q"
move_down = ["j", "down"]
"#,
            Path::new("c.toml"),
        )
        .unwrap();
        let p = &cfg.instances["prod"];
        assert_eq!(p.timeout_secs, 30);
        assert_eq!(p.max_in_flight, 4);
        assert_eq!(p.table, "incident");
        assert_eq!(p.poll_interval_secs, 60);
        assert!(!p.read_only);
        assert_eq!(cfg.sources[0].name, "dq");
        assert_eq!(cfg.ui.theme, super::super::schema::Theme::Light);
        assert_eq!(cfg.keys["move_down"].0, vec!["j", "down"]);
        assert_eq!(cfg.keys["quit"].0, vec!["q"]);
    }

    #[test]
    fn unknown_key_is_located_and_suggested() {
        let err =
            parse_err("[instances.prod]\nurl = \"https://a.service-now.com\"\npasword = \"x\"\n");
        let ConfigError::Parse(p) = &err else {
            panic!("{err:?}")
        };
        let ParseError {
            line,
            column,
            key,
            suggestion,
            table,
            ..
        } = p.as_ref();
        assert_eq!((*line, *column), (3, 1));
        assert_eq!(key.as_deref(), Some("pasword"));
        assert_eq!(suggestion.as_deref(), Some("password"));
        assert_eq!(table.as_deref(), Some("instances.prod"));
        let shown = err.to_string();
        assert!(
            shown
                == "/etc/snow.toml:3:1: in [instances.prod]: unknown key `pasword`; did you mean `password`?",
            "{shown}"
        );
        assert!(shown.ends_with("did you mean `password`?"), "{shown}");
    }

    #[test]
    fn unknown_top_level_key_and_variant_are_suggested() {
        let err = parse_err("defualt_instance = \"x\"\n");
        assert!(
            err.to_string().contains("did you mean `default_instance`?"),
            "{err}"
        );
        let err = parse_err("[instances.a]\nauth = \"oaut\"\n");
        assert!(err.to_string().contains("did you mean `oauth`?"), "{err}");
        let err = parse_err("[ui]\ntheme = \"drak\"\n");
        assert!(err.to_string().contains("did you mean `dark`?"), "{err}");
    }

    #[test]
    fn severity_impact_urgency_is_validated_and_merged_over_the_defaults() {
        use crate::domain::Severity;
        let cfg = parse_str(
            "[ui]\nseverity_impact_urgency = { high = [1, 2], info = [3, 2] }\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let m = cfg.ui.severity_impact_urgency;
        assert_eq!(m.get(Some(Severity::High)), (1, 2));
        assert_eq!(m.get(Some(Severity::Info)), (3, 2));
        assert_eq!(m.get(Some(Severity::Critical)), (1, 1), "left out: default");
        let err = parse_err("[ui]\nseverity_impact_urgency = { crit = [1, 1] }\n");
        assert!(
            err.to_string()
                .contains("unknown severity `crit`; use one of critical|high|medium|low|info"),
            "{err}"
        );
        let err = parse_err("[ui]\nseverity_impact_urgency = { low = [4, 3] }\n");
        assert!(
            err.to_string()
                .contains("severity_impact_urgency.low: impact must be 1, 2 or 3 (got 4)"),
            "{err}"
        );
        let err = parse_err("[ui]\nseverity_impact_urgency = { low = [3] }\n");
        assert!(err.to_string().contains("give [impact, urgency]"), "{err}");
    }

    #[test]
    fn ranges_and_source_kinds() {
        let err = parse_err("[instances.a]\nmax_in_flight = 65\n");
        assert!(err.to_string().contains(":2:"), "{err}");
        assert!(err.to_string().contains("between 1 and 64"), "{err}");
        let err = parse_err("[instances.a]\nmax_in_flight = 0\n");
        assert!(err.to_string().contains("between 1 and 64"), "{err}");
        assert!(parse_str("[instances.a]\nmax_in_flight = 64\n", Path::new("c")).is_ok());
        let err = parse_err("[[sources]]\nname = \"q\"\nkind = \"qualytics\"\npath = \"/x\"\n");
        let err = err.to_string();
        assert!(err.contains("`path` is a setting of file sources"), "{err}");
        assert!(err.contains("needs url"), "{err}");
        assert!(err.contains("needs its API token"), "{err}");
        let err =
            parse_err("[[sources]]\nname = \"f\"\nkind = \"file\"\nfilter = [\"a=\\\"b\\\"\"]\n");
        let err = err.to_string();
        assert!(err.contains("needs path"), "{err}");
        assert!(
            err.contains("`filter` is a setting of alertmanager sources"),
            "{err}"
        );
        assert!(
            parse_str(
                "[[sources]]\nname = \"am\"\nkind = \"alertmanager\"\nurl = \"http://127.0.0.1:9093\"\nfilter = [\"team=db\"]\nack_ttl_secs = 600\n",
                Path::new("c")
            )
            .is_ok()
        );
        let err = parse_err("[[sources]]\nname = \"q\"\nkind = \"ftp\"\npath = \"/x\"\n");
        assert!(
            err.to_string().contains("unknown source kind `ftp`"),
            "{err}"
        );
    }

    #[test]
    fn secret_values_never_appear_in_parse_errors() {
        for text in [
            "[instances.a]\npassword = 987654321\n",
            "[instances.a]\nclient_secret = 987654321\n",
            "[instances.a]\npassword = true\nclient_secret = \"987654321\n",
            "[instances.a]\npassword = \"987654321\" x\n",
        ] {
            let err = parse_err(text);
            assert!(!err.to_string().contains("987654321"), "{err}");
            assert!(!format!("{err:?}").contains("987654321"), "{err:?}");
        }
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse_err("[instances.a]\nurl = \n");
        let ConfigError::Parse(p) = err else { panic!() };
        assert_eq!(p.line, 2);
    }

    #[test]
    fn missing_default_file_is_empty_but_explicit_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = crate::config::Paths::resolve_with_env(
            &crate::config::MapEnv::new().with("HOME", dir.path().to_str().unwrap()),
            None,
            None,
        )
        .unwrap();
        let cfg = Config::load(&paths).unwrap();
        assert!(cfg.path.is_none());
        paths.config_origin = PathOrigin::Flag;
        assert!(matches!(
            Config::load(&paths),
            Err(ConfigError::ConfigNotFound { .. })
        ));
    }
}
