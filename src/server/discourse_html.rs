//! Discourse's `cooked` HTML → the Markdown a native post body is, for `threadmark serve
//! import DIR`: paragraphs, line breaks, bold and italics, inline code and code blocks,
//! links (http, https and site-relative ones only), headings, lists, quotes (Discourse's
//! `<aside class="quote">` and `<blockquote>`) and rules. Everything else keeps its text
//! and loses its markup; scripts and styles lose both. Text is escaped so nothing in it
//! reads as Markdown, and raw HTML never passes through.

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;

/// Converts one post's cooked HTML.
pub fn to_markdown(html: &str) -> String {
    let tokenizer = Tokenizer::new(
        Sink {
            out: RefCell::new(Writer::default()),
        },
        TokenizerOpts::default(),
    );
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    let writer = tokenizer.sink.out.take();
    writer.finish()
}

struct Sink {
    out: RefCell<Writer>,
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut out = self.out.borrow_mut();
        match token {
            Token::CharacterTokens(text) => out.text(&text),
            Token::TagToken(tag) => return out.tag(&tag),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The Markdown being written: finished blocks, the open line, and what is open.
#[derive(Debug, Default)]
struct Writer {
    blocks: Vec<String>,
    line: String,
    /// Quote depth: each block is prefixed with `> ` this many times.
    quote: usize,
    /// Open lists: `Some(n)` numbered (the next number), `None` bulleted.
    lists: Vec<Option<u32>>,
    /// Inside `<pre>`: text kept as it is, in a fenced block.
    pre: Option<String>,
    /// Inside `<script>` or `<style>`: nothing is kept.
    skipping: bool,
    /// The open link's target, when it is kept.
    link: Option<String>,
    /// Whether the open `<a>` wrote its `[`.
    link_open: bool,
}

impl Writer {
    fn text(&mut self, text: &str) {
        if self.skipping {
            return;
        }
        if let Some(pre) = &mut self.pre {
            pre.push_str(text);
            return;
        }
        for c in text.chars() {
            if c.is_whitespace() {
                if !self.line.is_empty() && !self.line.ends_with(' ') {
                    self.line.push(' ');
                }
                continue;
            }
            if c.is_control() {
                continue;
            }
            if matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '!'
            ) || (self.line.is_empty() && matches!(c, '-' | '+' | '='))
            {
                self.line.push('\\');
            }
            self.line.push(c);
        }
    }

    fn inline(&mut self, markup: &str) {
        if !self.skipping && self.pre.is_none() {
            self.line.push_str(markup);
        }
    }

    /// Ends the open paragraph (if it holds anything) as a block.
    fn flush(&mut self) {
        let text = self.line.trim().to_owned();
        self.line.clear();
        if text.is_empty() {
            return;
        }
        self.push_block(&text);
    }

    fn push_block(&mut self, text: &str) {
        let depth = self.lists.len().saturating_sub(1);
        let prefix = "> ".repeat(self.quote);
        let indent = "  ".repeat(depth);
        let block: Vec<String> = text
            .lines()
            .map(|l| format!("{prefix}{indent}{l}").trim_end().to_owned())
            .collect();
        self.blocks.push(block.join("\n"));
    }

    fn tag(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name = tag.name.as_ref();
        let start = tag.kind == TagKind::StartTag;
        match (name, start) {
            ("script" | "style", true) => {
                self.skipping = true;
                let kind = if name == "script" {
                    RawKind::ScriptData
                } else {
                    RawKind::Rawtext
                };
                return TokenSinkResult::RawData(kind);
            }
            ("script" | "style", false) => self.skipping = false,
            _ if self.skipping => {}
            ("pre", true) => {
                self.flush();
                self.pre = Some(String::new());
            }
            ("pre", false) => {
                if let Some(code) = self.pre.take() {
                    let fence = if code.contains("```") { "~~~~" } else { "```" };
                    let code = code.trim_end_matches('\n');
                    self.push_block(&format!("{fence}\n{code}\n{fence}"));
                }
            }
            _ if self.pre.is_some() => {}
            ("p" | "div" | "aside" | "details" | "summary" | "table" | "tr", _)
            | ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", false) => self.flush(),
            ("br", _) => self.inline("\\\n"),
            ("hr", _) => {
                self.flush();
                self.push_block("---");
            }
            ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", true) => {
                self.flush();
                let level = name[1..].parse::<usize>().unwrap_or(1);
                self.line.push_str(&"#".repeat(level));
                self.line.push(' ');
            }
            ("blockquote", true) => {
                self.flush();
                self.quote += 1;
            }
            ("blockquote", false) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
            }
            ("ul" | "ol", true) => {
                self.flush();
                self.lists.push((name == "ol").then_some(1));
            }
            ("ul" | "ol", false) => {
                self.flush();
                self.lists.pop();
            }
            ("li", true) => {
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let marker = format!("{n}. ");
                        *n += 1;
                        marker
                    }
                    _ => "- ".to_owned(),
                };
                self.line.push_str(&marker);
            }
            ("li" | "td" | "th", false) => {
                if name == "li" {
                    self.flush();
                } else {
                    self.inline(" ");
                }
            }
            ("strong" | "b", _) => self.inline("**"),
            ("em" | "i", _) => self.inline("*"),
            ("code", _) => self.inline("`"),
            ("a", _) => self.link(tag, start),
            ("img", true) => {
                if let Some(alt) = attribute(tag, "alt").filter(|a| !a.trim().is_empty()) {
                    self.text(&format!("[image: {alt}]"));
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }

    /// `<a>`: a kept target makes `[text](target)`; any other keeps only the text.
    fn link(&mut self, tag: &Tag, start: bool) {
        if start {
            let href = attribute(tag, "href").filter(|h| safe_target(h));
            self.link_open = href.is_some();
            if self.link_open {
                self.inline("[");
            }
            self.link = href;
            return;
        }
        if self.link_open
            && let Some(href) = self.link.take()
        {
            let href = href.replace(' ', "%20").replace(')', "%29");
            self.inline(&format!("]({href})"));
        }
        self.link_open = false;
    }

    fn finish(mut self) -> String {
        if let Some(code) = self.pre.take() {
            self.line.push_str(&code);
        }
        self.flush();
        self.blocks.join("\n\n")
    }
}

