//! Shared state behind every handler. Locks are never held across an await.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::auth::Tokens;
use crate::faults::Faults;
use crate::reqlog::RequestLog;
use crate::store::Store;

pub struct AppState {
    pub store: Mutex<Store>,
    pub tokens: Mutex<Tokens>,
    pub faults: Mutex<Faults>,
    pub log: Mutex<RequestLog>,
    pub token_lifetime: Duration,
}

/// A panicked handler must not wedge the emulator: poisoned locks are reused.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl AppState {
    pub fn new(store: Store, token_lifetime: Duration) -> Self {
        AppState {
            store: Mutex::new(store),
            tokens: Mutex::new(Tokens::default()),
            faults: Mutex::new(Faults::default()),
            log: Mutex::new(RequestLog::default()),
            token_lifetime,
        }
    }
}
