//! The client against tiny local servers on 127.0.0.1: what it sends (auth headers, query) and
//! how it handles answers no real Alertmanager gives (oversized, malformed, slow, redirects).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::SecretString;

use super::*;

const ONE_ALERT: &str = r#"[{"annotations":{},"endsAt":"2026-12-01T09:42:03.969Z","fingerprint":"f1","receivers":[{"name":"null"}],"startsAt":"2026-12-01T09:37:03.969Z","status":{"inhibitedBy":[],"silencedBy":[],"state":"active"},"updatedAt":"2026-12-01T09:37:03.969Z","labels":{"alertname":"A"}}]"#;

/// What the server saw of one request.
struct Request {
    authorization: Option<String>,
    query: Option<String>,
}

/// Every request the server saw, in order.
#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<Request>>>);

/// A local server that stops when dropped.
struct Server {
    base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(app: Router) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Server { base, task }
}

/// Answers every `/api/v2/alerts` with `answer`, recording what it was sent.
async fn recording(seen: Seen, answer: &'static str) -> Server {
    let app = Router::new().route(
        "/api/v2/alerts",
        get(move |headers: HeaderMap, uri: Uri| {
            let seen = seen.clone();
            async move {
                let auth = headers
                    .get(header::AUTHORIZATION)
                    .map(|v| v.to_str().unwrap().to_owned());
                seen.0.lock().unwrap().push(Request {
                    authorization: auth,
                    query: uri.query().map(str::to_owned),
                });
                ([(header::CONTENT_TYPE, "application/json")], answer)
            }
        }),
    );
    serve(app).await
}

fn client(base: &str, tweak: impl FnOnce(&mut AlertmanagerConfig)) -> AlertmanagerClient {
    let mut cfg = AlertmanagerConfig::new(base);
    tweak(&mut cfg);
    AlertmanagerClient::new(cfg).unwrap()
}

#[tokio::test]
async fn auth_headers_are_sent_as_configured() {
    let seen = Seen::default();
    let server = recording(seen.clone(), ONE_ALERT).await;
    let q = AlertQuery::default();
    client(&server.base, |_| {}).alerts(&q).await.unwrap();
    client(&server.base, |c| {
        c.auth = AlertmanagerAuth::Basic {
            username: "ann".into(),
            password: SecretString::from("s3cret"),
        }
    })
    .alerts(&q)
    .await
    .unwrap();
    client(&server.base, |c| {
        c.auth = AlertmanagerAuth::Bearer(SecretString::from("tok"))
    })
    .alerts(&q)
    .await
    .unwrap();
    let auths: Vec<_> = seen
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.authorization.clone())
        .collect();
    assert_eq!(
        auths,
        [
            None,
            // base64("ann:s3cret")
            Some("Basic YW5uOnMzY3JldA==".to_owned()),
            Some("Bearer tok".to_owned())
        ]
    );
}

