//! A deterministic synthetic forum for scale tests and benchmarks: sections, areas and
//! threads of any size, posts of varied length (a few of 64 KiB), deep reply chains,
//! Unicode (CJK, emoji, right-to-left scripts) and Markdown with lists and quotes.
//!
//! The same seed and size always give the same forum, byte for byte. It can be written
//! into a client's data directory through the store, or into a reference server's store
//! through `import_forum`.

use jiff::Timestamp;
use std::path::Path;
use threadmark::model::Thread;
use threadmark::model::{
    Area, AreaId, Author, Body, Forum, Post, PostId, Section, SectionId, ThreadId, ThreadSummary,
};
use threadmark::store::{AccountDir, Cache, StoreError};

/// A phrase found in exactly one post of every generated forum.
pub const PLANTED_PHRASE: &str = "quokka marmalade";

/// Posts in the long thread (the opening post and 2,000 replies), present from 10k posts on.
pub const LONG_THREAD_POSTS: usize = 2_001;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    pub seed: u64,
    pub posts: usize,
    pub threads: usize,
}

impl Spec {
    /// `posts` posts over one thread per 20 posts, at most 50,000 threads (a million posts).
    pub fn posts(posts: usize) -> Self {
        Self {
            seed: 7,
            posts,
            threads: (posts / 20).clamp(1, 50_000),
        }
    }
}

/// A generated forum, threads in the order the cache index lists them (newest first).
#[derive(Clone, Debug)]
pub struct Generated {
    pub forum: Forum,
    pub threads: Vec<(ThreadSummary, Vec<Post>)>,
    /// The thread with [`LONG_THREAD_POSTS`] posts, when the forum is big enough for it.
    pub long_thread: Option<ThreadId>,
    /// Where [`PLANTED_PHRASE`] is.
    pub planted: (ThreadId, PostId),
}

impl Generated {
    pub fn post_count(&self) -> usize {
        self.threads.iter().map(|(_, posts)| posts.len()).sum()
    }

    /// Writes the forum into an account's cache through the store: thread files first,
    /// then the index, then the tree (leaves before indexes).
    pub fn write_cache(&self, dir: &AccountDir) -> Result<(), StoreError> {
        let cache = Cache::open(dir.clone());
        // In batches, as a sync writes them.
        for batch in self.threads.chunks(64) {
            let threads: Vec<Thread> = batch
                .iter()
                .map(|(summary, posts)| Thread::new(summary.clone(), posts.clone()))
                .collect();
            cache.save_threads(&threads)?;
        }
        let summaries: Vec<ThreadSummary> = self.threads.iter().map(|(s, _)| s.clone()).collect();
        cache.save_index(&summaries)?;
        cache.save_forum(&self.forum)
    }

    /// Loads the forum into a reference server's store in `dir`.
    pub fn load_server(&self, dir: &Path) -> threadmark::server::ImportReport {
        threadmark::server::import_forum(dir, &self.forum, self.threads.iter().cloned())
            .expect("the generated forum imports")
    }
}

const WORDS: &[&str] = &[
    "advocacy",
    "framework",
    "strategy",
    "initiative",
    "members",
    "council",
    "budget",
    "proposal",
    "outreach",
    "community",
    "volunteers",
    "meeting",
    "agenda",
    "minutes",
    "policy",
    "research",
    "funding",
    "partners",
    "region",
    "campaign",
    "report",
    "draft",
    "review",
    "timeline",
    "goals",
    "measure",
    "impact",
    "survey",
    "training",
    "website",
    "the",
    "and",
    "of",
    "to",
    "we",
    "should",
    "could",
    "will",
    "not",
    "about",
    "with",
    "this",
    "that",
    "for",
    "from",
    "our",
    "their",
    "every",
    "next",
    "quarter",
    "year",
    "discussion",
    "question",
    "answer",
    "agree",
    "disagree",
    "perhaps",
    "indeed",
    "討論",
    "戦略",
    "日本語のテキスト",
    "社区",
    "提案",
    "预算",
    "회의",
    "전략",
    "مرحبا",
    "الاستراتيجية",
    "שלום",
    "אסטרטגיה",
    "🎉",
    "👍🏽",
    "🚀",
    "café",
    "naïve",
    "Straße",
    "ÉTÉ",
    "Ελληνικά",
    "привет",
];

