//! No error, whatever its cause, carries a secret that was in play (Display and Debug).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;

use super::*;

const SECRET: &str = "9871234560";

fn errors_for(text: &str, mode: u32, env: &MapEnv) -> Vec<ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    let cfg = match Config::from_file(&path) {
        Ok(c) => c,
        Err(e) => return vec![e],
    };
    let mut out = Vec::new();
    match cfg.profile(None, env) {
        Err(e) => out.push(e),
        Ok(p) => {
            if let Err(e) = p.credentials(env) {
                out.push(e);
            }
        }
    }
    out
}

#[test]
fn no_error_variant_leaks_a_secret() {
    let head = "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"u\"\n";
    let empty = tempfile::tempdir().unwrap();
    let no_keyring = MapEnv::new().with("PATH", empty.path().to_str().unwrap());
    let cases = [
        format!("{head}password_command = \"echo {SECRET}; echo denied {SECRET} >&2; exit 1\"\n"),
        format!(
            "{head}password_command = \"echo {SECRET} >&2; exit 1\"\npassword = \"{SECRET}\"\n"
        ),
        format!("{head}password = \"{SECRET}\"\n"),
        format!("{head}keyring = true\npassword = \"{SECRET}\"\n"),
        format!("{head}password = {SECRET}\n"),
        format!("{head}client_secret = {SECRET}\n"),
        format!("{head}password = \"{SECRET}\"\nauth = \"oauth\"\n"),
        format!(
            "{head}auth = \"oauth\"\nclient_id = \"c\"\nclient_secret = \"{SECRET}\"\npassword_env = \"NOPE\"\n"
        ),
        format!("[instances.default]\nurl = \"https://u:{SECRET}@a.service-now.com\"\n"),
        format!("[instances.default]\nurl = \"http://u:{SECRET}@a.service-now.com\"\n"),
        format!("[instances.default]\npassword = \"{SECRET}\"\n"),
    ];
    let mut seen = 0;
    for text in &cases {
        // 0644 so the plain-secret rule fires where a plain secret is the chosen source.
        for e in errors_for(text, 0o644, &no_keyring) {
            seen += 1;
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(SECRET), "{shown}");
        }
    }
    // Every case above fails somewhere; the test proves nothing if errors are not produced.
    assert!(seen >= cases.len() - 1, "only {seen} errors");
}

#[test]
fn user_name_for_notes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        "[instances.default]\nurl = \"https://a.service-now.com\"\nusername = \"svc.dq\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut cfg = Config::from_file(&path).unwrap();
    let p = cfg.profile(None, &MapEnv::new()).unwrap();
    let env = MapEnv::new().with("USER", "alice").with("LOGNAME", "al");
    assert_eq!(cfg.user(&env, &p), "alice");
    assert_eq!(cfg.user(&MapEnv::new().with("LOGNAME", "al"), &p), "al");
    // No $USER, no $LOGNAME, no `user`: the instance's ServiceNow username, never "unknown".
    assert_eq!(cfg.user(&MapEnv::new(), &p), "svc.dq");
    let mut nameless = p.clone();
    nameless.username = None;
    assert_eq!(cfg.user(&MapEnv::new(), &nameless), "snowlink@default");
    cfg.file.user = Some("On-call Bot".into());
    assert_eq!(cfg.user(&env, &p), "On-call Bot");
    assert_eq!(cfg.user(&MapEnv::new(), &p), "On-call Bot");
}
