//! A source's credentials (a Qualytics token, an Alertmanager proxy's bearer token or password):
//! from a command, an environment variable or the OS keyring, never printed. As for instances,
//! the first configured place decides; a failing one is reported, not skipped.

use std::path::Path;
use std::time::Duration;

use secrecy::SecretString;

use super::command::{self, Failure};
use super::env::Env;
use super::error::{ConfigError, Result};
use super::schema::SourceConfig;

impl SourceConfig {
    /// The API token (`token_command`, `token_env`, `keyring`), or `None` when none is set.
    pub fn token(&self, env: &dyn Env, timeout: Duration) -> Result<Option<SecretString>> {
        if let Some(script) = self
            .token_command
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            return self.command(script, "token_command", timeout).map(Some);
        }
        if let Some(var) = self.token_env.as_deref().filter(|v| !v.is_empty()) {
            return self.env_var(env, var, "token_env").map(Some);
        }
        if self.keyring {
            let args = ["lookup", "service", "snowlink-source", "source", &self.name];
            return command::run(Path::new("secret-tool"), &args, timeout)
                .map(Some)
                .map_err(|f| self.error(format!(
                    "keyring lookup failed ({}); store the token with `secret-tool store --label='snowlink {name}' service snowlink-source source {name}`, or use token_command / token_env",
                    failure_text(&f),
                    name = self.name
                )));
        }
        Ok(None)
    }

    /// The basic-auth password (`password_command`, `password_env`), or `None`.
    pub fn password(&self, env: &dyn Env, timeout: Duration) -> Result<Option<SecretString>> {
        if let Some(script) = self
            .password_command
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            return self.command(script, "password_command", timeout).map(Some);
        }
        if let Some(var) = self.password_env.as_deref().filter(|v| !v.is_empty()) {
            return self.env_var(env, var, "password_env").map(Some);
        }
        Ok(None)
    }

    fn command(&self, script: &str, key: &str, timeout: Duration) -> Result<SecretString> {
        command::run_shell(script, timeout).map_err(|f| {
            self.error(format!(
                "{key} {}; run the command yourself to see why",
                failure_text(&f)
            ))
        })
    }

    fn env_var(&self, env: &dyn Env, var: &str, key: &str) -> Result<SecretString> {
        env.non_empty(var).map(SecretString::from).ok_or_else(|| {
            self.error(format!(
                "{key} = \"{var}\", but ${var} is not set or empty; export it or choose another source of the secret"
            ))
        })
    }

    fn error(&self, message: String) -> ConfigError {
        ConfigError::SourceSecret {
            source_name: self.name.clone(),
            message,
        }
    }
}

/// What went wrong, without anything the command printed (it may echo a secret).
fn failure_text(f: &Failure) -> String {
    match f {
        Failure::Exit { code: Some(c), .. } => {
            format!("exited with status {c} (its output is withheld: it may hold secrets)")
        }
        Failure::Exit { code: None, .. } => "was killed by a signal".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use secrecy::ExposeSecret;

    use super::*;
    use crate::config::MapEnv;

    fn source(extra: &str) -> SourceConfig {
        let text = format!(
            "[[sources]]\nname = \"q\"\nkind = \"qualytics\"\nurl = \"http://127.0.0.1:1\"\n{extra}\n"
        );
        crate::config::parse_str(&text, Path::new("c"))
            .unwrap()
            .sources
            .remove(0)
    }

    #[test]
    fn token_from_command_or_env_and_failures_name_the_fix_without_the_output() {
        let s = source("token_command = \"echo tok-1\"");
        let t = s
            .token(&MapEnv::new(), Duration::from_secs(5))
            .unwrap()
            .unwrap();
        assert_eq!(t.expose_secret(), "tok-1");
        let s = source("token_env = \"QT\"");
        let t = s
            .token(&MapEnv::new().with("QT", "tok-2"), Duration::from_secs(5))
            .unwrap();
        assert_eq!(t.unwrap().expose_secret(), "tok-2");
        let e = s
            .token(&MapEnv::new(), Duration::from_secs(5))
            .unwrap_err()
            .to_string();
        assert!(e.contains("$QT is not set"), "{e}");
        let s = source("token_command = \"echo hunter2 >&2; exit 3\"");
        let e = s
            .token(&MapEnv::new(), Duration::from_secs(5))
            .unwrap_err()
            .to_string();
        assert!(e.contains("status 3") && !e.contains("hunter2"), "{e}");
    }
}
