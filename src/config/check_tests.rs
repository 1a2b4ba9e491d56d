//! `config check` over real temp dirs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use super::*;

const SECRET: &str = "s3cr3t-Vx7";

fn setup(dir: &Path, text: &str, mode: u32) -> (Paths, MapEnv) {
    let env = MapEnv::new()
        .with("XDG_CONFIG_HOME", dir.join("cfg").to_str().unwrap())
        .with("XDG_DATA_HOME", dir.join("data").to_str().unwrap())
        .with("XDG_STATE_HOME", dir.join("state").to_str().unwrap())
        .with("HOME", dir.to_str().unwrap());
    let paths = Paths::resolve_with_env(&env, None, None).unwrap();
    if !text.is_empty() {
        std::fs::create_dir_all(paths.config_file.parent().unwrap()).unwrap();
        std::fs::write(&paths.config_file, text).unwrap();
        std::fs::set_permissions(&paths.config_file, std::fs::Permissions::from_mode(mode))
            .unwrap();
    }
    (paths, env)
}

fn levels(r: &CheckReport, level: Level) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.level == level)
        .map(|f| format!("{}: {}", f.subject, f.message))
        .collect()
}

#[test]
fn healthy_config_has_no_errors_and_never_shows_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.ndjson"), "").unwrap();
    std::fs::write(dir.path().join("ca.pem"), "").unwrap();
    let text = format!(
        "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"u\"\npassword = \"{SECRET}\"\nca_file = \"~/ca.pem\"\nread_only = true\n[[sources]]\nname = \"dq\"\nkind = \"file\"\npath = \"~/a.ndjson\"\n"
    );
    let (paths, env) = setup(dir.path(), &text, 0o600);
    let r = check(&paths, None, &env);
    assert!(!r.has_errors(), "{:?}", levels(&r, Level::Error));
    let ok = levels(&r, Level::Ok).join("\n");
    assert!(
        ok.contains("credentials resolve for user u (password from config file)"),
        "{ok}"
    );
    assert!(ok.contains("source dq:"), "{ok}");
    assert!(ok.contains("ca_file"), "{ok}");
    assert!(
        levels(&r, Level::Info)
            .iter()
            .any(|m| m.contains("read_only"))
    );
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains(SECRET) && !format!("{r:?}").contains(SECRET));
}

#[test]
fn problems_are_each_reported_with_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "default_instance = \"prod\"\n[instances.prod]\nurl = \"https://a.service-now.com\"\nusername = \"u\"\npassword = \"{SECRET}\"\nca_file = \"/nonexistent/ca.pem\"\n[instances.old]\nurl = \"http://old.example.com\"\n[[sources]]\nname = \"dq\"\nkind = \"file\"\npath = \"missing.ndjson\"\n[[sources]]\nname = \"dq\"\nkind = \"file\"\npath = \"/\"\n"
    );
    let (paths, env) = setup(dir.path(), &text, 0o644);
    let r = check(&paths, None, &env);
    let errors = levels(&r, Level::Error).join("\n");
    assert!(errors.contains("chmod 600"), "{errors}");
    assert!(errors.contains("instance old: invalid url"), "{errors}");
    assert!(
        errors.contains("ca_file /nonexistent/ca.pem cannot be read"),
        "{errors}"
    );
    assert!(
        errors.contains("instance prod: refusing to use the plain `password`"),
        "{errors}"
    );
    let missing = paths.config_file.parent().unwrap().join("missing.ndjson");
    assert!(
        errors.contains(&format!("{} cannot be read", missing.display())),
        "{errors}"
    );
    assert!(errors.contains("names must be unique"), "{errors}");
    assert!(errors.contains("is a directory"), "{errors}");
    assert!(!errors.contains(SECRET));
}