fn attribute(tag: &Tag, name: &str) -> Option<String> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| a.value.to_string())
}

/// A link kept as a link: http(s), or a path on the site (`/t/…`, `/u/…`); no
/// `javascript:`, `data:` or anything else.
fn safe_target(href: &str) -> bool {
    let lower = href.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with('/'))
        && !lower.starts_with("//")
        && !href
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() && c != ' ')
}

#[cfg(test)]
mod tests {
    use super::to_markdown;

    #[test]
    fn cooked_posts_become_markdown() {
        assert_eq!(
            to_markdown(
                "<p>Hello <strong>world</strong>, see <a href=\"https://x.org/a\">this</a>.</p><p>Two</p>"
            ),
            "Hello **world**, see [this](https://x.org/a).\n\nTwo"
        );
        assert_eq!(
            to_markdown(
                "<aside class=\"quote\"><div class=\"title\">ann:</div><blockquote><p>Quoted</p></blockquote></aside><p>Reply</p>"
            ),
            "ann:\n\n> Quoted\n\nReply"
        );
        assert_eq!(
            to_markdown("<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"),
            "- one\n\n- two\n\n1. first"
        );
        assert_eq!(
            to_markdown("<pre><code class=\"lang-rust\">let a = *b;\n</code></pre>"),
            "```\nlet a = *b;\n```"
        );
        assert_eq!(to_markdown("<h2>Title</h2><hr>"), "## Title\n\n---");
    }

    #[test]
    fn nothing_unsafe_or_markdown_like_passes_through() {
        assert_eq!(
            to_markdown("<p>a<script>alert(1)</script>b<style>p{}</style></p>"),
            "ab"
        );
        assert_eq!(
            to_markdown("<p><a href=\"javascript:alert(1)\">click</a> <img src=x alt=\"cat\"></p>"),
            "click \\[image: cat\\]"
        );
        assert_eq!(
            to_markdown("<p>*not bold* &lt;b&gt; # no heading [x](y)</p>"),
            "\\*not bold\\* \\<b\\> \\# no heading \\[x\\](y)"
        );
        assert_eq!(to_markdown("<p>- not a list</p>"), "\\- not a list");
    }
}
