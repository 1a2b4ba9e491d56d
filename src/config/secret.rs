//! Resolving one secret (a password or an OAuth client secret) from the sources DESIGN.md orders:
//! override env var, `*_command`, `*_env`, OS keyring, plain value (file must be 0600).
//! The first source that is configured decides: if it fails we report it rather than silently
//! falling through, so a broken `pass` setup is never masked by a stale plain password.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;

use super::command::{self, Failure};
use super::env::Env;
use super::error::{ConfigError, Result};

/// Where a resolved secret came from (safe to print: it is not the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum SecretOrigin {
    /// `SNOWLINK_PASSWORD`.
    EnvOverride(String),
    Command,
    /// `*_env = "VAR"`.
    Env(String),
    Keyring,
    /// The plain value in the 0600 config file.
    Plain,
}

impl std::fmt::Display for SecretOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretOrigin::EnvOverride(v) => write!(f, "${v}"),
            SecretOrigin::Command => f.write_str("command"),
            SecretOrigin::Env(v) => write!(f, "${v}"),
            SecretOrigin::Keyring => f.write_str("keyring"),
            SecretOrigin::Plain => f.write_str("config file"),
        }
    }
}

/// The configured sources of one secret.
#[derive(Debug, Clone, Default)]
pub(crate) struct SecretSources {
    pub command: Option<String>,
    pub env: Option<String>,
    pub keyring: bool,
    pub plain: Option<SecretString>,
}

/// Fixed facts about which secret this is.
pub(crate) struct SecretKind {
    /// "password" / "client secret", for messages.
    pub what: &'static str,
    /// Config key of the plain value: "password" / "client_secret".
    pub key: &'static str,
    pub command_key: &'static str,
    pub env_key: &'static str,
    /// `service` attribute used in the keyring.
    pub keyring_service: &'static str,
    /// Env var that overrides every source, if any.
    pub override_var: Option<&'static str>,
    /// For the "nothing configured" error.
    pub options: &'static str,
}

pub(crate) const PASSWORD: SecretKind = SecretKind {
    what: "password",
    key: "password",
    command_key: "password_command",
    env_key: "password_env",
    keyring_service: "snowlink",
    override_var: Some("SNOWLINK_PASSWORD"),
    options: "password_command, password_env, keyring = true or password (file mode 0600)",
};

pub(crate) const CLIENT_SECRET: SecretKind = SecretKind {
    what: "client secret",
    key: "client_secret",
    command_key: "client_secret_command",
    env_key: "client_secret_env",
    // A distinct service so `secret-tool lookup service snowlink instance X` finds only the password.
    keyring_service: "snowlink-client-secret",
    override_var: None,
    options: "client_secret_command, client_secret_env, keyring = true or client_secret (file mode 0600)",
};

/// Everything resolution needs besides the sources.
pub(crate) struct Context<'a> {
    pub instance: &'a str,
    pub env: &'a dyn Env,
    pub timeout: Duration,
    /// The config file the plain value came from and its mode.
    pub file: Option<&'a Path>,
    pub mode: Option<u32>,
}

pub(crate) fn resolve(
    kind: &SecretKind,
    src: &SecretSources,
    ctx: &Context<'_>,
) -> Result<(SecretString, SecretOrigin)> {
    if let Some(var) = kind.override_var
        && let Some(v) = ctx.env.non_empty(var)
    {
        return Ok((
            SecretString::from(v),
            SecretOrigin::EnvOverride(var.to_owned()),
        ));
    }
    if let Some(script) = src.command.as_deref().filter(|s| !s.trim().is_empty()) {
        return command::run_shell(script, ctx.timeout)
            .map(|s| (s, SecretOrigin::Command))
            .map_err(|f| ConfigError::SecretCommand {
                instance: ctx.instance.to_owned(),
                key: kind.command_key,
                problem: command_problem(&f, script),
            });
    }
    if let Some(var) = src.env.as_deref().filter(|s| !s.is_empty()) {
        return match ctx.env.non_empty(var) {
            Some(v) => Ok((SecretString::from(v), SecretOrigin::Env(var.to_owned()))),
            None => Err(ConfigError::SecretEnvUnset {
                instance: ctx.instance.to_owned(),
                key: kind.env_key,
                var: var.to_owned(),
            }),
        };
    }
    if src.keyring {
        return keyring_lookup(kind, ctx).map(|s| (s, SecretOrigin::Keyring));
    }
    if let Some(plain) = &src.plain {
        plain_allowed(kind, ctx)?;
        return Ok((plain.clone(), SecretOrigin::Plain));
    }
    Err(ConfigError::NoSecret {
        instance: ctx.instance.to_owned(),
        what: kind.what,
        options: kind.options,
    })
}

