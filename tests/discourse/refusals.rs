//! Where the account may not write is known before anything is written: a category that
//! takes replies only (`permission` 2) or nothing (3), one that requires tags
//! (`minimum_required_tags`), a closed or archived topic (`details.can_create_post`
//! false, `app/serializers/topic_view_details_serializer.rb`); `threadmark reply` to a
//! closed topic says why and queues nothing; a new topic carries the tags it needs.

use crate::cli::{account_with, text, threadmark};
use crate::support::discourse_forum::{Forum, base_time};
use crate::{backend, bounded, roomy, standin, sync, user_key};
use axum::http::Method;
use serde_json::json;
use threadmark::model::{Access, AreaId, Forum as Tree, OutboxEntry, Target};
use threadmark::remote::Backend;

fn guarded_forum() -> Forum {
    let mut forum = Forum::empty("Rules");
    forum.add_category(5, "General", None, 3);
    forum.add_category(6, "Announcements", None, 1);
    forum.set_category(6, "permission", json!(2));
    forum.add_category(7, "Archive", None, 1);
    forum.set_category(7, "permission", json!(3));
    forum.add_category(8, "Tagged", None, 0);
    forum.set_category(8, "minimum_required_tags", json!(2));
    forum.add_topic(50, 5, "Open for replies", base_time(), 1);
    forum
        .add_topic(51, 5, "Closed for good", base_time(), 1)
        .closed = true;
    forum
        .add_topic(52, 5, "Archived long ago", base_time(), 1)
        .archived = true;
    forum.add_topic(60, 6, "News from the team", base_time(), 0);
    forum.add_topic(70, 7, "An old record", base_time(), 0);
    forum
}

fn area<'a>(tree: &'a Tree, id: &str) -> &'a threadmark::model::Area {
    tree.sections
        .iter()
        .flat_map(|s| &s.areas)
        .find(|a| a.id.as_str() == id)
        .unwrap_or_else(|| panic!("area {id} missing"))
}

#[tokio::test]
async fn categories_and_topics_say_what_may_be_written_there() {
    bounded(async {
        let server = standin(guarded_forum()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        let synced = sync(&mut discourse, None, None).await;
        let tree = synced
            .batches
            .iter()
            .rev()
            .find_map(|b| b.forum.clone())
            .unwrap();
        assert_eq!(area(&tree, "5").access, Access::Full);
        assert_eq!(area(&tree, "6").access, Access::ReplyOnly);
        assert_eq!(area(&tree, "7").access, Access::ReadOnly);
        assert_eq!(area(&tree, "8").required_tags, 2);
        assert!(area(&tree, "6").access.new_thread_refusal().is_some());
        assert!(
            area(&tree, "7")
                .access
                .new_thread_refusal()
                .unwrap()
                .contains("read-only")
        );
        let refusal = |id: &str| synced.thread(id).unwrap().reply_refusal();
        assert_eq!(refusal("50"), None);
        assert!(refusal("51").unwrap().contains("locked"));
        assert!(refusal("52").unwrap().contains("locked"));
        assert_eq!(
            refusal("60"),
            None,
            "replies are welcome in a reply-only category"
        );

        // A new topic in the tagged category goes with the tags the composer asked for.
        let mut topic = OutboxEntry::new(
            Target::NewThread {
                area: AreaId::new("8"),
                title: "Tagged at last".into(),
            },
            "A topic that carries its tags.".into(),
            jiff::Timestamp::now(),
        );
        topic.first_attempt_at = Some(jiff::Timestamp::now());
        let refused = discourse.submit(&topic).await.unwrap_err();
        assert!(refused.to_string().contains("at least 2 tags"), "{refused}");
        topic.tags = vec!["budget".into(), "library".into()];
        discourse.submit(&topic).await.unwrap();
        let sent = server.requests_to(&Method::POST, "/posts.json");
        let body: serde_json::Value = serde_json::from_str(&sent.last().unwrap().body).unwrap();
        assert_eq!(body["tags"], json!(["budget", "library"]));
        assert_eq!(body["category"], 8);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_a_closed_topic_is_refused_before_it_is_queued() {
    bounded(async {
        let server = standin(guarded_forum()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        account_with(
            home,
            &server.url,
            "requests_per_minute = 100000\nprefetch = \"all\"",
            Some(&user_key()),
        )
        .await;
        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));

        let out = threadmark(
            home,
            &["reply", "Closed for good"],
            "Too late to the party.",
        )
        .await;
        assert!(!out.status.success());
        let err = text(&out.stderr);
        assert!(
            err.contains("locked") && err.contains("nothing was queued"),
            "{err}"
        );
        let listed = text(&threadmark(home, &["outbox"], "").await.stdout);
        assert!(!listed.contains("Too late"), "{listed}");

        // The open topic takes it, and it goes out once.
        let out = threadmark(home, &["reply", "Open for replies"], "Right on time here.").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let posts = server.requests_to(&Method::POST, "/posts.json");
        assert_eq!(posts.len(), 1);
        let body: serde_json::Value = serde_json::from_str(&posts[0].body).unwrap();
        assert_eq!(body["topic_id"], 50);
    })
    .await;
}
