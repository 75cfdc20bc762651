//! @-mention completion in the composer: `tab` right after `@an` in the text completes a
//! user name. Names come from the cache at once (the authors of cached threads and of the
//! open thread's posts) and, online, from the server (API v1 `GET /users?prefix=`,
//! Discourse `/u/search/users.json`) through the sync engine, off the reader's loop; the
//! server's answer completes further when the same `@prefix` is still before the cursor.
//! One name: it is written out with a space; several: their common start, and the
//! candidates in the status line. Elsewhere `tab` does what it always did.

use crate::app::compose::composer::Field;
use crate::app::msg::Effect;
use crate::app::state::State;
use crate::sync::protocol::{Connection, SyncCommand};

/// Candidates shown in the status line at most.
const SHOWN: usize = 8;

/// The `@prefix` right before the composer's cursor, without the `@`.
fn prefix_at_cursor(state: &State) -> Option<String> {
    let composer = state.composer.as_ref()?;
    if composer.field() != Field::Body || composer.preview.is_some() {
        return None;
    }
    let cursor = composer.body.cursor();
    let (row, col) = (cursor.0, cursor.1);
    let line = composer.body.lines().get(row)?;
    let before: String = line.chars().take(col).collect();
    let word = before
        .rsplit(|c: char| c.is_whitespace() || "([{,;:\"'".contains(c))
        .next()?;
    let name = word.strip_prefix('@')?;
    let fits = |c: char| c.is_alphanumeric() || "_.-".contains(c);
    (!name.is_empty() && name.chars().all(fits)).then(|| name.to_owned())
}

/// Authors the cache knows whose names start with `prefix` (case aside).
fn cached_names(state: &State, prefix: &str) -> Vec<String> {
    let open = state.reader.open.as_ref();
    let authors = state.data.threads.iter().map(|t| &t.author.name).chain(
        open.into_iter()
            .flat_map(|o| o.real_posts().iter().map(|p| &p.author.name)),
    );
    let mut names = Vec::new();
    for name in authors {
        add(&mut names, name, prefix);
    }
    names
}

fn add(names: &mut Vec<String>, name: &str, prefix: &str) {
    let starts = name.to_lowercase().starts_with(&prefix.to_lowercase());
    if starts && !name.contains(char::is_whitespace) && !names.iter().any(|n| n == name) {
        names.push(name.to_owned());
    }
}

/// `tab` in the composer: completes an `@prefix` before the cursor (and asks the server,
/// when online). False when there is none: the key does what it always did.
pub fn complete(state: &mut State, fx: &mut Vec<Effect>) -> bool {
    let Some(prefix) = prefix_at_cursor(state) else {
        return false;
    };
    let names = cached_names(state, &prefix);
    let online = matches!(
        state.status.connection,
        Connection::Online | Connection::Syncing(_)
    );
    let asked = online && state.status.signed_in && !state.status.demo;
    if asked {
        fx.push(Effect::Sync(SyncCommand::SearchUsers(prefix.clone())));
    }
    apply(state, &prefix, &names, asked, fx);
    true
}

/// The server's names for `prefix` (or why it could not say): they complete further
/// while the name before the cursor still starts with `prefix`.
pub fn answered(
    state: &mut State,
    prefix: &str,
    result: Result<Vec<String>, String>,
    fx: &mut Vec<Effect>,
) {
    let Ok(found) = result else {
        return; // the cache's names stand
    };
    // Still completing that name (the cache may have extended it meanwhile)?
    let Some(now) = prefix_at_cursor(state)
        .filter(|now| now.to_lowercase().starts_with(&prefix.to_lowercase()))
    else {
        return; // the user typed on
    };
    let mut names = cached_names(state, &now);
    for name in &found {
        add(&mut names, name, &now);
    }
    apply(state, &now, &names, false, fx);
}

/// Completes `@prefix` with `names` (those starting with it).
fn apply(state: &mut State, prefix: &str, names: &[String], asked: bool, fx: &mut Vec<Effect>) {
    let Some(first) = names.first() else {
        if !asked {
            state.notice(format!(
                "no user name starting with @{prefix} is known here"
            ));
        }
        return;
    };
    let common: String = if names.len() == 1 {
        format!("{first} ")
    } else {
        let mut common: Vec<char> = first.chars().collect();
        for name in &names[1..] {
            let same = common
                .iter()
                .zip(name.chars())
                .take_while(|(a, b)| a.to_lowercase().eq(b.to_lowercase()))
                .count();
            common.truncate(same);
        }
        common.into_iter().collect()
    };
    if common.trim_end() != prefix
        && let Some(composer) = &mut state.composer
    {
        for _ in prefix.chars() {
            composer.body.delete_char();
        }
        composer.body.insert_str(&common);
        fx.push(Effect::DraftChanged);
    }
    if names.len() > 1 {
        let shown: Vec<String> = names.iter().take(SHOWN).map(|n| format!("@{n}")).collect();
        let more = names.len().saturating_sub(SHOWN);
        let tail = if more > 0 {
            format!(" (+{more})")
        } else {
            String::new()
        };
        state.notice(format!("{}{tail}", shown.join("  ")));
    }
}