const NAMES: &[&str] = &[
    "Connie Ellis",
    "Patricia Antrim",
    "Ravi Shah",
    "Mei Lin 林美",
    "Ahmad Nasser",
    "Noa Levi",
    "Olu Adeyemi",
    "Sigrid Berg",
    "Tomás Ruiz",
    "Yuki Tanaka",
    "Anna Kowalska",
    "Dev Patel",
    "Lucía Gómez",
    "Kwame Mensah",
    "Ingrid Olsen",
    "Hiro Sato",
];

/// Generates the forum described by `spec`.
pub fn generate(spec: Spec) -> Generated {
    let mut rng = fastrand::Rng::with_seed(spec.seed);
    let forum = tree(&mut rng);
    let areas: Vec<AreaId> = forum
        .sections
        .iter()
        .flat_map(|s| s.areas.iter().map(|a| a.id.clone()))
        .collect();
    let sizes = thread_sizes(&mut rng, spec);
    let long_at = sizes.iter().position(|&n| n == LONG_THREAD_POSTS);
    let huge = 1 + spec.posts / 25_000;
    let huge_every = (spec.posts / huge).max(1);
    let base = Timestamp::from_second(1_704_067_200).expect("a valid time");
    let mut threads = Vec::with_capacity(sizes.len());
    let mut made = 0_usize;
    for (n, &size) in sizes.iter().enumerate() {
        let id = ThreadId::new(format!("t{n}"));
        let mut posts = Vec::with_capacity(size);
        let chain = n % 97 == 3;
        for seq in 1..=size {
            let index = made;
            made += 1;
            let body = if index % huge_every == huge_every / 2 {
                huge_body(&mut rng)
            } else {
                body(&mut rng)
            };
            let reply_to = reply_target(&mut rng, &id, seq, chain || Some(n) == long_at);
            let deleted = seq > 1 && index % 211 == 5;
            let offset =
                i64::try_from(index).expect("small") * 37 + i64::try_from(n).expect("small");
            posts.push(Post {
                id: PostId::new(format!("{id}-p{seq}")),
                thread: id.clone(),
                seq: u32::try_from(seq).expect("small"),
                reply_to,
                author: author(&mut rng),
                created_at: base + jiff::SignedDuration::from_secs(offset),
                edited_at: None,
                body: if deleted {
                    Body::markdown("")
                } else {
                    Body::markdown(body)
                },
                deleted,
                removed: false,
                score: None,
                version: 1,
                client_key: None,
                reactions: threadmark::model::Reactions::default(),
            });
        }
        let first = &posts[0];
        let summary = ThreadSummary {
            id: id.clone(),
            area: areas[rng.usize(..areas.len())].clone(),
            title: title(&mut rng, n).into(),
            author: first.author.clone(),
            created_at: first.created_at,
            last_post_at: posts.iter().map(|p| p.created_at).max().expect("a post"),
            post_count: u32::try_from(size).expect("small"),
            last_seq: u32::try_from(size).expect("small"),
            pinned: n % 501 == 1,
            locked: n % 301 == 2,
            missing: thin_vec::ThinVec::new(),
            small_actions: thin_vec::ThinVec::new(),
        };
        threads.push((summary, posts));
    }
    let planted = plant(&mut threads);
    threads.sort_by_key(|(t, _)| std::cmp::Reverse(t.last_post_at));
    Generated {
        forum,
        long_thread: long_at.map(|n| ThreadId::new(format!("t{n}"))),
        threads,
        planted,
    }
}

fn tree(rng: &mut fastrand::Rng) -> Forum {
    let sections = (0..5)
        .map(|s| Section {
            id: SectionId::new(format!("s{s}")),
            title: format!("Section {s}: {}", capitalized(rng, 2..3)),
            areas: (0..4)
                .map(|a| Area {
                    description: (a % 2 == 0).then(|| sentence(rng, 8..9)),
                    ..Area::new(
                        format!("s{s}-a{a}"),
                        format!("Area {a} · {}", capitalized(rng, 2..3)),
                    )
                })
                .collect(),
        })
        .collect();
    Forum {
        title: "Synthetic Forum".to_owned(),
        sections,
        announcement: None,
        undated: false,
        limits: threadmark::model::PostLimits::default(),
    }
}

