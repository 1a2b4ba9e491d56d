//! Runs the emulator in the foreground (the `snowlink emulator` command does the
//! same with more polish): `cargo run -p servicenow-emulator --example serve --
//! [--listen ADDR] [--latency-ms N] [--fault SPEC]... [--seed FILE]`.

use std::time::Duration;

use servicenow_emulator::{DEMO_ACCOUNTS, EmulatorConfig, start};

fn usage(msg: &str) -> ! {
    eprintln!(
        "{msg}\nusage: serve [--listen ADDR] [--latency-ms N] [--fault SPEC]... [--seed FILE]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut config = EmulatorConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--listen" => {
                config.listen = value()
                    .parse()
                    .unwrap_or_else(|e| usage(&format!("--listen: {e}")))
            }
            "--latency-ms" => {
                let ms = value()
                    .parse()
                    .unwrap_or_else(|e| usage(&format!("--latency-ms: {e}")));
                config.latency = Duration::from_millis(ms);
            }
            "--fault" => config.faults.push(
                value()
                    .parse()
                    .unwrap_or_else(|e| usage(&format!("--fault: {e}"))),
            ),
            "--seed" => config.seed = Some(value().into()),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let emu = match start(config).await {
        Ok(e) => e,
        Err(e) => usage(&e.to_string()),
    };
    println!("{}", emu.base_url());
    for a in DEMO_ACCOUNTS {
        println!("  {} / {}  roles: {:?}", a.user_name, a.password, a.roles);
    }
    let _ = tokio::signal::ctrl_c().await;
    emu.shutdown().await;
}
