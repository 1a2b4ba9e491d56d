//! Where a store lives: a SQLite file (one engineer, the default) or a PostgreSQL database
//! (a team, `[store] url`): what every command, worker and dashboard opens its connections
//! from (docs/store.md §Engines).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::PgStoreConfig;

use super::{Result, Store, StoreError};

/// A cheap handle (clone it freely) naming one store.
#[derive(Debug, Clone)]
pub enum StoreLocation {
    File(PathBuf),
    Postgres(Arc<PgStoreConfig>),
}

impl StoreLocation {
    pub fn postgres(config: PgStoreConfig) -> StoreLocation {
        StoreLocation::Postgres(Arc::new(config))
    }

    /// Opens a new connection (blocking: call it off the async runtime).
    pub fn open(&self) -> Result<Store> {
        match self {
            StoreLocation::File(path) => Store::open(path),
            StoreLocation::Postgres(cfg) => {
                let connect = self.clone();
                Store::open_postgres(move || connect.session(), &cfg.url)
            }
        }
    }

    /// A plain PostgreSQL session on the store's database, for what needs one of its own (a
    /// worker's liveness lock, `LISTEN`); an error for a file store. Blocking, and the client
    /// must be used and dropped off the async runtime (see `db::PgThread`).
    pub fn session(&self) -> Result<postgres::Client> {
        match self {
            StoreLocation::Postgres(cfg) => {
                super::pg_connect::connect(cfg).map_err(|e| StoreError::Connect(e.to_string()))
            }
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
