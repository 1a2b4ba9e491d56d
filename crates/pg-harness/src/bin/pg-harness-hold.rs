//! Starts a cluster, prints `CLUSTER <dir> <postmaster pid>` and holds it until stdin closes.
//! The harness's own test kills this process to show its server does not outlive it; also handy
//! for poking at a throwaway cluster by hand (`psql` with the printed socket directory).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cluster = pg_harness::Cluster::start()?;
    let pid = std::fs::read_to_string(cluster.dir().join("data/postmaster.pid"))?;
    println!(
        "CLUSTER {} {}",
        cluster.dir().display(),
        pid.lines().next().unwrap_or_default()
    );
    eprintln!("url: {}", cluster.url());
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    Ok(())
}
