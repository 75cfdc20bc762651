//! Fifty clients posting into one thread at once: every post stored, seqs dense and unique.

use crate::common::{
    THREAD, all_posts, assert_dense, both_stores, demo_server, http, json_of, reply,
};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashSet;

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn fifty_concurrent_clients_get_dense_unique_seqs(store) {
        let t = demo_server(&store, |_| {}).await;
        let base = t.server.url();
        let token = t.member();
        let mut tasks = Vec::new();
        for n in 0..50 {
            let (base, token) = (base.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                // A client of its own: its own connection, like a separate device.
                let client = http();
                let response = reply(
                    &client,
                    &base,
                    &token,
                    THREAD,
                    &format!("client-{n}"),
                    &json!({"body": format!("post {n}")}),
                )
                .await;
                json_of(response, StatusCode::CREATED).await
            }));
        }
        let mut seqs = HashSet::new();
        for task in tasks {
            let post = task.await.unwrap();
            assert!(
                seqs.insert(post["seq"].as_u64().unwrap()),
                "seq handed out twice"
            );
        }
        assert_eq!(seqs, (9..=58).collect::<HashSet<u64>>());

        let posts = all_posts(&t.http, &base, THREAD).await;
        assert_eq!(posts.len(), 58);
        assert_dense(&posts);
        let bodies: HashSet<&str> = posts[8..]
            .iter()
            .map(|p| p["body"].as_str().unwrap())
            .collect();
        assert_eq!(bodies.len(), 50, "every post is there once");
        let thread = json_of(
            t.http
                .get(t.url(&format!("/threads/{THREAD}")))
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(thread["last_seq"], 58);
    }
}
