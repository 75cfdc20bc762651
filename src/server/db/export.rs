//! The forum as one JSON Lines file (`threadmark serve export` / `import`): reading it
//! out of a store in one snapshot, checking a file line by line, and loading it into an
//! empty store in one transaction.
//!
//! # The format (version 1)
//!
//! One JSON object per line. The first line is the header
//! `{"format":"threadmark-export","version":1,"schema":N,"exported_at":"RFC 3339"}`;
//! the second is `{"type":"forum","title":…,"undated":…,"announcement":…|null}`. Every
//! other line is one row, `{"type":T, column: value, …}`, in this order of types:
//! `section`, `area`, `user`, `thread`, `participant` (of a private message), `post`,
//! `revision`, `reaction`, `log` (the moderation log). Columns are the store's own (see the README, "Export and import");
//! times are microseconds since the Unix epoch, UTC. Users carry no secrets: no
//! password hash, no tokens; after an import every user needs a new password
//! (`threadmark serve user reset`) or token. Not exported: tokens, invitations,
//! idempotency answers, read markers, notifications, the changes log (an import writes a fresh one,
//! so clients sync the imported forum from the start).

use super::copy::{self, Kind, Row, TABLES, Table, Value};
use super::sql::{Dialect, SqlRow as _, Tx};
use super::write::{record_changes, set_meta};
use super::{DbError, micros, read, schema};
use serde_json::{Map, Value as Json, json};

/// The header's `format`.
pub const FORMAT: &str = "threadmark-export";
/// The newest export format this build writes and reads.
pub const VERSION: i64 = 1;

/// A table in the export: its kind (the `kind` of its lines) and the columns left out.
struct Exported {
    table: &'static str,
    kind: &'static str,
    /// Secrets and per-device state; read back as NULL.
    skipped: &'static [&'static str],
}

/// In the order rows are written and loaded (a row refers only to earlier kinds).
const EXPORTED: &[Exported] = &[
    Exported {
        table: "sections",
        kind: "section",
        skipped: &[],
    },
    Exported {
        table: "areas",
        kind: "area",
        skipped: &[],
    },
    Exported {
        table: "users",
        kind: "user",
        skipped: &["password_hash"],
    },
    Exported {
        table: "threads",
        kind: "thread",
        skipped: &[],
    },
    // Who takes part in each private message (a thread with an empty area id).
    Exported {
        table: "participants",
        kind: "participant",
        skipped: &[],
    },
    Exported {
        table: "posts",
        kind: "post",
        skipped: &["client_key"],
    },
    Exported {
        table: "revisions",
        kind: "revision",
        skipped: &[],
    },
    Exported {
        table: "reactions",
        kind: "reaction",
        skipped: &[],
    },
    Exported {
        table: "mod_log",
        kind: "log",
        skipped: &[],
    },
];

fn table(name: &str) -> Result<&'static Table, DbError> {
    TABLES
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| DbError::Other(format!("no table {name}")))
}

/// What an export or import holds, kind by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts(pub Vec<(String, u64)>);

impl Counts {
    fn add(&mut self, kind: &str, n: u64) {
        match self.0.iter_mut().find(|(k, _)| k == kind) {
            Some((_, count)) => *count += n,
            None => self.0.push((kind.to_owned(), n)),
        }
    }

    /// How many rows of `kind`.
    pub fn of(&self, kind: &str) -> u64 {
        self.0
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, n)| *n)
    }
}

