//! `config.example.toml` must stay loadable and must document every key the schema accepts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use super::*;

#[test]
fn example_parses_and_selects_the_design_profile() {
    let cfg = Config::from_str_at(TEMPLATE, Path::new("config.example.toml"), Some(0o600)).unwrap();
    let env = MapEnv::new();
    let p = cfg.profile(None, &env).unwrap();
    assert_eq!(p.name, "default");
    assert_eq!(p.base_url(), "https://acme.service-now.com");
    assert_eq!(p.username.as_deref(), Some("snowlink_integration"));
    assert_eq!(
        p.anomaly_url_template.as_deref(),
        Some("https://dq.example.com/anomalies/{id}")
    );
    assert_eq!(cfg.file.sources[0].name, "warehouse-dq");
    assert_eq!(cfg.file.sources[0].kind, SourceKind::File);
}

/// Removing the `# ` from every `# key = value` line must still give a valid config: each shown
/// value is a real one.
#[test]
fn every_commented_setting_is_valid_when_enabled() {
    let enabled: String = TEMPLATE
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if is_setting(rest) || rest == "[[sources]]" || rest == "[[rules]]" => rest,
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(enabled, TEMPLATE);
    let cfg = Config::from_str_at(&enabled, Path::new("enabled.toml"), Some(0o600)).unwrap();
    let i = &cfg.file.instances["default"];
    assert!(i.keyring && i.password.is_some() && i.client_secret.is_some());
    assert_eq!(i.auth, AuthKind::OAuth);
    assert_eq!(cfg.file.ui.theme, Theme::Light);
    assert_eq!(cfg.file.keys["quit"].0, ["q", "ctrl-c"]);
    let kinds: Vec<SourceKind> = cfg.file.sources.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SourceKind::File,
            SourceKind::Qualytics,
            SourceKind::Alertmanager
        ]
    );
    // The example rule is not only well-formed TOML: it compiles against this config.
    let set = cfg.rule_set().unwrap();
    let rule = set.get("warehouse-nulls").unwrap();
    assert_eq!(rule.instance, "default");
    assert_eq!(rule.flood, crate::rules::FloodSettings::default());
    assert_eq!(
        rule.names_to_resolve(),
        [
            ("assignment_group", "Database".to_owned()),
            ("assigned_to", "beth.anglin".to_owned())
        ]
    );
}

fn is_setting(s: &str) -> bool {
    s.split_once(" = ").is_some_and(|(k, _)| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    })
}

/// The schema's own list of keys (from serde's unknown-field message) versus the example.
#[test]
fn example_mentions_every_key() {
    for (probe, table) in [
        ("__probe = 1\n", "top level"),
        ("[instances.x]\n__probe = 1\n", "[instances]"),
        ("[[sources]]\n__probe = 1\n", "[[sources]]"),
        ("[ui]\n__probe = 1\n", "[ui]"),
        ("[[rules]]\n__probe = 1\n", "[[rules]]"),
        ("[store]\n__probe = 1\n", "[store]"),
    ] {
        let err = toml::from_str::<ConfigFile>(probe).unwrap_err();
        let keys: Vec<&str> = err.message().split('`').skip(3).step_by(2).collect();
        assert!(!keys.is_empty(), "{}", err.message());
        for key in keys {
            let shown = TEMPLATE.lines().any(|l| {
                l.trim_start_matches("# ").starts_with(&format!("{key} = "))
                    || l.starts_with(&format!("[{key}"))
                    || l.trim_start_matches("# ").starts_with(&format!("[[{key}"))
            });
            assert!(
                shown,
                "{table} key `{key}` is not shown in config.example.toml"
            );
        }
    }
}
