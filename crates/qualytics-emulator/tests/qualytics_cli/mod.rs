//! Runs the real `qualytics` binary (qualytics-cli) with a temporary HOME,
//! for the conformance test. Located via `QUALYTICS_CLI_BIN`, else `qualytics`
//! on PATH; a missing binary fails the test and names scripts/test.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::PathBuf;

use serde_json::Value;

use crate::common::Emu;

fn locate() -> PathBuf {
    if let Some(p) = std::env::var_os("QUALYTICS_CLI_BIN") {
        return PathBuf::from(p);
    }
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join("qualytics"))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "qualytics-cli is not installed: run scripts/test (it installs the pinned qualytics-cli and sets QUALYTICS_CLI_BIN), or set QUALYTICS_CLI_BIN to a `qualytics` binary"
            )
        })
}

pub struct Out {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// The JSON document the CLI printed after its status lines.
    pub fn json(&self) -> Value {
        let start = self
            .stdout
            .find(['[', '{'])
            .unwrap_or_else(|| panic!("no JSON in: {}", self.stdout));
        serde_json::from_str(&self.stdout[start..])
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }

    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

pub struct Cli {
    pub bin: PathBuf,
    pub home: PathBuf,
}

impl Cli {
    pub fn new(tag: &str, port: u16) -> Cli {
        let home =
            std::env::temp_dir().join(format!("snowlink-qcli-{tag}-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        Cli {
            bin: locate(),
            home,
        }
    }

    /// `auth` = Some((url, token)) sets QUALYTICS_URL/QUALYTICS_TOKEN; None
    /// leaves the CLI to its config file under the temporary HOME.
    pub async fn run(&self, auth: Option<(&str, &str)>, args: &[&str]) -> Out {
        let mut cmd = tokio::process::Command::new(&self.bin);
        cmd.args(args)
            .env("HOME", &self.home)
            .env_remove("QUALYTICS_CONFIG_HOME")
            .env_remove("QUALYTICS_API_PATH")
            .env_remove("QUALYTICS_URL")
            .env_remove("QUALYTICS_TOKEN")
            .env("QUALYTICS_NO_BANNER", "1")
            // rich wraps output at the terminal width; JSON must stay on its lines.
            .env("COLUMNS", "100000")
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null());
        if let Some((url, token)) = auth {
            cmd.env("QUALYTICS_URL", url).env("QUALYTICS_TOKEN", token);
        }
        let out = cmd.output().await.expect("qualytics runs");
        Out {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub async fn ok(&self, auth: Option<(&str, &str)>, args: &[&str]) -> Out {
        let out = self.run(auth, args).await;
        assert!(out.ok, "qualytics {args:?} failed:\n{}", out.all());
        out
    }

    /// A command for the Python interpreter the CLI runs on (its script's
    /// shebang), able to import the CLI's package: a venv's interpreter can
    /// already; for scripts/test's `pip --target` layout (`DIR/bin/qualytics-cli`
    /// next to `DIR/qualytics/`) DIR goes on PYTHONPATH.
    pub fn python(&self) -> tokio::process::Command {
        let text =
            std::fs::read_to_string(&self.bin).expect("the qualytics entry point is a script");
        let first = text.lines().next().unwrap_or("");
        let interp = first
            .strip_prefix("#!")
            .unwrap_or_else(|| panic!("{} has no shebang: {first}", self.bin.display()));
        let mut cmd = tokio::process::Command::new(interp.trim());
        if let Some(dir) = self.bin.parent().and_then(|b| b.parent())
            && dir.join("qualytics").join("__init__.py").is_file()
        {
            cmd.env("PYTHONPATH", dir);
        }
        cmd
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

pub fn ids(list: &Value) -> Vec<u64> {
    let mut ids: Vec<u64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_u64().unwrap())
        .collect();
    ids.sort();
    ids
}

pub fn env_of(e: &Emu) -> (String, String) {
    (e.base.clone(), e.admin.clone())
}