/// Every line of the export of the store `tx` sees (one snapshot), header first.
pub async fn export_lines(tx: &impl Tx) -> Result<(Vec<String>, Counts), DbError> {
    let exported_at = jiff::Timestamp::now().to_string();
    let mut lines = vec![line(&json!({
        "format": FORMAT,
        "version": VERSION,
        "schema": schema::SCHEMA_VERSION,
        "exported_at": exported_at,
    }))?];
    let announcement = match read::meta(tx, "announcement").await? {
        Some(text) => serde_json::from_str::<Json>(&text)
            .map_err(|e| DbError::Corrupt(format!("the stored announcement: {e}")))?,
        None => Json::Null,
    };
    lines.push(line(&json!({
        "type": "forum",
        "title": read::meta(tx, "title").await?,
        "undated": read::meta(tx, "undated").await?.as_deref() == Some("true"),
        "announcement": announcement,
    }))?);
    let mut counts = Counts::default();
    for exported in EXPORTED {
        let table = table(exported.table)?;
        let mut last: Option<Row> = None;
        loop {
            let rows = copy::page(tx, table, last.as_ref()).await?;
            for row in &rows {
                lines.push(row_line(exported, table, row)?);
            }
            counts.add(exported.kind, rows.len() as u64);
            if rows.len() < copy::PAGE {
                break;
            }
            last = rows.into_iter().last();
        }
    }
    Ok((lines, counts))
}

fn line(value: &Json) -> Result<String, DbError> {
    serde_json::to_string(value).map_err(|e| DbError::Other(e.to_string()))
}

fn row_line(exported: &Exported, table: &Table, row: &Row) -> Result<String, DbError> {
    let mut object = Map::new();
    object.insert("type".into(), exported.kind.into());
    for ((column, _), value) in table.columns.iter().zip(row) {
        if exported.skipped.contains(column) {
            continue;
        }
        let value = match value {
            Value::Int(n) => n.map_or(Json::Null, Json::from),
            Value::Text(t) => t.as_ref().map_or(Json::Null, |t| Json::from(t.as_str())),
            Value::Bool(b) => Json::from(*b),
        };
        object.insert((*column).to_owned(), value);
    }
    line(&Json::Object(object))
}

/// An export file read and checked, ready to load.
#[derive(Debug, Default)]
pub struct Parsed {
    title: Option<String>,
    undated: bool,
    announcement: Option<String>,
    /// Rows per exported table, in [`EXPORTED`] order.
    rows: Vec<Vec<Row>>,
    pub counts: Counts,
}

/// Reads an export, line by line; an error names the line (1-based) and what is wrong.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, first) = lines
        .next()
        .ok_or("the file is empty (not a threadmark export)")?;
    check_header(first).map_err(|e| format!("line 1: {e}"))?;
    let mut parsed = Parsed {
        rows: vec![Vec::new(); EXPORTED.len()],
        ..Parsed::default()
    };
    let mut order = 0;
    for (index, text) in lines {
        let n = index + 1;
        let object: Map<String, Json> =
            serde_json::from_str(text).map_err(|e| format!("line {n}: not a JSON object: {e}"))?;
        let kind = object
            .get("type")
            .and_then(Json::as_str)
            .ok_or_else(|| format!("line {n}: no \"type\""))?;
        if kind == "forum" {
            forum_line(&mut parsed, &object).map_err(|e| format!("line {n}: {e}"))?;
            continue;
        }
        let at = EXPORTED
            .iter()
            .position(|e| e.kind == kind)
            .ok_or_else(|| format!("line {n}: unknown type {kind:?}"))?;
        if at < order {
            return Err(format!(
                "line {n}: a {kind} after a {} (rows come in the order section, area, user, \
                 thread, post, revision, reaction, log)",
                EXPORTED[order].kind
            ));
        }
        order = at;
        let exported = &EXPORTED[at];
        let row = parse_row(exported, &object).map_err(|e| format!("line {n} ({kind}): {e}"))?;
        parsed.rows[at].push(row);
        parsed.counts.add(kind, 1);
    }
    Ok(parsed)
}

fn check_header(text: &str) -> Result<(), String> {
    let header: Map<String, Json> = serde_json::from_str(text)
        .map_err(|_| "not a threadmark export (the first line is no JSON object)".to_owned())?;
    if header.get("format").and_then(Json::as_str) != Some(FORMAT) {
        return Err(format!(
            "not a threadmark export (no \"format\": \"{FORMAT}\" header)"
        ));
    }
    match header.get("version").and_then(Json::as_i64) {
        Some(v) if v <= VERSION && v >= 1 => Ok(()),
        Some(v) => Err(format!(
            "export format version {v}; this threadmark reads up to {VERSION} (upgrade threadmark)"
        )),
        None => Err("the header has no \"version\"".into()),
    }
}

