//! A post's header line: unread dot, author, badge, position or date, "edited", the reply
//! it answers, a bookmark, and a NEW tag for posts added since the last visit.

use super::element::Element;
use super::theme::Theme;
use crate::app::reader::echo::EchoMark;
use crate::app::reader::post_marks::{Change, PostMarks};
use crate::model::{OutboxState, Post};
use crate::render::{answers_label, post_facts_with};
use crate::text::sanitize::clean_line;
use ratatui::text::Span;
use std::fmt::Write as _;

pub fn header_spans(
    post: &Post,
    parent: Option<&Post>,
    undated: bool,
    unread: bool,
    is_new: bool,
    marks: &PostMarks,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let meta = theme.get(Element::ReaderMeta);
    let mut spans = vec![if unread {
        Span::styled("● ", theme.get(Element::ReaderUnread))
    } else {
        Span::raw("  ")
    }];
    spans.push(Span::styled(
        clean_line(&post.author.name).into_owned(),
        theme.get(Element::ReaderAuthor),
    ));
    if let Some(badge) = &post.author.badge {
        spans.push(Span::styled(
            format!(" [{}]", clean_line(badge)),
            theme.get(Element::ReaderBadge),
        ));
    }
    spans.push(Span::styled(
        post_facts_with(post, parent, undated, marks.reactions, marks.like_pending),
        meta,
    ));
    // What our outbox is doing to it, until the server agrees.
    let doing = match marks.change {
        Some(Change::Conflict) => Some((
            "conflicts with a newer version: e to choose",
            Element::EchoFailed,
        )),
        Some(Change::Deleting) => Some(("deleting…", Element::EchoQueued)),
        Some(Change::Editing) => Some(("edit on its way…", Element::EchoQueued)),
        None if post.deleted && !post.removed && marks.mine => {
            Some(("deleted by you", Element::ReaderMeta))
        }
        None => None,
    };
    if marks.bookmarked {
        spans.push(Span::styled(" · ", meta));
        spans.push(Span::styled(
            "⚑ bookmarked",
            theme.get(Element::ReaderBookmark),
        ));
    }
    if let Some((text, element)) = doing {
        spans.push(Span::styled(" · ", meta));
        spans.push(Span::styled(text, theme.get(element)));
    }
    if is_new {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" NEW ", theme.get(Element::ReaderNew)));
    }
    spans
}

/// The header of a local echo: a reply still in the outbox, with where it stands.
pub fn echo_header_spans(
    post: &Post,
    parent: Option<&Post>,
    mark: &EchoMark,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let state_style = theme.get(match mark.state {
        OutboxState::Held => Element::EchoHeld,
        OutboxState::Failed | OutboxState::Conflict { .. } => Element::EchoFailed,
        OutboxState::Sent { .. } | OutboxState::AwaitingApproval | OutboxState::Done { .. } => {
            Element::EchoSent
        }
        OutboxState::Queued | OutboxState::InFlight | OutboxState::Unknown => Element::EchoQueued,
    });
    let mut spans = vec![
        Span::styled("◌ ", state_style),
        Span::styled(
            clean_line(&post.author.name).into_owned(),
            theme.get(Element::EchoAuthor),
        ),
        Span::styled(" · ", theme.get(Element::ReaderMeta)),
        Span::styled(format!(" {} ", mark.state.label()), state_style),
    ];
    let mut info = String::new();
    if let Some(answers) = answers_label(parent) {
        let _ = write!(info, " · {answers}");
    }
    if mark.state == OutboxState::Failed
        && let Some(message) = &mark.message
    {
        let _ = write!(info, " · {}", clean_line(message));
    }
    spans.push(Span::styled(info, theme.get(Element::ReaderMeta)));
    spans
}
