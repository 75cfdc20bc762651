//! Reading a `postgres://` URL: the driver's settings, TLS when the URL asks for it
//! (rustls; the server's certificate is always verified), and a form fit to print.

use crate::server::db::DbError;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How long connecting may take before the database counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether connections use TLS.
#[derive(Clone)]
pub enum Tls {
    Off,
    Rustls(MakeRustlsConnect),
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tls::Off => "Tls::Off",
            Tls::Rustls(_) => "Tls::Rustls",
        })
    }
}

/// A database to connect to.
#[derive(Debug)]
pub struct Target {
    pub config: tokio_postgres::Config,
    pub tls: Tls,
    /// The URL without its password, for messages.
    pub shown: String,
}

fn bad_url(why: impl std::fmt::Display) -> DbError {
    DbError::Other(format!(
        "the database URL is not usable: {why} (write postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=require])"
    ))
}

/// Parses `url`. `sslmode=require`, `verify-ca` and `verify-full` turn TLS on and verify
/// the certificate against `sslrootcert=FILE` (PEM) or the system's CAs; `disable` or
/// no `sslmode` keep it off; `allow` and `prefer` (TLS only if it happens to work) are
/// refused, so a connection is never silently left unencrypted.
pub fn parse(url: &str) -> Result<Target, DbError> {
    let mut parsed = url::Url::parse(url).map_err(bad_url)?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return Err(bad_url(format!(
            "the scheme is {:?}, not postgres",
            parsed.scheme()
        )));
    }
    let mut sslmode = None;
    let mut rootcert = None;
    let mut rest = Vec::new();
    for (key, value) in parsed.query_pairs() {
        match key.as_ref() {
            "sslmode" => sslmode = Some(value.into_owned()),
            "sslrootcert" => rootcert = Some(value.into_owned()),
            _ => rest.push((key.into_owned(), value.into_owned())),
        }
    }
    if rest.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(&rest);
    }
    let tls = match sslmode.as_deref() {
        None | Some("disable") => Tls::Off,
        Some("require" | "verify-ca" | "verify-full") => {
            Tls::Rustls(MakeRustlsConnect::new(client_config(rootcert.as_deref())?))
        }
        Some(other) => {
            return Err(bad_url(format!(
                "sslmode={other} is not supported: use disable, or require / verify-full \
                 (threadmark always verifies the server's certificate)"
            )));
        }
    };
    let mut config: tokio_postgres::Config = parsed.as_str().parse().map_err(bad_url)?;
    config.ssl_mode(match tls {
        Tls::Off => SslMode::Disable,
        Tls::Rustls(_) => SslMode::Require,
    });
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("threadmark serve");
    }
    // A dead peer is noticed by keepalives even with no query running.
    config.keepalives(true);
    config.keepalives_idle(Duration::from_secs(30));
    if parsed.password().is_some() {
        let _ = parsed.set_password(None);
    }
    if let Some(mode) = &sslmode {
        let query = parsed.query().map(str::to_owned);
        let mut shown_query = format!("sslmode={mode}");
        if let Some(q) = query {
            shown_query = format!("{q}&{shown_query}");
        }
        parsed.set_query(Some(&shown_query));
    }
    Ok(Target {
        config,
        tls,
        shown: parsed.to_string(),
    })
}

/// The TLS client settings: the CAs from `rootcert` (a PEM file), else the system's.
fn client_config(rootcert: Option<&str>) -> Result<rustls::ClientConfig, DbError> {
    let mut roots = rustls::RootCertStore::empty();
    match rootcert {
        Some(path) if path != "system" => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(|e| bad_url(format!("sslrootcert={path}: {e}")))?;
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| bad_url(format!("sslrootcert={path}: {e}")))?;
            }
            if roots.is_empty() {
                return Err(bad_url(format!("sslrootcert={path} holds no certificate")));
            }
        }
        _ => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(bad_url(
                    "no CA certificates found on this system; pass sslrootcert=FILE",
                ));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::Other(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows_and_tls_follows_sslmode() {
        let target = parse("postgres://forum:s3cret@db.example:6432/forum").unwrap();
        assert_eq!(target.shown, "postgres://forum@db.example:6432/forum");
        assert!(matches!(target.tls, Tls::Off));
        assert_eq!(target.config.get_user(), Some("forum"));
        assert_eq!(target.config.get_password(), Some(&b"s3cret"[..]));
        assert_eq!(target.config.get_dbname(), Some("forum"));

        let tls = parse("postgresql://forum@db.example/forum?sslmode=require").unwrap();
        assert!(matches!(tls.tls, Tls::Rustls(_)));
        assert_eq!(tls.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(
            tls.shown,
            "postgresql://forum@db.example/forum?sslmode=require"
        );
    }

    #[test]
    fn unclear_urls_are_refused_without_echoing_secrets() {
        for bad in [
            "mysql://forum@db/forum",
            "not a url",
            "postgres://forum:s3cret@db/forum?sslmode=prefer",
            "postgres://forum:s3cret@db/forum?sslmode=require&sslrootcert=/nonexistent/ca.pem",
        ] {
            let message = parse(bad).unwrap_err().to_string();
            assert!(message.contains("postgres://USER"), "{message}");
            assert!(!message.contains("s3cret"), "{message}");
        }
    }
}
