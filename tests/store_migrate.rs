//! `snowlink store migrate --to postgres://…` through the real binary (issue 14 point 6,
//! docs/postgres.md §Moving a SQLite store up): a single engineer's SQLite store — links,
//! history, comments, delivered and still-queued work notes, audit — lands in an empty
//! PostgreSQL database without loss; the queue is delivered from there exactly once; the old
//! file is set aside; and the command refuses a database that holds data and a store a worker
//! is delivering from.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;
mod team_common;

use std::time::Duration;

use common::{TestEnv, exit_code, stderr};
use serde_json::Value;
use team_common::{cluster_with, team_config};

/// `store migrate` with the cluster's password through `--password-command`.
async fn migrate(env: &TestEnv, cluster: &pg_harness::Cluster, db: &str) -> (i32, Value, String) {
    let secret = env.dir.path().join("migrate-password");
    std::fs::write(&secret, cluster.password()).unwrap();
    let to = cluster.url_without_password(db);
    let command = format!("cat '{}'", secret.display());
    let (out, v) = env
        .json(&[
            "store",
            "migrate",
            "--to",
            &to,
            "--password-command",
            &command,
        ])
        .await;
    (exit_code(&out), v, stderr(&out))
}

/// What a user sees of the store: every table as `export --json` prints it (minus the export's
/// own time), the links, the outbox with delivered rows, the audit, one anomaly in full.
async fn views(env: &TestEnv) -> Vec<Value> {
    let mut seen = Vec::new();
    for args in [
        &["export"][..],
        &["links"],
        &["outbox", "list", "--all"],
        &["audit"],
        &["show", "A-1001"],
    ] {
        let (out, mut v) = env.json(args).await;
        assert_eq!(exit_code(&out), 0, "{args:?}: {}", stderr(&out));
        // What depends on the clock, not on the data: the export's time, and which pending
        // rows are due yet (`counts.waiting`; every row's `next_attempt_at` is compared).
        if let Some(obj) = v.as_object_mut() {
            obj.remove("exported_at");
            obj.remove("counts");
        }
        seen.push(v);
    }
    seen
}

