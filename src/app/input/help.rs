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
        Context::Composer
        | Context::Outbox
        | Context::Drafts
        | Context::Conflict
        | Context::Bookmarks
        | Context::Inbox
        | Context::Results => {
            vec![lead]
        }
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

/// Columns one help column needs (keys, gap, description).
pub const HELP_COLUMN: u16 = 58;

/// How the help is laid out on a screen: one column, or two side by side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpPages {
    /// The lines of each column, as ranges of the help's lines.
    pub columns: Vec<std::ops::Range<usize>>,
    /// Rows of text the box shows at once.
    pub visible: usize,
}

impl HelpPages {
    /// Lays out `lines` on a `cols` × `rows` screen: two columns when one would not fit
    /// the height and two fit the width, split at the section break that balances them.
    pub fn new(lines: &[HelpLine], (cols, rows): (u16, u16)) -> Self {
        let two = lines.len() + 2 > usize::from(rows) && cols >= 2 * HELP_COLUMN + 3;
        let columns = if two {
            let split = (0..lines.len())
                .filter(|&i| lines[i] == HelpLine::Blank)
                .min_by_key(|&i| i.max(lines.len() - i - 1))
                .unwrap_or(lines.len() / 2);
            vec![0..split, (split + 1).min(lines.len())..lines.len()]
        } else {
            std::iter::once(0..lines.len()).collect()
        };
        let tallest = columns
            .iter()
            .map(ExactSizeIterator::len)
            .max()
            .unwrap_or(0);
        // The box is as tall as its text plus the frame, within the screen less a margin.
        let box_rows = (tallest + 2)
            .min(usize::from(rows).saturating_sub(2))
            .max(1);
        Self {
            columns,
            visible: box_rows.saturating_sub(2),
        }
    }

    /// Rows of the tallest column.
    pub fn tallest(&self) -> usize {
        self.columns
            .iter()
            .map(ExactSizeIterator::len)
            .max()
            .unwrap_or(0)
    }

    /// The furthest the help scrolls: its last row at the bottom of the box.
    pub fn max_scroll(&self) -> usize {
        self.tallest().saturating_sub(self.visible)
    }

    /// Whether rows are hidden below the box at `scroll`.
    pub fn more_below(&self, scroll: usize) -> bool {
        scroll + self.visible < self.tallest()
    }
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

    #[test]
    fn the_help_scrolls_no_further_than_its_last_row() {
        let lines = help_lines(&Keymap::defaults());
        // Short and narrow: one column, scrolled until its last line is at the bottom.
        let narrow = HelpPages::new(&lines, (80, 24));
        assert_eq!(narrow.columns.len(), 1);
        assert_eq!(narrow.visible, 20);
        assert_eq!(narrow.max_scroll(), lines.len() - 20);
        assert!(narrow.more_below(narrow.max_scroll() - 1));
        assert!(!narrow.more_below(narrow.max_scroll()));
        // Wide: two columns, each shorter than the whole list.
        let wide = HelpPages::new(&lines, (120, 40));
        assert_eq!(wide.columns.len(), 2);
        assert!(wide.tallest() < lines.len());
        assert_eq!(wide.max_scroll(), wide.tallest().saturating_sub(36));
    }
}
