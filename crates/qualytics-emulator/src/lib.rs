//! A local Qualytics anomalies API for tests and `snowlink demo`: bearer JWTs
//! with roles, the `/api/anomalies` routes qualytics-cli uses (paging, filters,
//! status rules, archive reasons, bulk writes), comments, `openapi.json`,
//! simulated scans and fault injection. It shares no code with any client.
//! What is emulated and where it may deviate: docs/qualytics-emulator.md.

mod api;
mod auth;
mod clock;
mod comments;
mod config;
mod control;
mod error;
mod faults;
mod list;
mod model;
mod openapi;
mod reqlog;
mod routes;
mod scan;
mod seed;
mod state;
mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::Role;
pub use config::{EmulatorConfig, Seed};
pub use error::EmulatorError;
pub use faults::{ActiveFault, FaultKind, FaultSpec};
pub use list::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use model::{
    Anomaly, AnomalyType, Comment, FailedCheck, GlobalTag, QualityCheck, Ref, Status, User,
};
pub use openapi::OPERATIONS;
pub use reqlog::LoggedRequest;
pub use routes::MAX_BODY_BYTES;
pub use scan::{ScanReport, ScanSpec};
pub use seed::{ADMIN_USER_ID, EDITOR_USER_ID, NewAnomaly, SeedData, VIEWER_USER_ID, default_seed};

use state::{AppState, lock};
use store::Store;

/// A running emulator; dropping it stops the server too.
pub struct Emulator {
    addr: SocketAddr,
    state: Arc<AppState>,
    admin_token: String,
    editor_token: String,
    viewer_token: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

fn load_seed(seed: &Seed) -> Result<Store, EmulatorError> {
    let (data, path) = match seed {
        Seed::Demo => (default_seed(), None),
        Seed::Empty => (SeedData::default(), None),
        Seed::Data(d) => (d.clone(), None),
        Seed::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::SeedRead {
                path: path.clone(),
                source,
            })?;
            let data = serde_json::from_str(&text).map_err(|e| EmulatorError::SeedInvalid {
                path: Some(path.clone()),
                message: e.to_string(),
            })?;
            (data, Some(path.clone()))
        }
    };
    Store::from_seed(data).map_err(|e| EmulatorError::SeedInvalid {
        path,
        message: e.to_string(),
    })
}

impl Emulator {
    /// Seeds, binds `config.listen` (default 127.0.0.1:0) and serves until
    /// shut down. Returns the handle and the bound address.
    pub async fn start(config: EmulatorConfig) -> Result<(Emulator, SocketAddr), EmulatorError> {
        let store = load_seed(&config.seed)?;
        let state = Arc::new(AppState::new(store, config.token_lifetime));
        for f in &config.faults {
            lock(&state.faults).add(f.clone());
        }
        let issue = |user, role| lock(&state.tokens).issue(user, role, config.token_lifetime);
        let admin_token = issue(ADMIN_USER_ID, Role::Admin);
        let editor_token = issue(EDITOR_USER_ID, Role::Editor);
        let viewer_token = issue(VIEWER_USER_ID, Role::Viewer);
        let bind_err = |source| EmulatorError::Bind {
            addr: config.listen,
            source,
        };
        let listener = TcpListener::bind(config.listen).await.map_err(bind_err)?;
        let addr = listener.local_addr().map_err(bind_err)?;
        let app = routes::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!("qualytics emulator stopped: {e}");
            }
        });
        let emu = Emulator {
            addr,
            state,
            admin_token,
            editor_token,
            viewer_token,
            stop: Some(stop),
            task: Some(task),
        };
        Ok((emu, addr))
    }

    /// `http://127.0.0.1:PORT`: what qualytics-cli takes as `QUALYTICS_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/api`: the prefix of every API route.
    pub fn api_url(&self) -> String {
        format!("{}/api", self.base_url())
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A token of "Ana Admin" (user 1, role admin).
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// A token of "Ben Editor" (user 2, role editor: may write).
    pub fn editor_token(&self) -> &str {
        &self.editor_token
    }

    /// A token of "Val Viewer" (user 3, role viewer: writes get 403).
    pub fn viewer_token(&self) -> &str {
        &self.viewer_token
    }

    /// A new JWT-shaped token; `Duration::ZERO` gives one that is already
    /// expired (`exp` in the past), for expiry tests.
    pub fn issue_token(&self, user_id: u64, role: Role, lifetime: Duration) -> String {
        lock(&self.state.tokens).issue(user_id, role, lifetime)
    }

    /// Expires every token issued so far; answers how many.
    pub fn expire_tokens(&self) -> usize {
        lock(&self.state.tokens).expire_all()
    }

    pub fn add_anomaly(&self, new: NewAnomaly) -> Result<Anomaly, EmulatorError> {
        Ok(lock(&self.state.store).add(new)?)
    }

    pub fn anomaly(&self, id: u64) -> Option<Anomaly> {
        lock(&self.state.store).get(&id.to_string()).cloned()
    }

    /// Every anomaly, archived ones included, in id order.
    pub fn anomalies(&self) -> Vec<Anomaly> {
        lock(&self.state.store).all().cloned().collect()
    }

    pub fn comments(&self, anomaly_id: u64) -> Vec<Comment> {
        lock(&self.state.store).comments(Some(anomaly_id))
    }

    /// Applies a simulated scan, all or nothing.
    pub fn scan(&self, spec: ScanSpec) -> Result<ScanReport, EmulatorError> {
        Ok(scan::run(&mut lock(&self.state.store), spec)?)
    }

    /// A scan found archived anomaly `id` again: back to `Active`.
    pub fn reactivate(&self, id: u64) -> Result<Anomaly, EmulatorError> {
        Ok(lock(&self.state.store).reactivate(id)?)
    }

    /// A full scan passed open anomaly `id`'s checks: archived as `Resolved`.
    pub fn auto_resolve(&self, id: u64) -> Result<Anomaly, EmulatorError> {
        Ok(lock(&self.state.store).auto_resolve(id)?)
    }

    pub fn add_fault(&self, spec: FaultSpec) -> u64 {
        lock(&self.state.faults).add(spec)
    }

    pub fn faults(&self) -> Vec<ActiveFault> {
        lock(&self.state.faults).list()
    }

    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    /// The `/api` request log (control calls are not logged).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.state.log).snapshot()
    }

    pub fn clear_requests(&self) {
        lock(&self.state.log).clear();
    }

    /// Stops accepting, lets in-flight requests finish and waits for the server.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
