//! What people expect of a command-line tool: quiet on a closed pipe, completions and a man
//! page that agree with `--help`, `config path|keys`, one-line config errors, a config file
//! holding only what was set, and logs that rotate and never reach the screen.

use crate::{command, stdout_of, threadmark};
use std::process::Stdio;

fn home() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let home = home();
    stdout_of(&threadmark(home.path(), &["tree"], &[]));
    for args in [
        &["read", "advocacy"][..],
        &["tree"],
        &["search", "advocacy"],
        &["read", "advocacy", "--json"],
        &["config", "keys"],
        &["completions", "bash"],
    ] {
        // Like `threadmark read advocacy | head -0`: the reading end is closed before a
        // byte is written.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = command(home.path(), args, &[])
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {:?}", out.status);
        assert!(
            out.stderr.is_empty(),
            "{args:?} said: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The command names under "Commands:" in `--help` output.
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A long summary wraps onto lines indented further: those name no command.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn completions_and_the_man_page_agree_with_help() {
    let home = home();
    let help = stdout_of(&threadmark(home.path(), &["--help"], &[]));
    let commands = listed_commands(&help);
    for expected in [
        "tree",
        "read",
        "search",
        "config",
        "completions",
        "man",
        "serve",
    ] {
        assert!(
            commands.iter().any(|c| c == expected),
            "{expected} in {commands:?}"
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout_of(&threadmark(home.path(), &["completions", shell], &[]));
        for name in commands
            .iter()
            .map(String::as_str)
            .chain(["json", "no-pager"])
        {
            assert!(script.contains(name), "{shell} completions lack {name}");
        }
    }
    let page = stdout_of(&threadmark(home.path(), &["man"], &[]));
    assert!(
        page.starts_with(".ie"),
        "roff: {}",
        &page[..40.min(page.len())]
    );
    assert!(page.contains(".TH threadmark 1"), "a section 1 page");
    for name in &commands {
        assert!(page.contains(&format!("threadmark\\-{name}")) || page.contains(name.as_str()));
    }
    let dir = home.path().join("man1");
    let written = stdout_of(&threadmark(
        home.path(),
        &["man", "--dir", dir.to_str().unwrap()],
        &[],
    ));
    for name in &commands {
        let page = dir.join(format!("threadmark-{name}.1"));
        assert!(
            page.is_file(),
            "{} missing; written: {written}",
            page.display()
        );
        let text = std::fs::read_to_string(&page).unwrap();
        // Each page documents the same options `threadmark NAME --help` shows.
        let sub_help = stdout_of(&threadmark(home.path(), &[name, "--help"], &[]));
        for option in sub_help
            .split_whitespace()
            .filter(|w| w.starts_with("--") && w.len() > 2)
            .map(|w| w.trim_end_matches([',', '.', ']', ')']))
            .filter(|w| {
                w.chars()
                    .skip(2)
                    .all(|c| c.is_ascii_lowercase() || c == '-')
            })
        {
            let roff = option.replace('-', "\\-");
            assert!(
                text.contains(&roff),
                "{option} of `{name} --help` missing from its man page"
            );
        }
    }
}

#[test]
fn serve_takes_none_of_the_clients_options() {
    let home = home();
    let help = stdout_of(&threadmark(home.path(), &["serve", "--help"], &[]));
    for option in [
        "--data-dir",
        "--config",
        "--account",
        "--color",
        "--no-pager",
        "--verbose",
    ] {
        assert!(
            !help.contains(option),
            "serve --help lists {option}:\n{help}"
        );
    }
    assert!(help.contains("--data <DIR>"), "{help}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .args(["serve", "--data-dir", "/nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("--data DIR"), "{said}");
}

#[test]
fn help_and_config_path_say_where_things_are() {
    let home = home();
    let config = home.path().join("elsewhere").join("my-config.toml");
    let config = config.to_str().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .arg("--help")
        .env("THREADMARK_CONFIG", config)
        .output()
        .unwrap();
    let help = stdout_of(&out);
    assert!(
        help.contains(config),
        "--help names the config file:\n{help}"
    );

    let path = stdout_of(&threadmark(home.path(), &["config", "path"], &[]));
    assert_eq!(
        path.trim(),
        home.path().join("config.toml").to_str().unwrap()
    );
    let data = stdout_of(&threadmark(home.path(), &["config", "path", "data"], &[]));
    assert_eq!(data.trim(), home.path().join("data").to_str().unwrap());
    let logs = stdout_of(&threadmark(home.path(), &["config", "path", "logs"], &[]));
    assert_eq!(logs.trim(), home.path().join("data/logs").to_str().unwrap());
}

#[test]
fn config_prints_the_defaults_an_installed_binary_carries() {
    let home = home();
    let keys = stdout_of(&threadmark(home.path(), &["config", "keys"], &[]));
    assert_eq!(keys, include_str!("../../assets/keymap.toml"));
    assert!(keys.contains("run = \"next_unread_thread\""));
    let theme = stdout_of(&threadmark(home.path(), &["config", "theme"], &[]));
    assert_eq!(theme, include_str!("../../assets/theme.toml"));
    let defaults = stdout_of(&threadmark(home.path(), &["config", "defaults"], &[]));
    assert_eq!(defaults, include_str!("../../assets/config.toml"));
    assert!(
        !defaults.contains("assets/"),
        "no path an installed binary does not have"
    );
}

#[test]
fn a_broken_config_is_reported_in_one_line() {
    let home = home();
    std::fs::write(home.path().join("config.toml"), "[ui]\nmouse = yes\n").unwrap();
    let out = threadmark(home.path(), &["tree"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8(out.stderr).unwrap();
    assert_eq!(said.lines().count(), 1, "one line:\n{said}");
    assert!(said.contains("config.toml: line 2, column 9: "), "{said}");
}

#[test]
fn account_add_writes_only_what_was_set() {
    let home = home();
    stdout_of(&threadmark(
        home.path(),
        &["account", "add", "work", "--url", "http://127.0.0.1:9"],
        &[],
    ));
    let text = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(doc.keys().collect::<Vec<_>>(), ["accounts"], "{text}");
    assert!(!text.contains("[ui]"), "{text}");
}

/// Every log file's text, by file name.
fn logs(home: &std::path::Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(home.join("data/logs"))
        .map(|dir| {
            dir.map(|e| {
                let path = e.unwrap().path();
                (
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&path).unwrap(),
                )
            })
            .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn all_logs(home: &std::path::Path) -> String {
    logs(home).into_iter().map(|(_, text)| text).collect()
}

#[test]
fn verbosity_chooses_what_the_log_gets_and_the_screen_gets_none() {
    let quiet = home();
    let out = threadmark(quiet.path(), &["tree"], &[]);
    stdout_of(&out);
    assert!(out.stderr.is_empty());
    assert!(!all_logs(quiet.path()).contains("DEBUG"));

    for (args, env) in [
        (&["-v", "tree"][..], &[][..]),
        (&["tree"], &[("THREADMARK_LOG", "debug")]),
    ] {
        let home = home();
        let out = threadmark(home.path(), args, env);
        stdout_of(&out);
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let log = all_logs(home.path());
        assert!(log.contains("DEBUG"), "{args:?} {env:?}: {log}");
    }

    let home = home();
    let out = threadmark(
        home.path(),
        &["tree"],
        &[("THREADMARK_LOG", "threadmark=[")],
    );
    stdout_of(&out);
    assert!(out.stderr.is_empty());
    assert!(
        all_logs(home.path()).contains("THREADMARK_LOG"),
        "the bad filter is logged"
    );
}

#[test]
fn logs_go_to_one_file_a_day_and_old_days_are_dropped() {
    let home = home();
    let dir = home.path().join("data/logs");
    std::fs::create_dir_all(&dir).unwrap();
    for day in 1..=9 {
        std::fs::write(dir.join(format!("threadmark.2020-01-0{day}.log")), "old\n").unwrap();
    }
    let out = threadmark(home.path(), &["-v", "tree"], &[]);
    stdout_of(&out);
    let files = logs(home.path());
    let today = jiff::Timestamp::now()
        .strftime("threadmark.%Y-%m-%d.log")
        .to_string();
    assert_eq!(files.len(), 7, "a week is kept: {files:?}");
    let (_, text) = files.iter().find(|(name, _)| *name == today).unwrap();
    assert!(text.contains("DEBUG"), "{text}");
}

#[test]
fn an_unreachable_server_is_written_in_the_log() {
    let home = home();
    stdout_of(&threadmark(
        home.path(),
        &["account", "add", "work", "--url", "http://127.0.0.1:9"],
        &[],
    ));
    let out = threadmark(
        home.path(),
        &["sync"],
        &[("THREADMARK_TIMEOUTS", "connect=2,read=2,total=4")],
    );
    assert_eq!(out.status.code(), Some(1));
    let log = all_logs(home.path());
    assert!(
        log.contains("WARN") && log.contains("sync failed") && log.contains("unreachable"),
        "{log}"
    );
}

#[test]
fn an_empty_thread_name_names_nothing() {
    let home = home();
    let out = threadmark(home.path(), &["read", ""], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name a thread"));
    assert!(out.stdout.is_empty());
}

#[test]
fn every_config_warning_is_logged_and_the_status_line_shows_the_first() {
    let home = home();
    std::fs::write(
        home.path().join("config.toml"),
        "[keys]\n\"ctrl-n\" = \"jump_around\"\n\"x\" = \"fly\"\n\"hyper-q\" = \"quit\"\n",
    )
    .unwrap();
    let mut reader = crate::pty_session::PtySession::start(home.path(), &[], &[], 200, 40);
    let screen = reader.wait_for_text("(and 2 more, in the log)");
    assert!(screen.contains("`threadmark config keys`"), "{screen}");
    reader.send("q");
    assert!(reader.wait_exit().success());
    let log = all_logs(home.path());
    for warning in [
        "no action named \"jump_around\"",
        "no action named \"fly\"",
        "\"hyper-q\" is not a key this version knows",
    ] {
        assert!(log.contains(warning), "{warning} is in the log: {log}");
    }
}
