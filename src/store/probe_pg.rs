//! `config check --online` for a PostgreSQL store: connect as the configured role and read what
//! an administrator wants confirmed — server version, role, whether it is (needlessly) a
//! superuser, the schema version against this build's — without creating or migrating anything.

use super::schema_pg::PG_MIGRATIONS;
use super::{Result, StoreError, StoreLocation};

/// What the server said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgProbe {
    pub server_version: String,
    pub user: String,
    pub database: String,
    pub superuser: bool,
    /// `None`: no snowlink schema yet (it is created on first use).
    pub schema_version: Option<u32>,
    /// The schema version this build writes.
    pub supported: u32,
}

impl StoreLocation {
    /// Connects once and reads the facts above (blocking: call it off the async runtime). An
    /// error for a file store; a connection error names its cause and fix.
    pub fn probe_postgres(&self) -> Result<PgProbe> {
        let mut client = self.session()?;
        let row = client.query_one(
            "SELECT current_setting('server_version'), current_user::text, \
             current_database()::text, \
             (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), \
             to_regclass('schema_version') IS NOT NULL",
            &[],
        )?;
        let has_schema: bool = row.try_get(4)?;
        let schema_version = if has_schema {
            let v: Option<i64> = client
                .query_one("SELECT MAX(version) FROM schema_version", &[])?
                .try_get(0)?;
            Some(
                u32::try_from(v.unwrap_or(0))
                    .map_err(|_| StoreError::Corrupt(format!("schema version {v:?}")))?,
            )
        } else {
            None
        };
        Ok(PgProbe {
            server_version: row.try_get(0)?,
            user: row.try_get(1)?,
            database: row.try_get(2)?,
            superuser: row.try_get::<_, Option<bool>>(3)?.unwrap_or(false),
            schema_version,
            supported: u32::try_from(PG_MIGRATIONS.len()).unwrap_or(u32::MAX),
        })
    }
}
