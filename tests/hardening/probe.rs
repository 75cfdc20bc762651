//! Peak memory of a child process. The test binary runs itself again as a small parent
//! (the `probe_runner` test, idle unless asked) that starts the command, waits for it and
//! reports `getrusage(RUSAGE_CHILDREN)`: the peak resident size of that one child alone,
//! not disturbed by the other tests' children.

use serde_json::{Value, json};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Output};
use std::time::Duration;

const PROBE_ENV: &str = "THREADMARK_TEST_PROBE";

/// Runs `command` to the end; its output and its peak resident memory in KiB.
pub fn peak_memory(command: &Command) -> (Output, u64) {
    let dir = tempfile::tempdir().unwrap();
    let spec = json!({
        "program": command.get_program().to_string_lossy(),
        "args": command.get_args().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>(),
        "env": command
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_string_lossy().into_owned(), v?.to_string_lossy().into_owned())))
            .collect::<Vec<_>>(),
        "out": dir.path().join("out"),
        "err": dir.path().join("err"),
    });
    let mut runner = Command::new(std::env::current_exe().unwrap());
    runner
        .args([
            "probe::probe_runner",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PROBE_ENV, spec.to_string());
    let report = crate::common::run_bounded(runner, Duration::from_secs(180));
    let said = String::from_utf8_lossy(&report.stdout).into_owned();
    let line = said
        .lines()
        .find_map(|l| l.split_once("PROBE ").map(|(_, report)| report))
        .unwrap_or_else(|| panic!("the probe did not report: {said}"));
    let result: Value = serde_json::from_str(line).unwrap();
    // Rebuilt from the code the runner saw; a death by signal shows as SIGKILL.
    let status = match result["code"].as_i64() {
        Some(code) => ExitStatus::from_raw(i32::try_from(code & 0xff).unwrap() << 8),
        None => ExitStatus::from_raw(9),
    };
    let output = Output {
        status,
        stdout: std::fs::read(dir.path().join("out")).unwrap_or_default(),
        stderr: std::fs::read(dir.path().join("err")).unwrap_or_default(),
    };
    (output, result["max_rss_kib"].as_u64().unwrap())
}

/// The parent side of [`peak_memory`]; does nothing in a normal test run.
#[test]
fn probe_runner() {
    let Ok(spec) = std::env::var(PROBE_ENV) else {
        return;
    };
    let spec: Value = serde_json::from_str(&spec).unwrap();
    let mut command = Command::new(spec["program"].as_str().unwrap());
    for arg in spec["args"].as_array().unwrap() {
        command.arg(arg.as_str().unwrap());
    }
    for pair in spec["env"].as_array().unwrap() {
        command.env(pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
    }
    let out = std::fs::File::create(PathBuf::from(spec["out"].as_str().unwrap())).unwrap();
    let err = std::fs::File::create(PathBuf::from(spec["err"].as_str().unwrap())).unwrap();
    let status = command
        .stdin(std::process::Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .unwrap();
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    println!(
        "PROBE {}",
        json!({ "code": status.code(), "max_rss_kib": usage.max_rss() })
    );
}
