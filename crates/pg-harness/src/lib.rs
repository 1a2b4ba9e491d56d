//! A throwaway PostgreSQL cluster for tests (docs/testing-postgres.md).
//!
//! [`Cluster::start`] runs `initdb` into a fresh temp dir and starts `postgres` listening only
//! on a Unix socket in that dir (optionally also on 127.0.0.1 at a free port, with TLS), with
//! durability off for speed. It creates a least-privilege role (LOGIN with a password;
//! NOSUPERUSER NOCREATEDB NOCREATEROLE) and a database owned by it. Dropping the cluster stops
//! the server and removes the dir; a test process that dies takes its server with it (a
//! parent-death signal) and the next start removes the dirs such processes left.
//!
//! ```no_run
//! let cluster = pg_harness::Cluster::start()?;
//! let url = cluster.fresh_database("t_outbox")?; // one database per test
//! let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A test binary may keep one cluster in a `static OnceLock` and give each test its own
//! database: every method takes `&self`.

mod bins;
mod dirs;
mod error;
mod process;
mod sql;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use error::HarnessError;

use bins::Bins;
use error::io;
use process::{RunAs, Supervisor};

/// What to start besides the Unix socket.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Also listen on 127.0.0.1 at a free port ([`Cluster::tcp_port`]).
    pub tcp: bool,
    /// Serve TLS on that port with this certificate (implies `tcp`).
    pub tls: Option<TlsFiles>,
    /// `max_connections` (PostgreSQL's default, 100, when `None`).
    pub max_connections: Option<u32>,
}

/// A server certificate chain and its private key, PEM.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert_pem: String,
    pub key_pem: String,
}

