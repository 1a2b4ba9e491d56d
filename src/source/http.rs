//! What the live sources' HTTP clients share: how the reqwest client is built. A source answers
//! within `timeout` (connect included) or not at all, and a redirect is never followed: it is an
//! SSO wall or a wrong URL, and following it could carry a token to another host.

use std::time::Duration;

pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .user_agent(format!("snowlink/{}", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}
