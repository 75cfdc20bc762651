//! The real reader in a pseudo-terminal with rules: `x` then `a` on a post writes a hide
//! rule into config.toml (the user's comments kept), the post becomes a stub at once and
//! the tree's count follows; `u` takes the rule out again. `V` sets the area's view, which
//! the next start shows again.

use crate::pty_session::PtySession;

const MINE: &str = "# my settings — keep this comment\n[ui]\nmouse = false # and this one\n";

#[test]
fn x_and_u_write_and_take_out_a_rule_and_v_survives_a_restart() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, MINE).unwrap();
    let mut reader = PtySession::start(home.path(), &[], &[], 120, 40);
    reader.wait_for_text(" q quit");
    reader.send("G");
    reader.send("\r");
    reader.wait_for_text("Mary Ghikas · #1");
    reader.send("x");
    reader.wait_for_text("a this author (Mary Ghikas)");
    reader.send("a");
    reader.wait_for_text("#1 hidden by rule 1");
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.starts_with(MINE), "{written}");
    assert!(written.contains("author = \"Mary Ghikas\""), "{written}");
    reader.send("u");
    reader.wait_for_text("rule taken out");
    reader.wait_for_text("Mary Ghikas · #1");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), MINE);

    // Back in the tree: the area's next view, then a new start.
    reader.send("h");
    reader.send("V");
    reader.wait_for_text("Advocacy · new");
    reader.send("q");
    reader.wait_exit();
    let ui =
        std::fs::read_to_string(home.path().join("data/accounts/demo/ui.json")).unwrap_or_default();
    assert!(ui.contains("\"advocacy\":\"new\""), "{ui}");
    let mut again = PtySession::start(home.path(), &[], &[], 120, 40);
    again.wait_for_text("Advocacy · new");
    again.send("q");
    again.wait_exit();
}

/// The real reader judges the cached threads with the rules after its first frame (on
/// the store worker's loads): the posts a rule hides leave the status line's count.
#[test]
fn the_real_reader_counts_without_what_a_rule_hides() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[[rules]]\nmatch = { author = \"connie williams\" }\naction = \"hide\"\n",
    )
    .unwrap();
    let mut reader = PtySession::start(home.path(), &[], &[], 120, 40);
    let screen = reader.wait_for("the counts judged", |s| s.contains(" 6 unread"));
    assert!(!screen.contains(" 8 unread"), "{screen}");
    reader.send("q");
    reader.wait_exit();
}
