//! Search text beside each thread file: the lowercased plain text of every live post,
//! so a search reads flat text instead of parsing every body again.
//!
//! `threads/<id>.text` is binary (it is read for every search, and JSON strings would
//! cost a parse): `TMST`, the schema as a little-endian `u32`, then per post its `seq`
//! (`u32`), id (`u16` length + UTF-8) and text (`u32` length + UTF-8). It is derived data:
//! written just before its thread file (so a crash between the two leaves the thread file
//! older, and the next sync rewrites both), rebuilt from the thread file when it is
//! missing, and quarantined and rebuilt when it does not parse. A file of a newer schema
//! is never read or replaced.

use super::StoreError;
use super::file::{self, Durability};
use crate::model::Thread;
use crate::render::plain_text;
use std::fs;
use std::io::{self, Read};
use std::path::Path;

const MAGIC: &[u8; 4] = b"TMST";
/// Magic and schema.
const HEADER: usize = 8;
/// The schema of the search text files this version reads and writes.
pub const TEXT_SCHEMA: u32 = 1;

/// One post's searchable text, borrowed from a loaded file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostText<'a> {
    pub seq: u32,
    pub id: &'a str,
    /// Lowercased plain text, as written (UTF-8 unless the file was damaged: it is only
    /// searched for words, never shown).
    pub text: &'a [u8],
}

/// A thread's search text, checked whole when loaded.
#[derive(Debug)]
pub struct SearchText {
    bytes: Vec<u8>,
}

/// What reading a search text file found.
#[derive(Debug)]
pub enum Loaded {
    Ok(SearchText),
    Missing,
    /// Written by a newer threadmark: not to be read or replaced.
    Newer,
    /// Not a search text file of ours; the reason says why.
    Corrupt(String),
}

impl SearchText {
    /// The search text of a thread's live posts, in the thread file's order.
    pub fn build(file: &Thread) -> Self {
        let mut bytes = Vec::with_capacity(64 + file.posts.len() * 256);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&TEXT_SCHEMA.to_le_bytes());
        for post in file.posts.iter().filter(|p| !p.deleted) {
            let text = plain_text(&post.body).to_lowercase();
            let id = post.id.as_str();
            // An id or text too long for its length field is left out rather than cut.
            let (Ok(id_len), Ok(text_len)) = (u16::try_from(id.len()), u32::try_from(text.len()))
            else {
                continue;
            };
            bytes.extend_from_slice(&post.seq.to_le_bytes());
            bytes.extend_from_slice(&id_len.to_le_bytes());
            bytes.extend_from_slice(id.as_bytes());
            bytes.extend_from_slice(&text_len.to_le_bytes());
            bytes.extend_from_slice(text.as_bytes());
        }
        Self { bytes }
    }

    /// Reads `path`, checking every record so that iterating cannot fail.
    pub fn load(path: &Path) -> Result<Loaded, StoreError> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::Missing),
            Err(e) => return Err(StoreError::io(path, e)),
        };
        Ok(match declared_schema(&bytes) {
            None => Loaded::Corrupt("it is not a search text file".into()),
            Some(schema) if schema > TEXT_SCHEMA => Loaded::Newer,
            Some(_) => {
                let text = Self { bytes };
                match text.check() {
                    Ok(()) => Loaded::Ok(text),
                    Err(reason) => Loaded::Corrupt(reason.into()),
                }
            }
        })
    }

    /// Writes the file atomically unless a newer threadmark's file is there. A thread with
    /// no live post gets no file (and loses a stale one): a sync's first pass lists
    /// thousands of threads before their posts, and creating files is what costs there;
    /// a search reads such a thread's small file instead.
    pub fn save(&self, path: &Path) -> Result<(), StoreError> {
        if is_newer(path)? {
            return Ok(());
        }
        if self.bytes.len() <= HEADER {
            return match fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(StoreError::io(path, e)),
            };
        }
        file::write_atomic(path, &self.bytes, Durability::Cache)
    }

    /// Every post's text, in order.
    pub fn posts(&self) -> Records<'_> {
        Records {
            rest: self.bytes.get(HEADER..).unwrap_or_default(),
        }
    }

    fn check(&self) -> Result<(), &'static str> {
        let mut rest = self.bytes.get(HEADER..).unwrap_or_default();
        while !rest.is_empty() {
            let (_, next) = split_record(rest).ok_or("a record is cut short")?;
            rest = next;
        }
        Ok(())
    }
}

/// Iterator over the records of a checked file.
#[derive(Debug)]
pub struct Records<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = PostText<'a>;

    fn next(&mut self) -> Option<PostText<'a>> {
        let (post, rest) = split_record(self.rest)?;
        self.rest = rest;
        Some(post)
    }
}

