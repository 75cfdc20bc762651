//! Reading: the category tree, paging with pinned topics and the high-water mark, a long
//! topic with gaps, tombstones and a reply chain, edits, and the request budget.

use crate::support::discourse_forum::{Forum, base_time};
use crate::{backend, bounded, roomy, standin, sync};
use axum::http::Method;
use std::collections::HashSet;
use std::time::Duration;
use threadmark::model::{Limit, Limits};
use threadmark::remote::discourse::DiscourseSettings;

#[tokio::test]
async fn categories_become_sections_and_areas() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, None, roomy());
        let synced = sync(&mut discourse, None, None).await;
        let forum = synced.batches[0]
            .forum
            .clone()
            .expect("the first batch carries the tree");
        assert_eq!(forum.title, "Strategic Framework Forum");
        let shape: Vec<(String, Vec<(String, String)>)> = forum
            .sections
            .iter()
            .map(|s| {
                let areas = s
                    .areas
                    .iter()
                    .map(|a| (a.id.to_string(), a.title.clone()))
                    .collect();
                (s.title.clone(), areas)
            })
            .collect();
        let pairs = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            shape,
            vec![
                ("Uncategorized".to_owned(), pairs(&[("1", "Uncategorized")])),
                (
                    "Strategic Initiatives".to_owned(),
                    // No topics of its own: no area for the parent; the grandchild folds.
                    pairs(&[
                        ("11", "Advocacy"),
                        ("12", "Research"),
                        ("13", "Research › Field Studies")
                    ])
                ),
                (
                    "Enabling Strategies".to_owned(),
                    // Holds a topic directly: an area of its own.
                    pairs(&[("20", "Enabling Strategies"), ("21", "Communications")])
                ),
            ]
        );
        assert_eq!(
            forum.sections[1].areas[0].description.as_deref(),
            Some("About Advocacy.")
        );
        assert_eq!(synced.thread("401").unwrap().area.as_str(), "13");
        assert_eq!(synced.thread("410").unwrap().area.as_str(), "20");
        assert!(
            synced.thread("101").is_none(),
            "the About topic of an area-less parent is left out"
        );
        assert!(
            synced.batches.iter().skip(1).all(|b| b.forum.is_none()),
            "the tree is delivered once per change"
        );
    })
    .await;
}

