//! Pure data shared by every layer: ids, the forum tree, threads and posts, reply order,
//! read state, drafts and outbox entries, request budgets.

mod budget;
mod capabilities;
mod demo;
mod forum;
mod ids;
mod image_protocol;
mod inbox;
mod messages;
mod mode;
mod outbox;
mod post;
mod query;
mod read_marker;
mod read_state;
mod reply_tree;
mod revision;
mod rules;
mod small_action;
mod thread;
mod watch;

pub use budget::{
    Budget, BudgetStatus, Limit, Limits, Priority, RESERVE_PERCENT, RequestLog, WindowStatus,
    describe_wait,
};
pub use capabilities::{Capabilities, Me};
pub use demo::{DemoForum, DemoThread, demo_forum};
pub use forum::{
    Access, Area, Banner, BannerLink, Forum, ForumData, PostLimits, Section, SeqRange, Severity,
    ThreadSummary,
};
pub use ids::{AreaId, PostId, SectionId, ThreadId};
pub use image_protocol::ImageProtocol;
pub use inbox::{INBOX_KEPT, Inbox, InboxItem, InboxKind};
pub use messages::{MESSAGES_AREA, is_messages_area, messages_area, with_messages};
pub use mode::ForumMode;
pub use outbox::{Draft, ModAction, OutboxEntry, OutboxState, Target, Typing};
pub use post::{Author, Body, BodyFormat, Post, Reactions};
pub use query::{Allowed, PostTraits, Query, QueryError, When};
pub use read_marker::{ReadMark, ReadMarker};
pub use read_state::{ReadState, SavedReadState, ThreadRead, saturating_total};
pub use reply_tree::{Placed, place_newest, reading_order};
pub use revision::Revision;
pub use rules::{PostFacts, Rule, RuleAction, RuleMatch, RuleSet, Verdict};
pub use small_action::{SmallAction, anchors};
pub use thread::Thread;
pub use watch::{Bookmark, BookmarkState, PlaceMark, Places, WatchLevel, WatchSet, WatchTarget};
