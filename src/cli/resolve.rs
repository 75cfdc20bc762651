//! Finds the thread a user named on the command line: by id, else by a unique title part.

use crate::model::ThreadSummary;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    #[error("name a thread: its id or a part of its title (`threadmark tree` lists them)")]
    Empty,
    #[error("no thread matches {0:?}; `threadmark tree` lists them")]
    NotFound(String),
    #[error("{query:?} matches {} threads; be more specific:\n{}", .candidates.len(), .candidates.join("\n"))]
    Ambiguous {
        query: String,
        candidates: Vec<String>,
    },
}

/// An exact id wins; otherwise the case-insensitive title match must be unique.
pub fn resolve_thread<'a>(
    threads: &'a [ThreadSummary],
    query: &str,
) -> Result<&'a ThreadSummary, ResolveError> {
    if let Some(exact) = threads.iter().find(|t| t.id.as_str() == query) {
        return Ok(exact);
    }
    // An empty name is part of every title: it names nothing.
    if query.trim().is_empty() {
        return Err(ResolveError::Empty);
    }
    let needle = query.trim().to_lowercase();
    let matches: Vec<&ThreadSummary> = threads
        .iter()
        .filter(|t| t.title.to_lowercase().contains(&needle))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(ResolveError::NotFound(query.to_owned())),
        many => Err(ResolveError::Ambiguous {
            query: query.to_owned(),
            candidates: many
                .iter()
                .take(10)
                .map(|t| {
                    format!(
                        "  {}  {}",
                        t.id,
                        crate::text::sanitize::clean_line(&t.title)
                    )
                })
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AreaId, Author, ThreadId};

    fn thread(id: &str, title: &str) -> ThreadSummary {
        ThreadSummary {
            id: ThreadId::new(id),
            area: AreaId::new("a"),
            title: title.into(),
            author: Author::new("x"),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            last_post_at: jiff::Timestamp::UNIX_EPOCH,
            post_count: 1,
            last_seq: 1,
            pinned: false,
            locked: false,
            missing: thin_vec::ThinVec::new(),
            small_actions: thin_vec::ThinVec::new(),
        }
    }

    #[test]
    fn an_empty_name_matches_nothing_even_with_one_thread() {
        let threads = [thread("t1", "Advocacy")];
        for empty in ["", " ", "\t"] {
            assert_eq!(resolve_thread(&threads, empty), Err(ResolveError::Empty));
        }
        assert_eq!(
            resolve_thread(&threads, " advo ").unwrap().id.as_str(),
            "t1"
        );
    }
}
