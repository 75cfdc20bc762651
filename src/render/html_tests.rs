//! Unit tests of the HTML reader on real-shaped Discourse `cooked` markup.

use crate::model::Body;
use crate::render::{Document, Line, Role};

fn doc(html: &str) -> Document {
    Document::from_body(&Body::html(html))
}

fn lines(html: &str, width: usize) -> Vec<String> {
    doc(html).wrap(width).iter().map(Line::plain).collect()
}

#[test]
fn paragraphs_breaks_and_whitespace() {
    let html = "<p>one\n  two</p>\n\n<p>three<br>four</p>";
    assert_eq!(lines(html, 40), ["one two", "", "three", "four"]);
}

#[test]
fn lists_nest_and_number_from_start() {
    let html = "<ol start=\"9\">\n<li>nine</li>\n<li>ten<ul>\n<li>inner</li>\n</ul></li>\n</ol>";
    assert_eq!(lines(html, 40), [" 9. nine", "10. ten", "    • inner"]);
}

#[test]
fn unclosed_list_items_and_paragraphs_close_themselves() {
    let html = "<ul><li>a<li>b</ul><p>one<p>two";
    assert_eq!(lines(html, 40), ["• a", "• b", "", "one", "", "two"]);
}

#[test]
fn discourse_quote_with_attribution() {
    let html = r#"<aside class="quote no-group" data-username="sam" data-post="3" data-topic="1234">
<div class="title">
<div class="quote-controls"></div>
<img loading="lazy" alt="" width="24" height="24" src="https://forum.example/avatar.png" class="avatar"> sam:</div>
<blockquote>
<p>Quoted text here.</p>
</blockquote>
</aside>
<p>My answer.</p>"#;
    assert_eq!(
        lines(html, 40),
        ["│ sam said:", "│ Quoted text here.", "", "My answer."]
    );
    let wrapped = doc(html).wrap(40);
    assert_eq!(wrapped[1].spans[1].style.role, Role::Quote);
}

#[test]
fn quote_attributed_from_its_title_when_there_is_no_username() {
    let html = "<aside class=\"quote\"><div class=\"title\"><img class=\"avatar\" src=\"a.png\"> Ann Lee:</div><blockquote><p>hi</p></blockquote></aside>";
    assert_eq!(lines(html, 40), ["│ Ann Lee said:", "│ hi"]);
}

#[test]
fn plain_blockquotes_nest() {
    let html = "<blockquote><p>outer</p><blockquote><p>inner</p></blockquote></blockquote>";
    assert_eq!(lines(html, 40), ["│ outer", "│", "│ │ inner"]);
}

#[test]
fn mentions_hashtags_and_emoji_read_as_text() {
    let html = r#"<p>Hi <a class="mention" href="/u/alice">@alice</a> see <a class="hashtag" href="/c/dev">#<span>dev</span></a> <img src="/images/emoji/twitter/wrench.png?v=6" title=":wrench:" class="emoji" alt=":wrench:"></p>"#;
    let document = doc(html);
    assert_eq!(
        document
            .wrap(80)
            .iter()
            .map(Line::plain)
            .collect::<Vec<_>>(),
        ["Hi @alice see #dev :wrench:"]
    );
    assert!(document.links().is_empty());
}

#[test]
fn links_are_numbered_like_markdown() {
    let html = r##"<p><a href="http://www.discourse.org" rel="nofollow">the site</a>, <a href="https://meta.discourse.org">meta</a> and <a href="http://www.discourse.org">again</a> <a href="#top">top</a></p>"##;
    let document = doc(html);
    assert_eq!(
        document.wrap(80)[0].plain(),
        "the site[1], meta[2] and again[1] top"
    );
    assert_eq!(document.links().len(), 2);
    assert_eq!(document.links()[0].text, "the site");
    assert_eq!(
        document.links()[1].openable(),
        Some("https://meta.discourse.org")
    );
}

#[test]
fn bare_urls_in_text_become_links_but_not_inside_links_or_code() {
    let html = r#"<p>Slides: https://ala.example/slides and <a href="https://ala.example/x">https://ala.example/x</a> <code>http://code.example/</code></p>"#;
    let document = doc(html);
    assert_eq!(
        document.wrap(100)[0].plain(),
        "Slides: https://ala.example/slides[1] and https://ala.example/x[2] http://code.example/"
    );
    assert_eq!(document.links().len(), 2);
    assert_eq!(
        document.links()[0].openable(),
        Some("https://ala.example/slides")
    );
}

