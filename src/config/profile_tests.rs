//! Instance selection, env overrides and credential precedence, end to end through real files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::ExposeSecret;

use super::*;

const SECRET: &str = "hunter2-Zq9";

fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

fn load(dir: &Path, text: &str, mode: u32) -> Config {
    Config::from_file(&write(dir, "config.toml", text, mode)).unwrap()
}

/// A PATH holding a fake `secret-tool` that answers only the exact lookup we expect.
fn fake_keyring(dir: &Path, service: &str, instance: &str, answer: &str) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!(
        "#!/bin/sh\n[ \"$*\" = \"lookup service {service} instance {instance}\" ] || exit 1\nprintf '%s\\n' '{answer}'\n"
    );
    write(&bin, "secret-tool", &script, 0o755);
    bin.to_str().unwrap().to_owned()
}

fn password(cfg: &Config, env: &MapEnv) -> Result<(String, SecretOrigin)> {
    let r = cfg.profile(None, env)?.credentials(env)?;
    let Credentials::Basic { password, .. } = r.credentials else {
        panic!("not basic")
    };
    Ok((
        password.expose_secret().to_owned(),
        r.password_origin.unwrap(),
    ))
}

const TWO: &str = r#"
default_instance = "prod"
anomaly_url_template = "https://dq/{id}"
[instances.prod]
url = "https://acme.service-now.com/"
username = "svc"
password_env = "P"
poll_interval_secs = 0
ca_file = "certs/ca.pem"
[instances.dev]
url = "http://127.0.0.1:8080"
username = "admin"
caller = "someone"
anomaly_url_template = "https://dev/{id}"
password_env = "P"
"#;

#[test]
fn selection_order_flag_then_default_instance_then_default() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = load(dir.path(), TWO, 0o600);
    let env = MapEnv::new();
    let p = cfg.profile(None, &env).unwrap();
    assert_eq!(p.name, "prod");
    assert_eq!(p.base_url(), "https://acme.service-now.com");
    assert_eq!(p.caller.as_deref(), Some("svc"));
    assert_eq!(p.anomaly_url_template.as_deref(), Some("https://dq/{id}"));
    assert_eq!(p.poll_interval, None);
    assert_eq!(p.ca_file, Some(dir.path().join("certs/ca.pem")));
    assert_eq!(
        (p.timeout, p.max_in_flight, p.read_only),
        (Duration::from_secs(30), 4, false)
    );
    let d = cfg.profile(Some("dev"), &env).unwrap();
    assert_eq!(d.caller.as_deref(), Some("someone"));
    assert_eq!(d.anomaly_url_template.as_deref(), Some("https://dev/{id}"));
    assert_eq!(d.poll_interval, Some(Duration::from_secs(60)));
    assert_eq!(d.table, "incident");

    let no_default = load(
        dir.path(),
        "[instances.default]\nurl = \"https://a.b\"\n",
        0o600,
    );
    assert_eq!(no_default.profile(None, &env).unwrap().name, "default");
}

#[test]
fn unknown_instance_lists_known_names() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = load(dir.path(), TWO, 0o600);
    let err = cfg.profile(Some("stage"), &MapEnv::new()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("`stage`") && msg.contains("dev, prod"),
        "{msg}"
    );
    // SNOWLINK_URL does not invent a profile the user asked for by name.
    let env = MapEnv::new().with("SNOWLINK_URL", "https://x.service-now.com");
    assert!(matches!(
        cfg.profile(Some("stage"), &env),
        Err(ConfigError::UnknownInstance { .. })
    ));
}

#[test]
fn no_config_file_needs_snowlink_url() {
    let dir = tempfile::tempdir().unwrap();
    let env = MapEnv::new().with("HOME", dir.path().to_str().unwrap());
    let paths = Paths::resolve_with_env(&env, None, None).unwrap();
    let cfg = Config::load(&paths).unwrap();
    let err = cfg.profile(None, &env).unwrap_err();
    assert!(matches!(err, ConfigError::NoInstance { .. }), "{err}");
    assert!(err.to_string().contains("snowlink config init"));

    let env = env
        .with("SNOWLINK_URL", "https://acme.service-now.com")
        .with("SNOWLINK_USERNAME", "ci")
        .with("SNOWLINK_PASSWORD", SECRET);
    let p = cfg.profile(None, &env).unwrap();
    assert_eq!(p.name, "default");
    assert_eq!(
        p.env_overrides,
        ["SNOWLINK_URL", "SNOWLINK_USERNAME", "SNOWLINK_PASSWORD"]
    );
    let (pw, origin) = password(&cfg, &env).unwrap();
    assert_eq!(pw, SECRET);
    assert_eq!(
        origin,
        SecretOrigin::EnvOverride("SNOWLINK_PASSWORD".into())
    );
}

