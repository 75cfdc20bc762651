//! An allow-list parser of what threadmark may write to a terminal: text, and only the
//! escape sequences the app itself emits (SGR, cursor moves and visibility, clearing, the
//! alternate screen, mouse / paste / focus modes, synchronized output, OSC 8 links
//! to validated http(s) URLs, and pictures exactly as threadmark encodes them: kitty
//! graphics transmissions and its delete, its sixel, iTerm2 inline images — numbers and base64 only).
//! Anything else — a title or clipboard OSC, any other DCS or APC, PM,
//! SOS, a C1 byte, a bare control character, bidi or invisible characters, invalid
//! UTF-8 — is reported with its offset, so a test can show what leaked.

use std::fmt;

/// Something in the output that threadmark never writes by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub offset: usize,
    pub what: String,
    /// The bytes around the offset, escaped for reading.
    pub context: String,
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at byte {}: {} (around: {})",
            self.offset, self.what, self.context
        )
    }
}

/// Private modes the app switches (`CSI ? N h` / `CSI ? N l`).
const PRIVATE_MODES: &[u32] = &[
    7,    // autowrap
    12,   // cursor blink
    25,   // cursor visible
    1000, // mouse: clicks
    1002, // mouse: drags
    1003, // mouse: any motion
    1004, // focus events
    1006, // mouse: SGR encoding
    1015, // mouse: urxvt encoding
    1049, // alternate screen
    2004, // bracketed paste
    2026, // synchronized output
];

/// Checks a whole output; every problem found, in order.
pub fn leaks(bytes: &[u8]) -> Vec<Leak> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0x1b => match escape(bytes, i) {
                Ok(end) => i = end,
                Err(what) => {
                    found.push(leak(bytes, i, what));
                    i += 1;
                }
            },
            b'\r' | b'\n' => i += 1,
            b if b < 0x20 || b == 0x7f => {
                found.push(leak(bytes, i, format!("control byte {b:#04x}")));
                i += 1;
            }
            b if b < 0x80 => i += 1,
            _ => {
                let Some((c, len)) = decode_char(&bytes[i..]) else {
                    found.push(leak(bytes, i, "invalid UTF-8".to_owned()));
                    i += 1;
                    continue;
                };
                if let Some(why) = forbidden_char(c) {
                    found.push(leak(bytes, i, format!("{why} U+{:04X}", u32::from(c))));
                }
                i += len;
            }
        }
    }
    found
}

/// Characters that change how text is drawn or hide text: never from threadmark.
fn forbidden_char(c: char) -> Option<&'static str> {
    match c {
        '\u{80}'..='\u{9f}' => Some("C1 control"),
        '\u{061c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => Some("bidi control"),
        '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{180e}' => {
            Some("invisible character")
        }
        '\u{2028}' | '\u{2029}' => Some("line separator"),
        '\u{fff9}'..='\u{fffb}' => Some("interlinear annotation"),
        '\u{e0000}'..='\u{e007f}' => Some("tag character"),
        _ => None,
    }
}

