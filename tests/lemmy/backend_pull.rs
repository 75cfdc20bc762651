//! Reading an instance: the tree of sections and communities, posts as threads, comment
//! trees nested by `path` (a branch deeper than one tree request fetched by `parent_id`),
//! deleted and removed comments as stubs, scores, link and locked posts, and a second
//! round that costs almost nothing.

use crate::instance::generated;
use crate::lemmy::world::{Api, ago};
use crate::{BOTH, backend, bounded, settings, standin, sync};
use axum::http::Method;
use threadmark::model::{Access, Forum, ThreadId};
use threadmark::remote::Backend;
use threadmark::remote::lemmy::{LOCAL, SUBSCRIBED};

fn area_titles(forum: &Forum) -> Vec<(String, Vec<String>)> {
    forum
        .sections
        .iter()
        .map(|s| {
            (
                s.title.clone(),
                s.areas.iter().map(|a| a.title.clone()).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_instance_reads_as_a_tree_with_nested_comments_in_both_versions() {
    bounded(async {
        for api in BOTH {
            let (server, token) = standin(api, generated("lemmy.test")).await;
            let mut b = backend(&server, Some(&token), settings());
            let synced = sync(&mut b, None, None).await;

            let forum = synced.forum().expect("a tree");
            assert_eq!(forum.title, "Lemmy Stand-in");
            assert_eq!(
                area_titles(forum),
                vec![
                    (
                        "Subscribed".to_owned(),
                        vec!["linux@lemmy.ml".to_owned(), "rust".to_owned()]
                    ),
                    ("Local".to_owned(), vec!["news".to_owned()]),
                    ("All".to_owned(), vec!["art@art.example".to_owned()]),
                ],
                "{api:?}: each community once, federated ones with their instance"
            );
            assert_eq!(forum.sections[0].id.as_str(), SUBSCRIBED);
            assert_eq!(forum.sections[1].id.as_str(), LOCAL);
            let news = &forum.sections[1].areas[0];
            assert_eq!(
                news.access,
                Access::ReplyOnly,
                "only moderators post in news"
            );

            let trees = synced.thread_titled("Trees all the way down").unwrap();
            let posts = synced.posts(&trees.id);
            // The post, ten chained comments, a top-level one with three below it.
            assert_eq!(posts.len(), 15, "{api:?}");
            assert_eq!(posts[0].seq, 1);
            assert!(posts[0].body.text.contains("**paths**"));
            let chain: Vec<&threadmark::model::Post> = posts
                .iter()
                .filter(|p| p.body.text.contains("of the chain"))
                .collect();
            assert_eq!(
                chain.len(),
                10,
                "{api:?}: the branch below max_depth came too"
            );
            for pair in chain.windows(2) {
                assert_eq!(
                    pair[1].reply_to.as_ref(),
                    Some(&pair[0].id),
                    "nested by path"
                );
                assert!(pair[1].seq > pair[0].seq, "a parent before its replies");
            }
            assert_eq!(
                chain[0]
                    .reply_to
                    .as_ref()
                    .map(threadmark::model::PostId::as_str),
                Some(format!("p{}", trees.id).as_str())
            );
            let deleted = posts.iter().find(|p| p.deleted && !p.removed).unwrap();
            let removed = posts.iter().find(|p| p.removed).unwrap();
            assert!(deleted.body.text.is_empty() && removed.body.text.is_empty());
            let orphan = posts
                .iter()
                .find(|p| p.body.text == "Replying to what was removed")
                .unwrap();
            assert_eq!(
                orphan.reply_to.as_ref(),
                Some(&removed.id),
                "still nested under the stub"
            );
            assert!(posts.iter().all(|p| p.score == Some(1)));
            assert_eq!(trees.last_seq, 15);
            assert!(trees.missing.is_empty());

            let branch_requests: Vec<_> = server
                .requests_to(&Method::GET, "/comment/list")
                .into_iter()
                .filter(|r| r.query_value("parent_id").is_some())
                .collect();
            assert_eq!(
                branch_requests.len(),
                1,
                "{api:?}: one request for the deep branch"
            );
            assert_eq!(
                branch_requests[0].query_value("max_depth").as_deref(),
                Some("8")
            );

            let locked = synced.thread_titled("Locked for good").unwrap();
            assert!(locked.locked);
            let links = synced.thread_titled("Quiet links").unwrap();
            let opening = &synced.posts(&links.id)[0];
            assert_eq!(
                opening.body.text,
                "Link: <https://kernel.example.org/releases>"
            );

            // News is not prefetched: its thread lists its comments as missing until opened.
            let town = synced.thread_titled("Town hall tonight").unwrap();
            assert_eq!(synced.posts(&town.id).len(), 1);
            let art = synced.thread_titled("Sketch of the day").unwrap();
            assert!(art.missing.is_empty(), "no comments, nothing missing");
        }
    })
    .await;
}

#[tokio::test]
async fn a_quiet_second_round_costs_two_or_three_requests_and_a_new_comment_one_more() {
    bounded(async {
        for api in BOTH {
            let (server, token) = standin(api, generated("lemmy.test")).await;
            let mut b = backend(&server, Some(&token), settings());
            let first = sync(&mut b, None, None).await;
            server.clear_requests();
            let quiet = sync(&mut b, first.cursor.as_ref(), None).await;
            let asked = server.requests().len();
            assert!(
                asked <= 3,
                "{api:?}: {asked} requests: {:?}",
                server.requests()
            );
            assert_eq!(
                quiet.batches.iter().map(|b| b.posts.len()).sum::<usize>(),
                0
            );

            let trees_id = first
                .thread_titled("Trees all the way down")
                .unwrap()
                .id
                .clone();
            let post: i64 = trees_id.as_str().parse().unwrap();
            {
                let mut w = server.world();
                let carol = w
                    .instance
                    .persons
                    .iter()
                    .find(|p| p.name == "carol")
                    .unwrap()
                    .id;
                let top = w
                    .instance
                    .comments
                    .values()
                    .find(|c| c.content.starts_with("A second"))
                    .unwrap()
                    .id;
                w.instance
                    .add_comment(post, Some(top), carol, "News from the feed", ago(0));
            }
            server.clear_requests();
            let caught = sync(&mut b, quiet.cursor.as_ref(), None).await;
            let new: Vec<_> = caught.posts(&trees_id);
            assert_eq!(new.len(), 1, "{api:?}: just the new comment");
            assert_eq!(new[0].seq, 16);
            let feed = server.requests_to(&Method::GET, "/post/list");
            assert_eq!(feed.len(), 1);
            let sort = feed[0]
                .query_value("sort")
                .unwrap()
                .to_lowercase()
                .replace('_', "");
            assert_eq!(sort, "newcomments");
            let flat = server.requests_to(&Method::GET, "/comment/list");
            assert_eq!(
                flat.len(),
                1,
                "one page, newest first, reaching a known comment"
            );
            assert_eq!(flat[0].query_value("max_depth"), None);
        }
    })
    .await;
}

#[tokio::test]
async fn a_long_post_pages_through_more_than_lemmy_sends_at_once() {
    bounded(async {
        for api in BOTH {
            let mut instance = generated("lemmy.test");
            let rust = instance
                .communities
                .iter()
                .find(|c| c.name == "rust")
                .unwrap()
                .id;
            let bob = instance.person_named("bob").unwrap().id;
            let big = instance.add_post(rust, bob, "Three hundred and more", "Count them", ago(2));
            for n in 0..330 {
                instance.add_comment(big, None, bob, &format!("top-level comment {n}"), ago(1));
            }
            let (server, token) = standin(api, instance).await;
            let mut b = backend(&server, Some(&token), settings());
            let synced = sync(&mut b, None, None).await;
            let thread = synced.thread_titled("Three hundred and more").unwrap();
            let posts = synced.posts(&thread.id);
            assert_eq!(posts.len(), 331, "{api:?}");
            let seqs: Vec<u32> = posts.iter().map(|p| p.seq).collect();
            assert_eq!(seqs, (1..=331).collect::<Vec<u32>>(), "dense");
            let asked = server.requests_to(&Method::GET, "/comment/list");
            let asked: Vec<_> = asked
                .iter()
                .filter(|r| r.query_value("post_id").as_deref() == Some(thread.id.as_str()))
                .collect();
            match api {
                // A tree of 300, then pages of 50 from the oldest, starting one page
                // before the first comment it lacked.
                Api::V3 => assert_eq!(asked.len(), 1 + 2, "{asked:?}"),
                // A tree of 300, then its next page.
                Api::V4 => assert_eq!(asked.len(), 2),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn reading_anonymously_lists_local_and_all_and_prefetches_local() {
    bounded(async {
        let (server, _) = standin(Api::V3, generated("lemmy.test")).await;
        let mut b = backend(&server, None, settings());
        let synced = sync(&mut b, None, None).await;
        let forum = synced.forum().unwrap();
        let titles: Vec<String> = forum.sections.iter().map(|s| s.title.clone()).collect();
        assert_eq!(titles, ["Local", "All"]);
        let town = synced.thread_titled("Town hall tonight").unwrap();
        assert!(town.missing.is_empty());
        assert!(
            server
                .requests()
                .iter()
                .all(|r| r.header("authorization").is_none())
        );
    })
    .await;
}

#[tokio::test]
async fn the_servers_read_marks_come_with_the_threads() {
    bounded(async {
        for api in BOTH {
            let mut instance = generated("lemmy.test");
            let alice = instance.person_named("alice").unwrap().id;
            let trees = *instance
                .posts
                .iter()
                .find(|(_, p)| p.name == "Trees all the way down")
                .unwrap()
                .0;
            let count = instance.comment_count(trees);
            instance.read.insert(
                (alice, trees),
                crate::lemmy::world::ReadMark {
                    read_at: ago(1),
                    read_comments: count,
                },
            );
            let (server, token) = standin(api, instance).await;
            let mut b = backend(&server, Some(&token), settings());
            let synced = sync(&mut b, None, None).await;
            assert_eq!(
                synced.read_through(),
                vec![(ThreadId::new(trees.to_string()), 15)],
                "{api:?}: read up to what is cached, after the comments came"
            );
            let opened = server.requests_to(&Method::GET, "/post");
            assert!(
                opened.is_empty(),
                "syncing never opens a post (which would mark it read)"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn while_idle_rounds_keep_their_distance_but_an_opened_thread_goes_at_once() {
    bounded(async {
        let (server, token) = standin(Api::V4, generated("lemmy.test")).await;
        let mut b = backend(&server, Some(&token), settings());
        let first = sync(&mut b, None, None).await;
        b.set_long_poll(Some(std::time::Duration::from_secs(25)));
        let cursor = first.cursor.clone().unwrap();
        // Up to date and idle: the next round waits (Lemmy cannot say when news comes).
        let quiet = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            b.pull(Some(&cursor), None),
        )
        .await;
        assert!(quiet.is_err(), "no new round right away");
        // The user opens a thread: it is read now.
        let town = first.thread_titled("Town hall tonight").unwrap().id.clone();
        server.clear_requests();
        let opened = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            sync(&mut b, Some(&cursor), Some(&town)),
        )
        .await
        .expect("an opened thread does not wait for the next round");
        assert!(!opened.batches.is_empty());
        let asked = server.requests_to(&Method::GET, "/post");
        assert_eq!(asked.len(), 1, "the post itself, checked");
        assert!(
            asked[0].header("authorization").is_none(),
            "anonymously: no read mark"
        );
    })
    .await;
}
