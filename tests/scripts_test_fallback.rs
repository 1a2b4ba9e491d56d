//! `scripts/test` installs PyPI tools with `install_pip_tool`: into a venv when python3 has the
//! venv module, else with `pip install --target` behind a wrapper that sets PYTHONPATH. Both paths
//! are run here through `scripts/test --install-pip-tool`, offline: the package is a small
//! pure-Python wheel built by the test and served to pip from a local directory (PIP_NO_INDEX,
//! PIP_FIND_LINKS). A pure-Python command is the case that needs PYTHONPATH, so the fallback is
//! shown to work on "a python3 without the venv module": a wrapper python3 that refuses `-m venv`
//! and otherwise runs the real one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PACKAGE: &str = "snowlink-probe-cli";
const VERSION: &str = "1.0.0";
/// The command the package installs (the package name without "-cli", install_pip_tool's default).
const SCRIPT: &str = "snowlink-probe";
const GREETING: &str = "snowlink-probe ok";

/// The python3 the tests run on, as an absolute interpreter path.
fn real_python() -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap_or_else(|e| {
            panic!("python3 is required by this test and by scripts/test ({e}); install python3 and run `scripts/test`")
        });
    assert!(
        out.status.success(),
        "python3 does not run; install python3 and run `scripts/test`"
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Builds `snowlink_probe_cli-1.0.0-py3-none-any.whl` in `dir`: one module and a console script.
fn build_wheel(python: &str, dir: &Path) {
    let builder = r#"
import base64, hashlib, sys, zipfile
out = sys.argv[1]
dist = "snowlink_probe_cli-1.0.0.dist-info"
files = {
    "snowlink_probe/__init__.py":
        "import sys\n"
        "def main():\n"
        "    print('snowlink-probe ok' + (' (help)' if '--help' in sys.argv[1:] else ''))\n"
        "    return 0\n",
    dist + "/METADATA": "Metadata-Version: 2.1\nName: snowlink-probe-cli\nVersion: 1.0.0\n",
    dist + "/WHEEL": "Wheel-Version: 1.0\nGenerator: snowlink-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    dist + "/entry_points.txt": "[console_scripts]\nsnowlink-probe = snowlink_probe:main\n",
}
record = []
with zipfile.ZipFile(out + "/snowlink_probe_cli-1.0.0-py3-none-any.whl", "w") as whl:
    for name, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
        whl.writestr(name, data)
    record.append(dist + "/RECORD,,")
    whl.writestr(dist + "/RECORD", "\n".join(record) + "\n")
"#;
    let status = Command::new(python)
        .args(["-c", builder, dir.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success(), "the test wheel is built");
}

/// A python3 without the venv module (Debian without python3-venv): `-m venv` fails the way the
/// real one does and is recorded in `refusals`; everything else runs the real interpreter.
fn python_without_venv(dir: &Path, real: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("python3");
    let refusals = dir.join("refusals");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nif [ \"$1\" = -m ] && [ \"$2\" = venv ]; then\n  echo venv >> '{}'\n  echo 'python3: No module named venv' >&2\n  exit 1\nfi\nexec '{real}' \"$@\"\n",
            refusals.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// `scripts/test --install-pip-tool snowlink-probe-cli 1.0.0` with `python`, offline.
fn install(python: &Path, tools: &Path, wheels: &Path) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/test");
    Command::new("bash")
        .arg(script)
        .args(["--install-pip-tool", PACKAGE, VERSION])
        .env("SNOWLINK_TEST_PYTHON", python)
        .env("SNOWLINK_TEST_TOOLS", tools)
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", wheels)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_CACHE_DIR", "1")
        .env_remove("PYTHONPATH")
        .env_remove("VIRTUAL_ENV")
        .output()
        .expect("bash runs scripts/test")
}

fn run_help(command: &Path) -> Output {
    Command::new(command)
        .arg("--help")
        .env_remove("PYTHONPATH")
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", command.display()))
}

/// The path `--install-pip-tool` printed, checked to be the documented place.
fn installed_command(out: &Output, tools: &Path) -> PathBuf {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scripts/test fails: {stderr}");
    let printed = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert_eq!(
        printed,
        tools.join(format!("{PACKAGE}-{VERSION}/bin/{SCRIPT}")),
        "{stderr}"
    );
    printed
}

#[test]
fn without_the_venv_module_the_pip_target_install_runs_through_its_wrapper() {
    let real = real_python();
    let dir = tempfile::tempdir().unwrap();
    let wheels = dir.path().join("wheels");
    let fake = dir.path().join("fake-python");
    let tools = dir.path().join("tools");
    std::fs::create_dir_all(&wheels).unwrap();
    std::fs::create_dir_all(&fake).unwrap();
    build_wheel(&real, &wheels);
    let python = python_without_venv(&fake, &real);

    let out = install(&python, &tools, &wheels);
    let command = installed_command(&out, &tools);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("has no venv module"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(fake.join("refusals")).unwrap(),
        "venv\n",
        "scripts/test asked for a venv once and was refused"
    );
    assert!(!tools.join(format!("{PACKAGE}-{VERSION}/venv")).exists());

    let help = run_help(&command);
    assert!(
        help.status.success(),
        "{}",
        String::from_utf8_lossy(&help.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&help.stdout).trim(),
        format!("{GREETING} (help)")
    );

    // The control: the command pip wrote cannot import its package without PYTHONPATH, which
    // is what the wrapper is for.
    let raw = tools.join(format!("{PACKAGE}-{VERSION}/py/bin/{SCRIPT}"));
    let bare = run_help(&raw);
    assert!(
        !bare.status.success(),
        "without PYTHONPATH the import fails"
    );
    assert!(
        String::from_utf8_lossy(&bare.stderr).contains("snowlink_probe"),
        "{}",
        String::from_utf8_lossy(&bare.stderr)
    );

    // A second run finds the complete install and does not reinstall.
    let again = install(&python, &tools, &wheels);
    assert_eq!(installed_command(&again, &tools), command);
    assert!(!String::from_utf8_lossy(&again.stderr).contains("installing"));
}

#[test]
fn with_the_venv_module_the_tool_is_installed_in_a_venv() {
    let real = real_python();
    let dir = tempfile::tempdir().unwrap();
    let wheels = dir.path().join("wheels");
    let tools = dir.path().join("tools");
    std::fs::create_dir_all(&wheels).unwrap();
    build_wheel(&real, &wheels);

    let out = install(Path::new(&real), &tools, &wheels);
    let command = installed_command(&out, &tools);
    assert!(
        tools
            .join(format!("{PACKAGE}-{VERSION}/venv/bin/{SCRIPT}"))
            .is_file(),
        "installed in the venv: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let help = run_help(&command);
    assert!(
        help.status.success(),
        "{}",
        String::from_utf8_lossy(&help.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&help.stdout).trim(),
        format!("{GREETING} (help)")
    );
}