#[test]
fn onebox_becomes_a_plain_link() {
    let html = r#"<p>Look:</p>
<aside class="onebox allowlistedgeneric" data-onebox-src="https://www.example.com/article">
  <header class="source"><img src="https://www.example.com/favicon.ico" class="site-icon"><a href="https://www.example.com/article" target="_blank">example.com</a></header>
  <article class="onebox-body"><h3><a href="https://www.example.com/article">Article Title</a></h3><p>A long description.</p></article>
  <div style="clear: both"></div>
</aside>
<p>After.</p>"#;
    let document = doc(html);
    assert_eq!(
        document
            .wrap(80)
            .iter()
            .map(Line::plain)
            .collect::<Vec<_>>(),
        [
            "Look:",
            "",
            "https://www.example.com/article[1]",
            "",
            "After."
        ]
    );
    assert_eq!(document.links().len(), 1);
}

#[test]
fn onebox_without_a_source_uses_its_first_link() {
    let html = r#"<div class="youtube-onebox lazy-video-container" data-video-id="x"><a href="https://www.youtube.com/watch?v=x"><img src="t.jpg"></a></div>"#;
    assert_eq!(lines(html, 80), ["https://www.youtube.com/watch?v=x[1]"]);
}

#[test]
fn images_and_lightboxes() {
    let html = r##"<p><img src="http://i.example/ahh.gif" alt="image" width="36"></p>
<div class="lightbox-wrapper"><a class="lightbox" href="https://forum.example/uploads/abc.png" title="shot.png"><img src="https://forum.example/uploads/abc_690.png" alt="screenshot" width="690"><div class="meta"><svg class="fa"><use href="#far-image"></use></svg><span class="filename">shot.png</span><span class="informations">1920×1080 120 KB</span></div></a></div>"##;
    assert_eq!(
        lines(html, 80),
        ["[image: image]", "", "[image: screenshot][1]"]
    );
}

#[test]
fn pictures_are_found_where_their_alt_text_is_and_made_absolute() {
    let html = r#"<p>Hi <img src="/user_avatar/f/ann/48/1.png" class="avatar" alt="ann"> <img src="/images/emoji/smile.png" class="emoji" alt=":smile:"></p>
<div class="lightbox-wrapper"><a class="lightbox" href="/uploads/full.png"><img src="/uploads/small.png" alt="a chart" width="690"></a></div>
<p><img src="https://cdn.example/x.jpeg" alt="photo"> and <img alt="no source"></p>"#;
    let mut body = Body::html(html);
    body.base_url = Some("https://forum.example/".into());
    let doc = Document::from_body(&body);
    // Avatars and emoji are not pictures; a picture without a source is text only.
    let urls: Vec<&str> = doc.pictures().iter().map(|p| p.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://forum.example/uploads/small.png",
            "https://cdn.example/x.jpeg"
        ]
    );
    assert_eq!(doc.pictures()[0].alt, "a chart");
    // Each picture's index rides on its alt text, on the line the reader draws it above.
    let lines = doc.wrap(80);
    let mut found = 0;
    for line in &lines {
        for picture in line.spans.iter().filter_map(|s| s.style.picture) {
            let alt = &doc.pictures()[usize::from(picture)].alt;
            assert!(line.plain().contains(&format!("[image: {alt}]")));
            found += 1;
        }
    }
    assert_eq!(found, 2);
}

#[test]
fn scripts_styles_and_comments_are_dropped() {
    let html = "<p>a<script>alert('<p>x</p>')</script>b<style>p{}</style>c<!-- hidden -->d<noscript>n</noscript></p><template><p>t</p></template>";
    assert_eq!(lines(html, 40), ["abcd"]);
}

#[test]
fn code_blocks_keep_their_lines() {
    let html = "<pre><code class=\"lang-ruby\">def x\n  1\nend\n</code></pre><p>and <code>inline</code></p>";
    let document = doc(html);
    let out: Vec<String> = document.wrap(40).iter().map(Line::plain).collect();
    assert_eq!(out, ["def x", "  1", "end", "", "and inline"]);
    assert_eq!(document.wrap(40)[1].spans[0].style.role, Role::Code);
}

#[test]
fn headings_rules_details_and_tables() {
    let html = "<h3>Title</h3><hr><details><summary>More</summary><p>hidden</p></details>\
                <table><thead><tr><th>k</th><th>v</th></tr></thead><tbody><tr><td>a</td><td>1</td></tr></tbody></table>";
    assert_eq!(
        lines(html, 40),
        [
            "### Title",
            "",
            "────────────────────────────────────────",
            "",
            "▸ More",
            "",
            "hidden",
            "",
            "k │ v",
            "──┼──",
            "a │ 1"
        ]
    );
}

