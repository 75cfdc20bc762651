//! Property tests over the parts that read untrusted bytes or must never lose a reply:
//!
//! - the cache loader: any bytes in any cache, draft, outbox or sync file load, or are
//!   quarantined (cache, drafts) or reported and left alone (outbox) — never a panic;
//! - the API v1 and Discourse decoders, through the real backends over HTTP: any JSON
//!   (valid answers mutated: values of the wrong type, keys dropped, garbage) decodes or
//!   gives a clean error whose message holds no control character;
//! - the renderers: whatever a link's target hides, only web URLs are offered for opening.
//!
//! The outbox against its reference model is in `outbox_model.rs`; every entry kind
//! (reply, edit, delete, like, unlike) against one, with the client binary, in
//! `outbox_kinds.rs`.

use crate::common::count;
use crate::faulty::{Fault, FaultServer, Rule};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;
use threadmark::model::{OutboxEntry, Target, ThreadId};
use threadmark::remote::discourse::{DiscourseBackend, DiscourseSettings};
use threadmark::remote::{Backend, HttpClient, NativeBackend, RemoteError, Timeouts};
use threadmark::store::{Cache, DataDir, Drafts, Outbox, Secret};

pub fn config(cases: usize) -> ProptestConfig {
    ProptestConfig {
        cases: u32::try_from(cases).unwrap_or(u32::MAX),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Arbitrary JSON, nested a little.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "\u{1b}]0;x\u{7}",
            "2024-03-01T12:00:00Z",
            "open",
            "read-only",
            "",
            "-1",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid document with one value somewhere replaced, one key dropped, or cut short.
fn mutated(valid: &Value) -> impl Strategy<Value = Vec<u8>> {
    let text = valid.to_string();
    let replaced = valid.clone();
    let removed = valid.clone();
    prop_oneof![
        3 => (any::<prop::sample::Index>(), any_json()).prop_map(move |(at, new)| {
            let mut v = replaced.clone();
            replace_nth(&mut v, at, &new, false);
            v.to_string().into_bytes()
        }),
        1 => any::<prop::sample::Index>().prop_map(move |at| {
            let mut v = removed.clone();
            replace_nth(&mut v, at, &Value::Null, true);
            v.to_string().into_bytes()
        }),
        1 => any::<prop::sample::Index>().prop_map(move |at| {
            let cut = at.index(text.len() + 1);
            text.as_bytes()[..cut].to_vec()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// Replaces (or removes, for object members) the `at`-th value of `value`, depth first.
fn replace_nth(value: &mut Value, at: prop::sample::Index, new: &Value, remove: bool) {
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Array(a) => a.iter().map(count).sum(),
            Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }
    fn walk(v: &mut Value, n: &mut usize, new: &Value, remove: bool) -> bool {
        if *n == 0 {
            *v = new.clone();
            return true;
        }
        *n -= 1;
        match v {
            Value::Array(a) => a.iter_mut().any(|x| walk(x, n, new, remove)),
            Value::Object(o) => {
                let keys: Vec<String> = o.keys().cloned().collect();
                for k in keys {
                    if *n == 0 && remove {
                        o.remove(&k);
                        return true;
                    }
                    if walk(o.get_mut(&k).unwrap(), n, new, remove) {
                        return true;
                    }
                }
                false
            }
            _ => false,
        }
    }
    let mut n = at.index(count(value));
    walk(value, &mut n, new, remove);
}

// ---------------------------------------------------------------- the cache loader

fn thread_file() -> Value {
    json!({"schema": 1, "thread": {"id": "t1", "area": "a", "title": "T", "author": {"name": "A"},
        "created_at": "2024-03-01T12:00:00Z", "last_post_at": "2024-03-01T12:00:00Z",
        "post_count": 1, "last_seq": 1},
        "posts": [{"id": "p1", "thread": "t1", "seq": 1, "author": {"name": "A", "badge": "b"},
        "created_at": "2024-03-01T12:00:00Z", "body": {"format": "markdown", "text": "hi"}, "version": 1}]})
}

proptest! {
    #![proptest_config(config(count(48, 512)))]

    #[test]
    fn any_bytes_in_the_data_directory_load_or_are_set_aside(
        tree in mutated(&json!({"schema": 1, "forum": {"title": "F", "sections": [{"id": "s", "title": "S",
            "areas": [{"id": "a", "title": "A"}]}]}})),
        index in mutated(&json!({"schema": 1, "threads": [thread_file()["thread"].clone()]})),
        thread in mutated(&thread_file()),
        read in mutated(&json!({"schema": 1, "read": {"threads": {"t1": {"up_to": 1}}}})),
        outbox_entry in mutated(&json!({"schema": 1, "entry": {"key": "k1", "target": {"kind": "reply", "thread": "t1"},
            "body": "b", "created_at": "2024-03-01T12:00:00Z", "state": "queued"}})),
        draft in mutated(&json!({"schema": 1, "draft": {"id": "d1", "target": {"kind": "reply", "thread": "t1"},
            "body": "b", "created_at": "2024-03-01T12:00:00Z", "updated_at": "2024-03-01T12:00:00Z"}})),
    ) {
        let data = tempfile::tempdir().unwrap();
        let account = DataDir::new(data.path()).account("work");
        let root = account.root().to_owned();
        let files = [
            (root.join("tree.json"), &tree),
            (root.join("index.json"), &index),
            (root.join("threads/t1.json"), &thread),
            (root.join("read.json"), &read),
            (root.join("sync.json"), &read),
            (root.join("ui.json"), &tree),
            (root.join("outbox/queued/k1.json"), &outbox_entry),
            (root.join("drafts/d1.json"), &draft),
        ];
        for (path, bytes) in &files {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let mut cache = Cache::open(account.clone());
        let _ = cache.load_forum().unwrap();
        let _ = cache.load_index().unwrap();
        let _ = cache.load_thread(&ThreadId::new("t1")).unwrap();
        let _ = cache.load_read_state().unwrap();
        let _ = threadmark::store::load_ui_state::<threadmark::app::UiState>(&account).unwrap();
        let _ = threadmark::sync::state::SyncState::load(&account).unwrap();
        let query = threadmark::model::Query::parse("b").unwrap();
        let cx = threadmark::store::QueryContext::bare(jiff::Timestamp::now());
        let _ = threadmark::store::search(&mut cache, &query, &cx, 10);
        for problem in cache.take_problems() {
            let shown = problem.to_string();
            prop_assert!(!shown.chars().any(char::is_control), "{shown:?}");
        }
        // Whatever was set aside keeps its bytes.
        for (path, bytes) in &files {
            if !path.exists() && !path.starts_with(root.join("outbox")) {
                let kept = std::fs::read_dir(path.parent().unwrap()).unwrap()
                    .map(|e| e.unwrap().path())
                    .find(|p| p.to_string_lossy().starts_with(&format!("{}.corrupt-", path.display())));
                let kept = kept.unwrap_or_else(|| panic!("{} vanished", path.display()));
                prop_assert_eq!(&std::fs::read(kept).unwrap(), *bytes);
            }
        }
        // Drafts load or are quarantined; outbox files are reported and left in place.
        let _ = Drafts::open(&account).list().unwrap();
        let (_, unreadable) = Outbox::open(&account).list().unwrap();
        for u in &unreadable {
            prop_assert!(u.path.exists(), "outbox files are never moved");
            prop_assert!(!u.to_string().chars().any(char::is_control));
        }
    }
}

// ---------------------------------------------------------------- the decoders

pub fn short_timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        read: Duration::from_secs(5),
        total: Duration::from_secs(10),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The error says what happened in words a terminal can show.
fn clean_error(error: &RemoteError) -> Result<(), TestCaseError> {
    let shown = error.to_string();
    prop_assert!(!shown.chars().any(char::is_control), "{shown:?}");
    Ok(())
}

/// Pulls (up to `rounds` batches) and sends one reply; every error must be clean.
async fn pull_and_reply<B: Backend>(
    backend: &mut B,
    rounds: usize,
    thread: &str,
    body: &str,
) -> Result<(), TestCaseError> {
    let mut cursor = None;
    for _ in 0..rounds {
        match backend.pull(cursor.as_ref(), None).await {
            Ok(batch) => {
                let done = batch.complete;
                cursor = Some(batch.cursor);
                if done {
                    break;
                }
            }
            Err(e) => {
                clean_error(&e)?;
                break;
            }
        }
    }
    let entry = OutboxEntry::new(
        Target::Reply {
            thread: ThreadId::new(thread),
            reply_to: None,
        },
        body.into(),
        jiff::Timestamp::now(),
    );
    if let Err(e) = backend.submit(&entry).await {
        clean_error(&e)?;
    }
    Ok(())
}

fn native_post() -> Value {
    json!({"id": "p1", "thread_id": "t1", "seq": 1, "author": {"name": "A"},
        "created_at": "2024-03-01T12:00:00Z", "body": "hi", "version": 1})
}

fn native_thread() -> Value {
    json!({"id": "t1", "area_id": "a", "title": "T", "author": {"name": "A"},
        "created_at": "2024-03-01T12:00:00Z", "last_post_at": "2024-03-01T12:00:00Z",
        "post_count": 1, "last_seq": 1, "version": 1})
}

proptest! {
    #![proptest_config(config(count(32, 256)))]

    #[test]
    fn api_v1_answers_decode_or_fail_cleanly(
        status in mutated(&json!({"mode": "open", "capabilities": [], "banner": {"id": "b", "severity": "info", "text": "t"}})),
        changes in mutated(&json!({"changes": [{"kind": "post", "post": native_post()},
            {"kind": "thread", "thread": native_thread()}], "next_cursor": "c1", "has_more": false})),
        tree in mutated(&json!({"sections": [{"id": "s", "title": "S", "areas": [{"id": "a", "title": "A", "thread_count": 1}]}]})),
        threads in mutated(&json!({"threads": [native_thread()], "next_cursor": null})),
        posts in mutated(&json!({"thread": native_thread(), "posts": [native_post()], "has_more": false})),
        problem in mutated(&json!({"type": "urn:x", "title": "t", "status": 503, "code": "read_only", "retry_after_s": 5})),
    ) {
        let server = FaultServer::start(None);
        let answer = |body: &Vec<u8>, status: u16| Fault::Answer {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.clone(),
        };
        server.rule(Rule::method("POST", "/posts", answer(&problem, 503)));
        server.rule(Rule::any("/api/v1/status", answer(&status, 200)));
        server.rule(Rule::any("since=now", answer(&json!({"changes": [], "next_cursor": "c0"}).to_string().into_bytes(), 200)));
        server.rule(Rule::any("/api/v1/changes", answer(&changes, 200)));
        server.rule(Rule::any("/api/v1/tree", answer(&tree, 200)));
        server.rule(Rule::any("/api/v1/areas/", answer(&threads, 200)));
        server.rule(Rule::any("/api/v1/threads/", answer(&posts, 200)));
        let http = HttpClient::new(&server.url, short_timeouts()).unwrap();
        let mut backend = NativeBackend::new(http, Some(Secret::new("t")));
        let rt = runtime();
        rt.block_on(async {
            if let Err(e) = backend.refresh_status().await {
                clean_error(&e)?;
            }
            pull_and_reply(&mut backend, 6, "t1", "b").await
        })?;
    }
}

fn discourse_topic() -> Value {
    json!({"id": 5, "title": "T", "category_id": 2, "posts_count": 1, "highest_post_number": 1,
        "created_at": "2024-03-01T12:00:00Z", "last_posted_at": "2024-03-01T12:00:00Z",
        "bumped_at": "2024-03-01T12:00:00Z", "pinned": false, "closed": false,
        "post_stream": {"stream": [11], "posts": [discourse_post()]},
        "details": {"created_by": {"id": 1, "username": "u"}}})
}

fn discourse_post() -> Value {
    json!({"id": 11, "post_number": 1, "username": "u", "name": "U", "cooked": "<p>hi</p>",
        "created_at": "2024-03-01T12:00:00Z", "updated_at": "2024-03-01T12:00:00Z", "version": 1,
        "post_type": 1, "topic_id": 5, "reply_to_post_number": null})
}

proptest! {
    #![proptest_config(config(count(32, 256)))]

    #[test]
    fn discourse_answers_decode_or_fail_cleanly(
        site in mutated(&json!({"categories": [{"id": 1, "name": "C", "slug": "c", "topic_count": 0},
            {"id": 2, "name": "D", "slug": "d", "parent_category_id": 1, "topic_count": 1}]})),
        listing in mutated(&json!({"users": [{"id": 1, "username": "u"}], "topic_list": {"topics": [
            {"id": 5, "title": "T", "posts_count": 1, "highest_post_number": 1, "category_id": 2,
             "created_at": "2024-03-01T12:00:00Z", "bumped_at": "2024-03-01T12:00:00Z",
             "last_posted_at": "2024-03-01T12:00:00Z", "pinned": false, "posters": [{"user_id": 1}]}]}})),
        topic in mutated(&discourse_topic()),
        posts in mutated(&json!({"post_stream": {"posts": [discourse_post()]}})),
        created in mutated(&discourse_post()),
    ) {
        let server = FaultServer::start(None);
        let answer = |body: &Vec<u8>| Fault::Answer {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.clone(),
        };
        server.rule(Rule::any("/site.json", answer(&site)));
        server.rule(Rule::any("/site/basic-info.json", answer(&br#"{"title":"F"}"#.to_vec())));
        server.rule(Rule::any("/latest.json", answer(&listing)));
        server.rule(Rule::any("/t/5/posts.json", answer(&posts)));
        server.rule(Rule::any("/t/5.json", answer(&topic)));
        server.rule(Rule::method("POST", "/posts.json", answer(&created)));
        let settings = DiscourseSettings {
            timeouts: short_timeouts(),
            limits: Some(threadmark::model::Limits::new([
                threadmark::model::Limit::per_minute(100_000),
            ])),
            prefetch: Some(threadmark::remote::discourse::PrefetchSettings {
                policy: threadmark::config::Prefetch::All,
                ..threadmark::remote::discourse::PrefetchSettings::default_for(true)
            }),
            ..DiscourseSettings::default()
        };
        let credential = threadmark::store::Credential::DiscourseApiKey {
            key: Secret::new("k"),
            username: "u".into(),
        };
        let mut backend = DiscourseBackend::new(&server.url, Some(credential), settings).unwrap();
        let rt = runtime();
        rt.block_on(pull_and_reply(&mut backend, 12, "5", "a reply long enough"))?;
    }
}

// ---------------------------------------------------------------- the renderers' links

/// Link targets mixing schemes, hosts and hidden characters.
fn hostile_url() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "https://",
        "http://",
        "HTTPS://",
        "javascript:",
        "JaVaScRiPt:",
        "data:text/html,",
        "vbscript:",
        "file://",
        "//",
        "",
        " https://",
        "ht\ttps://",
        "https:/",
    ]);
    let host = prop::sample::select(vec![
        "example.com",
        "exa mple.com",
        "ex\u{1b}ample.com",
        "exa\u{202e}mple.com",
        "exa\u{200b}mple.com",
        "user:pw@example.com",
        "[::1]",
        "",
        "example.com:99999",
    ]);
    let path = prop::collection::vec(
        prop::sample::select(vec![
            "/a",
            "/b?c=d",
            "#frag",
            "/\u{1b}[31m",
            "/\u{7}",
            "/\u{9b}2J",
            "/\u{e0041}",
            "/%1b",
            "/ space",
            "/\n",
            "/\r",
            "/ü",
            "/漢",
            "\"",
            "'",
            ")",
            ">",
        ]),
        0..4,
    )
    .prop_map(|parts| parts.concat());
    (scheme, host, path).prop_map(|(s, h, p)| format!("{s}{h}{p}"))
}

proptest! {
    #![proptest_config(config(count(256, 4096)))]

    #[test]
    fn only_web_urls_are_ever_offered_for_opening(url in hostile_url(), text in "[a-z ]{0,8}") {
        use threadmark::model::{Body, BodyFormat};
        use threadmark::render::Document;
        let escaped = url.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
        let bodies = [
            (BodyFormat::Markdown, format!("[{text}]({url}) and <{url}>")),
            (BodyFormat::Markdown, format!("[{text}](<{url}>)")),
            (BodyFormat::Html, format!("<p><a href=\"{escaped}\">{text}</a></p>")),
            (BodyFormat::Html, format!("<p><a href='{url}'>{text}</a><img src=\"{escaped}\"></p>")),
        ];
        for (format, body) in bodies {
            let doc = Document::from_body(&Body { format, text: body, base_url: None });
            for link in doc.links() {
                if let Some(offered) = link.openable() {
                    prop_assert!(crate::terminal_bytes::is_web_url(offered), "{offered:?} from {url:?}");
                }
                prop_assert!(!link.url.chars().any(char::is_control), "{:?}", link.url);
            }
        }
        let clean = format!("https://example.com/{}", text.replace(' ', "-"));
        let doc = Document::from_body(&Body {
            format: BodyFormat::Html,
            text: format!("<a href=\"{clean}\">x</a>"),
            base_url: None,
        });
        prop_assert_eq!(doc.links().iter().filter_map(|l| l.openable()).collect::<Vec<_>>(), vec![clean.as_str()]);
    }
}
