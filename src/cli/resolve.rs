//! Finds the thread a user named on the command line: by id, else by a unique title part.

use crate::model::ThreadSummary;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
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
    let needle = query.to_lowercase();
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
