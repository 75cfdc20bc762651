//! Turns key presses into actions: multi-key sequences through the keymap, and the keys of
//! text prompts, the help overlay and the links list.

use crate::app::compose::actions as compose_actions;
use crate::app::geometry::Focus;
use crate::app::input::dispatch::{quit, run_action};
use crate::app::input::help::{HelpPages, help_lines_for};
use crate::app::input::keymap::{Context, Key, Lookup};
use crate::app::input::prompt::PromptOutcome;
use crate::app::lists::bookmarks_actions;
use crate::app::lists::drafts_actions;
use crate::app::lists::outbox_actions;
use crate::app::msg::Effect;
use crate::app::reader::actions::run_search;
use crate::app::reader::conflict;
use crate::app::reader::export;
use crate::app::reader::post_actions;
use crate::app::reader::revisions;
use crate::app::state::{Overlay, PromptKind, State};
use crate::render::Link;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub fn on_key(state: &mut State, event: KeyEvent, fx: &mut Vec<Effect>) {
    if event.kind == KeyEventKind::Release {
        return;
    }
    state.status.notice = None;
    if event.code == KeyCode::Char('c') && event.modifiers.contains(KeyModifiers::CONTROL) {
        // Anywhere, even mid-sentence: the draft is saved on the way out.
        quit(state, fx);
        return;
    }
    if state.prompt.is_some() {
        prompt_key(state, event, fx);
        return;
    }
    if state.reader.confirm_delete.is_some() {
        return post_actions::confirm_delete_key(state, event, fx);
    }
    if state.rules_ui.offer.is_some() {
        return crate::app::rules_ui::quick::offer_key(state, event, fx);
    }
    match state.overlay {
        Overlay::Help { scroll } => return help_key(state, event, scroll),
        Overlay::Links { selected } => return links_key(state, event, selected, fx),
        Overlay::Outbox { confirm: true, .. } => {
            return outbox_actions::confirm_key(state, event, fx);
        }
        Overlay::Drafts { confirm: true, .. } => {
            return drafts_actions::confirm_key(state, event, fx);
        }
        Overlay::Revisions { scroll } => return revisions::key(state, event, scroll),
        Overlay::Conflict { confirm: true, .. } => return conflict::confirm_key(state, event, fx),
        Overlay::Conflict { .. } => return list_key(state, Context::Conflict, event, fx),
        Overlay::Outbox { .. } => return list_key(state, Context::Outbox, event, fx),
        Overlay::Drafts { .. } => return list_key(state, Context::Drafts, event, fx),
        Overlay::Bookmarks { .. } => return list_key(state, Context::Bookmarks, event, fx),
        Overlay::Inbox { .. } => return list_key(state, Context::Inbox, event, fx),
        Overlay::SearchResults { .. } => return list_key(state, Context::Results, event, fx),
        Overlay::None => {}
    }
    if state.composer.is_some() {
        return composer_key(state, event, fx);
    }
    sequence_key(state, Key::from(event), fx);
}

/// Pasted text goes where typing would: the prompt or the composer.
pub fn on_paste(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    if let Some(prompt) = &mut state.prompt {
        prompt.paste(text);
        if prompt.kind == PromptKind::Filter {
            let text = prompt.text().to_owned();
            state.tree.set_filter(&text);
        }
    } else if state.overlay == Overlay::None && state.composer.is_some() {
        compose_actions::on_paste(state, text, fx);
    }
}

/// The composer's keys run their action; every other key is typed.
fn composer_key(state: &mut State, event: KeyEvent, fx: &mut Vec<Effect>) {
    match state
        .keys
        .keymap
        .lookup(Context::Composer, &[Key::from(event)])
    {
        Lookup::Action(action) => run_action(state, action, fx),
        Lookup::Pending | Lookup::Unbound => compose_actions::on_key(state, event, fx),
    }
}

/// A key in the outbox, drafts or bookmarks list (single keys only).
fn list_key(state: &mut State, context: Context, event: KeyEvent, fx: &mut Vec<Effect>) {
    let key = Key::from(event);
    match state.keys.keymap.lookup(context, &[key]) {
        Lookup::Action(action) => run_action(state, action, fx),
        Lookup::Pending | Lookup::Unbound => {
            state.notice(format!("{key} does nothing in this list; esc closes it"));
        }
    }
}

/// Adds a key to the pending sequence and runs what it completes.
fn sequence_key(state: &mut State, key: Key, fx: &mut Vec<Effect>) {
    let context = match state.focus {
        Focus::Tree => Context::Tree,
        Focus::Reader => Context::Reader,
    };
    state.keys.pending.push(key);
    match state.keys.keymap.lookup(context, &state.keys.pending) {
        Lookup::Action(action) => {
            state.keys.pending.clear();
            run_action(state, action, fx);
        }
        Lookup::Pending => {}
        Lookup::Unbound => {
            let keys = std::mem::take(&mut state.keys.pending);
            if keys.len() > 1 {
                // The keys typed before may stand alone; then this key starts afresh.
                let (last, before) = keys.split_last().unwrap_or((&key, &[]));
                if let Lookup::Action(action) = state.keys.keymap.lookup(context, before) {
                    run_action(state, action, fx);
                }
                let last = *last;
                sequence_key(state, last, fx);
            } else {
                let help = state
                    .keys
                    .keymap
                    .key_for(context, crate::app::input::action::Action::Help)
                    .map_or_else(|| "?".to_owned(), ToString::to_string);
                state.notice(format!("{key} does nothing here; {help} lists the keys"));
            }
        }
    }
}

