//! The log: `<data dir>/logs/threadmark.YYYY-MM-DD.log`, a new file each day and the last
//! [`KEPT_FILES`] kept, never the screen (see [`LogFile`]). `-v` / `-vv` or
//! `THREADMARK_LOG` choose how much.

pub use crate::store::KEPT_LOG_FILES as KEPT_FILES;
use crate::store::LogFile;
use std::path::Path;
use tracing_subscriber::EnvFilter;

/// Environment variable holding a log filter (`debug`, `threadmark=trace,info`, …).
pub const LOG_ENV: &str = "THREADMARK_LOG";

/// The HTTP libraries never log below `info`: at `trace` they would print request headers,
/// and those carry the account's token.
const QUIET_LIBRARIES: &[&str] = &["h2=info", "hyper=info", "hyper_util=info", "rustls=info"];

/// The filter for `-v` counted `verbose` times, unless `THREADMARK_LOG` (`from_env`) names
/// one. A filter that does not parse is reported and the default used.
pub fn filter(verbose: u8, from_env: Option<&str>) -> (EnvFilter, Option<String>) {
    let default = match verbose {
        0 => "info",
        1 => "info,threadmark=debug",
        _ => "debug,threadmark=trace",
    };
    let (chosen, problem) = match from_env.map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => match EnvFilter::try_new(text) {
            Ok(_) => (text.to_owned(), None),
            Err(e) => (
                default.to_owned(),
                Some(format!(
                    "{LOG_ENV}={text:?} is not a log filter ({e}); using {default}"
                )),
            ),
        },
        None => (default.to_owned(), None),
    };
    let mut directives = vec![chosen];
    directives.extend(QUIET_LIBRARIES.iter().map(|d| (*d).to_owned()));
    let filter =
        EnvFilter::try_new(directives.join(",")).unwrap_or_else(|_| EnvFilter::new(default));
    (filter, problem)
}

/// Starts logging into `log_dir`. Logging is a help, not a requirement: when the folder
/// cannot be used, the command runs without it and the caller may say why.
pub fn init(log_dir: &Path, verbose: u8) -> Result<(), String> {
    let appender = LogFile::open(log_dir).map_err(|e| format!("{}: {e}", log_dir.display()))?;
    let (filter, problem) = filter(verbose, std::env::var(LOG_ENV).ok().as_deref());
    tracing_subscriber::fmt()
        .with_writer(appender)
        .with_env_filter(filter)
        .with_ansi(false)
        .with_target(verbose > 0)
        // A full disk must not put "Unable to write an event" on the user's screen (the
        // writer counts what it could not write instead).
        .log_internal_errors(false)
        .try_init()
        .map_err(|e| e.to_string())?;
    if let Some(problem) = problem {
        tracing::warn!("{problem}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_and_the_environment_choose_the_level() {
        let directives =
            |f: EnvFilter| -> Vec<String> { f.to_string().split(',').map(str::to_owned).collect() };
        assert!(directives(filter(0, None).0).contains(&"info".to_owned()));
        assert!(directives(filter(1, None).0).contains(&"threadmark=debug".to_owned()));
        assert!(directives(filter(2, None).0).contains(&"threadmark=trace".to_owned()));
        let (f, problem) = filter(0, Some("warn"));
        assert!(directives(f).contains(&"warn".to_owned()));
        assert!(problem.is_none());
        let (f, problem) = filter(1, Some("threadmark=[bad"));
        assert!(f.to_string().contains("threadmark=debug"), "{f}");
        assert!(problem.unwrap().contains(LOG_ENV));
    }

    #[test]
    fn http_libraries_never_log_headers_even_at_trace() {
        let f = filter(0, Some("trace")).0.to_string();
        for quiet in QUIET_LIBRARIES {
            assert!(f.contains(quiet), "{quiet} missing from {f}");
        }
    }
}
