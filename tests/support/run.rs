//! Running the real `threadmark` binary to the end: on a home folder's data dir and config
//! (`HOME/data`, `HOME/config.toml`) or on given ones, isolated from the caller's
//! environment, and bounded in time when a hang must fail the test.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `threadmark ARGS` on `home`'s data dir and config, with `env`, stdin empty.
pub fn threadmark(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(home, args, env).output().expect("the binary runs")
}

/// The command of [`threadmark`], not yet started.
pub fn command(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    command_on(&home.join("data"), &home.join("config.toml"), args, env)
}

/// `threadmark ARGS` on the data dir `data` and the config file `config`, with `env`; the
/// caller's own account, log and colour settings are left out.
pub fn command_on(data: &Path, config: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_threadmark"));
    command
        .arg("--data-dir")
        .arg(data)
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("THREADMARK_ACCOUNT")
        .env_remove("THREADMARK_LOG")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// Runs `command` to the end with `stdin` written to its standard input (a password, a
/// token); stdout and stderr are captured.
pub fn output_with_stdin(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().expect("piped stdin");
    input.write_all(stdin.as_bytes()).expect("stdin written");
    drop(input);
    child.wait_with_output().expect("the binary finishes")
}

/// Success, or a panic showing stderr; stdout as text.
pub fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed ({:?}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// Runs `command` to the end, killing it (and failing) after `limit`.
pub fn run_bounded(mut command: Command, limit: Duration) -> Output {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the command starts");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("child status") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().expect("stdout read"),
        stderr: err.join().expect("stderr read"),
    }
}
