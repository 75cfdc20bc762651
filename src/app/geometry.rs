//! Where each part of the screen goes for a terminal size: banner, panes, status line.
//! Shared by `update` (page sizes, mouse hits, wrap width) and the drawing code.

use ratatui::layout::Rect;

/// Below this many columns only one pane is shown at a time.
pub const NARROW_BELOW: u16 = 80;
/// The reader never gets fewer columns than this beside the tree.
const MIN_READER_WIDTH: u16 = 40;
/// The reader's columns beside its text: one of margin on each side.
const READER_MARGINS: u16 = 2;

/// Which pane has the keyboard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    Tree,
    Reader,
}

/// The screen cut into parts. A pane that is not shown has an empty rect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Geometry {
    pub banner: Rect,
    /// The tree pane including its right border.
    pub tree: Rect,
    /// The tree's rows (with several accounts, the focused account's tree's rows).
    pub tree_list: Rect,
    /// The tree pane's rows for every account (`tree_list` with one account).
    pub accounts_list: Rect,
    /// "All accounts" above them (several accounts with folders without `account:`;
    /// no rows otherwise).
    pub all_list: Rect,
    /// The reader's title line.
    pub reader_title: Rect,
    /// The reader's rows.
    pub reader_body: Rect,
    pub status: Rect,
    /// True when only one pane is shown.
    pub narrow: bool,
}

/// What the layout depends on besides the terminal size.
#[derive(Clone, Copy, Debug)]
pub struct LayoutInput {
    pub size: (u16, u16),
    pub banner_rows: u16,
    /// The tree's width at least.
    pub tree_width: u16,
    /// The widest the reader's text runs (0: no limit): the tree takes what is left over.
    pub text_width: u16,
    pub focus: Focus,
}

pub fn compute(input: LayoutInput) -> Geometry {
    let (width, height) = input.size;
    let screen = Rect::new(0, 0, width, height);
    let status_rows = u16::from(height > 1);
    // The banner never takes more than half the screen.
    let banner_rows = input
        .banner_rows
        .min(height.saturating_sub(status_rows) / 2);
    let banner = Rect::new(0, 0, width, banner_rows);
    let status = Rect::new(0, height.saturating_sub(status_rows), width, status_rows);
    let middle_top = banner_rows;
    let middle_height = height.saturating_sub(banner_rows + status_rows);
    let middle = Rect::new(0, middle_top, width, middle_height).intersection(screen);

    let narrow = width < NARROW_BELOW;
    let (tree, reader) = if narrow {
        match input.focus {
            Focus::Tree => (middle, Rect::new(0, middle_top, 0, 0)),
            Focus::Reader => (Rect::new(0, middle_top, 0, 0), middle),
        }
    } else {
        // Lines of 160 columns are hard to read: past the text's width, the columns go to
        // the tree (long titles), as newsboat's text-width and neomutt's wrap keep text
        // narrow.
        let reader_cap = match input.text_width {
            0 => u16::MAX,
            text => text.saturating_add(READER_MARGINS),
        };
        let tree_width = input
            .tree_width
            .max(width.saturating_sub(reader_cap))
            .clamp(16, width.saturating_sub(MIN_READER_WIDTH).max(16));
        let tree = Rect::new(0, middle_top, tree_width, middle_height);
        let reader = Rect::new(
            tree_width,
            middle_top,
            width.saturating_sub(tree_width),
            middle_height,
        );
        (tree, reader)
    };
    // The tree's right border separates the panes when both are shown.
    let border = u16::from(!narrow && tree.width > 0);
    let tree_list = Rect::new(
        tree.x,
        tree.y,
        tree.width.saturating_sub(border),
        tree.height,
    );
    let title_rows = u16::from(reader.height > 0);
    let reader_title = Rect::new(reader.x, reader.y, reader.width, title_rows);
    let reader_body = Rect::new(
        reader.x,
        reader.y + title_rows,
        reader.width,
        reader.height.saturating_sub(title_rows),
    );
    Geometry {
        banner,
        tree,
        tree_list,
        accounts_list: tree_list,
        all_list: Rect::new(tree_list.x, tree_list.y, tree_list.width, 0),
        reader_title,
        reader_body,
        status,
        narrow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(size: (u16, u16), focus: Focus) -> LayoutInput {
        LayoutInput {
            size,
            banner_rows: 1,
            tree_width: 38,
            text_width: 100,
            focus,
        }
    }

    #[test]
    fn past_the_texts_width_the_tree_takes_the_room() {
        let g = compute(input((200, 50), Focus::Reader));
        assert_eq!(
            g.reader_body.width, 102,
            "100 columns of text and its margins"
        );
        assert_eq!(g.tree.width, 98);
        let g = compute(LayoutInput {
            text_width: 0,
            ..input((200, 50), Focus::Reader)
        });
        assert_eq!(g.tree.width, 38, "no limit: the reader takes it all");
        let g = compute(input((130, 40), Focus::Reader));
        assert_eq!((g.tree.width, g.reader_body.width), (38, 92));
    }

    #[test]
    fn wide_terminals_show_both_panes() {
        let g = compute(input((120, 40), Focus::Tree));
        assert!(!g.narrow);
        assert_eq!(g.banner.height, 1);
        assert_eq!(g.tree.width, 38);
        assert_eq!(g.tree_list.width, 37);
        assert_eq!(g.reader_body.x, 38);
        assert_eq!(g.reader_body.width, 82);
        assert_eq!(g.reader_body.height, 40 - 1 - 1 - 1);
        assert_eq!(g.status.y, 39);
    }

    #[test]
    fn narrow_terminals_show_the_focused_pane_only() {
        let g = compute(input((60, 20), Focus::Tree));
        assert!(g.narrow);
        assert_eq!(g.tree_list.width, 60);
        assert_eq!(g.reader_body.width, 0);
        let g = compute(input((60, 20), Focus::Reader));
        assert_eq!(g.tree.width, 0);
        assert_eq!(g.reader_body.width, 60);
    }
}