#[test]
fn missing_file_and_parse_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (paths, env) = setup(dir.path(), "", 0o600);
    let r = check(&paths, None, &env);
    assert!(r.has_errors());
    assert!(levels(&r, Level::Error)[0].contains("snowlink config init"));

    let env = env
        .with("SNOWLINK_URL", "http://127.0.0.1:1")
        .with("SNOWLINK_USERNAME", "admin")
        .with("SNOWLINK_PASSWORD", SECRET);
    let r = check(&paths, None, &env);
    assert!(
        !levels(&r, Level::Error)
            .iter()
            .any(|m| m.contains("credentials") || m.contains("instance")),
        "{r:?}"
    );
    assert!(
        levels(&r, Level::Info)
            .iter()
            .any(|m| m.contains("SNOWLINK_URL"))
    );

    let (paths, env) = setup(dir.path(), "[instances.default]\nurll = \"x\"\n", 0o600);
    let r = check(&paths, None, &env);
    assert_eq!(r.findings.len(), 1);
    assert!(r.findings[0].message.contains("did you mean `url`?"));
}

#[test]
fn unknown_selected_instance_and_slow_helper() {
    let dir = tempfile::tempdir().unwrap();
    let (paths, env) = setup(
        dir.path(),
        "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"u\"\npassword_command = \"exec sleep 30\"\n",
        0o600,
    );
    let r = check(&paths, Some("nope"), &env);
    assert!(
        levels(&r, Level::Error)
            .iter()
            .any(|m| m.contains("known instances: default"))
    );
    let r = check_with_timeout(&paths, None, &env, Duration::from_millis(100));
    assert!(
        levels(&r, Level::Error)
            .iter()
            .any(|m| m.contains("password_command") && m.contains("did not finish"))
    );
}

const RULES_BASE: &str = "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"u\"\npassword_env = \"SN_PW\"\n[instances.prod]\nurl = \"https://p.service-now.com\"\nusername = \"u\"\npassword_env = \"SN_PW\"\n[[sources]]\nname = \"dq\"\nkind = \"file\"\npath = \"/dev/null\"\n";

#[test]
fn valid_rules_are_listed_with_what_they_do() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{RULES_BASE}[[rules]]\nname = \"nulls\"\nmatch = {{ source = \"dq\", severity = \">=high\" }}\ninstance = \"prod\"\nflood_limit = 3\nflood_interval = \"30m\"\ncontinue = true\n[[rules]]\nname = \"links\"\naction = \"link\"\n"
    );
    let (paths, env) = setup(dir.path(), &text, 0o600);
    let r = check(&paths, None, &env.with("SN_PW", "x"));
    let ok = levels(&r, Level::Ok).join("\n");
    assert!(
        ok.contains("rule nulls: creates incidents on instance prod (table incident), at most 3 per 30m; later rules continue"),
        "{ok}"
    );
    assert!(
        ok.contains("rule links: links to open incidents on instance default"),
        "{ok}"
    );
    assert!(
        !levels(&r, Level::Error)
            .iter()
            .any(|e| e.starts_with("rule ")),
        "{r:?}"
    );
}

#[test]
fn rule_problems_are_each_one_finding_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{RULES_BASE}[[rules]]\nname = \"bad\"\nmatch = {{ source = \"qd\", datastore = \"snow[flake\", title = \"(?i\" }}\ninstance = \"staging\"\ntemplate = {{ short_description = \"{{sevrity}} {{title}}\", impact = 5 }}\nflood_limit = 0\nupdate_interval = \"1day\"\n[[rules]]\nname = \"bad\"\n"
    );
    let (paths, env) = setup(dir.path(), &text, 0o600);
    let r = check(&paths, None, &env.with("SN_PW", "x"));
    let errors: Vec<String> = levels(&r, Level::Error)
        .into_iter()
        .filter(|e| e.starts_with("rule "))
        .collect();
    let all = errors.join("\n");
    for want in [
        "rule bad: match.source: \"qd\" matches no configured source (the sources are dq); did you mean \"dq\"?",
        "rule bad: match.datastore: \"snow[flake\": `[` has no meaning in snowlink globs",
        "rule bad: match.title: \"(?i\" is not a valid regex",
        "rule bad: instance: no [instances.staging] is configured; use one of: default, prod",
        "rule bad: template.short_description: unknown placeholder `{sevrity}`; did you mean {severity}?",
        "rule bad: template.impact: 5 is outside 1–3; use 1 (high), 2 (medium) or 3 (low)",
        "rule bad: flood_limit: 0 would let no incident be created; use at least 1",
        "rule bad: update_interval: \"1day\"",
        "rule bad: name: another [[rules]] table has this name",
    ] {
        assert!(all.contains(want), "missing {want:?} in\n{all}");
    }
    assert_eq!(errors.len(), 9, "{all}");
}

