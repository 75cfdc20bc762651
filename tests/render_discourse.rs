//! Discourse `cooked` HTML renders to text a reader can follow: the payloads of the
//! official API client's fixtures, and cooked bodies with quotes, mentions and oneboxes.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use threadmark::model::Body;
use threadmark::render::{Document, Emphasis, Line, Role};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn cooked_posts(file: &str) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(fixtures().join("discourse").join(file)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let posts = value
        .pointer("/post_stream/posts")
        .or_else(|| value.get("latest_posts"))
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_else(|| vec![value.clone()]);
    posts
        .iter()
        .map(|p| {
            (
                p["id"].as_u64().unwrap(),
                p["cooked"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn html(text: &str) -> Document {
    Document::from_body(&Body::html(text))
}

fn lines(doc: &Document, width: usize) -> Vec<String> {
    doc.wrap(width).iter().map(Line::plain).collect()
}

fn cooked_file(name: &str) -> Document {
    html(&std::fs::read_to_string(fixtures().join("cooked").join(name)).unwrap())
}

#[test]
fn topic_fixture_reads_with_heading_list_and_numbered_links() {
    let posts = cooked_posts("topic.json");
    let (_, welcome) = posts.iter().find(|(id, _)| *id == 83).unwrap();
    let doc = html(welcome);
    let out = lines(&doc, 60);
    assert_eq!(out[0], "Welcome!");
    assert_eq!(
        out[2..4],
        [
            "### Try is a sandbox, a safe place to play with Discourse",
            "and its features."
        ]
    );
    assert!(
        out.contains(&"  goals, visit http://www.discourse.org[1]".to_owned()),
        "{out:#?}"
    );
    assert!(
        out.contains(&"  https://github.com/discourse/discourse[3]".to_owned()),
        "{out:#?}"
    );
    assert_eq!(out.iter().filter(|l| l.starts_with("• ")).count(), 3);
    let urls: Vec<Option<&str>> = doc.links().iter().map(|l| l.openable()).collect();
    assert_eq!(
        urls,
        [
            Some("http://www.discourse.org"),
            Some("http://meta.discourse.org"),
            Some("https://github.com/discourse/discourse")
        ]
    );
    // Strong and emphasised text keep their style.
    let styled: Vec<(String, Emphasis)> = doc
        .wrap(200)
        .iter()
        .flat_map(|l| l.spans.clone())
        .filter(|s| !s.style.emphasis.is_empty())
        .map(|s| (s.text.to_string(), s.style.emphasis))
        .collect();
    assert!(
        styled.contains(&("please flag it".to_owned(), Emphasis::BOLD)),
        "{styled:?}"
    );
}

#[test]
fn images_read_by_their_description_and_a_br_keeps_its_line() {
    let posts = cooked_posts("topic.json");
    let (_, photo) = posts.iter().find(|(id, _)| *id == 86).unwrap();
    assert_eq!(lines(&html(photo), 60), ["[image: image]"]);
    let (_, groundhog) = posts.iter().find(|(id, _)| *id == 226).unwrap();
    assert_eq!(
        lines(&html(groundhog), 60),
        ["What? So I have to post this every day?", "[image: image]"]
    );
}

#[test]
fn emoji_read_as_their_name_and_whitespace_collapses() {
    let posts = cooked_posts("posts_latest.json");
    let (_, pinned) = posts.iter().find(|(id, _)| *id == 10).unwrap();
    let out = lines(&html(pinned), 60);
    assert!(out.contains(&"• Who is it for?".to_owned()), "{out:#?}");
    assert!(out.contains(&"[image]".to_owned()), "{out:#?}");
    assert!(out.join(" ").contains("the admin :wrench: (at"), "{out:#?}");
    let (_, spaced) = posts.iter().find(|(id, _)| *id == 14).unwrap();
    assert_eq!(lines(&html(spaced), 60), ["hi there. hi there. hi there."]);
}

#[test]
fn every_fixture_post_renders_without_markup_left() {
    for file in [
        "topic.json",
        "topic_posts.json",
        "post.json",
        "posts_latest.json",
        "posts_before.json",
        "create_topic_with_tags.json",
    ] {
        for (id, cooked) in cooked_posts(file) {
            let doc = html(&cooked);
            let text = lines(&doc, 80).join("\n");
            assert!(!text.trim().is_empty(), "{file} {id}");
            assert!(
                !text.contains('<') && !text.contains("&amp;"),
                "{file} {id}: {text}"
            );
        }
    }
}

#[test]
fn quotes_are_attributed_and_mentions_read_as_names() {
    let doc = cooked_file("quote_reply.html");
    let out = lines(&doc, 60);
    assert_eq!(
        out[..4],
        [
            "│ connie said:",
            "│ make sure that advocacy is active, pro-active, widely",
            "│ dispersed and useful to constituents.",
            ""
        ]
    );
    assert_eq!(
        out[4],
        "Agreed, @connie. The advocacy toolkit[1] has templates, and"
    );
    assert_eq!(out[6], "toolkit[1] again.");
    // A quote inside a quote, each with its author.
    let nested = out.iter().position(|l| l == "│ │ connie said:").unwrap();
    assert_eq!(out[nested + 1], "│ │ widely dispersed");
    assert!(out.contains(&"│ robert said:".to_owned()));
    assert!(
        out.contains(&"• [x] write to the board".to_owned()),
        "{out:#?}"
    );
    assert!(
        out.contains(&"• [ ] ask @librarians".to_owned()),
        "{out:#?}"
    );
    assert!(out.join(" ").contains("next week :slight_smile::"));
    // Mentions and avatars add no links; the two distinct links are numbered once each.
    let links: Vec<(usize, &str, &str)> = doc
        .links()
        .iter()
        .map(|l| (l.number, l.url.as_str(), l.text.as_str()))
        .collect();
    assert_eq!(
        links,
        [
            (
                1,
                "https://forum.example/t/advocacy-toolkit/17",
                "advocacy toolkit"
            ),
            (2, "https://forum.example/c/advocacy/5", "Advocacy category")
        ]
    );
    let attribution = &doc.wrap(60)[0].spans[1];
    assert_eq!(attribution.style.role, Role::Quote);
    assert!(attribution.style.emphasis.contains(Emphasis::BOLD));
}

#[test]
fn oneboxes_lightboxes_code_spoilers_and_tables() {
    let doc = cooked_file("onebox_and_media.html");
    let out = lines(&doc, 60);
    assert_eq!(
        out,
        [
            "The article everyone mentions:",
            "",
            "https://www.example.org/news/library-funding[1]",
            "",
            "Our flyer:",
            "",
            "[image: flyer][2]",
            "",
            "Dear council member,",
            "    please keep the branch open.",
            "",
            "▸ Budget numbers",
            "",
            "Branch │ Budget",
            "───────┼───────",
            "Main   │ 1.2M",
            "East   │ 300k",
            "",
            "3. third point",
            "4. fourth point",
        ]
    );
    assert_eq!(
        doc.links()[1].openable(),
        Some("https://forum.example/uploads/default/original/2X/f/flyer.png")
    );
    let code = &doc.wrap(60)[8].spans[0];
    assert_eq!(code.style.role, Role::Code);
}
