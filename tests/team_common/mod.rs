//! Team mode set-up shared by the tests: a throwaway PostgreSQL cluster and configs that put
//! several engineers' machines on one database (docs/store.md §Engines).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::TestEnv;

/// A cluster with an empty database `db` (the harness is blocking: started off the runtime).
pub async fn cluster_with(db: &'static str) -> pg_harness::Cluster {
    tokio::task::spawn_blocking(move || {
        let cluster = pg_harness::Cluster::start().expect("PostgreSQL for the team store tests");
        cluster.fresh_database(db).unwrap();
        cluster
    })
    .await
    .unwrap()
}

/// Points `env` at ServiceNow `url` and at the shared database `db` as engineer `user` (the
/// database password comes from a file through `password_command`, as a team would set it).
pub fn team_config(env: &TestEnv, url: &str, cluster: &pg_harness::Cluster, db: &str, user: &str) {
    let secret = env.dir.path().join("pg-password");
    std::fs::write(&secret, cluster.password()).unwrap();
    let store = format!(
        "\n[store]\nurl = \"{}\"\npassword_command = \"cat '{}'\"\n",
        cluster.url_without_password(db),
        secret.display()
    );
    crate::sync_common::write_config_url(env, url, "itil", "itil", &store);
    // The engineer's own name, not the service account, goes into every change they make.
    let path = env.config_path();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("user = \"Test Engineer\"", &format!("user = \"{user}\"")),
    )
    .unwrap();
}
