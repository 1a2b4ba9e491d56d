//! Reads a response body chunk by chunk under a byte cap, so a 500 MB or endless answer fails
//! after at most `limit` bytes instead of exhausting memory (`docs/servicenow-client.md`).
//!
//! The time bound is reqwest's total `timeout`: its deadline starts when the request is sent and
//! also covers every body chunk, so a server dripping one byte a second still ends at the
//! deadline (tested in `tests/hostile.rs`).

use std::time::Duration;

use crate::classify::Ctx;
use crate::error::Error;
use crate::transport_error;

/// The whole body, or `Error::ResponseTooLarge` as soon as it would exceed `limit` bytes.
pub(crate) async fn read_capped(
    mut resp: reqwest::Response,
    ctx: &Ctx<'_>,
    limit: usize,
    timeout: Duration,
) -> Result<Vec<u8>, Error> {
    let status = resp.status().as_u16();
    let too_large = || Error::ResponseTooLarge {
        url: ctx.url.to_string(),
        status,
        write: ctx.write,
        limit,
    };
    // A declared length over the cap fails before a single body byte is read.
    let declared = resp.content_length();
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let start = declared.map_or(8 * 1024, |n| n as usize).min(limit);
    let mut body = Vec::with_capacity(start);
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| transport_error::transport(&e, ctx, timeout))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
