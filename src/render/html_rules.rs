//! What each HTML element means to the reader: its kind for the tokenizer and the
//! implied-end rules, and the effect it has on the block model.

use super::html::{attr, has_class};
use html5ever::tokenizer::Tag;
use html5ever::tokenizer::states::RawKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ElementKind {
    /// Never has content or an end tag.
    Void,
    /// Content is raw text (`None`: everything to the end, as `plaintext`); shown as
    /// preformatted text or not at all.
    Raw {
        kind: Option<RawKind>,
        shown: bool,
    },
    /// Starts a block: it closes an open paragraph.
    Block,
    Inline,
}

impl ElementKind {
    pub(crate) fn is_block(self) -> bool {
        self == Self::Block
    }
}

pub(crate) fn classify(name: &str) -> ElementKind {
    match name {
        "area" | "base" | "br" | "col" | "embed" | "hr" | "img" | "input" | "keygen" | "link"
        | "meta" | "param" | "source" | "track" | "wbr" => ElementKind::Void,
        "script" => raw(Some(RawKind::ScriptData), false),
        "style" | "noscript" | "iframe" | "noembed" | "noframes" => {
            raw(Some(RawKind::Rawtext), false)
        }
        "textarea" | "title" => raw(Some(RawKind::Rcdata), false),
        "xmp" => raw(Some(RawKind::Rawtext), true),
        "plaintext" => raw(None, true),
        "address" | "article" | "aside" | "blockquote" | "caption" | "center" | "dd"
        | "details" | "dialog" | "dir" | "div" | "dl" | "dt" | "fieldset" | "figcaption"
        | "figure" | "footer" | "form" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "header"
        | "hgroup" | "li" | "main" | "menu" | "nav" | "ol" | "p" | "pre" | "search" | "section"
        | "summary" | "table" | "tbody" | "td" | "tfoot" | "th" | "thead" | "tr" | "ul" => {
            ElementKind::Block
        }
        _ => ElementKind::Inline,
    }
}

fn raw(kind: Option<RawKind>, shown: bool) -> ElementKind {
    ElementKind::Raw { kind, shown }
}

/// What an open element does to the block model (undone when it closes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    None,
    /// A block without space around it (`div`).
    Block,
    /// A block with a blank line around it (`p`).
    Paragraph,
    Italic,
    Bold,
    Strike,
    Code,
    Pre,
    Link(String),
    Quote,
    /// Discourse's quote of another post, attributed to its author.
    AsideQuote {
        username: Option<String>,
    },
    /// A quote's title, read for the attribution when there is no username.
    Title,
    /// Content not shown: media, scripts' cousins, controls, decoration.
    Skip,
    /// Discourse's preview of a linked page: shown as a plain link to it.
    Onebox {
        url: Option<String>,
    },
    List(Option<u64>),
    Item,
    Heading(u8),
    Table,
    THead,
    Row,
    Cell {
        header: bool,
    },
    Summary,
    Checkbox(bool),
    /// Discourse's spoiler (`plugins/spoiler-alert`: `[spoiler]` cooks to
    /// `<div class="spoiler">` around blocks, `<span class="spoiler">` inline; the web
    /// client renames it `spoiled` once applied).
    Spoiler {
        block: bool,
    },
}

impl Effect {
    pub(crate) fn is_block(&self) -> bool {
        !matches!(
            self,
            Self::None
                | Self::Italic
                | Self::Bold
                | Self::Strike
                | Self::Code
                | Self::Link(_)
                | Self::Checkbox(_)
                | Self::Spoiler { block: false }
                | Self::THead
                | Self::Title
        )
    }
}

/// The effect of a start tag, given the effect of the element it opens in.
pub(crate) fn parse_start(tag: &Tag, parent: Option<&Effect>) -> Effect {
    let name: &str = &tag.name;
    match name {
        "p" | "details" => Effect::Paragraph,
        "div" => div(tag, parent),
        "aside" if has_class(tag, "quote") => Effect::AsideQuote {
            username: attr(tag, "data-username")
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_owned),
        },
        "aside" if has_class(tag, "onebox") => onebox(tag),
        // The quoted text of an attributed quote sits in a blockquote of its own.
        "blockquote" if matches!(parent, Some(Effect::AsideQuote { .. })) => Effect::Paragraph,
        "blockquote" => Effect::Quote,
        "ul" | "menu" | "dir" => Effect::List(None),
        "ol" => Effect::List(Some(
            attr(tag, "start")
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(1),
        )),
        "li" => Effect::Item,
        "h1" => Effect::Heading(1),
        "h2" => Effect::Heading(2),
        "h3" => Effect::Heading(3),
        "h4" => Effect::Heading(4),
        "h5" => Effect::Heading(5),
        "h6" => Effect::Heading(6),
        "pre" => Effect::Pre,
        "code" | "kbd" | "samp" | "tt" | "var" => Effect::Code,
        "em" | "i" | "cite" | "dfn" => Effect::Italic,
        "strong" | "b" => Effect::Bold,
        "s" | "del" | "strike" => Effect::Strike,
        "a" => link(tag),
        "span" if is_spoiler(tag) => Effect::Spoiler { block: false },
        "span" if has_class(tag, "chcklst-box") => {
            Effect::Checkbox(has_class(tag, "checked") || has_class(tag, "fa-check-square-o"))
        }
        "table" => Effect::Table,
        "thead" => Effect::THead,
        "tr" | "caption" => Effect::Row,
        "td" => Effect::Cell { header: false },
        "th" => Effect::Cell { header: true },
        "summary" => Effect::Summary,
        "svg" | "math" | "template" | "head" | "select" | "object" | "video" | "audio"
        | "canvas" | "map" | "datalist" | "frameset" | "applet" | "button" => Effect::Skip,
        _ if classify(name).is_block() => Effect::Block,
        _ => Effect::None,
    }
}

fn is_spoiler(tag: &Tag) -> bool {
    has_class(tag, "spoiler") || has_class(tag, "spoiled")
}

fn div(tag: &Tag, parent: Option<&Effect>) -> Effect {
    if is_spoiler(tag) {
        return Effect::Spoiler { block: true };
    }
    if has_class(tag, "title")
        && let Some(Effect::AsideQuote { username }) = parent
    {
        return if username.is_some() {
            Effect::Skip
        } else {
            Effect::Title
        };
    }
    if has_class(tag, "onebox") || has_class(tag, "lazy-video-container") {
        return onebox(tag);
    }
    // Quote buttons, and an image's file name and size under its preview.
    if has_class(tag, "quote-controls") || has_class(tag, "meta") {
        return Effect::Skip;
    }
    Effect::Block
}

fn onebox(tag: &Tag) -> Effect {
    Effect::Onebox {
        url: attr(tag, "data-onebox-src")
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned),
    }
}

fn link(tag: &Tag) -> Effect {
    // Mentions and hashtags read as the text they are ("@name", "#tag").
    let plain = ["mention", "mention-group", "hashtag", "hashtag-cooked"];
    if plain.iter().any(|c| has_class(tag, c)) {
        return Effect::None;
    }
    attr(tag, "href").map_or(Effect::None, |href| Effect::Link(href.to_owned()))
}
