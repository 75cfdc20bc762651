//! The current post leaving the reader, in the real binary on a pseudo-terminal: `|` pipes
//! it to a command (its words split as a shell would, run without one) and gives the
//! terminal back; `S` saves it to a file, never over another.

use crate::pty_session::PtySession;
use nix::sys::termios::LocalFlags;

/// The demo reader in `home` (also `$HOME`), its thread open at the first post.
fn reader_on_the_demo_thread(home: &std::path::Path) -> PtySession {
    let home_var = home.to_str().unwrap();
    let mut s = PtySession::start(home, &[], &[("HOME", home_var)], 120, 40);
    s.wait_for_text("Enabling Strategies");
    s.send("\r");
    s.wait_for_text("Connie Williams");
    s
}

#[test]
fn a_post_is_piped_to_a_command_and_the_reader_comes_back() {
    let home = tempfile::tempdir().unwrap();
    let folder = home.path().join("a folder");
    std::fs::create_dir(&folder).unwrap();
    let mut s = reader_on_the_demo_thread(home.path());

    s.send("|");
    s.wait_for_text("pipe post to:");
    // Quoted words stay whole, as in a shell; no shell runs it.
    s.send("tee 'a folder/post.txt'\r");
    let screen = s.wait_for_text("press enter to return to the reader");
    assert!(
        screen.contains("From: Mary Ghikas"),
        "the command's output shows:\n{screen}"
    );
    assert!(
        s.local_flags().contains(LocalFlags::ICANON),
        "the command gets the terminal as the shell left it"
    );
    let piped = std::fs::read_to_string(folder.join("post.txt")).unwrap();
    assert!(piped.starts_with("From: Mary Ghikas\n"), "{piped}");
    assert!(piped.contains("Thread: Strategic Framework"), "{piped}");
    assert!(piped.contains("(#1)"), "{piped}");
    assert!(piped.ends_with('\n'), "{piped:?}");

    s.send("\r");
    let screen = s.wait_for("the reader back", |t| {
        t.contains("piped #1 to tee") && !t.contains("press enter")
    });
    assert!(
        screen.contains("Connie Williams"),
        "the reader is back:\n{screen}"
    );
    assert!(
        !s.local_flags().contains(LocalFlags::ICANON),
        "raw mode again"
    );
    // A command that is not there: said, and the reader stays.
    s.send("|no-such-command-here\r");
    let screen = s.wait_for_text("could not start no-such-command-here");
    assert!(screen.contains("Connie Williams"), "{screen}");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn a_post_is_saved_to_a_new_file_and_never_over_one() {
    let home = tempfile::tempdir().unwrap();
    let mut s = reader_on_the_demo_thread(home.path());
    let saved = home.path().join("saved.txt");

    s.send("W");
    s.wait_for_text("save post to file:");
    s.send("~/saved.txt\r");
    s.wait_for_text("saved #1 to");
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.starts_with("From: Mary Ghikas\n"), "{text}");
    assert!(text.contains("(#1)"), "{text}");

    // The next post, to the same name: the file stays as it was.
    s.send("JW~/saved.txt\r");
    s.wait_for_text("exists: nothing written");
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), text);
    // ↑ brings the name back to edit.
    s.send("W\u{1b}[A\u{8}\u{8}\u{8}\u{8}2.txt\r");
    s.wait_for_text("saved #2 to");
    let second = std::fs::read_to_string(home.path().join("saved2.txt")).unwrap();
    assert!(second.starts_with("From: Connie Williams\n"), "{second}");
    s.send("q");
    assert!(s.wait_exit().success());
}

/// A Discourse account whose cache holds the demo's thread, its server not running: `gO`
/// hands the browser (`$BROWSER`) the thread's page, or the current post's in the reader.
#[test]
fn g_o_opens_the_thread_on_the_forum_web_site() {
    use threadmark::store::{Cache, DataDir, ensure_demo};
    let home = tempfile::tempdir().unwrap();
    let data = DataDir::new(home.path().join("data"));
    ensure_demo(&data).unwrap();
    let mut demo = Cache::open(data.account("demo"));
    let work = Cache::open(data.account("work"));
    work.save_forum(&demo.load_forum().unwrap().unwrap())
        .unwrap();
    let threads = demo.load_index().unwrap();
    for thread in &threads {
        work.save_thread(&demo.load_thread(&thread.id).unwrap().unwrap())
            .unwrap();
    }
    work.save_index(&threads).unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "default_account = \"work\"\n[[accounts]]\nname = \"work\"\nkind = \"discourse\"\n\
         url = \"http://127.0.0.1:9/forum/\"\n",
    )
    .unwrap();
    let opened = home.path().join("opened.txt");
    // The browser: a command that notes the URL it was given.
    let browser = format!("sh -c 'echo \"$1\" >> {}' browser", opened.display());
    let mut s = PtySession::start(home.path(), &[], &[("BROWSER", &browser)], 120, 40);
    s.wait_for_text("Enabling Strategies");
    s.send("gO");
    s.wait_for_text("opening http://127.0.0.1:9/forum/t/advocacy-1");
    let urls = || std::fs::read_to_string(&opened).unwrap_or_default();
    let deadline = std::time::Instant::now() + crate::pty_session::WAIT;
    while urls().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the browser never ran"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(urls(), "http://127.0.0.1:9/forum/t/advocacy-1\n");
    s.send("q");
    assert!(s.wait_exit().success());

    // The demo forum has no web site, and says so.
    let demo_home = tempfile::tempdir().unwrap();
    let mut s = PtySession::start(demo_home.path(), &[], &[], 120, 40);
    s.wait_for_text("Enabling Strategies");
    s.send("gO");
    s.wait_for_text("the demo forum has no web site");
    s.send("q");
    assert!(s.wait_exit().success());
}