#[test]
fn unknown_rule_keys_get_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        ("[[rules]]\nnmae = \"x\"\n", "did you mean `name`?"),
        (
            "[[rules]]\nname = \"x\"\nflood_limt = 3\n",
            "did you mean `flood_limit`?",
        ),
        (
            "[[rules]]\nname = \"x\"\nmatch = { severty = \"high\" }\n",
            "did you mean `severity`?",
        ),
        (
            "[[rules]]\nname = \"x\"\ntemplate = { assignment_grp = \"DB\" }\n",
            "did you mean `assignment_group`?",
        ),
        (
            "[[rules]]\nname = \"x\"\naction = \"craete\"\n",
            "did you mean `create`?",
        ),
    ] {
        let (paths, env) = setup(dir.path(), &format!("{RULES_BASE}{text}"), 0o600);
        let r = check(&paths, None, &env);
        let errors = levels(&r, Level::Error).join("\n");
        assert!(errors.contains(want), "{text}: {errors}");
    }
}

#[test]
fn rules_without_an_instance_route_to_the_default_instance() {
    let text = "default_instance = \"prod\"\n[instances.a]\nurl = \"https://a.service-now.com\"\n[instances.prod]\nurl = \"https://p.service-now.com\"\n[[rules]]\nname = \"r\"\n[[rules]]\nname = \"s\"\ninstance = \"a\"\n";
    let cfg = Config::from_str_at(text, Path::new("c.toml"), Some(0o600)).unwrap();
    assert_eq!(cfg.rule_instances(), ["prod", "a"]);
    let set = cfg.rule_set().unwrap();
    assert_eq!(set.get("r").unwrap().instance, "prod");
    assert_eq!(set.get("s").unwrap().instance, "a");
}

#[test]
fn back_sync_and_its_mapping_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let base = "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"svc\"\npassword_env = \"P\"\n";
    let on = format!(
        "{base}back_sync = true\n[instances.default.back_sync_map]\nclose_codes = {{ \"Duplicate\" = \"duplicate\" }}\nignore_users = [\"other.bot\"]\n"
    );
    let (paths, env) = setup(dir.path(), &on, 0o600);
    let r = check(&paths, None, &env.with("P", "x"));
    let ok = levels(&r, Level::Ok).join("\n");
    assert!(
        ok.contains("back_sync on (changes by svc, other.bot are never applied)")
            && ok.contains("In Progress → Acknowledged")
            && ok.contains("close code Duplicate → Archived (Duplicate)"),
        "{ok}"
    );

    let bad = format!(
        "{base}back_sync = true\nback_sync_map = {{ states = {{ \"Resolved\" = \"closed\" }} }}\n"
    );
    let (paths, env) = setup(dir.path(), &bad, 0o600);
    let errors = levels(&check(&paths, None, &env), Level::Error).join("\n");
    assert!(
        errors.contains("back_sync_map.states.\"Resolved\" = \"closed\"")
            && errors.contains("\"discarded\""),
        "{errors}"
    );

    let off = format!("{base}back_sync_map = {{ assigned = \"none\" }}\n");
    let (paths, env) = setup(dir.path(), &off, 0o600);
    let warn = levels(&check(&paths, None, &env), Level::Warn).join("\n");
    assert!(warn.contains("back_sync is off"), "{warn}");
}
