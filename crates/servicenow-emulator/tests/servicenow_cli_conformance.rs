//! Conformance against a real third-party ServiceNow client: the `servicenow`
//! binary of the servicenow-cli package. Located via `SERVICENOW_CLI_BIN`, else
//! `servicenow` on PATH. A missing binary fails the test, in CI or not (a skipped
//! test proves nothing); `scripts/test` installs it. Everything the CLI writes is
//! read back through the Table API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::emu;
use serde_json::Value;

fn locate() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SERVICENOW_CLI_BIN") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("servicenow"))
        .find(|p| p.is_file())
}

struct Cli {
    bin: PathBuf,
    base: String,
    home: PathBuf,
}

impl Cli {
    /// Runs `servicenow --instance URL --username admin -o json ARGS…`.
    async fn run(&self, args: &[&str]) -> Value {
        let out = tokio::process::Command::new(&self.bin)
            .args([
                "--instance",
                &self.base,
                "--username",
                "admin",
                "-o",
                "json",
            ])
            .args(args)
            .env("SERVICENOW_PASSWORD", "admin")
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .env("SERVICENOW_CACHE_DIR", self.home.join("cache"))
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .expect("servicenow runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "servicenow {args:?} failed ({}):\nstdout: {stdout}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("servicenow {args:?}: not JSON ({e}): {stdout}"))
    }
}

#[tokio::test]
async fn servicenow_cli_round_trips_through_the_emulator() {
    let Some(bin) = locate() else {
        panic!(
            "servicenow-cli is not installed: run `scripts/test`, which installs it and sets SERVICENOW_CLI_BIN, or set SERVICENOW_CLI_BIN / put `servicenow` (the servicenow-cli package) on PATH"
        );
    };
    let e = emu().await;
    let home = std::env::temp_dir().join(format!(
        "snowlink-sncli-{}-{}",
        std::process::id(),
        e.emu.local_addr().port()
    ));
    std::fs::create_dir_all(&home).unwrap();
    let cli = Cli {
        bin,
        base: e.base.clone(),
        home: home.clone(),
    };

    // doctor: identifies the user through `sys_id=javascript:gs.getUserID()`
    let doctor = cli.run(&["doctor"]).await;
    assert_eq!(doctor["ok"], true, "{doctor}");

    // list
    let list = cli.run(&["incidents", "list"]).await;
    let numbers: Vec<&str> = list["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap())
        .collect();
    assert!(
        numbers.contains(&"INC0000001") && numbers.contains(&"INC0000020"),
        "{list}"
    );

    // show
    let show = cli.run(&["incidents", "show", "INC0000004"]).await;
    assert_eq!(show["result"]["number"]["value"], "INC0000004", "{show}");
    assert_eq!(
        show["result"]["assignment_group"]["display_value"],
        "Network"
    );

    // create, then read it back through the Table API
    let created = cli
        .run(&[
            "incidents",
            "create",
            "--short-description",
            "Conformance create",
            "--description",
            "made by servicenow-cli",
            "--impact",
            "2",
            "--urgency",
            "2",
        ])
        .await;
    let number = created["result"]["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("INC001"), "{created}");
    let rec = e.incident(&number).await;
    assert_eq!(rec["short_description"], "Conformance create");
    assert_eq!(rec["description"], "made by servicenow-cli");
    assert_eq!(rec["priority"], "3");
    assert_eq!(rec["sys_created_by"], "admin");

    // note
    cli.run(&["incidents", "note", &number, "Conformance work note"])
        .await;
    let id = rec["sys_id"].as_str().unwrap();
    let dv = e
        .get(
            "admin",
            &format!(
                "/api/now/table/incident/{id}?sysparm_display_value=true&sysparm_fields=work_notes"
            ),
        )
        .await;
    let notes = dv.result()["work_notes"].as_str().unwrap();
    assert!(
        notes.contains(" - System Administrator (Work notes)\nConformance work note\n\n"),
        "{notes:?}"
    );

    // resolve
    cli.run(&[
        "incidents",
        "resolve",
        &number,
        "--code",
        "Solution provided",
        "--notes",
        "Fixed by conformance",
    ])
    .await;
    let rec = e.incident(&number).await;
    assert_eq!(rec["state"], "6");
    assert_eq!(rec["close_code"], "Solution provided");
    assert_eq!(rec["close_notes"], "Fixed by conformance");
    assert_eq!(rec["resolved_by"], "6816f79cc0a8016401c5a33be04be441");

    // choices
    let choices = cli.run(&["choices", "incident", "category"]).await;
    let values: Vec<&str> = choices["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        ["inquiry", "software", "hardware", "network", "database"],
        "{choices}"
    );

    // group lookup
    let group = cli.run(&["resolve", "group", "Service Desk"]).await;
    assert_eq!(
        group["result"]["sys_id"]["value"], "d625dccec0a8016700a222a0f7900d06",
        "{group}"
    );

    let _ = std::fs::remove_dir_all(&home);
}

#[tokio::test]
async fn servicenow_cli_lists_and_creates_problems_and_changes() {
    let Some(bin) = locate() else {
        panic!(
            "servicenow-cli is not installed: run `scripts/test`, which installs it and sets SERVICENOW_CLI_BIN, or set SERVICENOW_CLI_BIN / put `servicenow` (the servicenow-cli package) on PATH"
        );
    };
    let e = emu().await;
    let home = std::env::temp_dir().join(format!(
        "snowlink-sncli-tables-{}-{}",
        std::process::id(),
        e.emu.local_addr().port()
    ));
    std::fs::create_dir_all(&home).unwrap();
    let cli = Cli {
        bin,
        base: e.base.clone(),
        home: home.clone(),
    };
    for (table, seeded, prefix) in [
        ("problem", "PRB0000002", "PRB004"),
        ("change_request", "CHG0000002", "CHG003"),
    ] {
        let list = cli
            .run(&["tables", "list", table, "--fields", "number,state"])
            .await;
        let rows = list["result"]
            .as_array()
            .unwrap_or_else(|| panic!("{list}"));
        assert!(
            rows.iter().any(|r| r["number"] == seeded),
            "{table}: {list}"
        );
        let created = cli
            .run(&[
                "tables",
                "create",
                table,
                "--field",
                "short_description=Made by servicenow-cli",
                "--field",
                "work_notes=cli note",
            ])
            .await;
        let number = created["result"]["number"]
            .as_str()
            .unwrap_or_else(|| panic!("{created}"))
            .to_string();
        assert!(number.starts_with(prefix), "{table}: {created}");
        let id = created["result"]["sys_id"].as_str().unwrap().to_string();
        let back = e
            .get(
                "admin",
                &format!("/api/now/table/{table}/{id}?sysparm_display_value=true&sysparm_fields=number,short_description,work_notes"),
            )
            .await;
        assert_eq!(back.status, 200, "{}", back.text);
        assert_eq!(back.result()["number"], number.as_str());
        assert_eq!(back.result()["short_description"], "Made by servicenow-cli");
        let notes = back.result()["work_notes"].as_str().unwrap();
        assert!(notes.contains("(Work notes)\ncli note"), "{notes:?}");
    }
    let _ = std::fs::remove_dir_all(&home);
}
