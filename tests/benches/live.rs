//! A new post arriving in the open long thread → frame: the sync engine's report of the
//! post (the reader's thread has the engine's focus) goes through `update`, which applies
//! it in place, and a frame is drawn — in process, 200×50, on the generated cache.

use crate::fixtures::Fixture;
use crate::reading::Reader;
use crate::samples::{Samples, ms, report};
use std::time::{Duration, Instant};
use threadmark::app::Msg;
use threadmark::model::{Post, PostId, Thread, ThreadId};
use threadmark::store::Cache;
use threadmark::sync::SyncEvent;
use threadmark::sync::ingest::{FocusedChange, IngestReport};

/// Posts arriving, one at a time.
const ARRIVALS: u32 = 200;

/// The thread measured: the 2,001-post one, or the longest when the forum has none.
pub fn long_thread(fixture: &Fixture) -> ThreadId {
    fixture.forum.long_thread.clone().unwrap_or_else(|| {
        fixture
            .forum
            .threads
            .iter()
            .max_by_key(|(_, posts)| posts.len())
            .map(|(t, _)| t.id.clone())
            .unwrap()
    })
}

pub fn new_post_to_frame(fixture: &Fixture) {
    // Reading from the middle marks posts read and the reader saves them: the fixture's
    // read state is put back afterwards, for the starts that count every post unread.
    let read_path = fixture.account_dir().read_state();
    let read_before = std::fs::read(&read_path).ok();
    measure_new_posts(fixture);
    match read_before {
        Some(bytes) => std::fs::write(&read_path, bytes).unwrap(),
        None => {
            let _ = std::fs::remove_file(&read_path);
        }
    }
}

fn measure_new_posts(fixture: &Fixture) {
    let thread = long_thread(fixture);
    let mut reader = Reader::start(fixture);
    reader.open(&thread);
    // Read on from the middle: the new posts come below.
    for _ in 0..40 {
        reader.send(crate::reading::key('J'));
    }
    let file: Thread = Cache::open(reader.dir.clone())
        .load_thread(&thread)
        .unwrap()
        .unwrap();
    let shown = file.posts.len();
    let template = file.posts[1].clone();
    let mut summary = file.summary;
    let mut samples = Samples::default();
    let (wraps_before, parses_before) = reader.state.reader.open.as_ref().unwrap().work_done();
    for n in 0..ARRIVALS {
        summary.last_seq += 1;
        summary.post_count += 1;
        let post = Post {
            id: PostId::new(format!("{thread}-arrived-{n}")),
            seq: summary.last_seq,
            ..template.clone()
        };
        let mut report = IngestReport::default();
        report.changed.insert(thread.clone());
        report.new_posts = 1;
        report.focused = Some(Box::new(FocusedChange {
            summary: summary.clone(),
            posts: vec![post],
        }));
        let started = Instant::now();
        reader.send(Msg::Sync(SyncEvent::Pulled(report)));
        samples.push(started.elapsed());
    }
    let open = reader.state.reader.open.as_ref().unwrap();
    assert_eq!(open.real_posts().len(), shown + ARRIVALS as usize);
    let (wrapped, parsed) = open.work_done();
    let per_post = (wrapped - wraps_before, parsed - parses_before);
    let (p50, p99) = (samples.percentile(50), samples.percentile(99));
    println!(
        "new post in the open {shown}-post thread → frame: p50 {}, p99 {} over {ARRIVALS} posts; bodies parsed {}, wrapped {}",
        ms(p50),
        ms(p99),
        per_post.1,
        per_post.0
    );
    report(
        &format!(
            "a new post in the open {shown}-post thread → frame, {} posts (p99)",
            fixture.forum.post_count()
        ),
        &format!(
            "{}, {} bodies parsed for {ARRIVALS} posts",
            ms(p99),
            per_post.1
        ),
        "< 5 ms, only the changed post parsed",
        p99 < Duration::from_millis(5) && per_post == (u64::from(ARRIVALS), u64::from(ARRIVALS)),
    );
}
