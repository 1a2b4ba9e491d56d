//! The instance URL rule: https unless loopback, no credentials in the URL, normalised to a base
//! that ends with `/` so `base.join("api/now/table/incident")` keeps any path prefix.

use std::net::IpAddr;

use url::{Host, Url};

use super::error::{ConfigError, Result};

/// Validates and normalises an instance URL given for `instance`.
pub fn normalise(instance: &str, raw: &str) -> Result<Url> {
    let raw = raw.trim();
    let invalid = |value: &str, reason: &str, suggestion: Option<String>| ConfigError::InvalidUrl {
        instance: instance.to_owned(),
        value: value.to_owned(),
        reason: reason.to_owned(),
        suggestion,
    };
    if raw.is_empty() {
        return Err(ConfigError::MissingUrl {
            instance: instance.to_owned(),
        });
    }
    if !raw.contains("://") {
        // `acme`, `acme.service-now.com`, `acme.service-now.com/`: a bare instance name or host.
        let host = raw.trim_end_matches('/');
        let looks_like_host = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == ':');
        let suggestion = looks_like_host.then(|| {
            if host.contains('.') || host.contains(':') {
                format!("https://{host}")
            } else {
                format!("https://{host}.service-now.com")
            }
        });
        return Err(invalid(
            raw,
            "it has no scheme (an instance URL looks like https://<name>.service-now.com)",
            suggestion,
        ));
    }
    let mut url = match Url::parse(raw) {
        Ok(u) => u,
        Err(e) => return Err(invalid(&strip_userinfo_text(raw), &e.to_string(), None)),
    };
    if !url.username().is_empty() || url.password().is_some() {
        // Do not echo the URL: the userinfo may be a password.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        return Err(invalid(
            url.as_str(),
            "credentials in the URL are not allowed; use username and password_command / password_env",
            Some(url.as_str().to_owned()),
        ));
    }
    let host = match url.host() {
        Some(h) => h.to_owned(),
        None => return Err(invalid(raw, "it has no host", None)),
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            let mut fixed = url.clone();
            let _ = fixed.set_scheme("https");
            return Err(invalid(
                raw,
                "https is required except for loopback addresses (127.0.0.0/8, ::1, localhost)",
                Some(trimmed(&fixed)),
            ));
        }
        other => {
            return Err(invalid(
                raw,
                &format!("unsupported scheme `{other}`; use https"),
                None,
            ));
        }
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{path}/"));
    Ok(url)
}

/// The base URL as users write it: no trailing slash.
pub fn display(url: &Url) -> String {
    trimmed(url)
}

fn trimmed(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

fn is_loopback(host: &Host<String>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// Best-effort removal of `user:pass@` from a string that did not parse as a URL.
fn strip_userinfo_text(raw: &str) -> String {
    match raw.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
                None => raw.to_owned(),
            }
        }
        None => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn ok(raw: &str) -> String {
        normalise("p", raw).unwrap().as_str().to_owned()
    }

    fn err(raw: &str) -> String {
        normalise("p", raw).unwrap_err().to_string()
    }

    #[test]
    fn https_normalised() {
        assert_eq!(
            ok("https://acme.service-now.com"),
            "https://acme.service-now.com/"
        );
        assert_eq!(
            ok("https://ACME.service-now.com///"),
            "https://acme.service-now.com/"
        );
        assert_eq!(
            ok(" https://acme.service-now.com/now/?x=1#f "),
            "https://acme.service-now.com/now/"
        );
        assert_eq!(ok("https://proxy.corp/sn"), "https://proxy.corp/sn/");
        assert_eq!(
            display(&normalise("p", "https://a.b/").unwrap()),
            "https://a.b"
        );
    }

    #[test]
    fn http_only_on_loopback() {
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert_eq!(ok("http://127.3.4.5:1/"), "http://127.3.4.5:1/");
        assert_eq!(ok("http://[::1]:9000"), "http://[::1]:9000/");
        assert_eq!(ok("http://localhost:9000/"), "http://localhost:9000/");
        let e = err("http://acme.service-now.com");
        assert!(e.contains("https is required"), "{e}");
        assert!(
            e.contains("did you mean https://acme.service-now.com?"),
            "{e}"
        );
        assert!(err("http://10.0.0.1").contains("https is required"));
        assert!(err("http://128.0.0.1").contains("https is required"));
        assert!(err("ftp://acme.service-now.com").contains("unsupported scheme"));
    }

    #[test]
    fn bare_names_get_suggestions() {
        assert!(err("acme").contains("did you mean https://acme.service-now.com?"));
        assert!(err("acme.service-now.com").contains("did you mean https://acme.service-now.com?"));
        assert!(
            err("acme.service-now.com/").contains("did you mean https://acme.service-now.com?")
        );
        assert!(matches!(
            normalise("p", "  "),
            Err(ConfigError::MissingUrl { .. })
        ));
    }

    #[test]
    fn userinfo_rejected_without_echoing_it() {
        let e = normalise("p", "https://bob:hunter2@acme.service-now.com").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(!format!("{e:?}").contains("hunter2"));
        assert!(e.to_string().contains("credentials in the URL"));
        let e = normalise("p", "https://bob:hunter2@exa mple/").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}
