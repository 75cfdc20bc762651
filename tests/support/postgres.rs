//! A throwaway PostgreSQL cluster for the tests: `initdb` + `pg_ctl` in a temp dir, on a
//! loopback port, as an unprivileged user (PostgreSQL refuses to run as root), stopped
//! and removed when the test process ends (a watchdog sees to it, even after a panic).
//!
//! Tests call [`shared`] (one cluster per test process, a fresh database per test) or
//! [`Cluster::start_own`] (a cluster of their own, e.g. to restart it). Where PostgreSQL
//! is not installed they say so on stderr and skip; with `THREADMARK_REQUIRE_POSTGRES=1`
//! (set by `.ci/run`) they fail instead, naming the package to install.

#![allow(dead_code)]

use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Makes a missing PostgreSQL a failure instead of a skip.
pub const REQUIRE_ENV: &str = "THREADMARK_REQUIRE_POSTGRES";
/// Where the PostgreSQL programs are, when not found by themselves.
pub const BIN_ENV: &str = "THREADMARK_PG_BIN";
/// The user the cluster runs as when the tests run as root.
const UNPRIVILEGED_USER: &str = "postgres";
const INSTALL: &str = "apt-get install -y postgresql";

/// A running cluster.
#[derive(Debug)]
pub struct Cluster {
    pub port: u16,
    root: PathBuf,
    bin: PathBuf,
    /// (uid, gid) to run the programs as, when the tests run as root.
    owner: Option<(u32, u32)>,
}