#[tokio::test]
async fn listings_page_with_pinned_topics_and_resume_from_the_high_water_mark() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, None, roomy());
        let first = sync(&mut discourse, None, None).await;
        let pages = |server: &crate::support::discourse_standin::StandIn| -> Vec<String> {
            server
                .requests_to(&Method::GET, "/latest.json")
                .iter()
                .map(|r| r.query.clone())
                .collect()
        };
        // Always in bump order: without `order`, a category's `sort_order` would decide
        // (lib/topic_query.rb, default_results).
        assert_eq!(
            pages(&server),
            [
                "order=activity&ascending=false&page=0",
                "order=activity&ascending=false&page=1",
                "order=activity&ascending=false&page=2"
            ],
            "0-based pages of every category at once, until more_topics_url is gone"
        );
        let ids: HashSet<&str> = first.threads().iter().map(|t| t.id.as_str()).collect();
        for id in (200..268).chain([300, 301, 400, 401, 500, 100, 410, 420]) {
            assert!(ids.contains(id.to_string().as_str()), "topic {id} listed");
        }
        assert!(first.thread("300").unwrap().pinned);

        // Nothing changed: one request in all — a page of /latest, no categories, no
        // topic read, nothing delivered.
        server.clear_requests();
        let cursor = first.cursor.clone().unwrap();
        let second = sync(&mut discourse, Some(&cursor), None).await;
        let queries: Vec<String> = server
            .requests()
            .iter()
            .map(|r| format!("{}?{}", r.path, r.query))
            .collect();
        assert_eq!(
            queries,
            ["/latest.json?order=activity&ascending=false&page=0"],
            "old pinned topics do not keep the paging going"
        );
        assert!(second.threads().is_empty() && second.delivered_posts() == 0);

        // Replies to 35 old topics (more than page 0 holds behind the two old pinned
        // topics) and to a pinned one: exactly those are read, over two pages.
        let bumped: Vec<u64> = (200..235).chain([301]).collect();
        {
            let mut world = server.world();
            for (i, id) in bumped.iter().enumerate() {
                let now = base_time() + jiff::SignedDuration::from_mins(i64::try_from(i).unwrap());
                let topic = world.forum.topics.get_mut(id).unwrap();
                let mut post = topic.posts.last().unwrap().clone();
                post.id += 50_000;
                post.number += 1;
                post.raw = format!("A late reply in {id}.");
                post.created_at = now;
                topic.posts.push(post);
                topic.bumped_at = now;
            }
        }
        server.clear_requests();
        let third = sync(&mut discourse, second.cursor.as_ref(), None).await;
        assert_eq!(
            pages(&server),
            [
                "order=activity&ascending=false&page=0",
                "order=activity&ascending=false&page=1"
            ],
            "old pinned topics on page 0 do not end the paging"
        );
        let read: HashSet<String> = server
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/t/"))
            .map(|r| r.path.clone())
            .collect();
        let expected: HashSet<String> = bumped.iter().map(|id| format!("/t/{id}.json")).collect();
        assert_eq!(read, expected);
        let new_posts = third.posts("203");
        assert_eq!(
            new_posts.len(),
            1,
            "unchanged posts are not delivered again"
        );
        assert_eq!(new_posts[0].seq, 3);
        assert_eq!(third.thread("203").unwrap().last_seq, 3);
        assert_eq!(third.posts("301").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_long_topic_keeps_dense_seq_tombstones_and_its_reply_chain() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, None, roomy());
        let first = sync(&mut discourse, None, Some("500")).await;
        let posts = first.posts("500");
        assert_eq!(posts.len(), 65);
        assert_eq!(
            posts.iter().map(|p| p.seq).collect::<Vec<_>>(),
            (1..=65).collect::<Vec<_>>()
        );
        assert_eq!(first.thread("500").unwrap().last_seq, 65);

        let (numbers, by_number) = {
            let world = server.world();
            let topic = &world.forum.topics[&500];
            let by_number: std::collections::HashMap<u64, String> = topic
                .posts
                .iter()
                .map(|p| (p.number, p.id.to_string()))
                .collect();
            (topic.stream().len(), by_number)
        };
        assert_eq!(numbers, 65);
        let post = |n: u64| {
            posts
                .iter()
                .find(|p| p.id.as_str() == by_number[&n])
                .unwrap()
        };
        for n in 21..=30 {
            assert_eq!(
                post(n).reply_to.as_ref().map(ToString::to_string),
                Some(by_number[&(n - 1)].clone()),
                "post {n}"
            );
        }
        assert_eq!(post(50).reply_to.as_ref().unwrap().as_str(), by_number[&1]);
        assert_eq!(
            post(18).reply_to,
            None,
            "its parent (number 17) was removed"
        );
        assert!(
            post(40).deleted && post(40).body.text.is_empty(),
            "hidden posts are tombstones"
        );
        assert_eq!(post(41).author.badge.as_deref(), Some("whisper"));
        assert_eq!(post(1).author.badge.as_deref(), Some("admin"));
        assert_eq!(post(1).author.name, "Alice Archer");
        assert_eq!(post(2).author.name, "bob", "no name: the username");
        assert_eq!(post(3).author.badge.as_deref(), Some("moderator"));
        assert_eq!(post(1).body.format, threadmark::model::BodyFormat::Html);
        assert_eq!(post(1).body.text, "<p>Post 1 of The long discussion.</p>");

        // Bodies beyond the first 20 come 50 ids at a time (Discourse puts no cap on
        // `post_ids[]`, topics_controller.rb#posts), exactly those missing.
        let batches: Vec<Vec<String>> = server
            .requests_to(&Method::GET, "/t/500/posts.json")
            .iter()
            .map(|r| {
                url::form_urlencoded::parse(r.query.as_bytes())
                    .map(|(_, v)| v.into_owned())
                    .collect()
            })
            .collect();
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [45]);
        assert_eq!(batches.iter().flatten().collect::<HashSet<_>>().len(), 45);
    })
    .await;
}

