//! Listing alerts: `GET /api/v2/alerts`. Alertmanager has no paging, so one call returns every
//! alert that matches (bounded by the response cap); resolved alerts are never listed.

use reqwest::Method;

use super::error::AlertmanagerError;
use super::http::{AlertmanagerClient, Call};
use super::model::{Alert, parse_alerts};

/// Which alert states to list (Alertmanager's booleans, all `true` by default). The configured
/// `filter` matchers and `receiver` regex always apply on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertQuery {
    pub active: bool,
    pub silenced: bool,
    pub inhibited: bool,
    pub unprocessed: bool,
}

impl Default for AlertQuery {
    /// Everything that fires: a silenced alert is still a problem, just an acknowledged one.
    fn default() -> AlertQuery {
        AlertQuery {
            active: true,
            silenced: true,
            inhibited: true,
            unprocessed: true,
        }
    }
}

impl AlertmanagerClient {
    /// Every alert that fires and matches the configured filters and receiver, parsed strictly
    /// (a malformed answer is [`AlertmanagerError::Malformed`]).
    pub async fn alerts(&self, query: &AlertQuery) -> Result<Vec<Alert>, AlertmanagerError> {
        let mut params: Vec<(&'static str, String)> = vec![
            ("active", query.active.to_string()),
            ("silenced", query.silenced.to_string()),
            ("inhibited", query.inhibited.to_string()),
            ("unprocessed", query.unprocessed.to_string()),
        ];
        params.extend(self.filters.iter().map(|f| ("filter", f.clone())));
        if let Some(r) = &self.receiver {
            params.push(("receiver", r.clone()));
        }
        let path = "/api/v2/alerts".to_owned();
        let body = self
            .send::<()>(Call {
                method: Method::GET,
                path: path.clone(),
                query: params,
                body: None,
                what: "the alerts route (/api/v2/alerts)".into(),
                fix: "point url at Alertmanager 0.25 or later (API v2), including any --web.route-prefix path",
            })
            .await?;
        parse_alerts(&body).map_err(|cause| AlertmanagerError::Malformed {
            url: format!("{}{path}", self.base_url()),
            cause,
        })
    }
}