/// Posts per thread: one long thread when there is room, the rest skewed (a few big
/// threads, many small ones), every thread at least one post, `spec.posts` in all.
fn thread_sizes(rng: &mut fastrand::Rng, spec: Spec) -> Vec<usize> {
    let threads = spec.threads.clamp(1, spec.posts.max(1));
    let mut sizes = vec![1_usize; threads];
    let mut left = spec.posts.saturating_sub(threads);
    if threads > 1 && spec.posts >= 10_000 {
        sizes[threads / 3] = LONG_THREAD_POSTS;
        left -= LONG_THREAD_POSTS - 1;
    }
    let others: Vec<usize> = (0..threads).filter(|&i| sizes[i] == 1).collect();
    while left > 0 && !others.is_empty() {
        // The product of two uniform picks favours the front of the list: a long tail.
        let n = others.len();
        let i = others[rng.usize(..n) * rng.usize(..n) / n];
        let add = left.min(rng.usize(1..=8));
        sizes[i] += add;
        left -= add;
    }
    sizes
}

/// The post a reply answers: none for the opening post; in a chain the one just before;
/// otherwise often a recent post, sometimes the thread itself.
fn reply_target(
    rng: &mut fastrand::Rng,
    thread: &ThreadId,
    seq: usize,
    chain: bool,
) -> Option<PostId> {
    if seq == 1 {
        return None;
    }
    let target = if chain && rng.u8(..10) < 9 {
        seq - 1
    } else if rng.u8(..4) == 0 {
        1
    } else {
        seq - 1 - rng.usize(..(seq - 1).min(12))
    };
    Some(PostId::new(format!("{thread}-p{target}")))
}

fn author(rng: &mut fastrand::Rng) -> Author {
    let name = NAMES[rng.usize(..NAMES.len())];
    Author {
        name: name.into(),
        // A badge belongs to the person, so it is the same on every post.
        badge: name.starts_with('P').then(|| "non-member".to_owned()),
    }
}

fn word(rng: &mut fastrand::Rng) -> &'static str {
    WORDS[rng.usize(..WORDS.len())]
}

fn sentence(rng: &mut fastrand::Rng, words: std::ops::Range<usize>) -> String {
    let mut out = String::new();
    for i in 0..rng.usize(words) {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word(rng));
    }
    out.push('.');
    out
}

fn capitalized(rng: &mut fastrand::Rng, words: std::ops::Range<usize>) -> String {
    let text = sentence(rng, words);
    let text = text.trim_end_matches('.');
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn title(rng: &mut fastrand::Rng, n: usize) -> String {
    format!("{} #{n}", capitalized(rng, 3..7))
}

/// One to six blocks: paragraphs, a bullet list, a quote, an emphasised line, a link.
fn body(rng: &mut fastrand::Rng) -> String {
    let mut out = String::new();
    for block in 0..rng.usize(1..=6) {
        if block > 0 {
            out.push_str("\n\n");
        }
        match rng.u8(..10) {
            0 => {
                for _ in 0..rng.usize(2..=4) {
                    out.push_str("- ");
                    out.push_str(&sentence(rng, 3..9));
                    out.push('\n');
                }
            }
            1 => {
                out.push_str("> ");
                out.push_str(&sentence(rng, 6..16));
                out.push_str("\n>\n> > ");
                out.push_str(&sentence(rng, 4..5));
            }
            2 => {
                out.push_str("**");
                out.push_str(&capitalized(rng, 3..4));
                out.push_str("** — see [the report](https://forum.example/r/");
                out.push_str(&rng.u32(..100_000).to_string());
                out.push_str(") and `notes.md`.");
            }
            _ => out.push_str(&sentence(rng, 5..45)),
        }
    }
    out
}

/// About 64 KiB of paragraphs.
fn huge_body(rng: &mut fastrand::Rng) -> String {
    let mut out = String::with_capacity(66 * 1024);
    while out.len() < 64 * 1024 {
        out.push_str(&sentence(rng, 60..61));
        out.push_str(if rng.u8(..4) == 0 { "\n\n" } else { " " });
    }
    out
}

/// Puts the planted phrase into one live post about two thirds of the way through.
fn plant(threads: &mut [(ThreadSummary, Vec<Post>)]) -> (ThreadId, PostId) {
    let at = threads.len() * 2 / 3;
    let (_, posts) = &mut threads[at];
    let post = posts
        .iter_mut()
        .rev()
        .find(|p| !p.deleted)
        .expect("every thread has a live opening post");
    post.body
        .text
        .push_str("\n\nWe finally tried the Quokka Marmalade recipe.");
    (post.thread.clone(), post.id.clone())
}