#[test]
fn env_overrides_apply_to_the_selected_instance() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = load(dir.path(), TWO, 0o600);
    let env = MapEnv::new()
        .with("SNOWLINK_URL", "http://localhost:9999/")
        .with("SNOWLINK_USERNAME", "other")
        .with("SNOWLINK_PASSWORD", SECRET)
        .with("P", "from-env");
    let p = cfg.profile(Some("dev"), &env).unwrap();
    assert_eq!(p.base_url(), "http://localhost:9999");
    assert_eq!(p.username.as_deref(), Some("other"));
    let (pw, _) = password(&cfg, &env).unwrap();
    assert_eq!(pw, SECRET);
    // An empty override is ignored.
    let env = MapEnv::new().with("SNOWLINK_URL", "").with("P", "from-env");
    assert_eq!(
        cfg.profile(None, &env).unwrap().base_url(),
        "https://acme.service-now.com"
    );
    // The URL rule applies to overrides too.
    let env = MapEnv::new().with("SNOWLINK_URL", "acme");
    let err = cfg.profile(None, &env).unwrap_err().to_string();
    assert!(
        err.contains("did you mean https://acme.service-now.com?"),
        "{err}"
    );
}

#[test]
fn precedence_command_env_keyring_plain() {
    let dir = tempfile::tempdir().unwrap();
    let path = fake_keyring(dir.path(), "snowlink", "default", "from-keyring");
    let base = "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"u\"\n";
    let env = MapEnv::new()
        .with("PATH", path.as_str())
        .with("PW", "from-env");
    let all = format!(
        "{base}password_command = \"echo from-command\"\npassword_env = \"PW\"\nkeyring = true\npassword = \"from-plain\"\n"
    );
    let cases = [
        (all.clone(), "from-command", SecretOrigin::Command),
        (
            all.replace("password_command = \"echo from-command\"\n", ""),
            "from-env",
            SecretOrigin::Env("PW".into()),
        ),
        (
            format!("{base}keyring = true\npassword = \"from-plain\"\n"),
            "from-keyring",
            SecretOrigin::Keyring,
        ),
        (
            format!("{base}password = \"from-plain\"\n"),
            "from-plain",
            SecretOrigin::Plain,
        ),
    ];
    for (text, want, origin) in cases {
        let cfg = load(dir.path(), &text, 0o600);
        assert_eq!(
            password(&cfg, &env).unwrap(),
            (want.to_owned(), origin),
            "{text}"
        );
        let over = env.clone().with("SNOWLINK_PASSWORD", SECRET);
        assert_eq!(password(&cfg, &over).unwrap().0, SECRET);
    }
}

#[test]
fn the_0600_rule() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"u\"\npassword = \"{SECRET}\"\n"
    );
    for ok_mode in [0o600, 0o400] {
        assert_eq!(
            password(&load(dir.path(), &text, ok_mode), &MapEnv::new())
                .unwrap()
                .0,
            SECRET
        );
    }
    let cfg = load(dir.path(), &text, 0o644);
    let err = password(&cfg, &MapEnv::new()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, ConfigError::InsecurePlainSecret { mode: 0o644, .. }),
        "{msg}"
    );
    assert!(
        msg.contains(&format!(
            "chmod 600 {}",
            dir.path().join("config.toml").display()
        )),
        "{msg}"
    );
    assert!(!msg.contains(SECRET) && !format!("{err:?}").contains(SECRET));
    // The rule is about using the secret: SNOWLINK_PASSWORD still works with a loose file.
    let env = MapEnv::new().with("SNOWLINK_PASSWORD", "x");
    assert_eq!(password(&cfg, &env).unwrap().0, "x");
}

