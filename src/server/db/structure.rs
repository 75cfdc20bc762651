//! Writes to the forum's structure — its title, announcement, sections and areas — shared
//! by the admin endpoints and `threadmark serve forum …`. Every edit enters the changes
//! feed as one `tree` change, so syncing clients see it without asking.

use super::read;
use super::sql::{SqlRow, Tx, params};
use super::write::{Rejection, WriteResult, record_changes, set_meta};
use super::{DbError, WriteFailure, micros};
use crate::api::{self, FieldErrorCode, Problem, ProblemCode};
use jiff::Timestamp;

/// Longest section or area id.
pub const MAX_ID_CHARS: usize = 64;
/// Longest forum, section or area title.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest area description or announcement.
pub const MAX_TEXT_CHARS: usize = 2000;

/// Whether an edit may create what it names, or must find it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// Only create: refuse when it exists (`… add`).
    Only,
    /// Only change: refuse when it does not exist (`… rename`).
    Never,
    /// Create or change (`PUT`).
    Either,
}

/// One change to the structure.
#[derive(Clone, Debug, PartialEq)]
pub enum StructureEdit {
    Title(String),
    /// Set (or, with `None`, clear) the standing announcement.
    Announcement(Option<api::AnnouncementChange>),
    Section {
        id: String,
        change: api::SectionChange,
        create: Create,
    },
    RemoveSection(String),
    Area {
        id: String,
        change: api::AreaChange,
        create: Create,
    },
    RemoveArea(String),
}

/// The tree after an edit, and whether the edit created a section or area.
#[derive(Clone, Debug, PartialEq)]
pub struct Edited {
    pub created: bool,
    pub tree: api::Tree,
}

fn reject<T>(problem: Problem) -> WriteResult<T> {
    Err(WriteFailure::Rejected(Box::new(problem)))
}

fn invalid(field: &str, code: FieldErrorCode, message: impl Into<String>) -> Rejection {
    Box::new(Problem::new(ProblemCode::ValidationFailed).field(field, code, message))
}

/// An id is what clients put in paths and users type: short, plain ASCII.
pub fn check_id(id: &str) -> Result<(), Rejection> {
    if id.is_empty() {
        return Err(invalid(
            "id",
            FieldErrorCode::Empty,
            "an id cannot be empty",
        ));
    }
    if id.chars().count() > MAX_ID_CHARS
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(invalid(
            "id",
            FieldErrorCode::Invalid,
            format!(
                "{id:?}: an id is 1 to {MAX_ID_CHARS} letters, digits, '-', '_' or '.' (e.g. \"general-news\")"
            ),
        ));
    }
    Ok(())
}