#[test]
fn entities_are_decoded_then_sanitized() {
    let html = "<p>&lt;b&gt; &amp; &#27;[31mred &#x9b;2J &#x202e;x &#0; caf&eacute;</p>";
    let text = lines(html, 80).join("\n");
    // HTML reads `&#x9b;` as the Windows-1252 character and `&#0;` as U+FFFD.
    assert_eq!(text, "<b> & [31mred ›2J x \u{fffd} caf\u{e9}");
}

#[test]
fn stray_end_tags_and_misnesting_are_harmless() {
    let html = "</div></li></ul><b><i>x</b>y</i></p>z";
    assert_eq!(lines(html, 40), ["xy", "", "z"]);
}

#[test]
fn a_list_directly_inside_a_list_lends_it_its_items() {
    let html = "<ul><li>a</li><ul><li>b</li></ul><li>c</li></ul>";
    assert_eq!(lines(html, 40), ["• a", "• b", "• c"]);
}

#[test]
fn a_script_in_a_quote_title_is_not_part_of_the_name() {
    let html = "<aside class=\"quote\"><div class=\"title\">Ann<script>evil()</script>:</div><blockquote><p>hi</p></blockquote></aside>";
    assert_eq!(lines(html, 40), ["│ Ann said:", "│ hi"]);
}

/// `plugins/spoiler-alert/spec/pretty_text_spec.rb`: `[spoiler]` cooks to a `div` around
/// blocks and a `span` inline.
#[test]
fn spoilers_are_marked_and_veiled_at_the_same_width() {
    let inline = doc(r#"<p>I like watching <span class="spoiler">my tests fail</span></p>"#);
    assert!(inline.has_spoilers());
    let wrapped = inline.wrap(40);
    assert_eq!(wrapped[0].plain(), "I like watching my tests fail");
    let veiled = wrapped[0].veiled();
    assert_eq!(veiled.plain(), "I like watching ░░ ░░░░░ ░░░░");
    assert_eq!(veiled.width(), wrapped[0].width());

    let block = doc("<div class=\"spoiler\">\n<p>The butler did it.</p>\n</div><p>After.</p>");
    let lines: Vec<String> = block.wrap(40).iter().map(|l| l.veiled().plain()).collect();
    assert_eq!(lines, ["░░░ ░░░░░░ ░░░ ░░░", "", "After."]);
    // The web client's class once applied, and a post without any.
    assert!(doc(r#"<p><span class="spoiled">x</span></p>"#).has_spoilers());
    assert!(!doc("<p>plain</p>").has_spoilers());
}

/// A spoiler around a code block and a link (`[spoiler]` around a fence cooks to a `div`
/// holding the `pre`): the code is veiled like the text, and the link is not listed until
/// the spoiler is revealed — unless it is also linked outside the spoiler.
#[test]
fn code_and_links_inside_a_spoiler_stay_hidden_until_revealed() {
    let html = concat!(
        "<div class=\"spoiler\">\n<pre><code>kill(butler)\n</code></pre>\n",
        "<p>See <a href=\"https://example.com/ending\">the ending</a>.</p>\n</div>",
        "<p>Also <a href=\"https://example.com/cast\">the cast</a>.</p>",
    );
    let document = doc(html);
    assert!(document.has_spoilers());
    let lines = document.wrap(40);
    let shown: Vec<String> = lines.iter().map(crate::render::Line::plain).collect();
    assert!(shown.contains(&"kill(butler)".to_owned()), "{shown:?}");
    let veiled: Vec<String> = lines.iter().map(|l| l.veiled().plain()).collect();
    assert!(veiled.iter().all(|l| !l.contains("butler")), "{veiled:?}");
    assert!(veiled.contains(&"░░░░░░░░░░░░".to_owned()), "{veiled:?}");

    let urls = |revealed| -> Vec<String> {
        document
            .links_shown(revealed)
            .map(|l| l.url.clone())
            .collect()
    };
    assert_eq!(urls(false), ["https://example.com/cast"]);
    assert_eq!(
        urls(true),
        ["https://example.com/ending", "https://example.com/cast"]
    );

    // Linked outside the spoiler too: the link gives nothing away.
    let twice = doc(concat!(
        "<p><span class=\"spoiler\"><a href=\"https://example.com/x\">x</a></span> ",
        "<a href=\"https://example.com/x\">x</a></p>",
    ));
    assert_eq!(twice.links_shown(false).count(), 1);
}
