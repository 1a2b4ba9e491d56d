//! Where a store lives: a SQLite file (one engineer, the default) or a PostgreSQL database
//! (a team, `[store] url`): what every command, worker and dashboard opens its connections
//! from (docs/store.md §Engines).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::PgStoreConfig;

use super::db::PgPool;

use super::{Result, Store, StoreError};

/// A cheap handle (clone it freely) naming one store.
#[derive(Debug, Clone)]
pub enum StoreLocation {
    File(PathBuf),
    Postgres(Arc<PgStore>),
}

/// A PostgreSQL store: how to connect, and the idle sessions every clone of the location
/// shares (see `db::PgPool`).
#[derive(Debug)]
pub struct PgStore {
    config: PgStoreConfig,
    pool: Arc<PgPool>,
}

impl std::ops::Deref for PgStore {
    type Target = PgStoreConfig;
    fn deref(&self) -> &PgStoreConfig {
        &self.config
    }
}

impl StoreLocation {
    pub fn postgres(config: PgStoreConfig) -> StoreLocation {
        StoreLocation::Postgres(Arc::new(PgStore {
            config,
            pool: Arc::default(),
        }))
    }

    /// Opens a connection (blocking: call it off the async runtime). On PostgreSQL an idle
    /// session of an earlier store of this location is reused, and the session goes back for
    /// reuse when the store is dropped.
    pub fn open(&self) -> Result<Store> {
        match self {
            StoreLocation::File(path) => Store::open(path),
            StoreLocation::Postgres(pg) => {
                // The session's thread keeps only the config: holding the location (and so
                // the pool holding this session) would keep idle sessions alive forever.
                let config = pg.config.clone();
                super::open_pg::open_pooled(&pg.pool, move || connect(&config), &pg.url)
            }
        }
    }

    /// Idle PostgreSQL sessions waiting for reuse (0 for a file).
    #[cfg(test)]
    pub fn idle_sessions(&self) -> usize {
        match self {
            StoreLocation::Postgres(pg) => pg.pool.idle(),
            StoreLocation::File(_) => 0,
        }
    }

    /// A plain PostgreSQL session on the store's database, for what needs one of its own (a
    /// worker's liveness lock, `LISTEN`); an error for a file store. Blocking, and the client
    /// must be used and dropped off the async runtime (see `db::PgThread`).
    pub fn session(&self) -> Result<postgres::Client> {
        match self {
            StoreLocation::Postgres(pg) => connect(&pg.config),
            StoreLocation::File(path) => Err(StoreError::Invalid(format!(
                "{} is a SQLite store, not a PostgreSQL database",
                path.display()
            ))),
        }
    }

    /// The file of a SQLite store.
    pub fn file(&self) -> Option<&Path> {
        match self {
            StoreLocation::File(path) => Some(path),
            StoreLocation::Postgres(_) => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, StoreLocation::Postgres(_))
    }
}

fn connect(config: &PgStoreConfig) -> Result<postgres::Client> {
    super::pg_connect::connect(config).map_err(|e| StoreError::Connect(e.to_string()))
}

impl From<PathBuf> for StoreLocation {
    fn from(path: PathBuf) -> StoreLocation {
        StoreLocation::File(path)
    }
}

impl From<&Path> for StoreLocation {
    fn from(path: &Path) -> StoreLocation {
        StoreLocation::File(path.to_owned())
    }
}

/// The file's path, or the database URL (which holds no password: `[store] url` refuses one).
impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::File(path) => write!(f, "{}", path.display()),
            StoreLocation::Postgres(cfg) => f.write_str(&cfg.url),
        }
    }
}