/// Why there is no cluster.
fn unavailable<T>(test: &str, why: &str) -> Option<T> {
    assert!(
        !std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1"),
        "{test}: PostgreSQL is required ({REQUIRE_ENV}=1) but {why}; install it: {INSTALL}"
    );
    // Straight to stderr, past the test harness's capture, so the skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "{test}: SKIPPED, {why} (install: {INSTALL}; set {REQUIRE_ENV}=1 to fail instead)"
    );
    None
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`.
fn find_bin() -> Option<PathBuf> {
    let has_all = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|p| dir.join(p).is_file())
    };
    if let Ok(dir) = std::env::var(BIN_ENV) {
        return Some(PathBuf::from(dir)).filter(|d| has_all(d));
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| has_all(d))
        .collect();
    versions.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(newest) = versions.pop() {
        return Some(newest);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|d| has_all(d))
}

/// The unprivileged user to run as, when we are root.
fn owner() -> Result<Option<(u32, u32)>, String> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    match nix::unistd::User::from_name(UNPRIVILEGED_USER) {
        Ok(Some(user)) => Ok(Some((user.uid.as_raw(), user.gid.as_raw()))),
        _ => Err(format!(
            "the tests run as root, PostgreSQL refuses root, and there is no `{UNPRIVILEGED_USER}` user \
             to run it as (create one: useradd --system {UNPRIVILEGED_USER})"
        )),
    }
}

/// A free loopback port (bound and released; the cluster binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

static SHARED: OnceLock<Result<Cluster, String>> = OnceLock::new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// The cluster shared by this test process, started on first use; `None` (after saying
/// so) when PostgreSQL is not installed.
pub fn shared(test: &str) -> Option<&'static Cluster> {
    match SHARED.get_or_init(Cluster::prepare) {
        Ok(cluster) => Some(cluster),
        Err(why) => unavailable(test, why),
    }
}

/// A fresh, empty database on the shared cluster, as a URL.
pub async fn fresh_database(test: &str) -> Option<String> {
    let cluster = shared(test)?;
    let n = DATABASES.fetch_add(1, Ordering::SeqCst);
    let name = format!("t{}_{n}", std::process::id());
    cluster.create_database(&name).await;
    Some(cluster.url(&name))
}

impl Cluster {
    /// Starts a cluster of its own, stopped and removed when dropped.
    pub fn start_own(test: &str) -> Option<Cluster> {
        match Self::prepare() {
            Ok(cluster) => Some(cluster),
            Err(why) => unavailable(test, &why),
        }
    }

    fn prepare() -> Result<Cluster, String> {
        let bin = find_bin()
            .ok_or_else(|| "PostgreSQL was not found (initdb, pg_ctl, postgres)".to_owned())?;
        let owner = owner()?;
        let root = std::env::temp_dir().join(format!(
            "threadmark-pg-{}-{}",
            std::process::id(),
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&root).map_err(|e| format!("no temp dir for the cluster: {e}"))?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&root, Some(uid), Some(gid))
                .map_err(|e| format!("cannot hand the cluster dir to its user: {e}"))?;
        }
        let cluster = Cluster {
            port: free_port(),
            root,
            bin,
            owner,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                "data",
                "-U",
                "threadmark",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        cluster.watch_over();
        cluster.start();
        Ok(cluster)
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .env("LC_ALL", "C")
            .env_remove("PGDATA");
        if let Some((uid, gid)) = self.owner {
            command.uid(uid).gid(gid);
        }
        command
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} does not run: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -c unix_socket_directories='' -c max_connections=300 \
             -c shared_buffers=32MB",
            self.port
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                "data",
                "-l",
                "server.log",
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// Stops the server the hard way (like a crash: no checkpoint, recovery at start).
    pub fn kill(&self) {
        self.run("pg_ctl", &["-D", "data", "-m", "immediate", "-w", "stop"]);
    }

    /// Stops the server cleanly (`fast`: open transactions are rolled back, clients
    /// disconnected, a checkpoint written).
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", "data", "-m", "fast", "-w", "stop"]);
    }

    /// A process that waits for this test process to end, then stops the cluster and
    /// deletes its files. In its own process group, so Ctrl-C on the tests spares it.
    fn watch_over(&self) {
        let script = format!(
            "while [ -d /proc/{pid} ]; do sleep 1; done; \
             {pg_ctl} -D data -m immediate -w stop >/dev/null 2>&1; cd / && rm -rf '{root}'",
            pid = std::process::id(),
            pg_ctl = self.bin.join("pg_ctl").display(),
            root = self.root.display(),
        );
        let mut command = Command::new("sh");
        command
            .args(["-c", &script])
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        if let Some((uid, gid)) = self.owner {
            command.uid(uid).gid(gid);
        }
        let mut watchdog = command.spawn().expect("the cluster's watchdog starts");
        // It outlives this process; the thread only keeps a zombie from forming if the
        // watchdog ends first.
        std::thread::spawn(move || watchdog.wait());
    }

    /// `postgres://threadmark@127.0.0.1:PORT/NAME`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://threadmark@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs SQL on the `postgres` database.
    pub async fn admin(&self, sql: &str) {
        let (client, connection) =
            tokio_postgres::connect(&self.url("postgres"), tokio_postgres::NoTls)
                .await
                .expect("connect to the test cluster");
        let driver = tokio::spawn(connection);
        client.batch_execute(sql).await.expect("admin SQL runs");
        drop(client);
        let _ = driver.await;
    }

    pub async fn create_database(&self, name: &str) {
        self.admin(&format!("CREATE DATABASE {name}")).await;
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("server.log")).unwrap_or_default()
    }

    /// Where the cluster's files are (certificates go here).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Hands `path` to the cluster's user (files the server must read).
    pub fn give(&self, path: &Path) {
        if let Some((uid, gid)) = self.owner {
            std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown");
        }
    }

    /// Appends settings to `postgresql.conf` (take effect at the next start).
    pub fn configure(&self, settings: &str) {
        let conf = self.root.join("data/postgresql.conf");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .expect("postgresql.conf");
        writeln!(file, "{settings}").expect("settings written");
    }
}

impl Drop for Cluster {
    /// Stops the server and deletes its files (the shared cluster is left to its
    /// watchdog, as statics are never dropped).
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", "data", "-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
