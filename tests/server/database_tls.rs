//! TLS to the database: a cluster that accepts only TLS connections (`hostssl`), with a
//! certificate from a test CA made by `openssl`. `?sslmode=verify-full&sslrootcert=CA`
//! serves the forum; the clear URL and a URL trusting another CA are refused at start,
//! saying why.

use crate::common::{Backend, THREAD, json_of, reply};
use crate::durability::spawn;
use crate::postgres::Cluster;
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// Runs `openssl` in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs (apt-get install -y openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A new P-256 private key in `file`.
fn new_key(dir: &Path, file: &str) {
    let args = "ecparam -name prime256v1 -genkey -noout -out";
    let mut args: Vec<&str> = args.split(' ').collect();
    args.push(file);
    openssl(dir, &args);
}

/// A CA (`NAME-ca.pem`) and a server certificate for 127.0.0.1 signed by it.
fn make_certificates(dir: &Path, name: &str) {
    let ca_key = format!("{name}-ca.key");
    let ca = format!("{name}-ca.pem");
    new_key(dir, &ca_key);
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            &ca_key,
            "-out",
            &ca,
            "-days",
            "2",
            "-subj",
            &format!("/CN={name} test CA"),
        ],
    );
    let key = format!("{name}.key");
    new_key(dir, &key);
    let csr = format!("{name}.csr");
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            &key,
            "-out",
            &csr,
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    let ext = format!("{name}.ext");
    std::fs::write(
        dir.join(&ext),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-out",
            &format!("{name}.pem"),
            "-days",
            "2",
            "-extfile",
            &ext,
        ],
    );
}

/// Starts `threadmark serve --database URL` expecting it to fail; returns its stderr.
fn refused_start(url: &str) -> String {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .args(["--database", url])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{url} must not serve");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_is_reached_over_verified_tls_when_the_url_asks() {
    let Some(cluster) = Cluster::start_own("database_tls") else {
        return;
    };
    let root = cluster.root().to_owned();
    make_certificates(&root, "server");
    make_certificates(&root, "stranger");
    for file in ["server.pem", "server.key"] {
        cluster.give(&root.join(file));
    }
    std::fs::set_permissions(
        root.join("server.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    cluster.configure(&format!(
        "ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'",
        root.join("server.pem").display(),
        root.join("server.key").display()
    ));
    std::fs::write(
        root.join("data/pg_hba.conf"),
        "hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
    )
    .unwrap();
    cluster.stop();
    cluster.start();

    let base_url = cluster.url("postgres");
    let ca = root.join("server-ca.pem");
    let tls_url = format!(
        "{base_url}?sslmode=verify-full&sslrootcert={}",
        ca.display()
    );
    let data = tempfile::tempdir().unwrap();
    let server = spawn(data.path(), &Backend::Postgres(tls_url), true);
    let member = &server.tokens["member"];
    let post = json_of(
        reply(
            &crate::common::http(),
            &server.base,
            member,
            THREAD,
            "tls",
            &json!({"body": "over TLS"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(post["body"], "over TLS");
    drop(server);

    // The cluster takes no clear connection, so a clear URL fails with the server's refusal.
    let clear = refused_start(&base_url);
    assert!(
        clear.contains("no encryption") || clear.contains("pg_hba"),
        "{clear}"
    );
    // A certificate from a CA the URL does not trust is refused.
    let stranger = root.join("stranger-ca.pem");
    let wrong = refused_start(&format!(
        "{base_url}?sslmode=verify-full&sslrootcert={}",
        stranger.display()
    ));
    assert!(wrong.to_lowercase().contains("certificate"), "{wrong}");
}