#[test]
fn source_failures_are_reported_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let base = "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"u\"\npassword = \"plain\"\n";
    let cfg = load(
        dir.path(),
        &format!("{base}password_command = \"echo 'pass: not found' >&2; exit 2\"\n"),
        0o600,
    );
    let msg = password(&cfg, &MapEnv::new()).unwrap_err().to_string();
    assert_eq!(
        msg,
        "password_command for instance `default` (program `echo`) exited with status 2; its error output was withheld because it may contain secrets; run the command yourself to see it"
    );
    let cfg = load(
        dir.path(),
        &format!("{base}password_command = \"true\"\n"),
        0o600,
    );
    let msg = password(&cfg, &MapEnv::new()).unwrap_err().to_string();
    assert!(msg.contains("printed nothing"), "{msg}");
    let cfg = load(
        dir.path(),
        &format!("{base}password_env = \"NOPE\"\n"),
        0o600,
    );
    let msg = password(&cfg, &MapEnv::new()).unwrap_err().to_string();
    assert!(msg.contains("$NOPE is not set"), "{msg}");
    let empty_bin = dir.path().join("empty");
    std::fs::create_dir_all(&empty_bin).unwrap();
    let cfg = load(dir.path(), &format!("{base}keyring = true\n"), 0o600);
    let env = MapEnv::new().with("PATH", empty_bin.to_str().unwrap());
    let msg = password(&cfg, &env).unwrap_err().to_string();
    assert!(
        msg.contains("no keyring is available on this host") && msg.contains("password_command"),
        "{msg}"
    );
    let path = fake_keyring(dir.path(), "snowlink", "elsewhere", "x");
    let msg = password(&cfg, &MapEnv::new().with("PATH", path.as_str()))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("found no entry") && msg.contains("secret-tool store"),
        "{msg}"
    );
    let cfg = load(
        dir.path(),
        "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"u\"\n",
        0o600,
    );
    let msg = password(&cfg, &MapEnv::new()).unwrap_err().to_string();
    assert!(
        msg.contains("no password configured") && msg.contains("SNOWLINK_PASSWORD"),
        "{msg}"
    );
}

#[test]
fn command_secret_is_not_in_a_timeout_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = load(
        dir.path(),
        "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"u\"\npassword_command = \"exec sleep 30\"\n",
        0o600,
    );
    let env = MapEnv::new();
    let err = cfg
        .profile(None, &env)
        .unwrap()
        .credentials_with_timeout(&env, Duration::from_millis(100))
        .unwrap_err();
    assert!(err.to_string().contains("did not finish"), "{err}");
}

#[test]
fn oauth_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[instances.default]\nurl = \"https://a.service-now.com\"\nauth = \"oauth\"\nclient_id = \"snowlink\"\nclient_secret_env = \"CS\"\ngrant = \"client_credentials\"\n";
    let cfg = load(dir.path(), text, 0o644);
    let env = MapEnv::new().with("CS", SECRET);
    let r = cfg.profile(None, &env).unwrap().credentials(&env).unwrap();
    let Credentials::OAuth {
        client_id,
        client_secret,
        grant,
    } = &r.credentials
    else {
        panic!()
    };
    assert_eq!(client_id, "snowlink");
    assert_eq!(client_secret.expose_secret(), SECRET);
    assert!(matches!(grant, OAuthGrant::ClientCredentials));
    assert_eq!(r.client_secret_origin, Some(SecretOrigin::Env("CS".into())));
    assert!(!format!("{r:?}").contains(SECRET));

    let text = "[instances.default]\nurl = \"https://a.service-now.com\"\nauth = \"oauth\"\nclient_id = \"snowlink\"\nclient_secret = \"cs-plain\"\nusername = \"admin\"\npassword_command = \"echo pw\"\n";
    let cfg = load(dir.path(), text, 0o600);
    let r = cfg.profile(None, &env).unwrap().credentials(&env).unwrap();
    let Credentials::OAuth {
        client_secret,
        grant: OAuthGrant::Password { username, password },
        ..
    } = &r.credentials
    else {
        panic!()
    };
    assert_eq!(
        (
            client_secret.expose_secret(),
            username.as_str(),
            password.expose_secret()
        ),
        ("cs-plain", "admin", "pw")
    );

    let cfg = load(
        dir.path(),
        "[instances.default]\nurl = \"https://a.service-now.com\"\nauth = \"oauth\"\n",
        0o600,
    );
    assert!(
        cfg.profile(None, &env)
            .unwrap_err()
            .to_string()
            .contains("needs client_id")
    );
}

#[test]
fn debug_of_every_config_type_is_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"u\"\npassword = \"{SECRET}\"\nauth = \"oauth\"\nclient_id = \"c\"\nclient_secret = \"{SECRET}\"\n"
    );
    let cfg = load(dir.path(), &text, 0o600);
    let env = MapEnv::new().with("SNOWLINK_PASSWORD", SECRET);
    let profile = cfg.profile(None, &env).unwrap();
    let creds = profile.credentials(&env).unwrap();
    for shown in [
        format!("{cfg:?}"),
        format!("{:?}", cfg.file),
        format!("{:?}", cfg.file.instances["default"]),
        format!("{profile:?}"),
        format!("{creds:?}"),
        format!("{:?}", creds.credentials),
        format!("{env:?}"),
        format!("{}", creds.password_origin.clone().unwrap()),
        serde_json::to_string(&creds.client_secret_origin).unwrap(),
    ] {
        assert!(!shown.contains(SECRET), "{shown}");
    }
}
