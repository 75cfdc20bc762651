//! The allow-list of terminal bytes (`support/terminal_bytes.rs`) checked itself: what the
//! app sends passes, every kind of content sequence is caught.

use crate::terminal_bytes::{leaks, plain_text_leaks};

#[test]
fn what_the_app_sends_passes() {
    let ok = b"\x1b[?1049h\x1b[2J\x1b[?25l\x1b[1;1H\x1b[38;5;12mhi\x1b[0m \x1b[48;2;1;2;3m\xe6\xbc\xa2\r\n\
        \x1b[1m\x1b[39m\x1b[49m\x1b[?1000h\x1b[?1002h\x1b[?1003h\x1b[?1015h\x1b[?1006h\x1b[?2004h\
        \x1b]8;;https://example.com/a\x1b\\link\x1b]8;;\x1b\\\x1b[?1049l\x1b[?25h\
        \x1b]8;id=tm0123abcd;https://example.com/a%3Bb?c=d#e\x1b\\x\x1b]8;;\x1b\\";
    assert_eq!(leaks(ok), []);
    // Pictures as threadmark encodes them (`src/ui/graphics.rs`, `src/ui/sixel.rs`).
    let pictures = b"\x1b_Ga=T,U=1,f=100,t=d,q=2,i=123,c=8,r=2,m=1;iVBORw0KGgo=\x1b\\\
        \x1b_Gq=2,m=0;AAAA\x1b\\\xf4\x8e\xbb\xae\xcc\x85\xcc\x85\
        \x1bP0;1;0q\"1;1;12;12#180;2;100;0;0#180!12~$-#180!12~$-\x1b\\\
        \x1b]1337;File=inline=1;size=4;width=8;height=2;preserveAspectRatio=1:AAAA\x07";
    assert_eq!(leaks(pictures), []);
}

#[test]
fn content_sequences_are_caught() {
    for (bad, what) in [
        (&b"\x1b]0;pwned\x07"[..], "OSC 0"),
        (b"\x1b]52;c;aGk=\x1b\\", "OSC 52"),
        (b"\x1bP1$qm\x1b\\", "DCS"),
        (b"\x1b_payload\x1b\\", "APC"),
        (b"\x1b^pm\x1b\\", "PM"),
        (b"\x1bXsos\x1b\\", "SOS"),
        (b"\xc2\x9b31m", "C1 control"),
        (b"\x9b31m", "invalid UTF-8"),
        (b"a\x07b", "control byte"),
        (b"\x1b[21t", "not sent by threadmark"),
        (b"\x1b[?9h", "not sent by threadmark"),
        (b"\x1b]8;;javascript:alert(1)\x07", "not a validated"),
        (b"\x1b]8;;https://example.com/a;b\x07", "not a validated"),
        (
            b"\x1b]8;;https://example.com/\xc3\xa4\x07",
            "not a validated",
        ),
        (
            b"\x1b]8;foo=bar;https://example.com/\x07",
            "OSC 8 with parameters",
        ),
        (
            b"\x1b]8;id=a:b;https://example.com/\x07",
            "OSC 8 with parameters",
        ),
        (b"\x1b]8;id=x;\x07", "not a validated"),
        (b"\x1b_Ga=T,f=100;iVBORw0KGgo=\x1b\\", "APC"),
        (b"\x1bPq#0;2;0;0;0~~\x1b\\", "DCS"),
        (b"\x1b]1337;File=inline=1:AAAA\x07", "OSC 1337"),
        (b"\x1b_Ga=p,i=1,c=40,r=20;\x1b\\", "APC"),
        (
            b"\x1b_Ga=T,U=1,f=100,t=d,q=2,i=1,c=8,r=2,m=0;A\x1b]0;x\x07\x1b\\",
            "APC",
        ),
        (b"\x1bP0;1;0q\"1;1;1;1\x1b]0;x\x07\x1b\\", "DCS"),
        (
            b"\x1b]1337;File=name=x;inline=1;size=4;width=8;height=2;preserveAspectRatio=1:AA\x07",
            "OSC 1337",
        ),
        (b"\xe2\x80\xae", "bidi control"),
        (b"\xe2\x80\x8b", "invisible"),
        (b"\xf3\xa0\x81\x81", "tag character"),
        (b"\x1b[31", "unterminated CSI"),
        (b"\x1b]2;x", "unterminated OSC"),
        (b"\x1bc", "ESC c"),
    ] {
        let found = leaks(bad);
        assert!(
            found.iter().any(|l| l.what.contains(what)),
            "{:?}: {found:?}",
            bad.escape_ascii().to_string()
        );
    }
}

#[test]
fn plain_output_allows_no_escape_at_all() {
    assert_eq!(plain_text_leaks(b"fine \xe6\xbc\xa2\n"), []);
    assert!(!plain_text_leaks(b"\x1b[31mred").is_empty());
}