fn decode_char(bytes: &[u8]) -> Option<(char, usize)> {
    let len = match bytes[0] {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let text = std::str::from_utf8(bytes.get(..len)?).ok()?;
    text.chars().next().map(|c| (c, len))
}

/// Parses the escape sequence at `start` (an ESC); the offset after it when allowed.
fn escape(bytes: &[u8], start: usize) -> Result<usize, String> {
    match bytes.get(start + 1) {
        Some(b'[') => csi(bytes, start),
        Some(b']') => osc(bytes, start),
        // Save and restore the cursor.
        Some(b'7' | b'8') => Ok(start + 2),
        Some(b'P') => sixel(bytes, start),
        Some(b'_') => kitty_graphics(bytes, start),
        Some(b'^') => Err("PM sequence".to_owned()),
        Some(b'X') => Err("SOS sequence".to_owned()),
        Some(&b) => Err(format!("escape sequence ESC {}", printable(b))),
        None => Err("a lone ESC at the end".to_owned()),
    }
}

/// `CSI params intermediates final`, checked against what the app sends.
fn csi(bytes: &[u8], start: usize) -> Result<usize, String> {
    let mut i = start + 2;
    let params_start = i;
    while i < bytes.len() && (0x30..=0x3f).contains(&bytes[i]) {
        i += 1;
    }
    let params = &bytes[params_start..i];
    let inter_start = i;
    while i < bytes.len() && (0x20..=0x2f).contains(&bytes[i]) {
        i += 1;
    }
    let intermediates = &bytes[inter_start..i];
    let Some(&last) = bytes.get(i) else {
        return Err("unterminated CSI sequence".to_owned());
    };
    if !(0x40..=0x7e).contains(&last) {
        return Err(format!(
            "malformed CSI sequence ending in {}",
            printable(last)
        ));
    }
    let params = std::str::from_utf8(params).unwrap_or("\u{fffd}");
    let shown = || {
        format!(
            "CSI {params}{}{}",
            String::from_utf8_lossy(intermediates),
            char::from(last)
        )
    };
    let numbers = |max: usize| {
        params.split(';').count() <= max
            && params
                .split(';')
                .all(|p| p.is_empty() || p.bytes().all(|b| b.is_ascii_digit()))
    };
    let allowed = match (intermediates, last) {
        ([], b'm') => sgr(params),
        ([], b'H' | b'f') => numbers(2),
        // Cursor moves and scrolling by N; cursor shape (`CSI N SP q`).
        ([], b'A' | b'B' | b'C' | b'D' | b'E' | b'F' | b'G' | b'd' | b'S' | b'T')
        | ([b' '], b'q') => numbers(1),
        ([], b'J' | b'K') => matches!(params, "" | "0" | "1" | "2" | "3"),
        ([], b'h' | b'l') => params.strip_prefix('?').is_some_and(|modes| {
            modes
                .split(';')
                .all(|m| m.parse().is_ok_and(|m: u32| PRIVATE_MODES.contains(&m)))
        }),
        // Cursor position report request.
        ([], b'n') => params == "6",
        // Keyboard enhancement flags: push, pop.
        ([], b'u') => params
            .strip_prefix('>')
            .or_else(|| params.strip_prefix('<'))
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())),
        _ => false,
    };
    if allowed {
        Ok(i + 1)
    } else {
        Err(format!(
            "escape sequence {} not sent by threadmark",
            shown()
        ))
    }
}

/// Select Graphic Rendition: attributes and colours only.
fn sgr(params: &str) -> bool {
    if params.is_empty() {
        return true;
    }
    let parts: Vec<&str> = params.split(';').collect();
    let mut i = 0;
    while i < parts.len() {
        let Ok(n) = parts[i].parse::<u32>() else {
            // Colon forms (underline styles) carry digits and colons only.
            if parts[i].bytes().all(|b| b.is_ascii_digit() || b == b':') {
                i += 1;
                continue;
            }
            return false;
        };
        match n {
            38 | 48 | 58 => match parts.get(i + 1).map(|p| p.parse::<u32>()) {
                Some(Ok(5)) => i += 3,
                Some(Ok(2)) => i += 5,
                _ => return false,
            },
            0..=29 | 30..=37 | 39..=47 | 49 | 53 | 55 | 59 | 90..=97 | 100..=107 => i += 1,
            _ => return false,
        }
    }
    i == parts.len()
}

/// Longest hyperlink target threadmark writes (`ui::hyperlink::MAX_TARGET_LEN`).
const MAX_LINK_TARGET: usize = 2048;

