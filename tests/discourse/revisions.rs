//! Earlier versions of a post on Discourse: `GET /posts/{id}/revisions/{n}.json`
//! (`app/controllers/posts_controller.rb#revisions`, answered by
//! `app/serializers/post_revision_serializer.rb`), one request per revision, the newest
//! few only; the earlier text read from `body_changes.side_by_side_markdown`.

use crate::support::discourse_forum::Forum;
use crate::support::discourse_revisions::Revision as Kept;
use crate::{backend, bounded, roomy, standin, sync, user_key};
use axum::http::Method;
use threadmark::model::{OutboxEntry, Target};
use threadmark::remote::{Backend, Submitted};

/// Topic 400 "Research agenda": #2 is bob's, the user key's.
const TOPIC: u64 = 400;

#[tokio::test]
async fn the_earlier_texts_of_an_edited_post_come_from_its_revisions() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        let first = sync(&mut discourse, None, Some("400")).await;
        let bobs = first.posts("400")[1].clone();
        let original = server.world().forum.topics[&TOPIC].posts[1].raw.clone();
        let texts = [
            "Fish & chips <3, \"quoted\" and 'single'.\nA second line stays.",
            "Fish & chips, fixed.\nA second line stays.",
        ];
        let mut version = bobs.version;
        let mut based = bobs.clone();
        for text in texts {
            let edit = OutboxEntry::new(
                Target::Edit {
                    thread: based.thread.clone(),
                    post: based.id.clone(),
                    base_version: version,
                    original: based.body.text.clone(),
                },
                text.to_owned(),
                jiff::Timestamp::now(),
            );
            let Submitted::Posted { post, .. } = discourse.submit(&edit).await.unwrap() else {
                panic!("the edit should be taken");
            };
            version = post.version;
            based = *post;
        }
        assert_eq!(version, 3);

        server.clear_requests();
        let earlier = discourse.revisions(&bobs.id, version).await.unwrap();
        let shown: Vec<(u64, &str)> = earlier
            .iter()
            .map(|r| (r.version, r.text.as_str()))
            .collect();
        assert_eq!(
            shown,
            [(1, original.as_str()), (2, texts[0])],
            "oldest first, each the text before the next edit"
        );
        assert_eq!(earlier[1].replaced_by.as_deref(), Some("bob"));
        assert!(earlier[1].replaced_at.is_some());
        for n in [2, 3] {
            let path = format!("/posts/{}/revisions/{n}.json", bobs.id);
            assert_eq!(server.requests_to(&Method::GET, &path).len(), 1, "{path}");
        }
        assert_eq!(server.requests().len(), 2, "one request per revision");
    })
    .await;
}

#[tokio::test]
async fn a_long_history_costs_five_requests_and_a_hidden_revision_is_left_out() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        let first = sync(&mut discourse, None, Some("400")).await;
        let bobs = first.posts("400")[1].clone();
        let id: u64 = bobs.id.as_str().parse().unwrap();
        {
            let mut w = server.world();
            for number in 2..=9 {
                // Revision 8 is hidden by staff: not found for bob.
                if number == 8 {
                    continue;
                }
                w.revisions.push(Kept {
                    post_id: id,
                    number,
                    before: format!("text {}", number - 1),
                    after: format!("text {number}"),
                    username: "bob".into(),
                    created_at: jiff::Timestamp::now(),
                });
            }
        }
        server.clear_requests();
        let earlier = discourse.revisions(&bobs.id, 9).await.unwrap();
        let versions: Vec<u64> = earlier.iter().map(|r| r.version).collect();
        assert_eq!(
            versions,
            [4, 5, 6, 8],
            "the newest five asked for, one not there"
        );
        assert_eq!(earlier[0].text, "text 4");
        assert_eq!(server.requests().len(), 5);
    })
    .await;
}
