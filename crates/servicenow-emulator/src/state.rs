//! Shared state of one running emulator.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use crate::auth::session::SessionStore;
use crate::auth::tokens::TokenStore;
use crate::config::{EmulatorConfig, UnknownFieldPolicy};
use crate::faults::FaultSet;
use crate::reqlog::RequestLog;
use crate::store::Store;

/// Settings the control API can change at run time.
#[derive(Debug, Clone)]
pub struct Settings {
    pub latency: Duration,
    pub unknown_field_policy: UnknownFieldPolicy,
    pub oauth_application_user: String,
}

#[derive(Debug)]
pub struct AppState {
    store: RwLock<Store>,
    credentials: RwLock<HashMap<String, String>>,
    tokens: Mutex<TokenStore>,
    sessions: Mutex<SessionStore>,
    settings: RwLock<Settings>,
    pub faults: FaultSet,
    pub rate_limits: crate::rate_limit::RateLimits,
    pub log: RequestLog,
}

// A poisoned lock only means another request panicked mid-way; the data is
// plain values, so keep serving rather than failing every later request.
fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}
fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}
fn lock<T>(l: &Mutex<T>) -> MutexGuard<'_, T> {
    l.lock().unwrap_or_else(|e| e.into_inner())
}

impl AppState {
    pub fn new(
        config: &EmulatorConfig,
        store: Store,
        credentials: HashMap<String, String>,
    ) -> Self {
        let faults = FaultSet::default();
        for spec in &config.faults {
            faults.add(spec.clone());
        }
        AppState {
            store: RwLock::new(store),
            credentials: RwLock::new(credentials),
            tokens: Mutex::new(TokenStore::new(config.token_lifetime)),
            sessions: Mutex::new(SessionStore::default()),
            settings: RwLock::new(Settings {
                latency: config.latency,
                unknown_field_policy: config.unknown_field_policy,
                oauth_application_user: config.oauth_application_user.clone(),
            }),
            faults,
            rate_limits: crate::rate_limit::RateLimits::new(
                config.rate_limits.clone(),
                config.rate_limit_hour,
            ),
            log: RequestLog::default(),
        }
    }

    pub fn read_store(&self) -> RwLockReadGuard<'_, Store> {
        read(&self.store)
    }

    pub fn write_store(&self) -> RwLockWriteGuard<'_, Store> {
        write(&self.store)
    }

    pub fn tokens(&self) -> MutexGuard<'_, TokenStore> {
        lock(&self.tokens)
    }

    pub fn sessions(&self) -> MutexGuard<'_, SessionStore> {
        lock(&self.sessions)
    }

    pub fn settings(&self) -> Settings {
        read(&self.settings).clone()
    }

    pub fn update_settings(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut write(&self.settings));
    }

    pub fn credentials_match(&self, user: &str, password: &str) -> bool {
        read(&self.credentials)
            .get(user)
            .is_some_and(|p| p == password)
    }
}
