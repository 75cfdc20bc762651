//! The clap command as the binary parses it: the derive model plus what derive cannot say
//! (the config path under `--help`, the client options `serve` refuses). Completions and the
//! man page are generated from [`command`] too, so they always agree with `--help`.

use super::args::{CLIENT_ONLY_OPTIONS, Cli, ColorChoice};
use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, CommandFactory, FromArgMatches};
use std::ffi::OsString;

/// The whole command line, every subcommand included.
pub fn command() -> clap::Command {
    Cli::command().mut_subcommand("serve", |serve| {
        // The client's global options would otherwise show in `serve --help` and be
        // accepted there, doing nothing. Giving `serve` hidden options of the same ids stops
        // clap from copying them in; `parse` refuses them with a pointer to `--data`.
        // (Their types match the client's: clap hands a global option's value up to the
        // top-level matches.)
        CLIENT_ONLY_OPTIONS.iter().fold(serve, |serve, (id, long)| {
            let arg = clap::Arg::new(*id).long(*long).hide(true);
            let arg = match *id {
                "verbose" => arg.short('v').action(ArgAction::Count),
                "no_pager" => arg.action(ArgAction::SetTrue),
                "color" => arg.value_parser(clap::value_parser!(ColorChoice)),
                "account" => arg.value_parser(clap::value_parser!(String)),
                _ => arg.value_parser(clap::value_parser!(std::path::PathBuf)),
            };
            serve.arg(arg)
        })
    })
}

/// Parses the process arguments; on a usage error prints it and exits with status 2.
pub fn parse() -> Cli {
    parse_from(std::env::args_os())
}

/// Parses `args` like [`parse`] (for tests).
pub fn parse_from(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> Cli {
    let mut cmd = command().after_help(where_things_are());
    let matches = cmd
        .try_get_matches_from_mut(args)
        .unwrap_or_else(|e| e.exit());
    if let Err(e) = refuse_client_options_on_serve(&mut cmd, &matches) {
        e.exit();
    }
    if let Err(e) = check_query(&mut cmd, &matches) {
        e.exit();
    }
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut cmd).exit())
}

/// `threadmark serve` keeps its own store (`--data`) and takes none of the client's options;
/// naming one there is a mistake worth saying, not a silent no-op.
fn refuse_client_options_on_serve(
    cmd: &mut clap::Command,
    matches: &ArgMatches,
) -> Result<(), clap::Error> {
    let Some(("serve", serve)) = matches.subcommand() else {
        return Ok(());
    };
    for (id, long) in CLIENT_ONLY_OPTIONS {
        let given = |m: &ArgMatches| {
            m.try_contains_id(id).unwrap_or(false)
                && m.value_source(id) == Some(ValueSource::CommandLine)
        };
        if given(matches) || given(serve) {
            let hint = if *id == "data_dir" {
                "; the server's store is `--data DIR`"
            } else {
                ""
            };
            return Err(cmd.error(
                ErrorKind::ArgumentConflict,
                format!("`threadmark serve` does not take --{long}{hint}"),
            ));
        }
    }
    Ok(())
}

/// A search query that does not parse is a usage error, said as clap says its own.
fn check_query(cmd: &mut clap::Command, matches: &ArgMatches) -> Result<(), clap::Error> {
    let Some(("search", search)) = matches.subcommand() else {
        return Ok(());
    };
    let words: Vec<String> = search
        .try_get_many::<String>("words")
        .ok()
        .flatten()
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let query = crate::model::Query::from_args(&words);
    crate::model::Query::parse(&query).map(|_| ()).map_err(|e| {
        let message = format!("the query {query:?}: {e}");
        match cmd.find_subcommand_mut("search") {
            Some(search) => search.error(ErrorKind::ValueValidation, message),
            None => cmd.error(ErrorKind::ValueValidation, message),
        }
    })
}

/// The lines under `threadmark --help` saying where the config file and the data are.
fn where_things_are() -> String {
    let config = std::env::var_os(crate::config::CONFIG_ENV)
        .map(std::path::PathBuf::from)
        .or_else(|| crate::config::Config::default_path().ok());
    let data = std::env::var_os(crate::store::DATA_DIR_ENV)
        .map(std::path::PathBuf::from)
        .or_else(|| {
            crate::store::DataDir::resolve(None)
                .ok()
                .map(|d| d.root().to_owned())
        });
    let show = |p: Option<std::path::PathBuf>| {
        p.map_or_else(
            || "(no home directory)".to_owned(),
            |p| p.display().to_string(),
        )
    };
    format!(
        "Config file: {}\nData:        {}\n`threadmark config path` shows where a command with --config / --data-dir looks.",
        show(config),
        show(data)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn serve_help_lists_none_of_the_client_options() {
        let mut cmd = command();
        cmd.build();
        let serve = cmd
            .get_subcommands_mut()
            .find(|c| c.get_name() == "serve")
            .unwrap();
        let help = serve.render_long_help().to_string();
        for (_, long) in CLIENT_ONLY_OPTIONS {
            assert!(!help.contains(&format!("--{long}")), "--{long} in:\n{help}");
        }
        assert!(help.contains("--data <DIR>"), "{help}");
    }

    #[test]
    fn serve_and_its_commands_parse() {
        for args in [
            &[
                "threadmark",
                "serve",
                "--data",
                "/tmp/x",
                "--demo",
                "--quiet",
            ][..],
            &["threadmark", "serve", "user", "list", "--data", "/tmp/x"],
            &["threadmark", "serve", "token", "new", "ann"],
        ] {
            let matches = command().try_get_matches_from(args).unwrap();
            Cli::from_arg_matches(&matches).unwrap();
        }
    }

    #[test]
    fn client_options_after_serve_are_refused() {
        let mut cmd = command();
        for args in [
            &["threadmark", "serve", "--data-dir", "/tmp/x"][..],
            &["threadmark", "--account", "work", "serve"],
            &["threadmark", "serve", "-v"],
            &["threadmark", "serve", "user", "list", "--config", "c.toml"],
        ] {
            let matches = cmd.try_get_matches_from_mut(args);
            let refused = match matches {
                Ok(m) => refuse_client_options_on_serve(&mut cmd, &m).is_err(),
                Err(_) => true,
            };
            assert!(refused, "{args:?} was accepted");
        }
        let m = cmd
            .try_get_matches_from_mut(["threadmark", "serve", "--data", "/tmp/x"])
            .unwrap();
        assert!(refuse_client_options_on_serve(&mut cmd, &m).is_ok());
        let m = cmd
            .try_get_matches_from_mut(["threadmark", "--data-dir", "/tmp/x", "tree"])
            .unwrap();
        assert!(refuse_client_options_on_serve(&mut cmd, &m).is_ok());
    }
}