/// Post ids of topic 500 by post number.
fn numbers(
    server: &crate::support::discourse_standin::StandIn,
) -> std::collections::HashMap<u64, String> {
    server.world().forum.topics[&500]
        .posts
        .iter()
        .map(|p| (p.number, p.id.to_string()))
        .collect()
}

#[tokio::test]
async fn deletions_edits_and_new_posts_in_a_long_topic() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, None, roomy());
        let first = sync(&mut discourse, None, Some("500")).await;
        let by_number = numbers(&server);
        let seq_of = |n: u64| {
            first
                .posts("500")
                .iter()
                .find(|p| p.id.as_str() == by_number[&n])
                .unwrap()
                .seq
        };

        // Upstream: number 10 is deleted, number 2 edited, a new post arrives.
        {
            let mut world = server.world();
            let topic = world.forum.topics.get_mut(&500).unwrap();
            topic.posts[9].removed = true;
            topic.posts[1].version = 2;
            topic.posts[1].raw = "Edited text.".to_owned();
            let mut new = topic.posts.last().unwrap().clone();
            new.id += 1_000;
            new.number = 80;
            new.reply_to_post_number = Some(24);
            new.created_at = base_time();
            topic.posts.push(new);
            topic.bumped_at = base_time();
        }
        let second = sync(&mut discourse, first.cursor.as_ref(), Some("500")).await;
        let changed = second.posts("500");
        let gone = changed
            .iter()
            .find(|p| p.id.as_str() == by_number[&10])
            .unwrap();
        assert!(gone.deleted);
        assert_eq!(gone.seq, seq_of(10), "a deleted post keeps its seq");
        let edited = changed
            .iter()
            .find(|p| p.id.as_str() == by_number[&2])
            .unwrap();
        assert_eq!(
            (edited.version, edited.body.text.as_str()),
            (2, "<p>Edited text.</p>")
        );
        let added = changed
            .iter()
            .find(|p| p.seq == 66)
            .expect("the new post comes last");
        assert_eq!(added.reply_to.as_ref().unwrap().as_str(), by_number[&24]);
        assert_eq!(changed.len(), 3, "only the changed posts: {changed:?}");
        assert_eq!(second.thread("500").unwrap().last_seq, 66);
    })
    .await;
}

#[tokio::test]
async fn the_focused_topic_comes_first_and_the_budget_spreads_the_work() {
    bounded(async {
        let mut forum = Forum::empty("Small");
        forum.add_category(5, "General", None, 4);
        for id in 1..=3 {
            forum.add_topic(id, 5, &format!("Topic {id}"), base_time(), 1);
        }
        forum.add_topic(
            50,
            5,
            "Big one",
            base_time() - jiff::SignedDuration::from_hours(5),
            44,
        );
        let server = standin(forum).await;
        let budget = Limit::new(3, Duration::from_millis(700));
        let settings = DiscourseSettings {
            limits: Some(Limits::new([budget])),
            prefetch: Some(crate::prefetch(threadmark::config::Prefetch::All)),
            ..DiscourseSettings::default()
        };
        let mut discourse = backend(&server, None, settings);
        let synced = sync(&mut discourse, None, Some("50")).await;

        let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
        let focus = paths.iter().position(|p| p == "/t/50.json").unwrap();
        let listing = paths.iter().position(|p| p == "/latest.json").unwrap();
        assert!(
            focus < listing,
            "the focused topic is read before anything else: {paths:?}"
        );
        assert!(
            synced.batches.len() > 2,
            "the work is spread over several batches"
        );
        let first = &synced.batches[0];
        assert!(!first.complete);
        assert!(
            first.pause.is_some_and(|p| p <= budget.per),
            "{:?}",
            first.pause
        );
        assert!(first.posts.iter().all(|p| p.thread.as_str() == "50") && !first.posts.is_empty());
        assert_eq!(synced.posts("50").len(), 45);
        for id in ["1", "2", "3"] {
            assert_eq!(synced.posts(id).len(), 2);
        }
        let last = synced.batches.last().unwrap();
        assert!(last.complete);
    })
    .await;
}