fn forum_line(parsed: &mut Parsed, object: &Map<String, Json>) -> Result<(), String> {
    parsed.title = match object.get("title") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(_) => return Err("\"title\" is not text".into()),
    };
    parsed.undated = object.get("undated").and_then(Json::as_bool) == Some(true);
    parsed.announcement = match object.get("announcement") {
        None | Some(Json::Null) => None,
        Some(banner @ Json::Object(_)) => {
            serde_json::from_value::<crate::api::Banner>(banner.clone())
                .map_err(|e| format!("\"announcement\": {e}"))?;
            Some(banner.to_string())
        }
        Some(_) => return Err("\"announcement\" is not an object".into()),
    };
    Ok(())
}

fn parse_row(exported: &Exported, object: &Map<String, Json>) -> Result<Row, String> {
    let table = table(exported.table).map_err(|e| e.to_string())?;
    table
        .columns
        .iter()
        .map(|(column, kind)| {
            let value = object.get(*column).unwrap_or(&Json::Null);
            let optional = matches!(kind, Kind::OptInt | Kind::OptText);
            if value.is_null() && !optional {
                return Err(format!("\"{column}\" is missing"));
            }
            Ok(match kind {
                Kind::Int | Kind::OptInt => Value::Int(if value.is_null() {
                    None
                } else {
                    Some(
                        value
                            .as_i64()
                            .ok_or_else(|| format!("\"{column}\" is not a whole number"))?,
                    )
                }),
                Kind::Text | Kind::OptText => Value::Text(if value.is_null() {
                    None
                } else {
                    Some(
                        value
                            .as_str()
                            .ok_or_else(|| format!("\"{column}\" is not text"))?
                            .to_owned(),
                    )
                }),
                Kind::Bool => Value::Bool(
                    value
                        .as_bool()
                        .ok_or_else(|| format!("\"{column}\" is not true or false"))?,
                ),
            })
        })
        .collect()
}

/// Loads `parsed` into the store `tx` writes to, which must hold no forum yet. Every
/// thread and post (and the tree) enter the changes log, so clients sync it all.
pub async fn load(tx: &impl Tx, parsed: &Parsed) -> Result<Counts, DbError> {
    let held = tx
        .query_one(
            "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM sections) \
             + (SELECT COUNT(*) FROM threads) + (SELECT COUNT(*) FROM posts)",
            &[],
        )
        .await?
        .int(0)?;
    if held > 0 {
        return Err(DbError::Other(
            "the store already holds a forum; import only into an empty one \
             (a new --data directory or a new database)"
                .into(),
        ));
    }
    if let Some(title) = &parsed.title {
        set_meta(tx, "title", title).await?;
    }
    set_meta(tx, "undated", if parsed.undated { "true" } else { "false" }).await?;
    if let Some(banner) = &parsed.announcement {
        set_meta(tx, "announcement", banner).await?;
    }
    for (exported, rows) in EXPORTED.iter().zip(&parsed.rows) {
        let table = table(exported.table)?;
        for chunk in rows.chunks(400) {
            copy::insert(tx, table, chunk).await?;
        }
    }
    let mut changed: Vec<(&str, &str)> = vec![("tree", "tree")];
    let thread_at = EXPORTED.iter().position(|e| e.kind == "thread");
    let post_at = EXPORTED.iter().position(|e| e.kind == "post");
    for (at, kind) in [(post_at, "post"), (thread_at, "thread")] {
        for row in at.map_or(&[][..], |at| &parsed.rows[at][..]) {
            if let Some(Value::Text(Some(id))) = row.first() {
                changed.push((kind, id.as_str()));
            }
        }
    }
    record_changes(tx, &changed, micros(jiff::Timestamp::now())).await?;
    if tx.dialect() == Dialect::Postgres {
        // New users continue after the imported ids.
        tx.batch(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), \
             GREATEST((SELECT MAX(id) FROM users), 1))",
        )
        .await?;
    }
    Ok(parsed.counts.clone())
}
