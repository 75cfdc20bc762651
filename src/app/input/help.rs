//! The help overlay's content, generated from the active key bindings and their descriptions.

use crate::app::input::keymap::{Context, Keymap};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelpLine {
    Section(String),
    /// Key sequences (alternatives joined by ", ") and what they do.
    Binding {
        keys: String,
        desc: String,
    },
    Blank,
}

/// Keys handled outside the keymap: text prompts and the links list.
const FIXED: &[(&str, &str, &str)] = &[
    (
        "Typing a filter or search",
        "enter",
        "Run it (empty: the last one)",
    ),
    ("Typing a filter or search", "esc", "Cancel"),
    ("Typing a filter or search", "up, down", "Earlier ones"),
    (
        "Typing a filter or search",
        "left, right, home, end",
        "Move in the line",
    ),
    (
        "Typing a filter or search",
        "ctrl-w, ctrl-k",
        "Delete a word / to the end",
    ),
    ("Typing a filter or search", "ctrl-u", "Clear the text"),
    ("Links list", "j, k, up, down", "Choose a link"),
    ("Links list", "enter, 1…9", "Open it in the browser"),
    ("Links list", "esc", "Close the list"),
    ("Asked to confirm", "y", "Yes (discard or delete)"),
    ("Asked to confirm", "any other key", "No, keep it"),
    ("Anywhere", "ctrl-c", "Quit"),
];

/// Every binding, context by context, then the fixed keys of prompts and lists.
pub fn help_lines(keymap: &Keymap) -> Vec<HelpLine> {
    help_lines_for(keymap, Context::Global)
}

/// Like [`help_lines`], with the keys of `lead` (where the user is) near the top: a pane's
/// after the global ones, the composer's or a list's first.
pub fn help_lines_for(keymap: &Keymap, lead: Context) -> Vec<HelpLine> {
    let mut order: Vec<Context> = match lead {
        Context::Global => Vec::new(),
        Context::Tree | Context::Reader => vec![Context::Global, lead],
        Context::Composer | Context::Outbox | Context::Drafts => vec![lead],
    };
    let rest: Vec<Context> = Context::ALL
        .into_iter()
        .filter(|c| !order.contains(c))
        .collect();
    order.extend(rest);
    let mut lines = Vec::new();
    for context in order {
        let bindings = keymap.bindings(context);
        if bindings.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(HelpLine::Blank);
        }
        lines.push(HelpLine::Section(context.title().to_owned()));
        for binding in bindings {
            lines.push(HelpLine::Binding {
                keys: binding
                    .on
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                desc: binding.desc.clone(),
            });
        }
    }
    let mut section = "";
    for (title, keys, desc) in FIXED {
        if *title != section {
            lines.push(HelpLine::Blank);
            lines.push(HelpLine::Section((*title).to_owned()));
            section = title;
        }
        lines.push(HelpLine::Binding {
            keys: (*keys).to_owned(),
            desc: (*desc).to_owned(),
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_follows_the_active_bindings() {
        let table: toml::Table = toml::from_str(r#""ctrl-n" = "next_unread_thread""#).unwrap();
        let (keymap, _) = Keymap::with_overrides(&table);
        let lines = help_lines(&keymap);
        assert!(lines.contains(&HelpLine::Binding {
            keys: "ctrl-n".into(),
            desc: "Next thread with unread posts".into()
        }));
        assert!(lines.contains(&HelpLine::Binding {
            keys: "gg, home".into(),
            desc: "Top of the thread".into()
        }));
    }
}
