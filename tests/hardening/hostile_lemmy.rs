//! Hostile content from a Lemmy instance, end to end: every case of the corpus becomes a
//! post of a community followed by the account (with a comment under it), with tricks in
//! the instance's name, the community's name and title, people's names and the post
//! titles, and a link post whose link is a script. The real client signs in, syncs, and
//! the same checks as for the other backends run (`hostile::check_commands`,
//! `hostile::check_reader`): plain commands print no control or escape byte, the reader
//! in a pseudo-terminal writes only threadmark's own sequences, and only web links reach
//! the browser.

use crate::common::{assert_tidy, client_run};
use crate::corpus::{self, Case};
use crate::hostile::{check_commands, check_reader};
use crate::lemmy::standin::{Bucket, StandIn, World};
use crate::lemmy::world::{Api, Instance, ago};
use crate::serve::{Client, text};
use jiff::SignedDuration;

fn hostile_instance(cases: &[Case]) -> Instance {
    let tricks = corpus::one_line_tricks();
    let mut i = Instance::empty("hostile.test", &format!("Instance {}", tricks[0]));
    let alice = i.add_user("alice", "correct horse");
    let community = i.add_community(
        &format!("c{}", tricks[1]),
        &format!("Title {}", tricks[2]),
        Some("evil.example"),
    );
    i.follows.insert((alice, community));
    let people: Vec<i64> = tricks
        .iter()
        .enumerate()
        .map(|(n, trick)| {
            let id = i.add_person(&format!("u{n}{trick}"), Some("evil.example"));
            if let Some(p) = i.persons.iter_mut().find(|p| p.id == id) {
                p.display_name = Some(trick.clone());
            }
            id
        })
        .collect();
    for (n, case) in cases.iter().enumerate() {
        let at = ago(48) + SignedDuration::from_mins(i64::try_from(n).unwrap());
        let who = people[n % people.len()];
        let post = i.add_post(
            community,
            who,
            &corpus::title(case, n),
            &case.posted_body(),
            at,
        );
        let trick = &tricks[(n + 3) % tricks.len()];
        i.add_comment(
            post,
            None,
            people[(n + 1) % people.len()],
            &format!("Tricky {trick}"),
            at,
        );
    }
    let link = i.add_post(community, people[0], "A link to nowhere", "", ago(1));
    if let Some(p) = i.posts.get_mut(&link) {
        p.url = Some("javascript:alert(document.cookie)".to_owned());
    }
    i
}

#[test]
fn hostile_posts_from_lemmy_stay_inert_everywhere() {
    let cases = corpus::cases();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for api in [Api::V3, Api::V4] {
        let mut world = World::new(api, hostile_instance(&cases));
        // An instance whose admins allow many requests: these checks sync a few times.
        world.message = Bucket::new(100_000, 60);
        let standin = runtime.block_on(StandIn::start(world));
        let client = Client::default();
        let out = client_run(
            &client,
            &[
                "account",
                "add",
                "lw",
                "--url",
                &standin.url,
                "--kind",
                "lemmy",
            ],
            &[],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let config = std::fs::read_to_string(client.config()).unwrap().replace(
            "kind = \"lemmy\"",
            "kind = \"lemmy\"\nrequests_per_minute = 100000",
        );
        std::fs::write(client.config(), config).unwrap();
        let out = client.run_with_stdin(
            &["login", "--user", "alice", "--password-stdin"],
            "correct horse\n",
        );
        assert_tidy(&out, "login");
        assert!(out.status.success(), "{}", text(&out.stderr));
        standin.clear_requests();
        let out = client_run(&client, &["sync"], &[]);
        assert_tidy(&out, "sync");
        assert!(out.status.success(), "{api:?}: {}", text(&out.stderr));
        assert!(
            standin
                .requests()
                .iter()
                .all(|r| r.header("authorization").is_some()),
            "the synced content was the account's"
        );

        check_commands(&client, &cases, &[]);
        if api == Api::V4 {
            check_reader(&client, &cases);
        }
        let link = client_run(&client, &["read", "A link to nowhere"], &[]);
        assert_tidy(&link, "read the link post");
        let shown = text(&link.stdout);
        assert!(shown.contains("javascript:alert"), "shown as text: {shown}");
        assert!(!shown.contains("[1]"), "offered as no link: {shown}");
        let posted = standin.requests_to(&axum::http::Method::POST, "/comment");
        assert!(posted.is_empty(), "nothing was posted: {posted:?}");

        // The instance's own words are hostile too: an error naming escapes, then a
        // token it no longer accepts.
        let tricks = corpus::one_line_tricks();
        let error = serde_json::json!({"error": tricks[5], "message": tricks[6]}).to_string();
        standin.script(axum::http::Method::GET, "/site", 400, &[], &error);
        let out = client_run(&client, &["sync"], &[]);
        assert_tidy(&out, "sync refused with hostile words");
        assert!(!out.status.success());
        standin.world().expire_tokens();
        let out = client_run(&client, &["sync"], &[]);
        assert_tidy(&out, "sync with an expired token");
        assert!(
            text(&out.stderr).contains("threadmark login"),
            "{}",
            text(&out.stderr)
        );
        drop(standin);
    }
}
