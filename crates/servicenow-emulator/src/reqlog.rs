//! The request log served by `GET /__emulator/requests`.

use std::collections::VecDeque;
use std::sync::Mutex;

/// Oldest entries are dropped beyond this many, so long runs stay bounded.
const CAPACITY: usize = 100_000;

#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    /// Raw query string, `""` when absent.
    pub query: String,
    /// HTTP status; 0 when a fault dropped the connection.
    pub status: u16,
    /// user_name of the authenticated caller, `""` when none.
    pub user: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS.mmm`.
    pub time: String,
    /// The replacing fault that answered, or `edit-description` when that fault edited the
    /// record right after this GET was answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Mutex<VecDeque<LoggedRequest>>,
}

impl RequestLog {
    pub fn push(&self, entry: LoggedRequest) {
        let mut q = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if q.len() >= CAPACITY {
            q.pop_front();
        }
        q.push_back(entry);
    }

    pub fn snapshot(&self) -> Vec<LoggedRequest> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
