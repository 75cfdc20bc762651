//! The hits of a search over the account (`S`), drawn as a box over the panes like the
//! other lists: each hit's thread and post (`#N` by whom, or "title"), then its snippet
//! with the query's words picked out.

use super::element::Element;
use super::lists::{draw_box, keys_hint};
use super::text::{truncate, width};
use super::theme::Theme;
use crate::app::Action;
use crate::app::input::keymap::Context;
use crate::app::state::State;
use crate::model::Query;
use crate::text::sanitize::clean_line;
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, state: &State, selected: usize, theme: &Theme) {
    let cols = usize::from(frame.area().width.min(100).saturating_sub(4));
    let meta = theme.get(Element::PaneMeta);
    let picked = theme.get(Element::SearchMatch);
    let results = &state.search_results;
    let words = Query::parse(&results.query)
        .map(|q| q.words)
        .unwrap_or_default();
    let entries: Vec<Vec<Line>> = results
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mark = if i == selected { "›" } else { " " };
            let place = match row.seq {
                Some(seq) => format!(" · #{seq} by {}", clean_line(&row.author)),
                None => " · title".to_owned(),
            };
            let title = clean_line(&row.thread_title);
            let head = Line::from(vec![
                Span::raw(format!(
                    "{mark}{}",
                    truncate(&title, cols.saturating_sub(width(&place) + 1))
                )),
                Span::styled(place, meta),
            ]);
            let snippet = truncate(&clean_line(&row.snippet), cols.saturating_sub(3));
            vec![head, painted(&snippet, &words, picked)]
        })
        .collect();
    let hint = keys_hint(
        &state.keys.keymap,
        Context::Results,
        &[
            (Action::Open, "open at the post"),
            (Action::SearchAccount, "search again"),
            (Action::Close, "close"),
        ],
    );
    let query = clean_line(&results.query);
    draw_box(
        frame,
        &format!(" {query} — {hint} "),
        entries,
        selected,
        Vec::new(),
        theme,
    );
}

/// The snippet, indented, each occurrence of a word (case-insensitive) in `hit`'s style.
fn painted(snippet: &str, words: &[String], hit: Style) -> Line<'static> {
    let lower = snippet.to_lowercase();
    // Lowercasing may change byte lengths (a few scripts): then nothing is picked out.
    let mut marked = vec![false; snippet.len()];
    if lower.len() == snippet.len() {
        for word in words.iter().filter(|w| !w.is_empty()) {
            for (at, _) in lower.match_indices(word.as_str()) {
                marked[at..at + word.len()]
                    .iter_mut()
                    .for_each(|m| *m = true);
            }
        }
    }
    let mut spans = vec![Span::raw("   ")];
    let mut start = 0;
    for (i, _) in snippet.char_indices().skip(1).chain([(snippet.len(), ' ')]) {
        if i < snippet.len() && marked[i] == marked[start] {
            continue;
        }
        let piece = snippet[start..i].to_owned();
        spans.push(if marked[start] {
            Span::styled(piece, hit)
        } else {
            Span::raw(piece)
        });
        start = i;
    }
    Line::from(spans)
}