/// What went wrong with a `*_command`, without anything the command printed. Its stderr is
/// withheld entirely: a helper that fails may echo the secret (or a neighbouring one) in its
/// complaint, and no redaction can know every secret it might hold. The program's name and the
/// exit status are enough to know where to look; running the command by hand shows the rest.
pub(super) fn command_problem(failure: &Failure, script: &str) -> String {
    let program = program_name(script)
        .map(|p| format!(" (program `{p}`)"))
        .unwrap_or_default();
    let ended = match failure {
        Failure::Exit { code: Some(c), .. } => format!("exited with status {c}"),
        Failure::Exit { code: None, .. } => "was killed by a signal".to_owned(),
        // Spawn errors come from starting `sh`, timeouts and empty or non-UTF-8 output carry no
        // text of the helper's: these are safe to show as they are.
        other => return format!("{program} {other}").trim_start().to_owned(),
    };
    format!(
        "{program} {ended}; its error output was withheld because it may contain secrets; run the command yourself to see it"
    )
    .trim_start()
    .to_owned()
}

/// The base name of the program a shell command line runs (`pass` for
/// `PASSWORD_STORE_DIR=~/p pass show sn`), skipping leading `VAR=value` assignments whose values
/// may be secrets. `None` when the first word is not a plain program path (quotes, `$`, globs).
fn program_name(script: &str) -> Option<&str> {
    let word = script.split_whitespace().find(|w| !w.contains('='))?;
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '+'));
    let name = word.rsplit('/').next()?;
    (plain && !name.is_empty() && name.len() <= 64).then_some(name)
}

/// The 0600 rule: a plain secret is only used from a file nobody else can read.
fn plain_allowed(kind: &SecretKind, ctx: &Context<'_>) -> Result<()> {
    let unusable = |reason: &str| ConfigError::PlainSecretUnusable {
        instance: ctx.instance.to_owned(),
        key: kind.key,
        reason: reason.to_owned(),
    };
    let Some(file) = ctx.file else {
        return Err(unusable("it does not come from a config file"));
    };
    match ctx.mode {
        Some(mode) if mode & 0o077 == 0 => Ok(()),
        Some(mode) => Err(ConfigError::InsecurePlainSecret {
            instance: ctx.instance.to_owned(),
            key: kind.key,
            file: file.to_path_buf(),
            mode,
        }),
        None => Err(unusable(
            "the config file's permissions cannot be checked on this platform",
        )),
    }
}

fn keyring_lookup(kind: &SecretKind, ctx: &Context<'_>) -> Result<SecretString> {
    let Some(tool) = find_in_path(ctx.env, "secret-tool") else {
        return Err(ConfigError::KeyringUnavailable {
            instance: ctx.instance.to_owned(),
            alternatives: if kind.key == "password" {
                "password_command, password_env or SNOWLINK_PASSWORD"
            } else {
                "client_secret_command or client_secret_env"
            },
        });
    };
    let args = [
        "lookup",
        "service",
        kind.keyring_service,
        "instance",
        ctx.instance,
    ];
    command::run(&tool, &args, ctx.timeout).map_err(|f| ConfigError::KeyringLookup {
        instance: ctx.instance.to_owned(),
        what: kind.what,
        service: kind.keyring_service,
        problem: match &f {
            // secret-tool exits 1 with no output when nothing matches.
            Failure::Empty => "found no entry".to_owned(),
            Failure::Exit { stderr, .. } if stderr.is_empty() => "found no entry".to_owned(),
            other => format!("failed: secret-tool {other}"),
        },
    })
}

/// Looks `name` up in the injected env's PATH (not the process's, so tests can stage a fake).
fn find_in_path(env: &dyn Env, name: &str) -> Option<PathBuf> {
    let path = env.var("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn program_name_skips_assignments_and_refuses_shell_syntax() {
        assert_eq!(program_name("pass show servicenow/prod"), Some("pass"));
        assert_eq!(program_name("/usr/bin/gpg -d x.gpg"), Some("gpg"));
        assert_eq!(program_name("TOKEN=hunter2 op read x"), Some("op"));
        assert_eq!(program_name("\"$HOME/bin/get pw\""), None);
        assert_eq!(program_name("$(cat f)"), None);
        assert_eq!(program_name("   "), None);
    }

    #[test]
    fn a_failed_command_never_shows_its_error_output() {
        let failure =
            command::run_shell("echo hunter2-secret >&2; exit 1", command::DEFAULT_TIMEOUT)
                .unwrap_err();
        let problem = command_problem(&failure, "sh -c 'echo hunter2-secret >&2; exit 1'");
        assert_eq!(
            problem,
            "(program `sh`) exited with status 1; its error output was withheld because it may contain secrets; run the command yourself to see it"
        );
        let empty = command_problem(&Failure::Empty, "pass show x");
        assert_eq!(empty, "(program `pass`) printed nothing on stdout");
    }
}
