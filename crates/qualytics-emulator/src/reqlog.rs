//! The request log served by `GET /__emulator/requests` (API calls only).

use std::collections::VecDeque;

use serde::Serialize;

/// Oldest entries are dropped beyond this many, so long runs stay bounded.
const CAPACITY: usize = 50_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    /// Raw query string, `""` when absent.
    pub query: String,
    /// The request body as text (writes), `""` when empty.
    pub body: String,
    pub status: u16,
    /// The caller's user id, when the token was accepted.
    pub user_id: Option<u64>,
    /// The injected fault that answered, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    pub time: String,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    entries: VecDeque<LoggedRequest>,
}

impl RequestLog {
    pub fn push(&mut self, entry: LoggedRequest) {
        if self.entries.len() >= CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub fn snapshot(&self) -> Vec<LoggedRequest> {
        self.entries.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
