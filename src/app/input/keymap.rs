//! Key bindings as data: the defaults in `assets/keymap.toml`, overlaid with the user's `[keys]`.

use crate::app::input::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::fmt;

/// The shipped bindings.
pub const DEFAULT_KEYMAP: &str = include_str!("../../../assets/keymap.toml");

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    Global,
    Tree,
    Reader,
    /// Writing a reply or a thread: keys not bound here are typed into the text.
    Composer,
    /// The outbox list.
    Outbox,
    /// The drafts list.
    Drafts,
    /// The screen of an edit in conflict: the server's text and yours.
    Conflict,
    /// The bookmarks list.
    Bookmarks,
    /// The Inbox list.
    Inbox,
    /// The hits of a search over the account (`S`).
    Results,
}

impl Context {
    pub const ALL: [Context; 10] = [
        Context::Global,
        Context::Tree,
        Context::Reader,
        Context::Composer,
        Context::Outbox,
        Context::Drafts,
        Context::Conflict,
        Context::Bookmarks,
        Context::Inbox,
        Context::Results,
    ];

    /// Contexts a global binding applies to.
    const PANES: [Context; 3] = [Context::Global, Context::Tree, Context::Reader];

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Tree => "Tree pane",
            Context::Reader => "Reader pane",
            Context::Composer => "Writing a reply or thread",
            Context::Outbox => "Outbox list",
            Context::Drafts => "Drafts list",
            Context::Conflict => "Edit in conflict",
            Context::Bookmarks => "Bookmarks list",
            Context::Inbox => "Inbox",
            Context::Results => "Search results",
        }
    }

    /// The name of the context's table in keymap files and under `[keys]`.
    fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Tree => "tree",
            Context::Reader => "reader",
            Context::Composer => "composer",
            Context::Outbox => "outbox",
            Context::Drafts => "drafts",
            Context::Conflict => "conflict",
            Context::Bookmarks => "bookmarks",
            Context::Inbox => "inbox",
            Context::Results => "results",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One key press, normalised: Shift is folded into the character it produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        let mut modifiers =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                modifiers.remove(KeyModifiers::SHIFT);
                if modifiers.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Self { code, modifiers }
    }

    pub fn plain(c: char) -> Self {
        Self::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    /// Parses one key name: `j`, `G`, `ctrl-d`, `pagedown`, `shift-tab`, `f1`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (flag, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            modifiers |= flag;
            rest = &rest[len..];
        }
        let code = named_code(rest).or_else(|| {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Some(KeyCode::Char(c)),
                _ => None,
            }
        })?;
        let code = match code {
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::SHIFT) => {
                KeyCode::Char(c.to_ascii_uppercase())
            }
            other => other,
        };
        Some(Self::new(code, modifiers))
    }
}

impl From<KeyEvent> for Key {
    fn from(event: KeyEvent) -> Self {
        Self::new(event.code, event.modifiers)
    }
}

const NAMES: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
];

fn named_code(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    if let Some((_, code)) = NAMES.iter().find(|(n, _)| *n == lower) {
        return Some(*code);
    }
    lower
        .strip_prefix('f')
        .and_then(|n| n.parse::<u8>().ok())
        .filter(|n| (1..=12).contains(n))
        .map(KeyCode::F)
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            code => match NAMES.iter().find(|(_, c)| *c == code) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{code:?}"),
            },
        }
    }
}

/// A sequence of keys, e.g. `g g`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeySeq(pub Vec<Key>);

impl KeySeq {
    /// `"g g"`, `"gg"`, `"ctrl-d"`: space-separated key names; a word that is not a key name
    /// is read as one key per character.
    pub fn parse(text: &str) -> Option<Self> {
        let mut keys = Vec::new();
        for word in text.split_whitespace() {
            if let Some(key) = Key::parse(word) {
                keys.push(key);
            } else if word.contains('-') && word.len() > 1 {
                return None;
            } else {
                keys.extend(word.chars().map(Key::plain));
            }
        }
        if text == " " {
            keys.push(Key::plain(' '));
        }
        (!keys.is_empty()).then_some(Self(keys))
    }
}

impl fmt::Display for KeySeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain_run = self.0.len() > 1
            && self
                .0
                .iter()
                .all(|k| k.modifiers.is_empty() && matches!(k.code, KeyCode::Char(c) if c != ' '));
        for (i, key) in self.0.iter().enumerate() {
            if i > 0 && !plain_run {
                f.write_str(" ")?;
            }
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

/// One binding: key sequences that run an action, with the help text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub on: Vec<KeySeq>,
    pub action: Action,
    pub desc: String,
}