/// A title: one line, not blank, not too long. Returns it trimmed.
fn check_title(field: &str, title: &str) -> Result<String, Rejection> {
    let title = title.trim();
    if crate::text::sanitize::is_blank(title) {
        return Err(invalid(
            field,
            FieldErrorCode::Empty,
            "a title cannot be empty",
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(invalid(
            field,
            FieldErrorCode::Invalid,
            "a title is one line without control characters",
        ));
    }
    check_length(field, title, MAX_TITLE_CHARS)?;
    Ok(title.to_owned())
}

fn check_length(field: &str, text: &str, max: usize) -> Result<(), Rejection> {
    let chars = text.chars().count();
    if chars > max {
        return Err(invalid(
            field,
            FieldErrorCode::TooLong,
            format!("{chars} characters; at most {max}"),
        ));
    }
    Ok(())
}

/// Applies `edit` and records one `tree` change.
pub async fn edit(tx: &impl Tx, edit: &StructureEdit, now: Timestamp) -> WriteResult<Edited> {
    let created = match edit {
        StructureEdit::Title(title) => {
            let title = check_title("title", title).map_err(WriteFailure::Rejected)?;
            set_meta(tx, "title", &title).await?;
            false
        }
        StructureEdit::Announcement(banner) => {
            set_announcement(tx, banner.as_ref(), now).await?;
            false
        }
        StructureEdit::Section { id, change, create } => {
            put_section(tx, id, change, *create).await?
        }
        StructureEdit::RemoveSection(id) => {
            remove_section(tx, id).await?;
            false
        }
        StructureEdit::Area { id, change, create } => put_area(tx, id, change, *create).await?,
        StructureEdit::RemoveArea(id) => {
            remove_area(tx, id).await?;
            false
        }
    };
    record_changes(tx, &[("tree", "tree")], micros(now)).await?;
    Ok(Edited {
        created,
        tree: read::tree(tx).await?,
    })
}

async fn set_announcement(
    tx: &impl Tx,
    banner: Option<&api::AnnouncementChange>,
    now: Timestamp,
) -> WriteResult<()> {
    let Some(banner) = banner else {
        tx.execute("DELETE FROM meta WHERE key = 'announcement'", &[])
            .await?;
        return Ok(());
    };
    if crate::text::sanitize::is_blank(&banner.text) {
        return Err(WriteFailure::Rejected(invalid(
            "text",
            FieldErrorCode::Empty,
            "an announcement needs a text (clear it with DELETE instead)",
        )));
    }
    check_length("text", &banner.text, MAX_TEXT_CHARS).map_err(WriteFailure::Rejected)?;
    let wire = api::Banner {
        // A new id for every announcement: clients show it again even where the last
        // one was dismissed.
        id: format!("announcement-{}", now.as_microsecond()),
        severity: banner.severity,
        text: banner.text.trim().to_owned(),
        starts_at: banner.starts_at,
        ends_at: banner.ends_at,
    };
    let json = serde_json::to_string(&wire).map_err(|e| DbError::Other(e.to_string()))?;
    set_meta(tx, "announcement", &json).await?;
    Ok(())
}

fn section_not_found(id: &str) -> Problem {
    Problem::new(ProblemCode::SectionNotFound).detail(format!("no section {id:?}"))
}

fn area_not_found(id: &str) -> Problem {
    Problem::new(ProblemCode::AreaNotFound).detail(format!("no area {id:?}"))
}

fn exists(what: &str, id: &str, rename: &str) -> Problem {
    Problem::new(ProblemCode::AlreadyExists)
        .detail(format!("{what} {id:?} exists already; {rename}"))
}

async fn section_exists(tx: &impl Tx, id: &str) -> Result<bool, DbError> {
    Ok(tx
        .query_opt("SELECT id FROM sections WHERE id = $1", params![id])
        .await?
        .is_some())
}

/// The id of a section or area to put, and its new title (cleaned) when one is given.
fn checked_id_and_title(id: &str, title: Option<&str>) -> WriteResult<Option<String>> {
    check_id(id).map_err(WriteFailure::Rejected)?;
    title
        .map(|t| check_title("title", t))
        .transpose()
        .map_err(WriteFailure::Rejected)
}

/// Creates or changes a section; true when created.
async fn put_section(
    tx: &impl Tx,
    id: &str,
    change: &api::SectionChange,
    create: Create,
) -> WriteResult<bool> {
    let title = checked_id_and_title(id, change.title.as_deref())?;
    let found = section_exists(tx, id).await?;
    match (found, create) {
        (true, Create::Only) => {
            return reject(exists(
                "section",
                id,
                "rename it with `threadmark serve forum section rename`",
            ));
        }
        (false, Create::Never) => return reject(section_not_found(id)),
        _ => {}
    }
    if !found {
        let Some(title) = &title else {
            return Err(WriteFailure::Rejected(invalid(
                "title",
                FieldErrorCode::Required,
                "a new section needs a title",
            )));
        };
        tx.execute(
            "INSERT INTO sections (id, position, title) VALUES ($1, \
             (SELECT COALESCE(MAX(position), -1) + 1 FROM sections), $2)",
            params![id, title],
        )
        .await?;
    } else if let Some(title) = &title {
        tx.execute(
            "UPDATE sections SET title = $2 WHERE id = $1",
            params![id, title],
        )
        .await?;
    }
    if let Some(position) = change.position {
        let ids = ordered(tx, "SELECT id FROM sections ORDER BY position, id", None).await?;
        renumber(tx, None, place(ids, id, position)).await?;
    }
    Ok(!found)
}

async fn remove_section(tx: &impl Tx, id: &str) -> WriteResult<()> {
    if !section_exists(tx, id).await? {
        return reject(section_not_found(id));
    }
    let areas = ordered(
        tx,
        "SELECT id FROM areas WHERE section_id = $1 ORDER BY position, id",
        Some(id),
    )
    .await?;
    if !areas.is_empty() {
        return reject(Problem::new(ProblemCode::NotEmpty).detail(format!(
            "section {id:?} still holds {} area(s) ({}); move or remove them first",
            areas.len(),
            areas.join(", ")
        )));
    }
    tx.execute("DELETE FROM sections WHERE id = $1", params![id])
        .await?;
    Ok(())
}

/// Creates or changes an area; true when created.
async fn put_area(
    tx: &impl Tx,
    id: &str,
    change: &api::AreaChange,
    create: Create,
) -> WriteResult<bool> {
    let title = checked_id_and_title(id, change.title.as_deref())?;
    if let Some(description) = &change.description {
        check_length("description", description, MAX_TEXT_CHARS).map_err(WriteFailure::Rejected)?;
    }
    let current = tx
        .query_opt("SELECT section_id FROM areas WHERE id = $1", params![id])
        .await?
        .map(|r| r.text(0))
        .transpose()?;
    match (&current, create) {
        (Some(_), Create::Only) => {
            return reject(exists(
                "area",
                id,
                "rename it with `threadmark serve forum area rename`",
            ));
        }
        (None, Create::Never) => return reject(area_not_found(id)),
        _ => {}
    }
    if let Some(section) = &change.section
        && !section_exists(tx, section).await?
    {
        return reject(section_not_found(section));
    }
    let description = change
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let Some(from) = current else {
        let (Some(section), Some(title)) = (&change.section, &title) else {
            let missing = if change.section.is_none() {
                ("section", "a new area needs a section")
            } else {
                ("title", "a new area needs a title")
            };
            return Err(WriteFailure::Rejected(invalid(
                missing.0,
                FieldErrorCode::Required,
                missing.1,
            )));
        };
        tx.execute(
            "INSERT INTO areas (id, section_id, position, title, description) VALUES ($1, $2, \
             (SELECT COALESCE(MAX(position), -1) + 1 FROM areas WHERE section_id = $2), $3, $4)",
            params![id, section.as_str(), title, description],
        )
        .await?;
        if let Some(position) = change.position {
            reorder_areas(tx, section, id, position).await?;
        }
        set_roles(tx, id, change).await?;
        return Ok(true);
    };
    change_area(tx, id, &from, change, title.as_deref(), description).await?;
    Ok(false)
}

/// Sets who may post in and who may read an area, for the roles `change` gives.
async fn set_roles(tx: &impl Tx, id: &str, change: &api::AreaChange) -> Result<(), DbError> {
    if let Some(role) = change.post_role {
        // `member` is what an area without a setting means: store it as none.
        let stored = (role != api::Role::Member).then_some(role.as_str());
        tx.execute(
            "UPDATE areas SET post_role = $2 WHERE id = $1",
            params![id, stored],
        )
        .await?;
    }
    if let Some(role) = change.read_role {
        // `reader` is everyone: an area open to all readers has no setting.
        let stored = (role != api::Role::Reader).then_some(role.as_str());
        tx.execute(
            "UPDATE areas SET read_role = $2 WHERE id = $1",
            params![id, stored],
        )
        .await?;
    }
    Ok(())
}

/// Changes an existing area (in section `from`): what `change` gives.
async fn change_area(
    tx: &impl Tx,
    id: &str,
    from: &str,
    change: &api::AreaChange,
    title: Option<&str>,
    description: Option<&str>,
) -> Result<(), DbError> {
    if let Some(title) = title {
        tx.execute(
            "UPDATE areas SET title = $2 WHERE id = $1",
            params![id, title],
        )
        .await?;
    }
    if change.description.is_some() {
        tx.execute(
            "UPDATE areas SET description = $2 WHERE id = $1",
            params![id, description],
        )
        .await?;
    }
    set_roles(tx, id, change).await?;
    match &change.section {
        Some(to) if to != from => {
            tx.execute(
                "UPDATE areas SET section_id = $2, position = \
                 (SELECT COALESCE(MAX(position), -1) + 1 FROM areas WHERE section_id = $2) WHERE id = $1",
                params![id, to.as_str()],
            )
            .await?;
            let left = ordered(
                tx,
                "SELECT id FROM areas WHERE section_id = $1 ORDER BY position, id",
                Some(from),
            )
            .await?;
            renumber(tx, Some(from), left).await?;
            if let Some(position) = change.position {
                reorder_areas(tx, to, id, position).await?;
            }
        }
        _ => {
            if let Some(position) = change.position {
                reorder_areas(tx, from, id, position).await?;
            }
        }
    }
    Ok(())
}

async fn reorder_areas(
    tx: &impl Tx,
    section: &str,
    id: &str,
    position: u32,
) -> Result<(), DbError> {
    let ids = ordered(
        tx,
        "SELECT id FROM areas WHERE section_id = $1 ORDER BY position, id",
        Some(section),
    )
    .await?;
    renumber(tx, Some(section), place(ids, id, position)).await
}

async fn remove_area(tx: &impl Tx, id: &str) -> WriteResult<()> {
    let Some(section) = tx
        .query_opt("SELECT section_id FROM areas WHERE id = $1", params![id])
        .await?
        .map(|r| r.text(0))
        .transpose()?
    else {
        return reject(area_not_found(id));
    };
    let threads = tx
        .query_one(
            "SELECT COUNT(*) FROM threads WHERE area_id = $1",
            params![id],
        )
        .await?
        .int(0)?;
    if threads > 0 {
        return reject(Problem::new(ProblemCode::NotEmpty).detail(format!(
            "area {id:?} still holds {threads} thread(s); move them to another area first"
        )));
    }
    tx.execute("DELETE FROM areas WHERE id = $1", params![id])
        .await?;
    let left = ordered(
        tx,
        "SELECT id FROM areas WHERE section_id = $1 ORDER BY position, id",
        Some(&section),
    )
    .await?;
    renumber(tx, Some(&section), left).await?;
    Ok(())
}

/// The ids a query lists, in its order (`parent` is its `$1` when given).
async fn ordered(tx: &impl Tx, sql: &str, parent: Option<&str>) -> Result<Vec<String>, DbError> {
    let rows = match parent {
        Some(parent) => tx.query(sql, params![parent]).await?,
        None => tx.query(sql, &[]).await?,
    };
    rows.iter().map(|r| r.text(0)).collect()
}

/// `ids` with `id` moved to `position` (1 is first; past the end is last).
fn place(mut ids: Vec<String>, id: &str, position: u32) -> Vec<String> {
    ids.retain(|other| other != id);
    let at = usize::try_from(position.saturating_sub(1))
        .unwrap_or(usize::MAX)
        .min(ids.len());
    ids.insert(at, id.to_owned());
    ids
}

/// Stores `ids`' order as positions 0, 1, 2…: the sections' order, or with `section`
/// the order of that section's areas.
async fn renumber(tx: &impl Tx, section: Option<&str>, ids: Vec<String>) -> Result<(), DbError> {
    for (position, id) in (0_i64..).zip(&ids) {
        match section {
            Some(section) => {
                tx.execute(
                    "UPDATE areas SET position = $2 WHERE id = $1 AND section_id = $3",
                    params![id.as_str(), position, section],
                )
                .await?;
            }
            None => {
                tx.execute(
                    "UPDATE sections SET position = $2 WHERE id = $1",
                    params![id.as_str(), position],
                )
                .await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placed_id_lands_where_asked_and_past_the_end_is_last() {
        let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(place(ids(&["a", "b", "c"]), "c", 1), ids(&["c", "a", "b"]));
        assert_eq!(place(ids(&["a", "b", "c"]), "a", 2), ids(&["b", "a", "c"]));
        assert_eq!(place(ids(&["a", "b", "c"]), "a", 99), ids(&["b", "c", "a"]));
        assert_eq!(place(ids(&["a", "b"]), "new", 0), ids(&["new", "a", "b"]));
    }

    #[test]
    fn ids_are_plain_ascii_and_short() {
        assert!(check_id("general-news_2.0").is_ok());
        for bad in ["", "has space", "ü", "a/b", &"x".repeat(65)] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
    }
}
