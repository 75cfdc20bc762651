//! Colours and text attributes per screen element: `assets/theme.toml`, the user's `[theme]`
//! laid over it, and `NO_COLOR` honoured.

use super::element::Element;
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

/// Resolved styles, one per element.
#[derive(Clone, Debug)]
pub struct Theme {
    /// `styles[element as usize]`.
    styles: Vec<Style>,
}

impl Default for Theme {
    /// Every element plain.
    fn default() -> Self {
        Self {
            styles: vec![Style::default(); Element::ALL.len()],
        }
    }
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
        let mut specs = HashMap::with_capacity(file.styles.len());
        for (name, spec) in file.styles {
            match Element::from_name(&name) {
                Some(element) => {
                    specs.insert(element, spec);
                }
                None => warnings.push(format!("built-in theme: {name:?} is not a themed element")),
            }
        }
        for (name, value) in overrides {
            let Some(base) = Element::from_name(name).and_then(|e| specs.get_mut(&e)) else {
                warnings.push(format!("[theme] {name:?} is not a themed element"));
                continue;
            };
            match StyleSpec::deserialize(value.clone()) {
                Ok(spec) => base.overlay(&spec),
                Err(e) => warnings.push(format!("[theme] {name:?}: {e}")),
            }
        }
        if no_color {
            for (name, extra) in &file.no_color {
                if let Some(base) = Element::from_name(name).and_then(|e| specs.get_mut(&e)) {
                    base.overlay(extra);
                }
            }
        }
        let mut theme = Self::default();
        for (element, spec) in specs {
            match spec.to_style(!no_color) {
                Ok(style) => theme.styles[element as usize] = style,
                Err(e) => warnings.push(format!("[theme] {:?}: {e}", element.name())),
            }
        }
        (theme, warnings)
    }

    /// The style of an element.
    pub fn get(&self, element: Element) -> Style {
        self.styles
            .get(element as usize)
            .copied()
            .unwrap_or_default()
    }

    /// The style of a span of post text.
    pub fn body(&self, style: crate::render::Style) -> Style {
        let element = match style.role {
            Role::Text => Element::BodyText,
            Role::Code => Element::BodyCode,
            Role::Link => Element::BodyLink,
            Role::LinkRef => Element::BodyLinkRef,
            Role::Quote => Element::BodyQuote,
            Role::Heading => Element::BodyHeading,
            Role::Marker => Element::BodyMarker,
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
        let new = theme.get(Element::ReaderNew);
        assert_eq!(new.bg, Some(Color::Green));
        assert_eq!(new.fg, Some(Color::Black));
        assert!(new.add_modifier.contains(Modifier::BOLD));
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn no_color_drops_colours_and_keeps_selection_visible() {
        let (theme, warnings) = Theme::load(&toml::Table::new(), true);
        assert!(warnings.is_empty(), "{warnings:?}");
        let selected = theme.get(Element::TreeSelected);
        assert_eq!(selected.fg, None);
        assert_eq!(selected.bg, None);
        assert!(selected.add_modifier.contains(Modifier::REVERSED));
    }

    /// Every element the drawing code can name has a style in the shipped theme, and the
    /// theme styles nothing else (an unknown name would silently stay plain).
    #[test]
    fn the_elements_and_the_theme_file_name_the_same_things() {
        let file: ThemeFile = toml::from_str(DEFAULT_THEME).unwrap();
        let mut in_file: Vec<&str> = file.styles.keys().map(String::as_str).collect();
        in_file.sort_unstable();
        let mut elements: Vec<&str> = Element::ALL.iter().map(|e| e.name()).collect();
        elements.sort_unstable();
        assert_eq!(in_file, elements);
        for name in file.no_color.keys() {
            assert!(Element::from_name(name).is_some(), "[no_color] {name:?}");
        }
        for element in Element::ALL {
            assert_eq!(Element::from_name(element.name()), Some(*element));
        }
    }
}
