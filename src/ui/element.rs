//! The themed elements of the screen, one per entry of `assets/theme.toml`'s `[styles]`
//! (a test keeps the two in step): the drawing code names an element, never a string.

macro_rules! elements {
    ($($element:ident = $name:literal,)*) => {
        /// A part of the screen with a style of its own.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Element {
            $($element,)*
        }

        impl Element {
            /// Every element, in the theme file's order.
            pub const ALL: &'static [Element] = &[$(Element::$element,)*];

            /// The element's name in `theme.toml` and in config.toml's `[theme]`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Element::$element => $name,)*
                }
            }

            /// The element a theme file names, if it is one.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Element::$element),)*
                    _ => None,
                }
            }
        }
    };
}

elements! {
    TreeForum = "tree.forum",
    TreeSection = "tree.section",
    TreeArea = "tree.area",
    TreeThread = "tree.thread",
    TreeUnread = "tree.unread",
    TreeCount = "tree.count",
    TreeMarker = "tree.marker",
    TreeWatching = "tree.watching",
    TreeMuted = "tree.muted",
    TreeSelected = "tree.selected",
    TreeSelectedUnfocused = "tree.selected_unfocused",
    PaneBorder = "pane.border",
    PaneTitle = "pane.title",
    PaneMeta = "pane.meta",
    PanePlaceholder = "pane.placeholder",
    ReaderAuthor = "reader.author",
    ReaderBadge = "reader.badge",
    ReaderMeta = "reader.meta",
    ReaderNew = "reader.new",
    ReaderUnread = "reader.unread",
    ReaderCurrent = "reader.current",
    ReaderDepthBar = "reader.depth_bar",
    ReaderFolded = "reader.folded",
    ReaderDeleted = "reader.deleted",
    ReaderBookmark = "reader.bookmark",
    EchoAuthor = "echo.author",
    EchoBody = "echo.body",
    EchoQueued = "echo.queued",
    EchoHeld = "echo.held",
    EchoFailed = "echo.failed",
    EchoSent = "echo.sent",
    BodyText = "body.text",
    BodyCode = "body.code",
    BodyLink = "body.link",
    BodyLinkRef = "body.link_ref",
    BodyQuote = "body.quote",
    BodyHeading = "body.heading",
    BodyMarker = "body.marker",
    SearchMatch = "search.match",
    SearchCurrent = "search.current",
    StatusBar = "status.bar",
    StatusMode = "status.mode",
    StatusSyncing = "status.syncing",
    StatusOffline = "status.offline",
    StatusReadOnly = "status.read_only",
    StatusNotice = "status.notice",
    StatusError = "status.error",
    StatusPrompt = "status.prompt",
    StatusKeys = "status.keys",
    BannerInfo = "banner.info",
    BannerWarning = "banner.warning",
    BannerCritical = "banner.critical",
    HelpBorder = "help.border",
    HelpSection = "help.section",
    HelpKey = "help.key",
    HelpDesc = "help.desc",
    ComposerHeading = "composer.heading",
    ComposerLabel = "composer.label",
    ComposerTitle = "composer.title",
    ComposerText = "composer.text",
    ComposerRule = "composer.rule",
    ComposerHint = "composer.hint",
    ComposerOver = "composer.over",
    ComposerCursor = "composer.cursor",
    ComposerCursorLine = "composer.cursor_line",
    OutboxQueued = "outbox.queued",
    OutboxHeld = "outbox.held",
    OutboxFailed = "outbox.failed",
    OutboxSent = "outbox.sent",
    OutboxBody = "outbox.body",
    OutboxMessage = "outbox.message",
}
