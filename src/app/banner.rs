//! The forum's announcement: one line, expandable to the whole text, dismissable per id.

use crate::model::{Banner, Body, Severity};
use crate::render::{Document, Line};
use crate::text::sanitize::clean_line;
use std::collections::BTreeSet;

/// The forum's announcement (from its tree) and the server's banner (from its status, e.g.
/// a gray-out notice). The server's comes first; each is dismissed by its own id.
#[derive(Debug, Default)]
pub struct BannerState {
    forum: Option<Banner>,
    server: Option<Banner>,
    forum_doc: Document,
    server_doc: Document,
    pub expanded: bool,
    dismissed: BTreeSet<String>,
    /// The id dismissed last this session, which `B` can bring back.
    last_dismissed: Option<String>,
}

fn parse(banner: Option<&Banner>) -> Document {
    banner
        .map(|b| Document::from_body(&Body::markdown(b.text.as_str())))
        .unwrap_or_default()
}

impl BannerState {
    pub fn new(banner: Option<Banner>, dismissed: BTreeSet<String>) -> Self {
        Self {
            forum_doc: parse(banner.as_ref()),
            forum: banner,
            dismissed,
            ..Self::default()
        }
    }

    /// Replaces the forum's announcement (a sync brought a new one); dismissals are kept.
    pub fn set(&mut self, banner: Option<Banner>) {
        if self.forum != banner {
            self.forum_doc = parse(banner.as_ref());
            self.forum = banner;
        }
    }

    /// Replaces the server's banner (its status changed); dismissals are kept.
    pub fn set_server(&mut self, banner: Option<Banner>) {
        if self.server != banner {
            self.server_doc = parse(banner.as_ref());
            self.server = banner;
        }
    }

    fn shown_with_doc(&self) -> Option<(&Banner, &Document)> {
        [
            (self.server.as_ref(), &self.server_doc),
            (self.forum.as_ref(), &self.forum_doc),
        ]
        .into_iter()
        .find_map(|(b, doc)| {
            b.filter(|b| !self.dismissed.contains(&b.id))
                .map(|b| (b, doc))
        })
    }

    /// The banner to show (the server's, else the forum's), unless dismissed.
    pub fn shown(&self) -> Option<&Banner> {
        self.shown_with_doc().map(|(b, _)| b)
    }

    pub fn severity(&self) -> Severity {
        self.shown().map(|b| b.severity).unwrap_or_default()
    }

    pub fn dismissed(&self) -> &BTreeSet<String> {
        &self.dismissed
    }

    /// Hides the current announcement for good. False when none is shown.
    pub fn dismiss(&mut self) -> bool {
        let Some(id) = self.shown().map(|b| b.id.clone()) else {
            return false;
        };
        self.dismissed.insert(id.clone());
        self.last_dismissed = Some(id);
        self.expanded = false;
        true
    }

    /// Brings back the announcement dismissed last this session. False when there is none.
    pub fn undismiss(&mut self) -> bool {
        let Some(id) = self.last_dismissed.take() else {
            return false;
        };
        self.dismissed.remove(&id)
    }

    /// The dismiss hint of the one-line form (` X dismiss `).
    pub fn dismiss_hint(dismiss_key: &str) -> String {
        format!(" {dismiss_key} dismiss ")
    }

    /// Columns the one-line form has for the text beside its icon and the dismiss hint.
    pub fn one_line_room(cols: u16, dismiss_key: &str) -> usize {
        let used =
            3 + unicode_width::UnicodeWidthStr::width(Self::dismiss_hint(dismiss_key).as_str());
        usize::from(cols).saturating_sub(used)
    }

    /// Whether expanding would show more than the one line does in `room` columns: a
    /// second line, links, or a first line cut short.
    pub fn has_more(&self, room: usize) -> bool {
        let Some((banner, doc)) = self.shown_with_doc() else {
            return false;
        };
        let summary = self.summary();
        !banner.links.is_empty()
            || crate::text::sanitize::clean_line(&doc.plain_text()).trim() != summary
            || unicode_width::UnicodeWidthStr::width(summary.as_str()) > room
    }

    /// The one-line form: the text's first line.
    pub fn summary(&self) -> String {
        self.shown()
            .map(|b| {
                clean_line(b.text.lines().find(|l| !l.trim().is_empty()).unwrap_or(""))
                    .trim()
                    .to_owned()
            })
            .unwrap_or_default()
    }

    /// The expanded form wrapped to `width` (after a two-column gutter), links last.
    pub fn body_lines(&self, width: u16) -> Vec<Line> {
        let Some((banner, doc)) = self.shown_with_doc() else {
            return Vec::new();
        };
        let mut lines = doc.wrap(usize::from(width.saturating_sub(2)).max(10));
        let labels: Vec<String> = banner
            .links
            .iter()
            .map(|l| match &l.url {
                Some(url) => format!("{} <{}>", clean_line(&l.label), clean_line(url)),
                None => clean_line(&l.label).into_owned(),
            })
            .collect();
        if !labels.is_empty() {
            lines.push(Line {
                spans: vec![crate::render::Span {
                    text: format!("Links: {}", labels.join(" · ")).into(),
                    style: crate::render::Style::role(crate::render::Role::Link),
                }],
            });
        }
        lines
    }

    /// Rows the banner takes at `width`: none, one, or a heading line and the whole text.
    pub fn rows(&self, width: u16) -> u16 {
        match (self.shown(), self.expanded) {
            (None, _) => 0,
            (Some(_), false) => 1,
            (Some(_), true) => u16::try_from(self.body_lines(width).len() + 1).unwrap_or(u16::MAX),
        }
    }
}
