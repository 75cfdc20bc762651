//! `threadmark serve export` and `threadmark serve import`: the forum to and from one
//! JSON Lines file (format in [`super::db::export`]).

use super::db::Store;
use super::db::export::{self, Counts, Parsed};
use anyhow::Context as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Write the whole forum (structure, users without secrets, threads, posts, revisions,
/// reactions, the moderation log) to one JSON Lines file; safe while the forum is served.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The file to write (replaced whole only once it is complete)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Print what was written as JSON
    #[arg(long)]
    pub json: bool,
}

/// Load an export (from `threadmark serve export`), or a Discourse export folder (the
/// JSON saved from its API: site.json, c/…json, t/{id}.json), into an empty store.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The export file to load, or a folder of Discourse JSON
    #[arg(value_name = "FILE|DIR")]
    pub file: PathBuf,
    /// Print what was loaded as JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs `serve export`.
pub async fn export_command(store: &dyn Store, args: &ExportArgs) -> anyhow::Result<()> {
    let (lines, counts) = store.export().await.context("reading the forum failed")?;
    let mut text = lines.join("\n");
    text.push('\n');
    write_whole(&args.out, text.as_bytes())
        .with_context(|| format!("cannot write the export to {}", args.out.display()))?;
    report(
        &format!("exported {} to {}", store.location(), args.out.display()),
        &counts,
        args.json,
    )
}

/// Reads and checks the file `serve import` loads, before any store is opened.
pub fn read_export(args: &ImportArgs) -> anyhow::Result<Parsed> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}; nothing was imported", args.file.display()))?;
    export::parse(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was imported", args.file.display()))
}

/// Runs `serve import` of a checked export file.
pub async fn import_command(
    store: &dyn Store,
    args: &ImportArgs,
    parsed: Parsed,
) -> anyhow::Result<()> {
    let counts = store
        .import_export(parsed)
        .await
        .context("the import failed; nothing was imported")?;
    report(
        &format!("imported {} into {}", args.file.display(), store.location()),
        &counts,
        args.json,
    )?;
    if !args.json && counts.of("user") > 0 {
        eprintln!(
            "users have no passwords yet: give each one with `threadmark serve user reset NAME` \
             (or a token with `threadmark serve token new NAME`)"
        );
    }
    Ok(())
}

/// Runs `serve import DIR` of a read Discourse export folder.
pub async fn import_discourse(
    store: &dyn Store,
    args: &ImportArgs,
    (forum, threads): super::discourse_import::Imported,
) -> anyhow::Result<()> {
    if !store
        .tree()
        .await
        .context("reading the store failed")?
        .sections
        .is_empty()
    {
        anyhow::bail!(
            "{} already holds a forum; import into an empty one; nothing was imported",
            store.location()
        );
    }
    let made = store
        .import(forum, threads)
        .await
        .context("the import failed; nothing was imported")?;
    let counts = Counts(
        [
            ("section", made.sections),
            ("area", made.areas),
            ("user", made.users),
            ("thread", made.threads),
            ("post", made.posts),
        ]
        .into_iter()
        .map(|(kind, n)| (kind.to_owned(), u64::try_from(n).unwrap_or(u64::MAX)))
        .collect(),
    );
    report(
        &format!(
            "imported the Discourse export {} into {}",
            args.file.display(),
            store.location()
        ),
        &counts,
        args.json,
    )?;
    if !args.json {
        eprintln!(
            "users have no passwords yet: give each one with `threadmark serve user reset NAME` \
             (or a token with `threadmark serve token new NAME`)"
        );
    }
    Ok(())
}

fn report(headline: &str, counts: &Counts, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let object: serde_json::Map<String, serde_json::Value> = counts
            .0
            .iter()
            .map(|(kind, n)| (kind.clone(), (*n).into()))
            .collect();
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "counts": object }))?;
        writeln!(out)?;
    } else {
        writeln!(out, "{headline}")?;
        for (kind, n) in &counts.0 {
            writeln!(out, "  {kind:<9} {n:>9}")?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file beside it, synced and renamed, so
/// a crash or full disk never leaves a half file under the name.
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("no file name"))?;
    let mut partial = name.to_owned();
    partial.push(format!(".partial-{}", std::process::id()));
    let temp = path.with_file_name(partial);
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}
