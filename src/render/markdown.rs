//! Markdown (CommonMark with tables, strikethrough and task lists, by pulldown-cmark)
//! → the block model. HTML inside Markdown is shown as text, never interpreted.

use super::blocks::Align;
use super::builder::Builder;
use super::limits::{Deadline, OverBudget};
use super::{Emphasis, Role, Style};
use pulldown_cmark::{Alignment, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

pub(crate) fn convert(
    source: &str,
    builder: &mut Builder,
    deadline: &mut Deadline,
) -> Result<(), OverBudget> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut reader = Reader {
        b: builder,
        italic: 0,
        bold: 0,
        strike: 0,
        image_depth: 0,
        alt: String::new(),
        in_html_block: false,
    };
    for event in Parser::new_ext(source, options) {
        deadline.check()?;
        reader.event(event);
    }
    Ok(())
}

struct Reader<'a> {
    b: &'a mut Builder,
    italic: usize,
    bold: usize,
    strike: usize,
    /// Inside an image, text is its description.
    image_depth: usize,
    alt: String,
    in_html_block: bool,
}

impl Reader<'_> {
    fn style(&self, role: Role) -> Style {
        let mut emphasis = Emphasis::NONE;
        if self.italic > 0 {
            emphasis = emphasis.with(Emphasis::ITALIC);
        }
        if self.bold > 0 {
            emphasis = emphasis.with(Emphasis::BOLD);
        }
        if self.strike > 0 {
            emphasis = emphasis.with(Emphasis::STRIKE);
        }
        Style { role, emphasis }
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
            Tag::Table(aligns) => self.b.open_table(aligns.iter().map(align).collect()),
            Tag::TableHead => self.b.open_row(true),
            Tag::TableRow => self.b.open_row(false),
            Tag::TableCell => self.b.open_cell(),
            Tag::Emphasis => self.italic += 1,
            Tag::Strong => self.bold += 1,
            Tag::Strikethrough => self.strike += 1,
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
            Tag::Image { .. } => self.image_depth += 1,
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
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::Strikethrough => self.strike = self.strike.saturating_sub(1),
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
                    self.b.image(&alt);
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

fn align(alignment: &Alignment) -> Align {
    match alignment {
        Alignment::None | Alignment::Left => Align::Left,
        Alignment::Center => Align::Center,
        Alignment::Right => Align::Right,
    }
}
