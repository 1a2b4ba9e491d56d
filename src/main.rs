//! snowlink's entry point: parse the command line, install error and panic reporting, dispatch.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use snowlink::cli::{self, Cli, Exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // color-eyre reports panics with their location; the dashboard adds its own hook on top that
    // restores the terminal first.
    let _ = color_eyre::install();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "snowlink: cannot start the async runtime: {e}"
            );
            return ExitCode::from(Exit::Error.code());
        }
    };
    let json = cli.json;
    match runtime.block_on(cli::run(cli)) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) => {
            if json {
                let envelope = serde_json::json!({"error": {"kind": e.exit.name(), "message": e.message, "exit_code": e.exit.code()}});
                // Not `println!`: with stdout closed by its reader that would panic. The process is
                // ending with the error's own exit code either way, so a failed write changes nothing.
                let _ = writeln!(std::io::stdout(), "{envelope}");
            }
            let _ = writeln!(std::io::stderr(), "snowlink: {e}");
            ExitCode::from(e.exit.code())
        }
    }
}
