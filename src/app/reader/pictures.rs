//! The pictures the reader shows: whether they are on (`images`, `I`), each picture's
//! state (being fetched, decoded, refused with a reason) and the cells it takes. Plain
//! data: the runner fetches and decodes, and answers with `Msg::Picture`.

pub use crate::render::picture::Decoded;
use crate::render::picture::cells;
use crate::render::{Document, Picture};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Default `image_max_rows`.
pub const DEFAULT_MAX_ROWS: u16 = crate::config::DEFAULT_IMAGE_MAX_ROWS;
/// The most `image_max_rows` may be (kitty numbers a picture's rows with a table of
/// this many marks).
pub const MAX_ROWS: u16 = 100;

/// Where one picture is.
#[derive(Clone, Debug)]
pub enum PictureState {
    /// Asked of the runner; no answer yet.
    Fetching,
    Ready(Arc<Decoded>),
    /// Refused or broken: why, in a few words (shown after its alt text).
    Failed(String),
}

/// The open thread's pictures and how they are shown.
#[derive(Clone, Debug)]
pub struct Pictures {
    /// `images` in the config: pictures are shown at all.
    pub enabled: bool,
    /// `I` turned them off for this session.
    pub hidden: bool,
    /// `image_max_rows`: the most rows one picture takes.
    pub max_rows: u16,
    /// How pictures are drawn (`image_protocol`; "auto" is settled by the runner from
    /// the environment before the first frame, and draws as half blocks until then).
    pub protocol: crate::model::ImageProtocol,
    /// Pixels of one terminal cell, when the terminal says (for sixel).
    pub cell_pixels: (u16, u16),
    /// A kitty picture was written to the terminal (drawing sets it; the runner deletes
    /// the terminal's pictures at the end, and `I` as it hides them).
    kitty_in_terminal: Arc<AtomicBool>,
    states: HashMap<String, PictureState>,
}

impl Default for Pictures {
    fn default() -> Self {
        Self {
            enabled: false,
            hidden: false,
            max_rows: DEFAULT_MAX_ROWS,
            protocol: crate::model::ImageProtocol::Halfblocks,
            cell_pixels: crate::render::picture::CELL_PIXELS_U16,
            kitty_in_terminal: Arc::new(AtomicBool::new(false)),
            states: HashMap::new(),
        }
    }
}

impl Pictures {
    /// Pictures as the config says (`images`, `image_max_rows`).
    pub fn new(enabled: bool, max_rows: u16) -> Self {
        Self {
            enabled,
            max_rows: max_rows.clamp(1, MAX_ROWS),
            ..Self::default()
        }
    }

    /// Pictures are shown now.
    pub fn active(&self) -> bool {
        self.enabled && !self.hidden
    }

    /// Drawing wrote a kitty picture to the terminal.
    pub fn note_kitty_sent(&self) {
        self.kitty_in_terminal.store(true, Ordering::Relaxed);
    }

    /// The terminal holds kitty pictures threadmark sent.
    pub fn kitty_in_terminal(&self) -> bool {
        self.kitty_in_terminal.load(Ordering::Relaxed)
    }

    /// The terminal's kitty pictures are being deleted: true when there were any (the
    /// delete is then due), and each picture held is sent again when next drawn.
    pub fn forget_terminal(&mut self) -> bool {
        if !self.kitty_in_terminal.swap(false, Ordering::Relaxed) {
            return false;
        }
        for state in self.states.values() {
            if let PictureState::Ready(decoded) = state {
                decoded.forget_sent();
            }
        }
        true
    }

    pub fn state(&self, url: &str) -> Option<&PictureState> {
        self.states.get(url)
    }

    /// The decoded picture at `url`, when it is ready and pictures are shown.
    pub fn ready(&self, url: &str) -> Option<&Decoded> {
        match self.states.get(url) {
            Some(PictureState::Ready(decoded)) if self.active() => Some(decoded),
            _ => None,
        }
    }

    /// The cells (columns, rows) `picture` takes in a body `columns` wide: none until it
    /// is ready, or while pictures are off.
    pub fn cells(&self, picture: &Picture, columns: usize) -> Option<(u16, u16)> {
        let decoded = self.ready(&picture.url)?;
        Some(cells(
            decoded.image.width(),
            decoded.image.height(),
            columns,
            self.max_rows,
        ))
    }

