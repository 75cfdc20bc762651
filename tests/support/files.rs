//! Looking at what a command left in a folder: every file below it, and the ones set aside
//! as quarantined.

use std::path::{Path, PathBuf};

/// Every file below `dir`, at any depth (a missing folder has none).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// Files under `dir` whose name marks them as quarantined.
pub fn quarantined(dir: &Path) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .filter(|path| path.to_string_lossy().contains(".corrupt-"))
        .map(|path| path.display().to_string())
        .collect()
}