/// OSC: only hyperlinks (OSC 8) as threadmark writes them — no parameter but an `id` of
/// letters and digits, a target that is a well-formed http(s) URL in printable ASCII with
/// no `;` (threadmark percent-encodes it) and at most [`MAX_LINK_TARGET`] bytes — and
/// the empty OSC 8 that ends a link.
fn osc(bytes: &[u8], start: usize) -> Result<usize, String> {
    let body_start = start + 2;
    let mut i = body_start;
    let (body_end, end) = loop {
        match bytes.get(i) {
            None => return Err("unterminated OSC sequence".to_owned()),
            Some(0x07) => break (i, i + 1),
            Some(0x1b) if bytes.get(i + 1) == Some(&b'\\') => break (i, i + 2),
            Some(_) => i += 1,
        }
    };
    let body = String::from_utf8_lossy(&bytes[body_start..body_end]);
    if let Some(image) = body.strip_prefix("1337;") {
        return iterm2_image(image).map(|()| end);
    }
    let Some(link) = body.strip_prefix("8;") else {
        let kind: String = body.chars().take_while(char::is_ascii_digit).collect();
        return Err(format!("OSC {kind} sequence (only OSC 8 links are sent)"));
    };
    let Some((params, url)) = link.split_once(';') else {
        return Err("malformed OSC 8".to_owned());
    };
    let params_ok = params.is_empty()
        || params
            .strip_prefix("id=")
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !params_ok {
        return Err(format!("OSC 8 with parameters {params:?}"));
    }
    let clean =
        url.len() <= MAX_LINK_TARGET && url.bytes().all(|b| b.is_ascii_graphic() && b != b';');
    if (url.is_empty() && params.is_empty()) || (clean && is_web_url(url)) {
        Ok(end)
    } else {
        Err(format!(
            "OSC 8 link to {url:?}, not a validated http(s) URL"
        ))
    }
}

/// A URL a browser may be handed: http or https, a host, nothing hidden in it.
pub fn is_web_url(url: &str) -> bool {
    !url.chars().any(|c| {
        c.is_control() || c.is_whitespace() || forbidden_char(c).is_some() || c == '\u{fffd}'
    }) && url::Url::parse(url).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
    })
}

fn printable(b: u8) -> String {
    if b.is_ascii_graphic() {
        char::from(b).to_string()
    } else {
        format!("{b:#04x}")
    }
}

fn leak(bytes: &[u8], at: usize, what: String) -> Leak {
    let from = at.saturating_sub(24);
    let to = (at + 40).min(bytes.len());
    Leak {
        offset: at,
        what,
        context: bytes[from..to].escape_ascii().to_string(),
    }
}

/// Bytes with no control or escape at all (what the plain commands may print).
pub fn plain_text_leaks(bytes: &[u8]) -> Vec<Leak> {
    let mut found = leaks(bytes);
    let mut i = 0;
    while let Some(pos) = bytes[i..].iter().position(|&b| b == 0x1b) {
        found.push(leak(bytes, i + pos, "escape sequence".to_owned()));
        i += pos + 1;
    }
    found.sort_by_key(|l| l.offset);
    found.dedup_by_key(|l| l.offset);
    found
}

/// The end of a string sequence (`ESC \`) from `from`, or why there is none.
fn string_end(bytes: &[u8], from: usize, what: &str) -> Result<(usize, usize), String> {
    let mut i = from;
    loop {
        match bytes.get(i) {
            None => return Err(format!("unterminated {what}")),
            Some(0x1b) if bytes.get(i + 1) == Some(&b'\\') => return Ok((i, i + 2)),
            Some(0x1b) => return Err(format!("ESC inside {what}")),
            Some(_) => i += 1,
        }
    }
}

