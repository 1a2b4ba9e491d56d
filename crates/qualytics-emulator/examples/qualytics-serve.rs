//! Runs the emulator in the foreground and prints its URL and tokens:
//! `cargo run -p qualytics-emulator --example qualytics-serve -- [--listen ADDR] [--seed FILE | --empty]`.
//! Then e.g. `QUALYTICS_URL=<url> QUALYTICS_TOKEN=<admin token> qualytics anomalies get --id 1`.

use qualytics_emulator::{Emulator, EmulatorConfig, Seed};

fn usage(msg: &str) -> ! {
    eprintln!("{msg}\nusage: serve [--listen ADDR] [--seed FILE | --empty]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut config = EmulatorConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => {
                let v = args.next().unwrap_or_else(|| usage("--listen needs ADDR"));
                config.listen = v
                    .parse()
                    .unwrap_or_else(|e| usage(&format!("--listen: {e}")));
            }
            "--seed" => {
                let v = args.next().unwrap_or_else(|| usage("--seed needs FILE"));
                config.seed = Seed::File(v.into());
            }
            "--empty" => config.seed = Seed::Empty,
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let (emu, _addr) = match Emulator::start(config).await {
        Ok(started) => started,
        Err(e) => usage(&e.to_string()),
    };
    println!("url:          {}", emu.base_url());
    println!("admin token:  {}", emu.admin_token());
    println!("editor token: {}", emu.editor_token());
    println!("viewer token: {}", emu.viewer_token());
    let _ = tokio::signal::ctrl_c().await;
    emu.shutdown().await;
}