/// The least-privilege role's name (it also names the cluster's first database).
pub const ROLE: &str = "snowlink";
const SUPERUSER: &str = "harness_admin";
/// Connections made to check readiness or run superuser SQL give up after this.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a start may take (initdb excluded) before it is an error.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// A running throwaway cluster. Stops the server and removes its files when dropped.
pub struct Cluster {
    dir: PathBuf,
    data: PathBuf,
    socket_dir: PathBuf,
    log: PathBuf,
    port: u16,
    tcp: bool,
    password: String,
    super_password: String,
    bins: Bins,
    run_as: Option<RunAs>,
    server_args: Vec<String>,
    supervisor: Mutex<Supervisor>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("dir", &self.dir)
            .field("port", &self.port)
            .field("tcp", &self.tcp)
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// A cluster on a Unix socket only.
    pub fn start() -> Result<Cluster, HarnessError> {
        Self::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> Result<Cluster, HarnessError> {
        let bins = Bins::find()?;
        let run_as = RunAs::detect()?;
        let dir = dirs::new_cluster_dir(run_as)?;
        let mut cluster = Cluster {
            data: dir.join("data"),
            socket_dir: dir.join("sock"),
            log: dir.join("server.log"),
            dir,
            port: 5432,
            tcp: options.tcp || options.tls.is_some(),
            password: sql::random_secret()?,
            super_password: sql::random_secret()?,
            bins,
            run_as,
            server_args: Vec::new(),
            supervisor: Mutex::new(Supervisor::new()?),
        };
        cluster.init(&options)?;
        // A free port found by binding port 0 can be taken by someone else before the server
        // binds it: try again with another.
        let mut attempts = 0;
        loop {
            if cluster.tcp {
                cluster.port = dirs::free_port()?;
            }
            cluster.server_args = cluster.server_args(&options);
            match cluster.resume() {
                Err(HarnessError::ServerExited { log, .. })
                    if cluster.tcp && attempts < 3 && log.contains("could not bind") =>
                {
                    attempts += 1;
                }
                Err(e) => return Err(e),
                Ok(()) => break,
            }
        }
        cluster.create_role()?;
        Ok(cluster)
    }

    fn init(&self, options: &Options) -> Result<(), HarnessError> {
        let sock = &self.socket_dir;
        std::fs::create_dir(sock).map_err(io(format!("creating {}", sock.display())))?;
        self.hand_over(sock)?;
        let pwfile = self.dir.join("superuser.pw");
        self.write_private(&pwfile, &self.super_password)?;
        let mut initdb = process::command(&self.bins.program("initdb"), self.run_as, false);
        initdb
            .arg("-D")
            .arg(&self.data)
            .args(["-U", SUPERUSER, "--auth=scram-sha-256", "-E", "UTF8"])
            .args(["--no-locale", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .current_dir(&self.dir);
        process::run(initdb)?;
        let _ = std::fs::remove_file(&pwfile);
        // Passwords everywhere: the role's tests rely on a wrong password being refused.
        self.write_private(
            &self.data.join("pg_hba.conf"),
            "local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n",
        )?;
        if let Some(tls) = &options.tls {
            self.write_private(&self.data.join("server.crt"), &tls.cert_pem)?;
            self.write_private(&self.data.join("server.key"), &tls.key_pem)?;
        }
        Ok(())
    }

    fn server_args(&self, options: &Options) -> Vec<String> {
        let mut args = vec![
            "-D".to_owned(),
            self.data.display().to_string(),
            "-p".to_owned(),
            self.port.to_string(),
            "-k".to_owned(),
            self.socket_dir.display().to_string(),
        ];
        let listen = if self.tcp { "127.0.0.1" } else { "" };
        let mut settings = vec![
            format!("listen_addresses={listen}"),
            // A test database is thrown away: durability only costs time here.
            "fsync=off".to_owned(),
            "synchronous_commit=off".to_owned(),
            "full_page_writes=off".to_owned(),
        ];
        if options.tls.is_some() {
            settings.extend(
                [
                    "ssl=on",
                    "ssl_cert_file=server.crt",
                    "ssl_key_file=server.key",
                ]
                .map(String::from),
            );
        }
        if let Some(n) = options.max_connections {
            settings.push(format!("max_connections={n}"));
        }
        for s in settings {
            args.push("-c".to_owned());
            args.push(s);
        }
        args
    }

    /// Starts the server again after [`Cluster::stop`] (same data, same port) and waits until it
    /// accepts connections.
    pub fn resume(&self) -> Result<(), HarnessError> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(io(format!("opening {}", self.log.display())))?;
        let log_err = log.try_clone().map_err(io("duplicating the log handle"))?;
        let (program, run_as, args, dir) = (
            self.bins.program("postgres"),
            self.run_as,
            self.server_args.clone(),
            self.dir.clone(),
        );
        self.supervisor()?.start(move || {
            let mut cmd = process::command(&program, run_as, true);
            cmd.args(args)
                .current_dir(dir)
                .stdin(std::process::Stdio::null())
                .stdout(log)
                .stderr(log_err);
            cmd
        })?;
        self.wait_ready()
    }

    /// Stops the server (fast shutdown: sessions are cut off); the data stays.
    pub fn stop(&self) -> Result<(), HarnessError> {
        self.supervisor()?.stop()
    }

    /// Fast shutdown and start again with the same data: every open session is cut off.
    pub fn restart(&self) -> Result<(), HarnessError> {
        self.stop()?;
        self.resume()
    }

    fn supervisor(&self) -> Result<std::sync::MutexGuard<'_, Supervisor>, HarnessError> {
        self.supervisor
            .lock()
            .map_err(|_| HarnessError::SupervisorGone)
    }

    fn wait_ready(&self) -> Result<(), HarnessError> {
        let until = Instant::now() + READY_WITHIN;
        loop {
            if let Some(status) = self.supervisor()?.exited()? {
                return Err(HarnessError::ServerExited {
                    status: process::describe(status),
                    log: self.log_tail(),
                });
            }
            match self.superuser() {
                Ok(_) => return Ok(()),
                Err(e) if Instant::now() >= until => {
                    return Err(HarnessError::NotReady {
                        secs: READY_WITHIN.as_secs(),
                        last: e.to_string(),
                        log: self.log_tail(),
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// The last lines of the server's log (for error messages).
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// A superuser connection to the `postgres` database over the socket (to inspect or
    /// terminate sessions, or set up what the role may not).
    pub fn superuser(&self) -> Result<postgres::Client, HarnessError> {
        Ok(postgres::Config::new()
            .host_path(&self.socket_dir)
            .port(self.port)
            .user(SUPERUSER)
            .password(&self.super_password)
            .dbname("postgres")
            .connect_timeout(CONNECT_TIMEOUT)
            .connect(postgres::NoTls)?)
    }

    fn create_role(&self) -> Result<(), HarnessError> {
        let mut admin = self.superuser()?;
        admin.batch_execute(&format!(
            "CREATE ROLE {ROLE} LOGIN PASSWORD {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
            sql::literal(&self.password)
        ))?;
        admin.batch_execute(&format!("CREATE DATABASE {ROLE} OWNER {ROLE}"))?;
        Ok(())
    }

    /// Creates database `name` (by the superuser, owned by the role) and returns its URL: one
    /// database per test keeps tests independent on one cluster.
    pub fn fresh_database(&self, name: &str) -> Result<String, HarnessError> {
        let name = sql::checked_name(name)?;
        self.superuser()?
            .batch_execute(&format!("CREATE DATABASE {name} OWNER {ROLE}"))?;
        Ok(self.url_for(name))
    }

    /// The role's URL for its own database, over the Unix socket, password included.
    pub fn url(&self) -> String {
        self.url_for(ROLE)
    }

    /// The role's URL for database `db` over the Unix socket, password included
    /// (`postgres://snowlink:…@%2Ftmp%2F…%2Fsock:5432/db`, which `postgres::Config` parses).
    pub fn url_for(&self, db: &str) -> String {
        format!(
            "postgres://{ROLE}:{}@{}:{}/{db}",
            self.password,
            sql::percent_encode(&self.socket_dir.display().to_string()),
            self.port
        )
    }

    /// The same URL without the password (for a config whose password comes from elsewhere).
    pub fn url_without_password(&self, db: &str) -> String {
        format!(
            "postgres://{ROLE}@{}:{}/{db}",
            sql::percent_encode(&self.socket_dir.display().to_string()),
            self.port
        )
    }

    /// `postgres://snowlink@127.0.0.1:<port>/db` when the cluster listens on TCP.
    pub fn tcp_url_without_password(&self, db: &str) -> Option<String> {
        self.tcp
            .then(|| format!("postgres://{ROLE}@127.0.0.1:{}/{db}", self.port))
    }

    /// The role's password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The loopback port, when the cluster listens on TCP.
    pub fn tcp_port(&self) -> Option<u16> {
        self.tcp.then_some(self.port)
    }

    /// The directory of the Unix socket (`host` for a key-value connection string).
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The socket's port number (part of the socket file's name).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's own directory (data, socket, log); removed on drop.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn hand_over(&self, path: &Path) -> Result<(), HarnessError> {
        match self.run_as {
            Some(user) => user.chown(path),
            None => Ok(()),
        }
    }

    fn write_private(&self, path: &Path, text: &str) -> Result<(), HarnessError> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(path, text).map_err(io(format!("writing {}", path.display())))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(io(format!("chmod {}", path.display())))?;
        self.hand_over(path)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Ok(s) = self.supervisor.get_mut() {
            let _ = s.stop();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