#[tokio::test]
async fn posts_carry_the_site_so_relative_links_can_be_opened() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, None, roomy());
        let synced = sync(&mut discourse, None, Some("500")).await;
        let posts = synced.posts("500");
        assert!(!posts.is_empty());
        for post in &posts {
            let base = post
                .body
                .base_url
                .as_deref()
                .expect("every post knows its site");
            assert_eq!(base.trim_end_matches('/'), server.url.trim_end_matches('/'));
        }
        // A cooked link to another topic, read as this forum renders it, opens on the forum.
        let mut body = posts[0].body.clone();
        body.text = r#"<p>See <a href="/t/research-agenda/400">the agenda</a></p>"#.into();
        let doc = threadmark::render::Document::from_body(&body);
        let url = doc.links()[0].openable().expect("an absolute http URL");
        let expected = format!("{}/t/research-agenda/400", server.url.trim_end_matches('/'));
        assert_eq!(url, expected);
    })
    .await;
}

#[tokio::test]
async fn what_the_forum_sends_is_clean_before_it_reaches_the_cache() {
    bounded(async {
        let mut forum = Forum::rich();
        forum.add_topic(
            900,
            11,
            "Agenda \u{1b}]0;pwned\u{7}\u{202e}for Monday",
            base_time(),
            1,
        );
        let server = standin(forum).await;
        let mut discourse = backend(&server, None, roomy());
        let synced = sync(&mut discourse, None, Some("900")).await;
        let thread = synced.thread("900").expect("the hostile topic arrives");
        assert_eq!(&*thread.title, "Agenda ]0;pwnedfor Monday");
        let forum = synced.batches[0].forum.clone().unwrap();
        for text in std::iter::once(&forum.title).chain(forum.sections.iter().map(|s| &s.title)) {
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
    })
    .await;
}

/// A small action (`post_type` 3, no text, only an `action_code`, as
/// `app/models/topic_status_updater.rb` writes it) reads as words in the cache and the
/// reader, not as the code.
#[tokio::test]
async fn small_actions_read_as_words() {
    crate::bounded(async {
        let mut forum = crate::support::discourse_forum::Forum::empty("Actions");
        forum.add_category(5, "General", None, 1);
        let topic = forum.add_topic(
            40,
            5,
            "Closed after a while",
            crate::support::discourse_forum::base_time(),
            2,
        );
        topic.closed = true;
        topic.post_mut(2).action_code = Some("visible.disabled".into());
        topic.post_mut(3).action_code = Some("closed.enabled".into());
        let server = crate::standin(forum).await;
        let mut discourse = crate::backend(&server, None, crate::roomy());
        let synced = crate::sync(&mut discourse, None, None).await;
        let posts = synced.posts("40");
        let words: Vec<String> = posts
            .iter()
            .map(|p| threadmark::render::plain_text(&p.body).trim().to_owned())
            .collect();
        assert_eq!(words[1], "unlisted the topic", "{words:?}");
        assert_eq!(words[2], "closed the topic", "{words:?}");
        assert!(words.iter().all(|w| !w.contains("visible")), "{words:?}");
    })
    .await;
}
