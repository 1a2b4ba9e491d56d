//! Running PostgreSQL's programs: as the `postgres` OS user when we are root (the server refuses
//! to run as root), and the server itself under a supervisor thread that lives as long as the
//! cluster, so the server gets a parent-death signal when the test process dies (even by
//! SIGKILL) and never outlives it.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::{HarnessError, io};

/// The OS user the programs run as: `None` = this process's own user.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunAs {
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
}

impl RunAs {
    /// `postgres` when running as root, else nobody else.
    pub fn detect() -> Result<Option<RunAs>, HarnessError> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Ok(None);
        }
        lookup_user("postgres")
            .map(Some)
            .ok_or(HarnessError::NoPostgresUser)
    }

    /// Hands `path` to the user (the server writes its data, socket and log there).
    pub fn chown(&self, path: &Path) -> Result<(), HarnessError> {
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
            .map_err(io(format!("chown {} to the postgres user", path.display())))
    }
}

fn lookup_user(name: &str) -> Option<RunAs> {
    let cname = std::ffi::CString::new(name).ok()?;
    let mut buf = vec![0_u8; 16 * 1024];
    // SAFETY: all-zero is a valid `passwd` (null pointers, zero ids); getpwnam_r fills it.
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut out: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and `buf` is as long as we say.
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pw,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut out,
        )
    };
    (rc == 0 && !out.is_null()).then_some(RunAs {
        uid: pw.pw_uid,
        gid: pw.pw_gid,
    })
}

/// A command that runs as `run_as` (when given), with `die_with_parent` set for the server.
pub(crate) fn command(program: &Path, run_as: Option<RunAs>, die_with_parent: bool) -> Command {
    let mut cmd = Command::new(program);
    // SAFETY: the closure only makes async-signal-safe system calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(user) = run_as
                && (libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(user.gid) != 0
                    || libc::setuid(user.uid) != 0)
            {
                return Err(std::io::Error::last_os_error());
            }
            // After setuid: changing credentials clears the parent-death signal. SIGINT is
            // PostgreSQL's fast shutdown (clients cut off, then a clean stop).
            if die_with_parent && libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

/// Runs a short program to completion; a failure carries its output.
pub(crate) fn run(mut cmd: Command) -> Result<(), HarnessError> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(io(format!("starting {shown}")))?;
    if out.status.success() {
        return Ok(());
    }
    Err(HarnessError::Command {
        command: shown,
        status: describe(out.status),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .trim()
        .to_owned(),
    })
}

pub(crate) fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => status.to_string(),
    }
}

/// How long a fast shutdown may take before the server is killed.
const STOP_GRACE: Duration = Duration::from_secs(60);

type Reply<T> = mpsc::Sender<Result<T, HarnessError>>;

enum Cmd {
    /// Spawn the server (the closure builds the command, on the supervisor thread).
    Start(Box<dyn FnOnce() -> Command + Send>, Reply<()>),
    /// `Some(status)` when the server has exited.
    Poll(Reply<Option<ExitStatus>>),
    Stop(Reply<()>),
}

/// The thread that spawns, watches and stops the server process.
pub(crate) struct Supervisor {
    tx: mpsc::Sender<Cmd>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Supervisor {
    pub fn new() -> Result<Supervisor, HarnessError> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("pg-harness-supervisor".into())
            .spawn(move || supervise(rx))
            .map_err(io("starting the supervisor thread"))?;
        Ok(Supervisor {
            tx,
            thread: Some(thread),
        })
    }

    fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Cmd) -> Result<T, HarnessError> {
        let (reply, answer) = mpsc::channel();
        self.tx
            .send(make(reply))
            .map_err(|_| HarnessError::SupervisorGone)?;
        answer.recv().map_err(|_| HarnessError::SupervisorGone)?
    }

    pub fn start(
        &self,
        build: impl FnOnce() -> Command + Send + 'static,
    ) -> Result<(), HarnessError> {
        self.ask(|r| Cmd::Start(Box::new(build), r))
    }

    pub fn exited(&self) -> Result<Option<ExitStatus>, HarnessError> {
        self.ask(Cmd::Poll)
    }

    pub fn stop(&self) -> Result<(), HarnessError> {
        self.ask(Cmd::Stop)
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        // Closing the channel makes the thread stop the server and end.
        let (tx, _) = mpsc::channel();
        drop(std::mem::replace(&mut self.tx, tx));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn supervise(rx: mpsc::Receiver<Cmd>) {
    let mut child: Option<Child> = None;
    while let Ok(cmd) = rx.recv() {
        match cmd {
            Cmd::Start(build, reply) => {
                let result = match child.as_mut().map(|c| c.try_wait()) {
                    Some(Ok(None)) => Ok(()),
                    _ => build()
                        .spawn()
                        .map(|c| child = Some(c))
                        .map_err(io("starting postgres")),
                };
                let _ = reply.send(result);
            }
            Cmd::Poll(reply) => {
                let status = match child.as_mut() {
                    None => Ok(None),
                    Some(c) => c.try_wait().map_err(io("waiting for postgres")),
                };
                let _ = reply.send(status);
            }
            Cmd::Stop(reply) => {
                let _ = reply.send(stop(child.take()));
            }
        }
    }
    let _ = stop(child.take());
}

/// Fast shutdown (SIGINT), then SIGKILL if it takes longer than [`STOP_GRACE`]; waits for exit.
fn stop(child: Option<Child>) -> Result<(), HarnessError> {
    let Some(mut child) = child else {
        return Ok(());
    };
    if child.try_wait().ok().flatten().is_some() {
        return Ok(());
    }
    let pid = child.id() as libc::pid_t;
    // SAFETY: `pid` is our own child, not yet reaped, so it cannot be another process.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let until = Instant::now() + STOP_GRACE;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return Ok(()),
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                return child.wait().map(|_| ()).map_err(io("waiting for postgres"));
            }
            Err(e) => return Err(io("waiting for postgres")(e)),
        }
    }
}