fn split_record(bytes: &[u8]) -> Option<(PostText<'_>, &[u8])> {
    let (seq, rest) = bytes.split_first_chunk::<4>()?;
    let (id_len, rest) = rest.split_first_chunk::<2>()?;
    let (id, rest) = rest.split_at_checked(usize::from(u16::from_le_bytes(*id_len)))?;
    let (text_len, rest) = rest.split_first_chunk::<4>()?;
    let text_len = usize::try_from(u32::from_le_bytes(*text_len)).ok()?;
    let (text, rest) = rest.split_at_checked(text_len)?;
    let post = PostText {
        seq: u32::from_le_bytes(*seq),
        id: std::str::from_utf8(id).ok()?,
        text,
    };
    Some((post, rest))
}

fn declared_schema(bytes: &[u8]) -> Option<u32> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (schema, _) = rest.split_first_chunk::<4>()?;
    Some(u32::from_le_bytes(*schema))
}

fn is_newer(path: &Path) -> Result<bool, StoreError> {
    let mut head = [0_u8; 8];
    match fs::File::open(path) {
        Ok(mut f) => match f.read_exact(&mut head) {
            Ok(()) => Ok(declared_schema(&head).is_some_and(|s| s > TEXT_SCHEMA)),
            Err(_) => Ok(false),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Author, Body, Post, PostId, ThreadId, ThreadSummary};
    use jiff::Timestamp;

    fn post(seq: u32, text: &str, deleted: bool) -> Post {
        Post {
            id: PostId::new(format!("p{seq}")),
            thread: ThreadId::new("t"),
            seq,
            reply_to: None,
            author: Author::new("ann"),
            created_at: Timestamp::UNIX_EPOCH,
            edited_at: None,
            body: Body::markdown(text),
            deleted,
            removed: false,
            score: None,
            version: 1,
            client_key: None,
        }
    }

    fn thread(posts: Vec<Post>) -> Thread {
        Thread::new(
            ThreadSummary {
                id: ThreadId::new("t"),
                area: crate::model::AreaId::new("a"),
                title: "T".into(),
                author: Author::new("ann"),
                created_at: Timestamp::UNIX_EPOCH,
                last_post_at: Timestamp::UNIX_EPOCH,
                post_count: 3,
                last_seq: 3,
                pinned: false,
                locked: false,
                missing: Vec::new(),
            },
            posts,
        )
    }

    #[test]
    fn live_posts_round_trip_as_lowercased_plain_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.text");
        let file = thread(vec![
            post(1, "**Été** in [Paris](https://p.example) — 日本", false),
            post(2, "gone", true),
            post(3, "", false),
        ]);
        SearchText::build(&file).save(&path).unwrap();
        let Loaded::Ok(text) = SearchText::load(&path).unwrap() else {
            panic!("not loaded")
        };
        let posts: Vec<PostText> = text.posts().collect();
        assert_eq!(
            posts,
            [
                PostText {
                    seq: 1,
                    id: "p1",
                    text: "été in paris — 日本".as_bytes()
                },
                PostText {
                    seq: 3,
                    id: "p3",
                    text: b""
                }
            ]
        );
    }

    #[test]
    fn damaged_or_newer_files_are_told_apart_and_newer_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.text");
        let mut bytes = SearchText::build(&thread(vec![post(1, "one", false)])).bytes;
        bytes.truncate(bytes.len() - 1);
        fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            SearchText::load(&path).unwrap(),
            Loaded::Corrupt(_)
        ));
        fs::write(&path, b"{\"schema\":1}").unwrap();
        assert!(matches!(
            SearchText::load(&path).unwrap(),
            Loaded::Corrupt(_)
        ));

        let newer = b"TMST\x09\x00\x00\x00future";
        fs::write(&path, newer).unwrap();
        assert!(matches!(SearchText::load(&path).unwrap(), Loaded::Newer));
        SearchText::build(&thread(vec![post(1, "one", false)]))
            .save(&path)
            .unwrap();
        assert_eq!(fs::read(&path).unwrap(), newer, "left as it was");
        assert!(matches!(
            SearchText::load(&dir.path().join("none.text")).unwrap(),
            Loaded::Missing
        ));

        let old = dir.path().join("old.text");
        SearchText::build(&thread(vec![post(1, "one", false)]))
            .save(&old)
            .unwrap();
        SearchText::build(&thread(vec![post(1, "one", true)]))
            .save(&old)
            .unwrap();
        assert!(!old.exists(), "no live post, no file");
    }
}
