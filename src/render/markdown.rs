//! Markdown (`CommonMark` with tables, strikethrough and task lists, by pulldown-cmark)
//! → the block model. HTML inside Markdown is shown as text, never interpreted.

use super::blocks::Align;
use super::builder::Builder;
use super::limits::{Deadline, OverBudget};
use super::{Emphasis, OpenEmphasis, Role, Style};
use pulldown_cmark::{
    Alignment, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeStream,
};

pub(crate) fn convert(
    source: &str,
    builder: &mut Builder,
    deadline: &mut Deadline,
) -> Result<(), OverBudget> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut reader = Reader {
        b: builder,
        emphasis: OpenEmphasis::default(),
        image_depth: 0,
        alt: String::new(),
        src: String::new(),
        in_html_block: false,
    };
    // Text arrives in pieces (at brackets, underscores…); whole runs let bare URLs be found.
    for event in TextMergeStream::new(Parser::new_ext(source, options)) {
        deadline.check()?;
        reader.event(event);
    }
    Ok(())
}

struct Reader<'a> {
    b: &'a mut Builder,
    emphasis: OpenEmphasis,
    /// Inside an image, text is its description.
    image_depth: usize,
    alt: String,
    /// The image's target, while its description is read.
    src: String,
    in_html_block: bool,
}

impl Reader<'_> {
    fn style(&self, role: Role) -> Style {
        Style {
            role,
            emphasis: self.emphasis.current(),
            link: None,
            spoiler: false,
            picture: None,
        }
    }

    fn text(&mut self, text: &str, role: Role) {
        if self.image_depth > 0 {
            self.alt.push_str(text);
        } else {
            let style = self.style(role);
            self.b.text(text, style);
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text, Role::Text),
            Event::Code(text) | Event::InlineMath(text) | Event::DisplayMath(text) => {
                self.text(&text, Role::Code);
            }
            Event::Html(text) | Event::InlineHtml(text) => self.html(&text),
            Event::FootnoteReference(label) => self.text(&format!("[^{label}]"), Role::Marker),
            Event::SoftBreak => self.text(" ", Role::Text),
            Event::HardBreak => {
                if self.image_depth > 0 {
                    self.alt.push(' ');
                } else {
                    self.b.hard_break();
                }
            }
            Event::Rule => self.b.rule(),
            Event::TaskListMarker(done) => {
                self.text(if done { "[x] " } else { "[ ] " }, Role::Marker);
            }
        }
    }

    /// Raw HTML, shown as the text it is; an HTML block keeps its lines.
    fn html(&mut self, text: &str) {
        if self.in_html_block {
            for line in text.split_inclusive('\n') {
                let ends_line = line.ends_with('\n');
                self.text(line.trim_end_matches(['\n', '\r']), Role::Text);
                if ends_line {
                    self.b.hard_break();
                }
            }
        } else {
            self.text(text, Role::Text);
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::FootnoteDefinition(_) | Tag::MetadataBlock(_) => {
                self.b.boundary(true);
            }
            Tag::HtmlBlock => {
                self.b.boundary(true);
                self.in_html_block = true;
            }
            Tag::DefinitionList | Tag::DefinitionListTitle | Tag::DefinitionListDefinition => {
                self.b.boundary(false);
            }
            Tag::Heading { level, .. } => self.b.open_heading(level as u8),
            Tag::BlockQuote(_) => self.b.open_quote(),
            Tag::CodeBlock(_) => self.b.open_code_block(),
            Tag::List(start) => self.b.open_list(start),
            Tag::Item => self.b.open_item(),
            Tag::Table(aligns) => self
                .b
                .open_table(aligns.iter().copied().map(align).collect()),
            Tag::TableHead => self.b.open_row(true),
            Tag::TableRow => self.b.open_row(false),
            Tag::TableCell => self.b.open_cell(),
            Tag::Emphasis => self.emphasis.open(Emphasis::ITALIC),
            Tag::Strong => self.emphasis.open(Emphasis::BOLD),
            Tag::Strikethrough => self.emphasis.open(Emphasis::STRIKE),
            Tag::Superscript | Tag::Subscript => {}
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => {
                if self.image_depth == 0 {
                    self.b.open_link(&target(link_type, dest_url));
                }
            }
            Tag::Image { dest_url, .. } => {
                if self.image_depth == 0 {
                    self.src = dest_url.into_string();
                }
                self.image_depth += 1;
            }
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::FootnoteDefinition | TagEnd::MetadataBlock(_) => {
                self.b.boundary(true);
            }
            TagEnd::HtmlBlock => {
                self.in_html_block = false;
                self.b.boundary(true);
            }
            TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition => self.b.boundary(false),
            TagEnd::Heading(_) => self.b.close_heading(),
            TagEnd::BlockQuote(_) => self.b.close_quote(),
            TagEnd::CodeBlock => self.b.close_code_block(),
            TagEnd::List(_) => self.b.close_list(),
            TagEnd::Item => self.b.close_item(),
            TagEnd::Table => self.b.close_table(),
            TagEnd::TableHead | TagEnd::TableRow => self.b.close_row(),
            TagEnd::TableCell => self.b.close_cell(),
            TagEnd::Emphasis => self.emphasis.close(Emphasis::ITALIC),
            TagEnd::Strong => self.emphasis.close(Emphasis::BOLD),
            TagEnd::Strikethrough => self.emphasis.close(Emphasis::STRIKE),
            TagEnd::Superscript | TagEnd::Subscript => {}
            TagEnd::Link => {
                if self.image_depth == 0 {
                    self.b.close_link();
                }
            }
            TagEnd::Image => {
                self.image_depth = self.image_depth.saturating_sub(1);
                if self.image_depth == 0 {
                    let alt = std::mem::take(&mut self.alt);
                    let src = std::mem::take(&mut self.src);
                    self.b.image(&alt, &src);
                }
            }
        }
    }
}