fn prompt_key(state: &mut State, event: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(prompt) = &mut state.prompt else {
        return;
    };
    match prompt.key(event, &state.prompt_history) {
        PromptOutcome::Editing => {
            if prompt.kind == PromptKind::Filter {
                let text = prompt.text().to_owned();
                state.tree.set_filter(&text);
            }
        }
        PromptOutcome::Cancelled => match state.prompt.take() {
            Some(p) if p.kind == PromptKind::Filter => state.tree.set_filter(&p.before),
            Some(p) if p.kind == PromptKind::Note => bookmarks_actions::not_noted(state),
            Some(p) if p.kind == PromptKind::Recipients => {
                crate::app::compose::recipients::not_given(state);
            }
            Some(p) if p.kind == PromptKind::HideReason => {
                crate::app::reader::moderation::hide_cancelled(state);
            }
            Some(p) if p.kind == PromptKind::SplitTitle => {
                crate::app::reader::moderation::split_cancelled(state);
            }
            Some(p) if p.kind == PromptKind::MoveArea => {
                crate::app::reader::moderation::move_cancelled(state);
            }
            Some(p) if p.kind == PromptKind::SilenceSpan => {
                crate::app::reader::moderation::silence_cancelled(state);
            }
            _ => {}
        },
        PromptOutcome::Run(text) => {
            if let Some(p) = state.prompt.take() {
                state.prompt_history.remember(p.kind, &text);
                finish_prompt(state, p.kind, &text, fx);
            }
        }
    }
}

fn finish_prompt(state: &mut State, kind: PromptKind, text: &str, fx: &mut Vec<Effect>) {
    match kind {
        PromptKind::Filter => {
            state.tree.set_filter(text);
            if !text.is_empty() {
                let n = state.tree.matching_threads();
                state.notice(format!(
                    "{n} thread{} match; esc clears the filter",
                    if n == 1 { "" } else { "s" }
                ));
            }
        }
        PromptKind::Search => run_search(state, text),
        PromptKind::Pipe => export::run_pipe(state, text, fx),
        PromptKind::Save => export::run_save(state, text, fx),
        PromptKind::Note => bookmarks_actions::noted(state, text, fx),
        PromptKind::AccountSearch => {
            crate::app::lists::search_results::run_query(state, text, fx);
        }
        PromptKind::Recipients => crate::app::compose::recipients::given(state, text, fx),
        PromptKind::HideReason => {
            crate::app::reader::moderation::hide_reason_given(state, text, fx);
        }
        PromptKind::SplitTitle => {
            crate::app::reader::moderation::split_title_given(state, text, fx);
        }
        PromptKind::SilenceSpan => {
            crate::app::reader::moderation::silence_span_given(state, text, fx);
        }
        PromptKind::MoveArea => crate::app::reader::moderation::move_area_given(state, text, fx),
    }
}

fn help_key(state: &mut State, event: KeyEvent, scroll: usize) {
    // As far as the last row at the box's bottom, the way the screen lays the help out.
    let lines = help_lines_for(&state.keys.keymap, state.key_context());
    let max = HelpPages::new(&lines, state.size).max_scroll();
    let page = HelpPages::new(&lines, state.size).visible.max(1);
    let next = match event.code {
        KeyCode::Char('j') | KeyCode::Down => scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => scroll.saturating_sub(1),
        KeyCode::PageDown | KeyCode::Char(' ') => scroll.saturating_add(page),
        KeyCode::PageUp => scroll.saturating_sub(page),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => max,
        _ => {
            state.overlay = Overlay::None;
            return;
        }
    };
    state.overlay = Overlay::Help {
        scroll: next.min(max),
    };
}

fn links_key(state: &mut State, event: KeyEvent, selected: usize, fx: &mut Vec<Effect>) {
    let links: Vec<Link> = state.reader.links_shown();
    let last = links.len().saturating_sub(1);
    let chosen = match event.code {
        KeyCode::Char('j') | KeyCode::Down => {
            state.overlay = Overlay::Links {
                selected: (selected + 1).min(last),
            };
            return;
        }
        KeyCode::Char('k') | KeyCode::Up => {
            state.overlay = Overlay::Links {
                selected: selected.saturating_sub(1),
            };
            return;
        }
        KeyCode::Enter => links.get(selected),
        KeyCode::Char(c @ '1'..='9') => {
            let number = c.to_digit(10).and_then(|d| usize::try_from(d).ok());
            links.iter().find(|l| Some(l.number) == number)
        }
        _ => {
            state.overlay = Overlay::None;
            return;
        }
    };
    state.overlay = Overlay::None;
    match chosen.map(|l| (l.number, l.openable())) {
        Some((_, Some(url))) => {
            state.notice(format!("opening {url}"));
            fx.push(Effect::OpenUrl(url.to_owned()));
        }
        Some((number, None)) => {
            state.error(format!(
                "link [{number}] is not an http(s) address; not opened"
            ));
        }
        None => state.notice("no such link"),
    }
}
