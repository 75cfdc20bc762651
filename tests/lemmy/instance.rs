//! The instance most Lemmy tests read: rich enough for the tree's sections, federated
//! names, paging, deep branches and both kinds of tombstone.

use crate::lemmy::world::{Instance, ago};
use jiff::SignedDuration;

/// A generated instance: a user `alice` (password `correct horse`) following `rust` and a
/// federated `linux@lemmy.ml`; local `news` and federated `art@art.example` among the most
/// active. "Trees all the way down" has a branch ten levels deep, a deleted and a removed
/// comment and a reply to the removed one; "Locked for good" is locked; "Quiet links" is
/// a link post; `news` only lets moderators post.
pub fn generated(host: &str) -> Instance {
    let mut i = Instance::empty(host, "Lemmy Stand-in");
    let alice = i.add_user("alice", "correct horse");
    let bob = i.add_person("bob", None);
    let carol = i.add_person("carol", Some("lemmy.ml"));
    let rust = i.add_community("rust", "The Rust language", None);
    let linux = i.add_community("linux", "Linux", Some("lemmy.ml"));
    let news = i.add_community("news", "Local news", None);
    let art = i.add_community("art", "Art", Some("art.example"));
    for (c, active) in [(rust, 50), (linux, 400), (news, 30), (art, 900)] {
        if let Some(community) = i.communities.iter_mut().find(|x| x.id == c) {
            community.users_active_month = active;
        }
    }
    if let Some(news) = i.communities.iter_mut().find(|x| x.id == news) {
        news.mods_only = true;
        news.moderators.push(bob);
    }
    i.follows.insert((alice, rust));
    i.follows.insert((alice, linux));

    let trees = i.add_post(
        rust,
        bob,
        "Trees all the way down",
        "Where do **paths** lead?",
        ago(30),
    );
    let mut parent = None;
    let mut deepest = 0;
    for depth in 1..=10 {
        let who = if depth % 2 == 0 { carol } else { bob };
        deepest = i.add_comment(
            trees,
            parent,
            who,
            &format!("level {depth} of the chain"),
            ago(29) + SignedDuration::from_mins(depth),
        );
        parent = Some(deepest);
    }
    let _ = deepest;
    let top = i.add_comment(trees, None, carol, "A second top-level comment", ago(28));
    let gone = i.add_comment(trees, Some(top), bob, "I regret this", ago(27));
    if let Some(c) = i.comments.get_mut(&gone) {
        c.deleted = true;
    }
    let bad = i.add_comment(trees, Some(top), bob, "spam spam spam", ago(27));
    if let Some(c) = i.comments.get_mut(&bad) {
        c.removed = true;
    }
    i.add_comment(
        trees,
        Some(bad),
        carol,
        "Replying to what was removed",
        ago(26),
    );

    let locked = i.add_post(
        rust,
        bob,
        "Locked for good",
        "No more comments here.",
        ago(20),
    );
    if let Some(p) = i.posts.get_mut(&locked) {
        p.locked = true;
    }
    i.add_comment(locked, None, carol, "Got in before the lock", ago(19));

    let links = i.add_post(linux, carol, "Quiet links", "", ago(10));
    if let Some(p) = i.posts.get_mut(&links) {
        p.url = Some("https://kernel.example.org/releases".to_owned());
    }
    i.add_post(news, bob, "Town hall tonight", "Bring questions.", ago(5));
    i.add_post(art, carol, "Sketch of the day", "A pencil sketch.", ago(3));
    i
}
