//! The earlier versions of a post (`E`): one at a time, with who replaced it and when;
//! while they are fetched, or when they cannot be, a line that says so.

use super::element::Element;
use super::overlays::{centred, framed};
use super::theme::Theme;
use crate::app::reader::revisions::Fetch;
use crate::app::state::State;
use crate::text::sanitize::{clean, clean_line};
use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};
use std::fmt::Write as _;

pub fn draw(frame: &mut Frame, state: &State, scroll: usize, theme: &Theme) {
    let Some(view) = &state.reader.revisions else {
        return;
    };
    let screen = frame.area();
    let area = centred(
        screen,
        screen.width.saturating_sub(4).min(100),
        screen.height,
    );
    let title = format!(
        " Earlier versions of #{} by {} — ←/→ older/newer · j/k scroll · esc close ",
        view.seq, view.author
    );
    let block = framed(&title, theme);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let meta = theme.get(Element::ReaderMeta);
    let mut lines: Vec<Line> = Vec::new();
    match &view.fetch {
        Fetch::Waiting => lines.push(Line::styled(
            "Fetching the earlier versions from the server…",
            meta,
        )),
        Fetch::Failed(why) => lines.push(Line::styled(
            clean_line(why).into_owned(),
            theme.get(Element::StatusError),
        )),
        Fetch::Got(list) if list.is_empty() => lines.push(Line::styled(
            "The server keeps no earlier version of this post (or does not show it to you).",
            meta,
        )),
        Fetch::Got(list) => {
            let shown = view.shown.min(list.len().saturating_sub(1));
            if let Some(revision) = list.get(shown) {
                let mut about = format!(
                    "Version {} of {} ({} of {} earlier)",
                    revision.version,
                    view.version,
                    shown + 1,
                    list.len()
                );
                if let Some(at) = revision.replaced_at {
                    let _ = write!(about, " · replaced {}", crate::text::clock::date_time(at));
                }
                if let Some(by) = &revision.replaced_by {
                    let _ = write!(about, " by {}", clean_line(by));
                }
                lines.push(Line::styled(about, theme.get(Element::HelpSection)));
                lines.push(Line::raw(""));
                let text = clean(&revision.text);
                lines.extend(
                    text.lines()
                        .skip(scroll)
                        .map(|l| Line::styled(l.to_owned(), theme.get(Element::BodyText))),
                );
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
