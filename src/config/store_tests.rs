#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use secrecy::ExposeSecret;

use super::*;
use crate::config::MapEnv;

fn store(text: &str) -> StoreConfig {
    crate::config::parse_str(&format!("[store]\n{text}\n"), Path::new("c.toml"))
        .unwrap()
        .store
}

fn resolve(text: &str, env: &MapEnv) -> Result<Option<PgStoreConfig>> {
    store(text).postgres(env, Duration::from_secs(5))
}

#[test]
fn no_url_is_the_sqlite_store() {
    assert!(resolve("", &MapEnv::new()).unwrap().is_none());
    let e = resolve("password_env = \"PGPW\"", &MapEnv::new()).unwrap_err();
    assert!(e.to_string().contains("url is not"), "{e}");
}

#[test]
fn sslmode_is_taken_out_of_the_url_and_defaults_to_verify_full() {
    let env = MapEnv::new();
    let c = resolve("url = \"postgres://sn@db.example:5433/snowlink\"", &env)
        .unwrap()
        .unwrap();
    assert_eq!(c.url, "postgres://sn@db.example:5433/snowlink");
    assert_eq!(c.sslmode, SslMode::VerifyFull);
    assert_eq!(c.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
    assert!(c.password.is_none());
    let c = resolve(
        "url = \"postgresql://sn@db/s?application_name=x&sslmode=require&connect_timeout=3\"\nconnect_timeout_secs = 4",
        &env,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        c.url,
        "postgresql://sn@db/s?application_name=x&connect_timeout=3"
    );
    assert_eq!(c.sslmode, SslMode::Require);
    assert_eq!(c.connect_timeout, Duration::from_secs(4));
    let c = resolve("url = \"postgres://sn@db/s?sslmode=disable\"", &env)
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.url.as_str(), c.sslmode),
        ("postgres://sn@db/s", SslMode::Disable)
    );
}

#[test]
fn bad_urls_name_the_fix() {
    let env = MapEnv::new();
    for (url, says) in [
        ("mysql://x/y", "must start with postgres://"),
        ("postgres://sn:hunter2@db/s", "holds a password"),
        ("postgres://sn@db/s?password=hunter2", "holds a password"),
        (
            "postgres://sn@db/s?sslmode=prefer",
            "sslmode=prefer is not supported",
        ),
        ("postgres://sn@db/s?sslrootcert=/ca.pem", "set ca_file"),
    ] {
        let e = resolve(&format!("url = \"{url}\""), &env)
            .unwrap_err()
            .to_string();
        assert!(e.contains(says), "{url}: {e}");
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.starts_with("[store]"), "{e}");
    }
    let e = resolve(
        "url = \"postgres://sn@db/s\"\nconnect_timeout_secs = 0",
        &env,
    )
    .unwrap_err();
    assert!(e.to_string().contains("at least 1"), "{e}");
}

#[test]
fn the_password_comes_from_a_command_or_the_environment_and_is_never_shown() {
    let c = resolve(
        "url = \"postgres://sn@db/s\"\npassword_command = \"echo pw-from-command\"",
        &MapEnv::new(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        c.password.as_ref().unwrap().expose_secret(),
        "pw-from-command"
    );
    assert_eq!(c.password_origin, Some(SecretOrigin::Command));
    assert!(!format!("{c:?}").contains("pw-from-command"));

    let text = "url = \"postgres://sn@db/s\"\npassword_env = \"PGPW\"";
    let c = resolve(text, &MapEnv::new().with("PGPW", "pw-from-env"))
        .unwrap()
        .unwrap();
    assert_eq!(c.password.unwrap().expose_secret(), "pw-from-env");
    let e = resolve(text, &MapEnv::new()).unwrap_err().to_string();
    assert!(e.contains("$PGPW is not set"), "{e}");

    let e = resolve(
        "url = \"postgres://sn@db/s\"\npassword_command = \"echo hunter2 >&2; exit 4\"",
        &MapEnv::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("status 4") && !e.contains("hunter2"), "{e}");
}

#[test]
fn unknown_keys_in_store_are_errors() {
    let e = crate::config::parse_str("[store]\nurll = \"x\"\n", Path::new("c.toml")).unwrap_err();
    assert!(e.to_string().contains("url"), "{e}");
}
