//! The announcement banner: one line with its first sentence, or the whole text expanded.

use super::element::Element;
use super::text::{truncate, width};
use super::theme::Theme;
use crate::app::Action;
use crate::app::banner::BannerState;
use crate::app::input::keymap::{Context, Keymap};
use crate::model::Severity;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, banner: &BannerState, keymap: &Keymap, area: Rect, theme: &Theme) {
    if area.is_empty() || banner.shown().is_none() {
        return;
    }
    let style = theme.get(match banner.severity() {
        Severity::Info => Element::BannerInfo,
        Severity::Warning => Element::BannerWarning,
        Severity::Critical => Element::BannerCritical,
    });
    let key = |action| {
        keymap
            .key_for(Context::Global, action)
            .map_or_else(String::new, ToString::to_string)
    };
    let cols = usize::from(area.width);
    let icon = match banner.severity() {
        Severity::Info => " ℹ ",
        Severity::Warning | Severity::Critical => " ! ",
    };
    let dismiss = BannerState::dismiss_hint(&key(Action::DismissBanner));
    let more = banner.has_more(BannerState::one_line_room(
        area.width,
        &key(Action::DismissBanner),
    ));
    let hint = match (banner.expanded, more) {
        (true, _) => format!(" {} less ·{dismiss}", key(Action::ToggleBanner)),
        (false, true) => format!(" {} more ·{dismiss}", key(Action::ToggleBanner)),
        (false, false) => dismiss,
    };
    let room = cols.saturating_sub(width(icon) + width(&hint));
    // Expanded, the text follows in full: the top line names it instead of repeating it.
    let summary = if banner.expanded {
        "announcement".to_owned()
    } else {
        truncate(&banner.summary(), room)
    };
    let pad = room.saturating_sub(width(&summary));
    let mut lines = vec![Line::from(vec![
        Span::raw(icon),
        Span::raw(summary),
        Span::raw(" ".repeat(pad)),
        Span::raw(hint),
    ])];
    if banner.expanded {
        for line in banner.body_lines(area.width) {
            lines.push(Line::from(format!("  {}", line.plain())));
        }
    }
    frame.render_widget(Paragraph::new(lines).style(style), area);
}