fn count(notes: &[String], text: &str) -> usize {
    notes.iter().filter(|n| n.contains(text)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_store_moves_into_postgres_whole_and_delivers_its_queue_once() {
    let cluster = cluster_with("team").await;
    let env = TestEnv::start().await;

    // A single engineer's history on SQLite: a link, a status change and a comment delivered,
    // a created incident; then, while ServiceNow is out of reach, a comment and an archive that
    // are still queued when the move happens.
    for args in [
        &["ticket", "link", "A-1001", "INC0000004"][..],
        &["ack", "A-1001"],
        &["comment", "A-1001", "delivered before the move"],
        &["ticket", "create", "A-1003"],
        &["sync", "--once"],
    ] {
        let out = env.run(args).await;
        assert_eq!(exit_code(&out), 0, "{args:?}: {}", stderr(&out));
    }
    env.point_config_at(&format!("http://127.0.0.1:{}", common::free_port()));
    for args in [
        &["comment", "A-1001", "queued before the move"][..],
        &["archive", "A-1003", "--reason", "duplicate"],
    ] {
        let out = env.run(args).await;
        assert!(
            [0, 6].contains(&exit_code(&out)),
            "{args:?}: queued for later: {}",
            stderr(&out)
        );
    }
    let (_, outbox) = env.json(&["outbox"]).await;
    let queued = outbox["counts"]["pending"].as_u64().unwrap();
    assert!(queued >= 2, "work is still queued at the move: {outbox}");
    let before = views(&env).await;

    let (code, report, err) = migrate(&env, &cluster, "team").await;
    assert_eq!(code, 0, "{report}\n{err}");
    assert_eq!(report["pending"].as_u64(), Some(queued), "{report}");
    assert_eq!(report["tables"]["links"], 2, "{report}");
    assert!(report["tables"]["audit"].as_u64().unwrap() >= 2, "{report}");
    // Every table moves, the sources' and rules' watermarks with the rest.
    for table in [
        "source_state",
        "rule_watermark",
        "change_watermarks",
        "status_history",
    ] {
        assert!(report["tables"].get(table).is_some(), "{table}: {report}");
    }
    assert!(
        report["tables"]["source_state"].as_u64() >= Some(1),
        "{report}"
    );
    assert_eq!(report["tables"]["rule_watermark"], 1, "{report}");
    let old = env.data_dir().join("snowlink.db");
    assert!(!old.exists(), "the old file is set aside");
    assert!(env.data_dir().join("snowlink.db.migrated").is_file());

    // Until the config names the database, commands say where the store went instead of
    // starting a new, empty file.
    let out = env.run(&["links"]).await;
    assert_eq!(exit_code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("set [store] url"), "{}", stderr(&out));
    assert!(!old.exists());

    // The same engineer, now on the PostgreSQL store: everything reads back the same.
    team_config(&env, &env.url, &cluster, "team", "Test Engineer");
    let after = views(&env).await;
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "a view differs after the move");
    }
    assert!(!old.exists(), "team mode writes no SQLite file");

    // The queue is delivered from PostgreSQL once, after what was delivered before; new work
    // gets ids after the copied ones (the identity sequences were moved on).
    let out = env.run(&["comment", "A-1001", "after the move"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let (out, sync) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{sync}\n{}", stderr(&out));
    let (_, again) = env.json(&["sync", "--once"]).await;
    let incident = env.incident("INC0000004").await;
    let notes = env.work_notes(incident["sys_id"].as_str().unwrap()).await;
    assert_eq!(count(&notes, "delivered before the move"), 1, "{notes:#?}");
    assert_eq!(count(&notes, "queued before the move"), 1, "{notes:#?}");
    assert_eq!(count(&notes, "after the move"), 1, "{notes:#?}");
    let order: Vec<usize> = ["delivered before", "queued before", "after the move"]
        .iter()
        .map(|t| notes.iter().position(|n| n.contains(t)).unwrap())
        .collect();
    assert!(
        order[0] < order[1] && order[1] < order[2],
        "in queue order: {notes:#?}"
    );
    let (_, outbox) = env.json(&["outbox"]).await;
    assert_eq!(outbox["counts"]["pending"], 0, "{outbox}\n{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_refuses_a_database_with_data_and_a_store_a_worker_delivers_from() {
    let cluster = cluster_with("taken").await;
    tokio::task::block_in_place(|| cluster.fresh_database("empty").unwrap());

    // The database already holds a team's store: refused, the SQLite file untouched.
    let team = TestEnv::start().await;
    team_config(&team, &team.url, &cluster, "taken", "Ann Oncall");
    let out = team.run(&["ticket", "link", "A-1001", "INC0000004"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let solo = TestEnv::start().await;
    for args in [
        &["ticket", "create", "A-1002"][..],
        &["comment", "A-1002", "mine"],
    ] {
        let out = solo.run(args).await;
        assert_eq!(exit_code(&out), 0, "{args:?}: {}", stderr(&out));
    }
    let (code, v, err) = migrate(&solo, &cluster, "taken").await;
    assert_ne!(code, 0, "{v}");
    assert!(err.contains("already holds data"), "{err}");
    assert!(solo.data_dir().join("snowlink.db").is_file());
    let (_, links) = team.json(&["links"]).await;
    assert_eq!(links["links"].as_array().unwrap().len(), 1, "{links}");

    // A `sync --watch` runs on the file: refused while it lives, and the target stays empty.
    let mut watcher = solo
        .command(&["sync", "--watch"])
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let workers = solo.data_dir().join("workers");
    let started = std::time::Instant::now();
    while std::fs::read_dir(&workers).map_or(true, |mut d| d.next().is_none()) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "sync --watch never took its liveness lock"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (code, v, err) = migrate(&solo, &cluster, "empty").await;
    assert_ne!(code, 0, "{v}");
    assert!(err.contains("sync worker or dashboard"), "{err}");
    assert!(solo.data_dir().join("snowlink.db").is_file());
    watcher.kill().await.unwrap();
    let _ = watcher.wait().await;

    // With the worker gone, the same command goes through.
    let (code, v, err) = migrate(&solo, &cluster, "empty").await;
    assert_eq!(code, 0, "{v}\n{err}");
    assert_eq!(v["tables"]["comments"], 1, "{v}");
    assert!(v["tables"]["outbox"].as_u64() >= Some(2), "{v}");
}
