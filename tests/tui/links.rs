//! Clickable links in the real reader in a pseudo-terminal: link text and the link list
//! are written as OSC 8 hyperlinks to their validated targets where the terminal supports
//! them, the screen reads exactly the same, and `hyperlinks = "off"` writes none.

use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text};
use crate::support::api::Api;
use crate::support::terminal_bytes::leaks;
use std::time::Duration;

/// Longer than the reader pane is wide: the list cuts it at the edge, the link does not.
fn long_url() -> String {
    format!(
        "https://example.org/archive/{}end",
        "gray-out-minutes/".repeat(8)
    )
}

/// A client synced from a server whose Advocacy thread ends with a post with links.
fn client_with_links(server: &Served) -> Client {
    let admin = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    admin.reply(
        "advocacy-1",
        &format!(
            "Read [the gray-out notes](https://example.org/notes;v=2?x=1) and {}",
            long_url()
        ),
    );
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    client
}

/// The reader at the end of the Advocacy thread: its screen and every byte it wrote.
fn read_to_the_links(client: &Client, env: &[(&str, &str)]) -> (String, Vec<u8>) {
    let mut s = PtySession::start(client.home.path(), &[], env, 120, 40);
    s.wait_for_text("Advocacy");
    s.send("G\r");
    s.wait_for_text("Connie Williams");
    s.send("G");
    s.wait_for_text("[2] https://example.org/archive/");
    s.settle(Duration::from_millis(200));
    let screen = s.screen();
    s.send("q");
    assert!(s.wait_exit().success());
    (screen, s.raw())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn link_text_is_clickable_where_the_terminal_supports_it_and_not_when_off() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = client_with_links(&server);

    // A plain xterm: "auto" finds no sign of hyperlink support.
    let (screen, raw) = read_to_the_links(&client, &[]);
    assert!(screen.contains("the gray-out notes[1]"), "{screen}");
    assert!(!contains(&raw, "\u{1b}]8;"));

    // WezTerm (hyperlinks = "auto", the default): every cell of the link text, its
    // number and the list entry is a whole link to the target, `;` percent-encoded.
    let (screen, raw) = read_to_the_links(&client, &[("TERM_PROGRAM", "WezTerm")]);
    let notes = "https://example.org/notes%3Bv=2?x=1";
    for grapheme in ["t", "h", "[", "1", "]"] {
        let cell = format!(";{notes}\u{1b}\\{grapheme}\u{1b}]8;;\u{1b}\\");
        assert!(contains(&raw, &cell), "no link around {grapheme:?}");
    }
    // The long URL is cut at the pane's edge on screen, yet links to all of itself.
    let long = long_url();
    assert!(!screen.contains(&long), "{screen}");
    assert!(contains(&raw, &format!(";{long}\u{1b}\\")));
    assert!(contains(&raw, "\u{1b}]8;id=tm"));
    let found = leaks(&raw);
    assert!(found.is_empty(), "{found:?}");

    // Off: not one hyperlink, and the screen reads the same.
    let config = std::fs::read_to_string(client.config()).unwrap();
    assert!(!config.contains("[ui]"), "{config}");
    std::fs::write(
        client.config(),
        format!("{config}\n[ui]\nhyperlinks = \"off\"\n"),
    )
    .unwrap();
    let (plain_screen, plain_raw) = read_to_the_links(&client, &[("TERM_PROGRAM", "WezTerm")]);
    assert!(!contains(&plain_raw, "\u{1b}]8;"));
    let link_rows = |screen: &str| -> Vec<String> {
        screen
            .lines()
            .filter(|l| l.contains("the gray-out notes[1]") || l.contains("[1] https://"))
            // Blank cells at the end are written or not as the frames before went.
            .map(|l| l.trim_end().to_owned())
            .collect()
    };
    assert_eq!(link_rows(&screen).len(), 2, "{screen}");
    assert_eq!(link_rows(&screen), link_rows(&plain_screen));

    // On: links in a terminal the environment says nothing about (a plain xterm), the
    // bare URL too, every byte still on the allow-list.
    std::fs::write(
        client.config(),
        format!("{config}\n[ui]\nhyperlinks = \"on\"\n"),
    )
    .unwrap();
    let (on_screen, on_raw) = read_to_the_links(&client, &[]);
    assert!(contains(
        &on_raw,
        &format!(";{notes}\u{1b}\\t\u{1b}]8;;\u{1b}\\")
    ));
    assert!(contains(&on_raw, &format!(";{long}\u{1b}\\")));
    assert_eq!(link_rows(&on_screen), link_rows(&plain_screen));
    let found = leaks(&on_raw);
    assert!(found.is_empty(), "{found:?}");
}