/// What a key sequence means in a context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The sequence starts a longer binding: wait for the next key.
    Pending,
    Unbound,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keymap {
    /// Bindings per context, indexed by [`Context::index`].
    bindings: [Vec<Binding>; 10],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    on: Vec<String>,
    run: Action,
    desc: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    global: Vec<FileEntry>,
    #[serde(default)]
    tree: Vec<FileEntry>,
    #[serde(default)]
    reader: Vec<FileEntry>,
    #[serde(default)]
    composer: Vec<FileEntry>,
    #[serde(default)]
    outbox: Vec<FileEntry>,
    #[serde(default)]
    drafts: Vec<FileEntry>,
    #[serde(default)]
    conflict: Vec<FileEntry>,
    bookmarks: Vec<FileEntry>,
    #[serde(default)]
    inbox: Vec<FileEntry>,
    #[serde(default)]
    results: Vec<FileEntry>,
}

impl Keymap {
    /// Parses a keymap file in the format of `assets/keymap.toml`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: KeymapFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let convert = |entries: Vec<FileEntry>| -> Result<Vec<Binding>, String> {
            entries
                .into_iter()
                .map(|e| {
                    let on =
                        e.on.iter()
                            .map(|s| KeySeq::parse(s).ok_or_else(|| format!("unknown key {s:?}")))
                            .collect::<Result<Vec<_>, _>>()?;
                    Ok(Binding {
                        on,
                        action: e.run,
                        desc: e.desc,
                    })
                })
                .collect()
        };
        Ok(Self {
            bindings: [
                convert(file.global)?,
                convert(file.tree)?,
                convert(file.reader)?,
                convert(file.composer)?,
                convert(file.outbox)?,
                convert(file.drafts)?,
                convert(file.conflict)?,
                convert(file.bookmarks)?,
                convert(file.inbox)?,
                convert(file.results)?,
            ],
        })
    }

    /// The shipped defaults. They are compiled in and tested, so a failure is a build defect;
    /// it still degrades to an empty keymap rather than a panic.
    pub fn defaults() -> Self {
        Self::parse(DEFAULT_KEYMAP).unwrap_or_default()
    }

    /// The defaults with the user's `[keys]` table laid over them. Entries that cannot be
    /// used are skipped and described in the returned warnings.
    ///
    /// `"key" = "action"` at the top level binds the key everywhere (and takes it away from
    /// the panes); `[keys.tree]` / `[keys.reader]` bind it in one pane; `"none"` unbinds.
    pub fn with_overrides(overrides: &toml::Table) -> (Self, Vec<String>) {
        let mut keymap = Self::defaults();
        let mut warnings = Vec::new();
        for (key, value) in overrides {
            match value {
                toml::Value::Table(table) => {
                    let Some(context) = Context::ALL.into_iter().find(|c| c.name() == key) else {
                        warnings.push(format!(
                            "[keys.{key}] is not a pane; use [keys.tree], [keys.reader], \
                             [keys.composer], [keys.outbox], [keys.drafts], [keys.conflict], [keys.bookmarks] or [keys.inbox]"
                        ));
                        continue;
                    };
                    for (seq, action) in table {
                        keymap.apply(context, seq, action, &mut warnings);
                    }
                }
                action => keymap.apply(Context::Global, key, action, &mut warnings),
            }
        }
        (keymap, warnings)
    }

    fn apply(
        &mut self,
        context: Context,
        seq: &str,
        action: &toml::Value,
        warnings: &mut Vec<String>,
    ) {
        let Some(keys) = KeySeq::parse(seq) else {
            warnings.push(format!("[keys] {seq:?} is not a key this version knows"));
            return;
        };
        let Some(name) = action.as_str() else {
            warnings.push(format!("[keys] {seq:?} must name an action as a string"));
            return;
        };
        let action = if name == "none" {
            None
        } else if let Ok(action) = Action::deserialize(toml::Value::String(name.to_owned())) {
            Some(action)
        } else {
            warnings.push(format!(
                "[keys] {seq:?}: no action named {name:?} (`threadmark config keys` lists them)"
            ));
            return;
        };
        let contexts: &[Context] = if context == Context::Global {
            &Context::PANES
        } else {
            &[context]
        };
        for &c in contexts {
            for binding in self.bindings_mut(c) {
                binding.on.retain(|s| s != &keys);
            }
            self.bindings_mut(c).retain(|b| !b.on.is_empty());
        }
        if let Some(action) = action {
            let desc = self.describe(action);
            self.bindings_mut(context).push(Binding {
                on: vec![keys],
                action,
                desc,
            });
        }
    }

    fn describe(&self, action: Action) -> String {
        Context::ALL
            .iter()
            .flat_map(|&c| self.bindings(c))
            .find(|b| b.action == action)
            .map_or_else(
                || {
                    toml::Value::try_from(action)
                        .ok()
                        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                        .unwrap_or_default()
                },
                |b| b.desc.clone(),
            )
    }

    pub fn bindings(&self, context: Context) -> &[Binding] {
        &self.bindings[context.index()]
    }

    fn bindings_mut(&mut self, context: Context) -> &mut Vec<Binding> {
        &mut self.bindings[context.index()]
    }

    /// The contexts searched for `context`, most specific first. The composer and the
    /// lists have their own keys only: a global `q` must not stop anyone typing a `q`.
    fn chain(context: Context) -> &'static [Context] {
        match context {
            Context::Global => &[Context::Global],
            Context::Tree => &[Context::Tree, Context::Global],
            Context::Reader => &[Context::Reader, Context::Global],
            Context::Composer => &[Context::Composer],
            Context::Outbox => &[Context::Outbox],
            Context::Drafts => &[Context::Drafts],
            Context::Conflict => &[Context::Conflict],
            Context::Bookmarks => &[Context::Bookmarks],
            Context::Inbox => &[Context::Inbox],
            Context::Results => &[Context::Results],
        }
    }

    /// What `keys` mean in `context` (its own bindings first, then global ones for panes).
    pub fn lookup(&self, context: Context, keys: &[Key]) -> Lookup {
        let mut exact = None;
        for &c in Self::chain(context) {
            for binding in self.bindings(c) {
                for seq in &binding.on {
                    if seq.0.len() > keys.len() && seq.0.starts_with(keys) {
                        return Lookup::Pending;
                    }
                    if exact.is_none() && seq.0 == keys {
                        exact = Some(binding.action);
                    }
                }
            }
        }
        exact.map_or(Lookup::Unbound, Lookup::Action)
    }

    /// The first key sequence bound to `action` in `context` or globally, for hints.
    pub fn key_for(&self, context: Context, action: Action) -> Option<&KeySeq> {
        Self::chain(context)
            .iter()
            .flat_map(|&c| self.bindings(c))
            .find(|b| b.action == action)
            .and_then(|b| b.on.first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(text: &str) -> Vec<Key> {
        KeySeq::parse(text).unwrap().0
    }

    #[test]
    fn the_shipped_keymap_parses_and_binds_the_basics() {
        let keymap = Keymap::parse(DEFAULT_KEYMAP).unwrap();
        assert_eq!(
            keymap.lookup(Context::Tree, &seq("j")),
            Lookup::Action(Action::Down)
        );
        assert_eq!(
            keymap.lookup(Context::Reader, &seq("q")),
            Lookup::Action(Action::Quit)
        );
        assert_eq!(keymap.lookup(Context::Reader, &seq("g")), Lookup::Pending);
        assert_eq!(
            keymap.lookup(Context::Reader, &seq("gg")),
            Lookup::Action(Action::Top)
        );
        assert_eq!(
            keymap.lookup(Context::Reader, &seq("ctrl-d")),
            Lookup::Action(Action::HalfPageDown)
        );
    }

    #[test]
    fn key_names_round_trip_and_shift_is_folded() {
        for name in [
            "j", "G", "ctrl-d", "pagedown", "backtab", "space", "f5", "?",
        ] {
            assert_eq!(Key::parse(name).unwrap().to_string(), name);
        }
        let shifted = Key::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(shifted, Key::parse("G").unwrap());
        assert_eq!(Key::parse("shift-g").unwrap(), shifted);
        assert_eq!(KeySeq::parse("g g"), KeySeq::parse("gg"));
        assert!(KeySeq::parse("ctrl-nope").is_none());
    }

    #[test]
    fn user_overrides_change_only_what_they_name() {
        let table: toml::Table = toml::from_str(
            r#"
            "ctrl-n" = "next_unread_thread"
            "J" = "quit"
            "q" = "none"
            "x" = "no_such_action"
            [reader]
            "W" = "page_down"
            "#,
        )
        .unwrap();
        let (keymap, warnings) = Keymap::with_overrides(&table);
        assert_eq!(
            keymap.lookup(Context::Tree, &seq("ctrl-n")),
            Lookup::Action(Action::NextUnreadThread)
        );
        // A global override takes the key away from the pane that had it.
        assert_eq!(
            keymap.lookup(Context::Reader, &seq("J")),
            Lookup::Action(Action::Quit)
        );
        assert_eq!(keymap.lookup(Context::Tree, &seq("q")), Lookup::Unbound);
        assert_eq!(
            keymap.lookup(Context::Reader, &seq("W")),
            Lookup::Action(Action::PageDown)
        );
        assert_eq!(keymap.lookup(Context::Tree, &seq("W")), Lookup::Unbound);
        // Untouched defaults stay.
        assert_eq!(
            keymap.lookup(Context::Reader, &seq("K")),
            Lookup::Action(Action::PrevPost)
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("no_such_action"));
    }
}