fn base64_only(data: &[u8]) -> bool {
    data.iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// Kitty graphics as threadmark sends them (`src/ui/graphics.rs`): a transmission with
/// a virtual placement (`a=T,U=1,f=100,t=d,q=2,i=N,c=N,r=N,m=0|1`) or its next chunk
/// (`q=2,m=0|1`), then base64; or the delete of threadmark's pictures on leaving and
/// on `I` (`a=d,d=R,x=1,y=16777215,q=2`, no payload). Any other APC is a leak.
fn kitty_graphics(bytes: &[u8], start: usize) -> Result<usize, String> {
    if bytes.get(start + 2) != Some(&b'G') {
        return Err("APC sequence".to_owned());
    }
    let (body_end, end) = string_end(bytes, start + 3, "APC kitty graphics")?;
    let body = &bytes[start + 3..body_end];
    if body == b"a=d,d=R,x=1,y=16777215,q=2" {
        return Ok(end);
    }
    let Some(split) = body.iter().position(|&b| b == b';') else {
        return Err("APC kitty graphics without a payload".to_owned());
    };
    let (keys, data) = (&body[..split], &body[split + 1..]);
    let keys = String::from_utf8_lossy(keys);
    let number = |v: &str| !v.is_empty() && v.len() <= 8 && v.bytes().all(|b| b.is_ascii_digit());
    let first = keys
        .strip_prefix("a=T,U=1,f=100,t=d,q=2,i=")
        .and_then(|rest| {
            let mut parts = rest.split(',');
            let id = parts.next()?;
            let cols = parts.next()?.strip_prefix("c=")?;
            let rows = parts.next()?.strip_prefix("r=")?;
            let more = parts.next()?;
            (parts.next().is_none() && number(id) && number(cols) && number(rows)).then_some(more)
        });
    let more = first.or_else(|| keys.strip_prefix("q=2,"));
    if !matches!(more, Some("m=0" | "m=1")) {
        return Err(format!(
            "APC kitty graphics command {keys:?} not sent by threadmark"
        ));
    }
    if !base64_only(data) || data.len() > 4096 {
        return Err("APC kitty graphics payload that is not one base64 chunk".to_owned());
    }
    Ok(end)
}

/// Sixel as threadmark sends it (`src/ui/sixel.rs`): `ESC P 0;1;0 q "1;1;W;H`, then
/// colour definitions, sixels, repeats, `$` and `-` only.
fn sixel(bytes: &[u8], start: usize) -> Result<usize, String> {
    const HEAD: &[u8] = b"0;1;0q\"1;1;";
    if bytes.get(start + 2..start + 2 + HEAD.len()) != Some(HEAD) {
        return Err("DCS sequence".to_owned());
    }
    let (body_end, end) = string_end(bytes, start + 2, "DCS sixel")?;
    let body = &bytes[start + 2 + HEAD.len()..body_end];
    let ok = body.iter().all(|&b| {
        b.is_ascii_digit()
            || matches!(b, b';' | b'#' | b'!' | b'$' | b'-')
            || (0x3f..=0x7e).contains(&b)
    });
    if ok {
        Ok(end)
    } else {
        Err("DCS sequence that is not threadmark's sixel".to_owned())
    }
}

/// An iTerm2 inline image as threadmark sends it (`src/ui/graphics.rs`): numbers for its
/// size and cells, then base64.
fn iterm2_image(body: &str) -> Result<(), String> {
    let refused = || {
        Err(format!(
            "OSC 1337 {:?} not sent by threadmark",
            body.chars().take(80).collect::<String>()
        ))
    };
    let Some((head, data)) = body.split_once(':') else {
        return refused();
    };
    let Some(rest) = head.strip_prefix("File=inline=1;") else {
        return refused();
    };
    let fields: Vec<&str> = rest.split(';').collect();
    let number = |v: &str| !v.is_empty() && v.len() <= 9 && v.bytes().all(|b| b.is_ascii_digit());
    let shape = fields.len() == 4
        && fields[0].strip_prefix("size=").is_some_and(number)
        && fields[1].strip_prefix("width=").is_some_and(number)
        && fields[2].strip_prefix("height=").is_some_and(number)
        && fields[3] == "preserveAspectRatio=1";
    if shape && base64_only(data.as_bytes()) {
        Ok(())
    } else {
        refused()
    }
}
