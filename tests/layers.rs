//! The layers `src/lib.rs` states hold in the code: each top-level module imports only
//! the modules its arrows point to (tests inside a module may reach further).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every layer and the layers it may import, as `src/lib.rs` states them.
const ARROWS: &[(&str, &[&str])] = &[
    (
        "cli",
        &[
            "account",
            "app",
            "config",
            "demo_server",
            "model",
            "remote",
            "render",
            "runner",
            "server",
            "store",
            "sync",
            "text",
            "ui",
        ],
    ),
    (
        "runner",
        &[
            "account",
            "app",
            "config",
            "demo_server",
            "model",
            "store",
            "sync",
            "text",
            "ui",
        ],
    ),
    (
        "account",
        &["config", "model", "remote", "store", "sync", "text"],
    ),
    ("ui", &["app", "model", "render", "sync", "text"]),
    ("app", &["config", "model", "render", "sync", "text"]),
    ("sync", &["model", "remote", "store", "text"]),
    ("remote", &["api", "config", "model", "store", "text"]),
    ("server", &["api", "model", "text"]),
    (
        "demo_server",
        &["api", "config", "model", "server", "store", "text"],
    ),
    ("config", &["model", "store", "text"]),
    ("store", &["model", "render", "text"]),
    ("render", &["model", "text"]),
    ("api", &["model", "text"]),
    ("model", &[]),
    ("text", &[]),
];

/// Layers that see the sync engine only through its protocol module.
const SYNC_BY_PROTOCOL: &[&str] = &["app", "ui"];

/// The crate's modules a source file names (`crate::x`, `crate::sync::y` as `sync::y`),
/// outside its tests and comments.
fn imports(source: &str) -> BTreeSet<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or_default();
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if name == "sync" {
                let inner: String = rest["sync::".len().min(rest.len())..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                found.insert(format!("sync::{inner}"));
            } else if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_layer_imports_only_what_its_arrows_allow() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let arrows: BTreeMap<&str, BTreeSet<&str>> = ARROWS
        .iter()
        .map(|(layer, allowed)| (*layer, allowed.iter().copied().collect()))
        .collect();
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut wrong = Vec::new();
    let mut seen = BTreeSet::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let layer = first.to_string_lossy().trim_end_matches(".rs").to_owned();
        if layer == "lib" || layer == "main" {
            continue;
        }
        let Some(allowed) = arrows.get(layer.as_str()) else {
            wrong.push(format!("{layer}: a layer src/lib.rs does not name"));
            continue;
        };
        seen.insert(layer.clone());
        let text = std::fs::read_to_string(&file).unwrap();
        for name in imports(&text) {
            let (top, inner) = name.split_once("::").unwrap_or((name.as_str(), ""));
            let through_protocol =
                inner == "protocol" || !SYNC_BY_PROTOCOL.contains(&layer.as_str());
            if top != layer && (!allowed.contains(top) || (top == "sync" && !through_protocol)) {
                wrong.push(format!("{} imports {name}", relative.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows the layers do not have:\n{}",
        wrong.join("\n")
    );
    assert!(
        seen.contains("app") && seen.contains("store"),
        "the sources were read"
    );
}

#[test]
fn the_import_reader_finds_what_a_file_names() {
    let source = "use crate::model::Post;\nfn f() { crate::text::clean(\"\"); } // crate::ui\n\
                  use crate::sync::protocol::SyncEvent;\n\
                  #[cfg(test)]\nmod tests { use crate::runner; }";
    let found: Vec<String> = imports(source).into_iter().collect();
    assert_eq!(found, ["model", "sync::protocol", "text"]);
}
