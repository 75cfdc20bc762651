//! `threadmark completions SHELL` and `threadmark man`: generated from the same clap command
//! the binary parses, so they list exactly what `--help` does.

use super::command::command;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut impl Write) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut command(), "threadmark", &mut buffer);
    out.write_all(&buffer)?;
    Ok(())
}

/// Prints `threadmark.1`.
pub fn man_page(out: &mut impl Write) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    clap_mangen::Man::new(command()).render(&mut buffer)?;
    out.write_all(&buffer)?;
    Ok(())
}

/// Writes one page per command (`threadmark.1`, `threadmark-read.1`, …) into `dir`; the
/// paths written.
pub fn man_pages(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot make {}: {e}", dir.display()))?;
    clap_mangen::generate_to(command(), dir)
        .map_err(|e| anyhow::anyhow!("cannot write the pages into {}: {e}", dir.display()))?;
    let mut written: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("threadmark") && n.ends_with(".1"))
        })
        .collect();
    written.sort();
    Ok(written)
}
