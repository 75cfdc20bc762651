//! Edits, revisions and likes: who may change a post, what a stale edit gets back, the
//! texts an edit leaves behind, and likes counted for everyone and marked for the liker.

use crate::changes::changes;
use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of, problem_code, reply};
use crate::moderation::user_with_token;
use reqwest::StatusCode;
use serde_json::{Value, json};
use threadmark::api::headers;

async fn patch(
    t: &TestServer,
    token: &str,
    id: &str,
    version: u64,
    body: &Value,
) -> reqwest::Response {
    t.http
        .patch(t.url(&format!("/posts/{id}")))
        .bearer_auth(token)
        .header(headers::IF_MATCH, format!("\"v{version}\""))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn revisions(t: &TestServer, token: Option<&str>, id: &str) -> Value {
    let mut request = t.http.get(t.url(&format!("/posts/{id}/revisions")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    json_of(request.send().await.unwrap(), StatusCode::OK).await
}

fn bodies(revisions: &Value) -> Vec<(u64, String, String)> {
    revisions["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["version"].as_u64().unwrap(),
                r["body"].as_str().unwrap().to_owned(),
                r["replaced_by"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn like(t: &TestServer, token: &str, id: &str, on: bool) -> Value {
    let url = t.url(&format!("/posts/{id}/reactions/like"));
    let request = if on {
        t.http.put(url)
    } else {
        t.http.delete(url)
    };
    json_of(
        request.bearer_auth(token).send().await.unwrap(),
        StatusCode::OK,
    )
    .await
}

async fn get(t: &TestServer, token: Option<&str>, id: &str) -> Value {
    let mut request = t.http.get(t.url(&format!("/posts/{id}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    json_of(request.send().await.unwrap(), StatusCode::OK).await
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_author_or_moderator_edits_a_stale_edit_gets_the_current_post_and_no_text_is_lost(store) {
        let t = demo_server(&store, |_| {}).await;
        let member = t.member();
        let moderator = user_with_token(&t, "mo", true);
        let other = user_with_token(&t, "alice", false);
        let post = json_of(
            reply(&t.http, &t.server.url(), &member, THREAD, "e-1", &json!({"body": "teh first words"})).await,
            StatusCode::CREATED,
        )
        .await;
        let id = post["id"].as_str().unwrap();

        let (code, _) = problem_code(patch(&t, &other, id, 1, &json!({"body": "mine now"})).await, StatusCode::FORBIDDEN).await;
        assert_eq!(code, "forbidden", "another member may not edit");
        let by_mod = json_of(patch(&t, &moderator, id, 1, &json!({"body": "the first words [typo fixed by a moderator]"})).await, StatusCode::OK).await;
        assert_eq!(by_mod["version"], 2, "a moderator may edit");

        // The author edits from what they read (v1): refused, with the post as it is now.
        let (code, problem) = problem_code(patch(&t, &member, id, 1, &json!({"body": "the first words"})).await, StatusCode::PRECONDITION_FAILED).await;
        assert_eq!(code, "version_conflict");
        assert_eq!(problem["current"]["body"], "the first words [typo fixed by a moderator]");
        assert_eq!(problem["current"]["version"], 2);

        json_of(patch(&t, &member, id, 2, &json!({"body": "the first words"})).await, StatusCode::OK).await;
        json_of(patch(&t, &member, id, 3, &json!({"deleted": true})).await, StatusCode::OK).await;

        let expected = vec![
            (1, "teh first words".to_owned(), "mo".to_owned()),
            (2, "the first words [typo fixed by a moderator]".to_owned(), "demo".to_owned()),
            (3, "the first words".to_owned(), "demo".to_owned()),
        ];
        let author_view = revisions(&t, Some(&member), id).await;
        assert_eq!(author_view["version"], 4);
        assert_eq!(bodies(&author_view), expected, "every replaced text is kept, the deleted one too");
        assert_eq!(bodies(&revisions(&t, Some(&moderator), id).await), expected);
        assert_eq!(
            bodies(&revisions(&t, Some(&other), id).await),
            Vec::new(),
            "a deleted post's words are not shown to everyone"
        );
        assert_eq!(bodies(&revisions(&t, None, id).await), Vec::new());
        let missing = t.http.get(t.url("/posts/nope/revisions")).send().await.unwrap();
        assert_eq!(problem_code(missing, StatusCode::NOT_FOUND).await.0, "post_not_found");
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn likes_are_idempotent_counted_for_all_marked_for_the_liker_and_in_the_feed(store) {
        let t = demo_server(&store, |_| {}).await;
        let member = t.member();
        let alice = user_with_token(&t, "alice", false);
        let post = json_of(
            reply(&t.http, &t.server.url(), &member, THREAD, "l-1", &json!({"body": "a good answer"})).await,
            StatusCode::CREATED,
        )
        .await;
        let id = post["id"].as_str().unwrap();
        let cursor = changes(&t, "since=now").await["next_cursor"].as_str().unwrap().to_owned();

        let first = like(&t, &alice, id, true).await;
        let again = like(&t, &alice, id, true).await;
        assert_eq!((&first["reactions"], &first["me"]), (&json!({"like": 1}), &json!(["like"])));
        assert_eq!(again, first, "liking twice is liking once");
        assert_eq!(first["version"], 1, "a like does not bump the version an edit needs");
        let member_view = get(&t, Some(&member), id).await;
        assert_eq!(member_view["reactions"], json!({"like": 1}));
        assert!(member_view.get("me").is_none(), "the count is everyone's, `me` only the liker's");
        assert_eq!(get(&t, None, id).await["reactions"], json!({"like": 1}));
        like(&t, &member, id, true).await;
        let page: Vec<Value> = crate::common::all_posts(&t.http, &t.server.url(), THREAD).await;
        let in_thread = page.iter().find(|p| p["id"] == id).unwrap();
        assert_eq!(in_thread["reactions"], json!({"like": 2}));

        let feed = changes(&t, &format!("since={cursor}")).await;
        let posts: Vec<&Value> = feed["changes"].as_array().unwrap().iter().filter(|c| c["kind"] == "post").collect();
        assert_eq!(posts.len(), 1, "{feed}");
        assert_eq!(posts[0]["post"]["reactions"], json!({"like": 2}), "the feed carries the counts");

        let undone = like(&t, &alice, id, false).await;
        assert_eq!(undone["reactions"], json!({"like": 1}));
        assert!(undone.get("me").is_none());
        assert_eq!(like(&t, &alice, id, false).await, undone, "unliking twice is unliking once");

        // An edit based on the version read before the likes still applies.
        json_of(patch(&t, &member, id, 1, &json!({"body": "a better answer"})).await, StatusCode::OK).await;
        json_of(patch(&t, &member, id, 2, &json!({"deleted": true})).await, StatusCode::OK).await;
        let gone = t.http.put(t.url(&format!("/posts/{id}/reactions/like"))).bearer_auth(&alice).send().await.unwrap();
        assert_eq!(problem_code(gone, StatusCode::CONFLICT).await.0, "post_deleted");
        let anonymous = t.http.put(t.url(&format!("/posts/{id}/reactions/like"))).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
}
