//! Classifies transport failures (reqwest errors) into `Error::Timeout` / `Error::Connect`,
//! deciding whether the request may have reached the server.

use std::error::Error as StdError;
use std::time::Duration;

use crate::classify::Ctx;
use crate::error::{ConnectKind, Error};
use crate::error_display::one_line;

/// Maps a transport failure. `sent` is decided from the phase: connect-phase errors mean the
/// request never left; anything later may have reached the server.
pub(crate) fn transport(err: &reqwest::Error, ctx: &Ctx, timeout: Duration) -> Error {
    let url = ctx.url.to_string();
    let connecting = err.is_connect();
    if err.is_timeout() {
        return Error::Timeout {
            url,
            after: timeout,
            sent: !connecting,
            write: ctx.write,
        };
    }
    if head_too_large(err) {
        return Error::HeadersTooLarge {
            url,
            write: ctx.write,
        };
    }
    let (kind, cause) = classify_chain(err);
    let kind = match kind {
        ConnectKind::Other if !connecting && (err.is_body() || err.is_decode()) => {
            ConnectKind::Reset
        }
        k => k,
    };
    Error::Connect {
        kind,
        url,
        sent: !connecting,
        write: ctx.write,
        cause,
    }
}

/// hyper refuses a response head over 100 headers or its ~400 KiB buffer with this text (its
/// `Parse::TooLarge`; the typed check needs hyper's server feature, which the client lacks).
fn head_too_large(err: &(dyn StdError + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.to_string().contains("message head is too large") {
            return true;
        }
        cur = e.source();
    }
    false
}

/// Plain text where a TLS record was expected: `HTTP/1.1 400` starts with `H`, which is no TLS
/// content type, so rustls stops at the first byte. Any other rustls failure is a TLS problem.
fn rustls_kind(e: &rustls::Error) -> ConnectKind {
    use rustls::InvalidMessage as M;
    match e {
        rustls::Error::InvalidMessage(M::InvalidContentType | M::UnknownProtocolVersion) => {
            ConnectKind::NotTls
        }
        _ => ConnectKind::Tls,
    }
}

/// Walks the source chain for the most specific cause. Returns the kind and the innermost text.
pub(crate) fn classify_chain(err: &(dyn StdError + 'static)) -> (ConnectKind, String) {
    let mut kind = ConnectKind::Other;
    let mut cause = err.to_string();
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        let lower = text.to_ascii_lowercase();
        cause = text;
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            kind = rustls_kind(tls);
        } else if let Some(io) = e.downcast_ref::<std::io::Error>() {
            kind = io_kind(io, kind);
        } else if lower.starts_with("dns error") || lower.contains("failed to lookup address") {
            kind = ConnectKind::Dns;
        } else if kind == ConnectKind::Other
            && (lower.contains("connection closed before message completed")
                || lower.contains("connection reset"))
        {
            kind = ConnectKind::Reset;
        } else if kind == ConnectKind::Other && lower.contains("invalid peer certificate") {
            kind = ConnectKind::Tls;
        }
        cur = e.source();
    }
    (kind, one_line(&cause))
}

/// `io::Error::source()` skips the error it wraps, and connectors nest io errors
/// (`Other(InvalidData(rustls::Error))`), so drill through `get_ref` explicitly.
fn io_kind(io: &std::io::Error, current: ConnectKind) -> ConnectKind {
    use std::io::ErrorKind as K;
    let mut kind = current;
    let mut cur = Some(io);
    while let Some(e) = cur {
        match e.kind() {
            K::ConnectionRefused => kind = ConnectKind::Refused,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof
                if !matches!(kind, ConnectKind::Tls | ConnectKind::NotTls) =>
            {
                kind = ConnectKind::Reset
            }
            _ => {}
        }
        let inner = e.get_ref();
        if let Some(tls) = inner.and_then(|i| i.downcast_ref::<rustls::Error>()) {
            return rustls_kind(tls);
        }
        cur = inner.and_then(|i| i.downcast_ref::<std::io::Error>());
    }
    kind
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// hyper-util's shape for a failed lookup: "dns error" wrapping the resolver's io::Error.
    #[derive(Debug)]
    struct Wrap(&'static str, std::io::Error);
    impl std::fmt::Display for Wrap {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl StdError for Wrap {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.1)
        }
    }

    #[test]
    fn chain_classification() {
        let dns = Wrap(
            "dns error",
            std::io::Error::other(
                "failed to lookup address information: Name or service not known",
            ),
        );
        let (k, cause) = classify_chain(&dns);
        assert_eq!(k, ConnectKind::Dns);
        assert!(cause.contains("failed to lookup address"), "{cause}");
        let refused = Wrap(
            "tcp connect error",
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        );
        assert_eq!(classify_chain(&refused).0, ConnectKind::Refused);
        let tls = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        ));
        assert_eq!(classify_chain(&tls).0, ConnectKind::Tls);
        let plain = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
        ));
        assert_eq!(classify_chain(&plain).0, ConnectKind::NotTls);
        let reset = Wrap(
            "connection error",
            std::io::Error::from(std::io::ErrorKind::ConnectionReset),
        );
        assert_eq!(classify_chain(&reset).0, ConnectKind::Reset);
        let other = std::io::Error::other("weird");
        assert_eq!(classify_chain(&other).0, ConnectKind::Other);
    }
}
