//! The harness against the real server: the role it makes has least privilege, data survives a
//! restart, dropping the cluster stops the server and removes its files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pg_harness::{Cluster, Options};
use postgres::{Client, NoTls};

fn connect(url: &str) -> Client {
    Client::connect(url, NoTls).unwrap_or_else(|e| panic!("connect {url}: {e}"))
}

fn sqlstate(e: &postgres::Error) -> String {
    e.code().map(|c| c.code().to_owned()).unwrap_or_default()
}

#[test]
fn the_role_owns_its_database_and_has_no_other_privilege() {
    let cluster = Cluster::start().unwrap();
    let mut c = connect(&cluster.url());
    c.batch_execute(
        "CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a')",
    )
    .unwrap();
    let v: String = c.query_one("SELECT v FROM t", &[]).unwrap().get(0);
    assert_eq!(v, "a");

    let row = c
        .query_one(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, current_user::text FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .unwrap();
    assert_eq!(
        (
            row.get::<_, bool>(0),
            row.get::<_, bool>(1),
            row.get::<_, bool>(2)
        ),
        (false, false, false)
    );
    assert_eq!(row.get::<_, String>(3), pg_harness::ROLE);

    let e = c.batch_execute("CREATE ROLE intruder").unwrap_err();
    assert_eq!(sqlstate(&e), "42501", "insufficient_privilege: {e}");
    let e = c.batch_execute("CREATE DATABASE other").unwrap_err();
    assert_eq!(sqlstate(&e), "42501", "insufficient_privilege: {e}");

    // Only over the socket: nothing listens on TCP.
    assert_eq!(cluster.tcp_port(), None);
    assert!(cluster.tcp_url_without_password("x").is_none());
}

#[test]
fn a_wrong_password_is_refused() {
    let cluster = Cluster::start().unwrap();
    let url = cluster
        .url()
        .replace(cluster.password(), "not-the-password");
    let Err(e) = Client::connect(&url, NoTls) else {
        panic!("a wrong password connects");
    };
    assert_eq!(sqlstate(&e), "28P01", "invalid_password: {e}");
    // Without any password the server asks for one and the client has none to give.
    assert!(Client::connect(&cluster.url_without_password("snowlink"), NoTls).is_err());
}

#[test]
fn fresh_databases_are_separate_and_owned_by_the_role() {
    let cluster = Cluster::start().unwrap();
    let a = cluster.fresh_database("test_a").unwrap();
    let b = cluster.fresh_database("test_b").unwrap();
    connect(&a)
        .batch_execute("CREATE TABLE only_in_a (x BIGINT)")
        .unwrap();
    let n: i64 = connect(&b)
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_a'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
    let owner: String = connect(&b)
        .query_one(
            "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = current_database()",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(owner, pg_harness::ROLE);
    assert!(cluster.fresh_database("Bad-Name").is_err());
    assert!(cluster.fresh_database("test_a").is_err(), "exists already");
}

#[test]
fn a_restart_cuts_sessions_off_and_keeps_the_data() {
    let cluster = Cluster::start().unwrap();
    let mut c = connect(&cluster.url());
    c.batch_execute("CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('before')")
        .unwrap();
    cluster.restart().unwrap();
    assert!(
        c.query_one("SELECT 1", &[]).is_err(),
        "the old session is gone"
    );
    let mut c = connect(&cluster.url());
    let v: String = c.query_one("SELECT v FROM kept", &[]).unwrap().get(0);
    assert_eq!(v, "before");

    // Stopped: nothing answers; resumed: the same data again.
    cluster.stop().unwrap();
    assert!(Client::connect(&cluster.url(), NoTls).is_err());
    cluster.resume().unwrap();
    let n: i64 = connect(&cluster.url())
        .query_one("SELECT count(*) FROM kept", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}

#[test]
fn dropping_the_cluster_stops_the_server_and_removes_its_dir() {
    let cluster = Cluster::start().unwrap();
    let dir = cluster.dir().to_path_buf();
    let pid: i32 = std::fs::read_to_string(dir.join("data/postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let url = cluster.url();
    drop(cluster);
    assert!(!dir.exists(), "{} is removed", dir.display());
    // Drop waited for the server to exit.
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        state.is_empty() || state.contains(") Z "),
        "postgres {pid} still runs: {state}"
    );
    assert!(Client::connect(&url, NoTls).is_err());
}

#[test]
fn tcp_listens_on_loopback_only_with_a_password() {
    let cluster = Cluster::start_with(Options {
        tcp: true,
        ..Options::default()
    })
    .unwrap();
    let port = cluster.tcp_port().unwrap();
    let url = format!(
        "postgres://{}:{}@127.0.0.1:{port}/snowlink?sslmode=disable",
        pg_harness::ROLE,
        cluster.password()
    );
    let mut c = connect(&url);
    let addr: String = c
        .query_one("SELECT host(inet_server_addr())", &[])
        .unwrap()
        .get(0);
    assert_eq!(addr, "127.0.0.1");
    let listen: String = c.query_one("SHOW listen_addresses", &[]).unwrap().get(0);
    assert_eq!(listen, "127.0.0.1");
}

#[test]
fn a_killed_test_process_takes_its_server_along_and_its_dir_is_swept() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_pg-harness-hold"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let line = stdout
        .lines()
        .map(|l| l.unwrap())
        .find(|l| l.starts_with("CLUSTER "))
        .expect("the child reports its cluster");
    let mut parts = line.split_whitespace().skip(1);
    let dir = std::path::PathBuf::from(parts.next().unwrap());
    let server: u32 = parts.next().unwrap().parse().unwrap();
    assert!(dir.is_dir());
    child.kill().unwrap(); // SIGKILL: no Drop runs in the child
    child.wait().unwrap();

    // The parent-death signal stops the server (fast shutdown), bounded generously.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::path::Path::new(&format!("/proc/{server}")).exists() {
        let stat = std::fs::read_to_string(format!("/proc/{server}/stat")).unwrap_or_default();
        if stat.contains(") Z ") {
            break;
        }
        assert!(
            std::time::Instant::now() < until,
            "postgres {server} outlived its test process"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The next start removes what the killed process left.
    let _next = Cluster::start().unwrap();
    assert!(!dir.exists(), "{} was swept", dir.display());
}

/// The pattern for a test binary with many tests: one cluster in a static, one database each,
/// used from several threads at once.
#[test]
fn one_shared_cluster_serves_tests_on_several_threads() {
    static SHARED: std::sync::OnceLock<Cluster> = std::sync::OnceLock::new();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let cluster = SHARED.get_or_init(|| Cluster::start().unwrap());
                let url = cluster.fresh_database(&format!("shared_{i}")).unwrap();
                let mut c = connect(&url);
                c.batch_execute("CREATE TABLE mine (v BIGINT)").unwrap();
                c.execute("INSERT INTO mine VALUES ($1)", &[&i64::from(i)])
                    .unwrap();
                let v: i64 = c.query_one("SELECT v FROM mine", &[]).unwrap().get(0);
                assert_eq!(v, i64::from(i));
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
