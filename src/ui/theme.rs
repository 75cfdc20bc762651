//! Colours and text attributes per screen element: `assets/theme.toml`, the user's `[theme]`
//! laid over it, and `NO_COLOR` honoured.

use crate::render::{Emphasis, Role};
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::HashMap;
use std::str::FromStr;

/// The shipped theme.
pub const DEFAULT_THEME: &str = include_str!("../../assets/theme.toml");

/// One element's style as written in a theme file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    bold: Option<bool>,
    dim: Option<bool>,
    italic: Option<bool>,
    underlined: Option<bool>,
    reversed: Option<bool>,
    crossed_out: Option<bool>,
}

impl StyleSpec {
    /// `other`'s fields replace ours where it sets them.
    fn overlay(&mut self, other: &StyleSpec) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f.clone_from(&other.$f); } )* };
        }
        take!(fg, bg, bold, dim, italic, underlined, reversed, crossed_out);
    }

    fn to_style(&self, colours: bool) -> Result<Style, String> {
        let mut style = Style::default();
        if colours {
            if let Some(fg) = &self.fg {
                style = style.fg(parse_colour(fg)?);
            }
            if let Some(bg) = &self.bg {
                style = style.bg(parse_colour(bg)?);
            }
        }
        let flags = [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.underlined, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
            (self.crossed_out, Modifier::CROSSED_OUT),
        ];
        for (on, modifier) in flags {
            if on == Some(true) {
                style = style.add_modifier(modifier);
            }
        }
        Ok(style)
    }
}

fn parse_colour(text: &str) -> Result<Color, String> {
    Color::from_str(text).map_err(|_| format!("{text:?} is not a colour"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    styles: HashMap<String, StyleSpec>,
    #[serde(default)]
    no_color: HashMap<String, StyleSpec>,
}

/// Resolved styles by element name.
#[derive(Clone, Debug, Default)]
pub struct Theme {
    styles: HashMap<String, Style>,
}

impl Theme {
    /// The shipped theme with `overrides` (config.toml's `[theme]`) laid over it. With
    /// `no_color`, colours are dropped and the theme's `[no_color]` attributes added.
    /// Entries that cannot be used are skipped and described in the warnings.
    pub fn load(overrides: &toml::Table, no_color: bool) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let file: ThemeFile = match toml::from_str(DEFAULT_THEME) {
            Ok(file) => file,
            Err(e) => {
                warnings.push(format!("built-in theme: {e}"));
                return (Self::default(), warnings);
            }
        };
        let mut specs = file.styles;
        for (name, value) in overrides {
            if !specs.contains_key(name) {
                warnings.push(format!("[theme] {name:?} is not a themed element"));
                continue;
            }
            match StyleSpec::deserialize(value.clone()) {
                Ok(spec) => {
                    if let Some(base) = specs.get_mut(name) {
                        base.overlay(&spec);
                    }
                }
                Err(e) => warnings.push(format!("[theme] {name:?}: {e}")),
            }
        }
        if no_color {
            for (name, extra) in &file.no_color {
                if let Some(base) = specs.get_mut(name) {
                    base.overlay(extra);
                }
            }
        }
        let mut styles = HashMap::with_capacity(specs.len());
        for (name, spec) in specs {
            match spec.to_style(!no_color) {
                Ok(style) => {
                    styles.insert(name, style);
                }
                Err(e) => warnings.push(format!("[theme] {name:?}: {e}")),
            }
        }
        (Self { styles }, warnings)
    }

    /// The style of an element (plain when the theme does not name it).
    pub fn get(&self, element: &str) -> Style {
        self.styles.get(element).copied().unwrap_or_default()
    }

    /// The style of a span of post text.
    pub fn body(&self, style: crate::render::Style) -> Style {
        let element = match style.role {
            Role::Text => "body.text",
            Role::Code => "body.code",
            Role::Link => "body.link",
            Role::LinkRef => "body.link_ref",
            Role::Quote => "body.quote",
            Role::Heading => "body.heading",
            Role::Marker => "body.marker",
        };
        let mut out = self.get(element);
        for (flag, modifier) in [
            (Emphasis::BOLD, Modifier::BOLD),
            (Emphasis::ITALIC, Modifier::ITALIC),
            (Emphasis::STRIKE, Modifier::CROSSED_OUT),
        ] {
            if style.emphasis.contains(flag) && !flag.is_empty() {
                out = out.add_modifier(modifier);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_change_only_the_fields_they_set() {
        let table: toml::Table =
            toml::from_str("\"reader.new\" = { bg = \"green\" }\n\"nope\" = {}").unwrap();
        let (theme, warnings) = Theme::load(&table, false);
        let new = theme.get("reader.new");
        assert_eq!(new.bg, Some(Color::Green));
        assert_eq!(new.fg, Some(Color::Black));
        assert!(new.add_modifier.contains(Modifier::BOLD));
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn no_color_drops_colours_and_keeps_selection_visible() {
        let (theme, warnings) = Theme::load(&toml::Table::new(), true);
        assert!(warnings.is_empty(), "{warnings:?}");
        let selected = theme.get("tree.selected");
        assert_eq!(selected.fg, None);
        assert_eq!(selected.bg, None);
        assert!(selected.add_modifier.contains(Modifier::REVERSED));
    }
}
