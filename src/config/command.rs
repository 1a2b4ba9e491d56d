//! Runs a credential helper (`password_command`, `secret-tool`) with a deadline and captures its
//! stdout. Failures describe what went wrong without the output itself.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use secrecy::SecretString;

/// How long a credential helper may run before it is killed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a helper did not yield a secret. Display never includes stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    Spawn(String),
    /// Non-zero exit; the first line of stderr (secret-redacted), and the exit code if any.
    Exit {
        code: Option<i32>,
        stderr: String,
    },
    Timeout(Duration),
    Empty,
    NotUtf8,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Spawn(e) => write!(f, "could not be started: {e}"),
            Failure::Exit { code, stderr } => {
                match code {
                    Some(c) => write!(f, "exited with status {c}")?,
                    None => write!(f, "was killed by a signal")?,
                }
                if stderr.is_empty() {
                    write!(f, " (no error output)")
                } else {
                    write!(f, ": {stderr}")
                }
            }
            Failure::Timeout(t) => write!(
                f,
                "did not finish within {} s and was killed",
                t.as_secs_f32()
            ),
            Failure::Empty => write!(f, "printed nothing on stdout"),
            Failure::NotUtf8 => write!(f, "printed something that is not UTF-8"),
        }
    }
}

/// `sh -c <script>`.
pub(crate) fn run_shell(script: &str, timeout: Duration) -> Result<SecretString, Failure> {
    run(Path::new("sh"), &["-c", script], timeout)
}

/// Runs `program args…` with stdin closed, returns stdout minus one trailing newline.
pub(crate) fn run(
    program: &Path,
    args: &[&str],
    timeout: Duration,
) -> Result<SecretString, Failure> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::Spawn(e.to_string()))?;
    // Drain both pipes on threads so a chatty helper cannot block on a full pipe.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                // A grandchild (e.g. `sh -c 'a | b'`) may outlive this; its readers are detached
                // threads, so we never wait on it.
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failure::Timeout(timeout));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(Failure::Spawn(e.to_string())),
        }
    };
    // The helper has exited; a background grandchild could still hold the pipes, so bound the wait.
    let grace = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(100));
    let out = stdout.recv_timeout(grace).unwrap_or_default();
    let err = stderr
        .recv_timeout(Duration::from_millis(100))
        .unwrap_or_default();
    let out = String::from_utf8(out);
    if !status.success() {
        let secret = out.as_deref().unwrap_or("").trim();
        return Err(Failure::Exit {
            code: status.code(),
            stderr: first_line_redacted(&err, secret),
        });
    }
    let mut out = out.map_err(|_| Failure::NotUtf8)?;
    if out.ends_with('\n') {
        out.pop();
        if out.ends_with('\r') {
            out.pop();
        }
    }
    if out.is_empty() {
        return Err(Failure::Empty);
    }
    Ok(SecretString::from(out))
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    }
    rx
}

/// First non-empty stderr line, capped, with anything equal to what the helper printed on stdout
/// removed (a failing helper might echo the secret in its complaint).
fn first_line_redacted(stderr: &[u8], stdout_secret: &str) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut line: String = line.chars().take(200).collect();
    if !stdout_secret.is_empty() && line.contains(stdout_secret) {
        line = line.replace(stdout_secret, "[REDACTED]");
    }
    line
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use secrecy::ExposeSecret;

    const T: Duration = Duration::from_secs(10);

    #[test]
    fn success_trims_exactly_one_newline() {
        assert_eq!(
            run_shell("printf 's3cret\\n'", T).unwrap().expose_secret(),
            "s3cret"
        );
        assert_eq!(
            run_shell("printf 's3cret\\n\\n'", T)
                .unwrap()
                .expose_secret(),
            "s3cret\n"
        );
        assert_eq!(
            run_shell("printf ' s p '", T).unwrap().expose_secret(),
            " s p "
        );
        assert_eq!(
            run_shell("printf 'a\\r\\n'", T).unwrap().expose_secret(),
            "a"
        );
    }

    #[test]
    fn failure_reports_first_stderr_line_and_code() {
        let f = run_shell(
            "echo 'gpg: decryption failed' >&2; echo second >&2; exit 3",
            T,
        )
        .unwrap_err();
        assert_eq!(
            f,
            Failure::Exit {
                code: Some(3),
                stderr: "gpg: decryption failed".into()
            }
        );
        assert_eq!(
            f.to_string(),
            "exited with status 3: gpg: decryption failed"
        );
    }

    #[test]
    fn failure_never_echoes_stdout() {
        let f = run_shell("echo hunter2; echo \"bad token hunter2\" >&2; exit 1", T).unwrap_err();
        assert!(!f.to_string().contains("hunter2"), "{f}");
        assert!(f.to_string().contains("[REDACTED]"));
    }

    #[test]
    fn empty_and_missing_program() {
        assert_eq!(run_shell("true", T).unwrap_err(), Failure::Empty);
        assert_eq!(run_shell("printf '\\n'", T).unwrap_err(), Failure::Empty);
        assert!(matches!(
            run(Path::new("/nonexistent/helper"), &[], T),
            Err(Failure::Spawn(_))
        ));
    }

    #[test]
    fn hung_helper_is_killed_at_the_deadline() {
        // The helper would sleep far longer than the deadline; the result does not depend on speed.
        let f = run_shell("exec sleep 30", Duration::from_millis(200)).unwrap_err();
        assert_eq!(f, Failure::Timeout(Duration::from_millis(200)));
    }
}