fn target(link_type: LinkType, dest: CowStr<'_>) -> String {
    match link_type {
        LinkType::Email => format!("mailto:{dest}"),
        _ => dest.into_string(),
    }
}

fn align(alignment: Alignment) -> Align {
    match alignment {
        Alignment::None | Alignment::Left => Align::Left,
        Alignment::Center => Align::Center,
        Alignment::Right => Align::Right,
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Body;
    use crate::render::{Document, Emphasis, Line, Role};

    fn doc(md: &str) -> Document {
        Document::from_body(&Body::markdown(md))
    }

    fn lines(md: &str, width: usize) -> Vec<String> {
        doc(md).wrap(width).iter().map(Line::plain).collect()
    }

    #[test]
    fn nested_lists_hang_under_their_text() {
        let md = "- first item that wraps\n  - nested\n    - deeper\n- second";
        assert_eq!(
            lines(md, 16),
            [
                "• first item",
                "  that wraps",
                "  ◦ nested",
                "    ▪ deeper",
                "• second"
            ]
        );
    }

    #[test]
    fn numbers_are_right_aligned_per_list() {
        let md = (1..=10).fold(String::new(), |md, i| md + &format!("{i}. item {i}\n"));
        let out = lines(&md, 40);
        assert_eq!(out[0], " 1. item 1");
        assert_eq!(out[9], "10. item 10");
        assert_eq!(
            lines("7. seven\n8. eight that wraps", 12),
            ["7. seven", "8. eight", "   that", "   wraps"]
        );
    }

    #[test]
    fn loose_lists_have_blank_lines_tight_lists_do_not() {
        assert_eq!(lines("- a\n- b", 20), ["• a", "• b"]);
        assert_eq!(lines("- a\n\n- b", 20), ["• a", "", "• b"]);
        assert_eq!(
            lines("text\n\n- a\n\nmore", 20),
            ["text", "", "• a", "", "more"]
        );
    }

    #[test]
    fn quotes_have_a_bar_on_every_line() {
        let md = "> one two three\n>\n> four\n> > nested";
        assert_eq!(
            lines(md, 10),
            ["│ one two", "│ three", "│", "│ four", "│", "│ │ nested"]
        );
        let wrapped = doc(md).wrap(10);
        assert_eq!(wrapped[0].spans[0].style.role, Role::Marker);
        assert_eq!(wrapped[0].spans[1].style.role, Role::Quote);
    }

    #[test]
    fn a_quote_inside_a_list_item() {
        assert_eq!(
            lines("1. item\n\n   > quoted", 20),
            ["1. item", "", "   │ quoted"]
        );
    }

    #[test]
    fn links_are_numbered_by_first_appearance() {
        let document =
            doc("[a](https://x.example) [b](https://y.example) and [c](https://x.example)");
        assert_eq!(
            document
                .wrap(80)
                .iter()
                .map(Line::plain)
                .collect::<Vec<_>>(),
            ["a[1] b[2] and c[1]"]
        );
        let links = document.links();
        assert_eq!(links.len(), 2);
        assert_eq!(
            (links[0].number, links[0].url.as_str()),
            (1, "https://x.example")
        );
        assert_eq!(links[0].text, "a");
        assert_eq!(links[1].openable(), Some("https://y.example"));
        let line = &document.wrap(80)[0];
        assert_eq!(line.spans[0].style.role, Role::Link);
        assert_eq!(line.spans[1].style.role, Role::LinkRef);
    }

    #[test]
    fn bare_urls_become_links() {
        let document = doc(
            "Minutes at https://ala.example/minutes_2024_(draft).pdf. Also \
             `https://code.example/not-a-link`, ftp://files.example and \
             [named](https://ala.example/minutes_2024_(draft).pdf)\n\n\
             > quoted http://q.example/x?a=1&b=2",
        );
        let shown: Vec<String> = document.wrap(200).iter().map(Line::plain).collect();
        assert_eq!(
            shown,
            [
                "Minutes at https://ala.example/minutes_2024_(draft).pdf[1]. Also \
                 https://code.example/not-a-link, ftp://files.example and named[1]",
                "",
                "│ quoted http://q.example/x?a=1&b=2[2]",
            ]
        );
        let links = document.links();
        assert_eq!(links.len(), 2, "{links:?}");
        assert_eq!(
            links[0].openable(),
            Some("https://ala.example/minutes_2024_(draft).pdf")
        );
        assert_eq!(
            links[0].text,
            "https://ala.example/minutes_2024_(draft).pdf"
        );
        assert_eq!(links[1].openable(), Some("http://q.example/x?a=1&b=2"));
        assert_eq!(document.wrap(200)[0].spans[1].style.role, Role::Link);
    }

    #[test]
    fn autolinks_and_email() {
        let document = doc("see <https://example.com/a> or <me@example.com>");
        assert_eq!(
            document.plain_text(),
            "see https://example.com/a or me@example.com"
        );
        assert_eq!(document.links()[1].url, "mailto:me@example.com");
        assert_eq!(document.links()[1].openable(), None);
    }

    #[test]
    fn hard_breaks_keep_lines() {
        assert_eq!(
            lines("-one\\\n-two  \n-three", 40),
            ["-one", "-two", "-three"]
        );
        assert_eq!(lines("soft\nbreak", 40), ["soft break"]);
    }

    #[test]
    fn emphasis_is_a_style_not_text() {
        let line = &doc("*it* **bold** ~~gone~~ `code`").wrap(80)[0];
        let styled: Vec<(&str, Role, Emphasis)> = line
            .spans
            .iter()
            .filter(|s| !s.text.trim().is_empty())
            .map(|s| (s.text.as_str(), s.style.role, s.style.emphasis))
            .collect();
        assert_eq!(
            styled,
            [
                ("it", Role::Text, Emphasis::ITALIC),
                ("bold", Role::Text, Emphasis::BOLD),
                ("gone", Role::Text, Emphasis::STRIKE),
                ("code", Role::Code, Emphasis::NONE),
            ]
        );
    }

    #[test]
    fn code_blocks_are_not_reflowed() {
        let md = "```\nfn main() {\n    let long_name = 1;\n}\n```";
        let out = lines(md, 16);
        assert_eq!(out, ["fn main() {", "    let long_nam", "e = 1;", "}"]);
        assert!(
            doc(md)
                .wrap(16)
                .iter()
                .all(|l| l.spans[0].style.role == Role::Code)
        );
    }

    #[test]
    fn headings_rules_and_images() {
        assert_eq!(
            lines("## Title\n\ntext\n\n---\n\n![a cat](cat.png)", 20),
            [
                "## Title",
                "",
                "text",
                "",
                "────────────────────",
                "",
                "[image: a cat]"
            ]
        );
        let heading = &doc("# Big").wrap(20)[0];
        assert_eq!(heading.spans[1].style.role, Role::Heading);
        assert_eq!(lines("![](x.png)", 20), ["[image]"]);
    }

    #[test]
    fn tables_are_aligned_text() {
        let md = "| name | qty |\n|:-----|----:|\n| figs | 3 |\n| apples | 12 |";
        assert_eq!(
            lines(md, 40),
            [
                "name   │ qty",
                "───────┼────",
                "figs   │   3",
                "apples │  12"
            ]
        );
    }

    #[test]
    fn html_is_shown_as_text() {
        assert_eq!(lines("a <b>bold</b> c", 40), ["a <b>bold</b> c"]);
        assert_eq!(
            lines("<div>\n<script>alert(1)</script>\n</div>", 40),
            ["<div>", "<script>alert(1)</script>", "</div>"]
        );
    }

    #[test]
    fn entity_encoded_escapes_are_removed_after_decoding() {
        let document = doc("red &#27;[31m text &#x9b;2J &#8238;rev");
        let text: String = document.wrap(80).iter().map(Line::plain).collect();
        assert_eq!(text, "red [31m text 2J rev");
    }

    #[test]
    fn task_lists() {
        assert_eq!(
            lines("- [x] done\n- [ ] todo", 20),
            ["• [x] done", "• [ ] todo"]
        );
    }
}