#[tokio::test]
async fn filters_repeat_and_the_receiver_and_flags_are_sent() {
    let seen = Seen::default();
    let server = recording(seen.clone(), ONE_ALERT).await;
    let c = client(&server.base, |c| {
        c.filters = vec![r#"team="db""#.into(), r#"severity=~"crit.*""#.into()];
        c.receiver = Some("db-.*".into());
    });
    let q = AlertQuery {
        silenced: false,
        ..AlertQuery::default()
    };
    c.alerts(&q).await.unwrap();
    let query = seen.0.lock().unwrap()[0].query.clone().unwrap();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let want = [
        ("active", "true"),
        ("silenced", "false"),
        ("inhibited", "true"),
        ("unprocessed", "true"),
        ("filter", r#"team="db""#),
        ("filter", r#"severity=~"crit.*""#),
        ("receiver", "db-.*"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    assert_eq!(pairs, want);
}

#[tokio::test]
async fn a_body_over_the_cap_is_a_clear_error_declared_or_streamed() {
    let declared = Router::new().route("/api/v2/alerts", get(|| async { "x".repeat(4096) }));
    let streamed = Router::new().route(
        "/api/v2/alerts",
        get(|| async {
            // No Content-Length: the cap must hold while reading.
            let chunks =
                futures::stream::iter((0..64).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024])));
            Body::from_stream(chunks)
        }),
    );
    for app in [declared, streamed] {
        let server = serve(app).await;
        let c = client(&server.base, |c| c.max_response_bytes = 1024);
        let e = c.alerts(&AlertQuery::default()).await.unwrap_err();
        assert!(
            matches!(e, AlertmanagerError::TooLarge { limit: 1024, .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("raise max_response_bytes"), "{e}");
    }
}

#[tokio::test]
async fn a_malformed_answer_is_a_clear_error() {
    for body in [
        "<html>login</html>",
        r#"{"status":"success","data":[]}"#,
        r#"[{"labels":{"alertname":"A"}}]"#,
    ] {
        let server =
            serve(Router::new().route("/api/v2/alerts", get(move || async move { body }))).await;
        let e = client(&server.base, |_| {})
            .alerts(&AlertQuery::default())
            .await
            .unwrap_err();
        assert!(
            matches!(e, AlertmanagerError::Malformed { .. }),
            "{body}: {e:?}"
        );
        assert!(e.to_string().contains("not the API v2 shape"), "{e}");
    }
}

#[tokio::test]
async fn error_statuses_name_their_fix() {
    let app = Router::new()
        .route(
            "/api/v2/alerts",
            get(|| async { (StatusCode::UNAUTHORIZED, "Unauthorized") }),
        )
        .route(
            "/redirect/api/v2/alerts",
            get(|| async {
                Response::builder()
                    .status(StatusCode::FOUND)
                    .header(header::LOCATION, "/login")
                    .body(Body::empty())
                    .unwrap()
                    .into_response()
            }),
        )
        .route(
            "/broken/api/v2/alerts",
            get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "\"overloaded\"") }),
        );
    let server = serve(app).await;
    let q = AlertQuery::default();
    let e = client(&server.base, |_| {}).alerts(&q).await.unwrap_err();
    assert!(
        matches!(e, AlertmanagerError::Auth { status: 401, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("basic auth or bearer token"), "{e}");
    let e = client(&format!("{}/redirect", server.base), |_| {})
        .alerts(&q)
        .await
        .unwrap_err();
    assert!(
        matches!(e, AlertmanagerError::UnexpectedStatus { status: 302, .. }),
        "{e:?}"
    );
    let e = client(&format!("{}/broken", server.base), |_| {})
        .alerts(&q)
        .await
        .unwrap_err();
    assert!(
        e.is_transient() && e.to_string().contains("overloaded"),
        "{e}"
    );
    let e = client(&format!("{}/nowhere", server.base), |_| {})
        .alerts(&q)
        .await
        .unwrap_err();
    assert!(matches!(e, AlertmanagerError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("--web.route-prefix"), "{e}");
}

#[tokio::test]
async fn a_server_that_never_answers_ends_at_the_deadline() {
    let app = Router::new().route(
        "/api/v2/alerts",
        get(|| async {
            // Far past the client's deadline; the runtime drops it when the test ends.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            "[]"
        }),
    );
    let server = serve(app).await;
    let c = client(&server.base, |c| c.timeout = Duration::from_millis(200));
    let e = c.alerts(&AlertQuery::default()).await.unwrap_err();
    assert!(matches!(e, AlertmanagerError::Timeout { .. }), "{e:?}");
    assert!(e.is_transient());
}

#[tokio::test]
async fn a_dead_url_is_a_connect_error() {
    // Bind then drop a listener: the port is free and nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = client(&format!("http://127.0.0.1:{port}"), |_| {})
        .alerts(&AlertQuery::default())
        .await
        .unwrap_err();
    assert!(matches!(e, AlertmanagerError::Connect { .. }), "{e:?}");
    assert!(
        e.to_string().contains("that Alertmanager is running"),
        "{e}"
    );
}