    /// The pictures of `docs` to fetch now (each asked once), marked as being fetched.
    /// Those of other threads are let go, so only the open thread's are held in memory
    /// (the offline cache keeps their bytes).
    pub fn to_fetch(&mut self, docs: &[Document]) -> Vec<String> {
        if !self.active() {
            return Vec::new();
        }
        let wanted: HashSet<&str> = docs
            .iter()
            .flat_map(Document::pictures)
            .map(|p| p.url.as_str())
            .collect();
        self.states.retain(|url, _| wanted.contains(url.as_str()));
        let mut urls: Vec<String> = Vec::new();
        for doc in docs {
            for picture in doc.pictures() {
                if !self.states.contains_key(&picture.url) {
                    self.states
                        .insert(picture.url.clone(), PictureState::Fetching);
                    urls.push(picture.url.clone());
                }
            }
        }
        urls
    }

    /// The runner's answer for `url` (dropped when no longer asked for: another thread
    /// opened meanwhile).
    pub fn arrived(&mut self, url: &str, outcome: Result<Arc<Decoded>, String>) -> bool {
        let Some(state) = self.states.get_mut(url) else {
            return false;
        };
        *state = match outcome {
            Ok(decoded) => PictureState::Ready(decoded),
            // One line, nothing from a server's text that a terminal would act on.
            Err(why) => PictureState::Failed(crate::text::sanitize::clean_line(&why).into_owned()),
        };
        true
    }
}

/// `bytes` decoded within the decoder's bounds and scaled to at most
/// [`KEPT_SIDE`](crate::render::picture::KEPT_SIDE) pixels a side, or why not (pure work,
/// for the runner to run off the loop).
pub fn decode(bytes: &[u8]) -> Result<Arc<Decoded>, String> {
    use crate::render::picture::{KEPT_SIDE, decode};
    decode(bytes, KEPT_SIDE, KEPT_SIDE).map(|image| Arc::new(Decoded::new(image)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Body;

    #[test]
    fn each_picture_is_asked_once_and_only_while_shown() {
        let doc = Document::from_body(&Body::markdown(
            "![a](https://f.example/a.png) ![b](https://f.example/b.png) ![a](https://f.example/a.png)",
        ));
        let mut off = Pictures::new(false, 20);
        assert!(off.to_fetch(std::slice::from_ref(&doc)).is_empty());
        let mut pictures = Pictures::new(true, 20);
        assert_eq!(
            pictures.to_fetch(std::slice::from_ref(&doc)),
            ["https://f.example/a.png", "https://f.example/b.png"]
        );
        assert!(pictures.to_fetch(std::slice::from_ref(&doc)).is_empty());
        let image = image::RgbaImage::new(80, 40);
        assert!(pictures.arrived("https://f.example/a.png", Ok(Arc::new(Decoded::new(image)))));
        assert_eq!(
            pictures.cells(&doc.pictures()[0], 77),
            Some((10, 3)),
            "80×40 px: 10 columns, 3 rows"
        );
        pictures.hidden = true;
        assert_eq!(pictures.cells(&doc.pictures()[0], 77), None);
        // Another thread: the first one's pictures are let go; a late answer is dropped.
        pictures.hidden = false;
        assert!(pictures.to_fetch(&[]).is_empty());
        assert!(!pictures.arrived("https://f.example/b.png", Err("late".into())));
    }

    #[test]
    fn the_terminal_lets_kitty_pictures_go_only_once_some_were_sent() {
        let mut pictures = Pictures::new(true, 20);
        let doc = Document::from_body(&Body::markdown("![a](https://f.example/a.png)"));
        pictures.to_fetch(std::slice::from_ref(&doc));
        let decoded = Arc::new(Decoded::new(image::RgbaImage::new(8, 8)));
        pictures.arrived("https://f.example/a.png", Ok(decoded.clone()));
        assert!(
            !pictures.forget_terminal(),
            "nothing sent: nothing to delete"
        );
        assert!(decoded.first_send(("kitty", 1, 1, (8, 16))));
        pictures.note_kitty_sent();
        assert!(pictures.kitty_in_terminal());
        assert!(pictures.forget_terminal());
        assert!(!pictures.kitty_in_terminal());
        assert!(
            decoded.first_send(("kitty", 1, 1, (8, 16))),
            "sent again once deleted"
        );
    }
}
