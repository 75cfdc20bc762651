//! Pure data shared by every layer: ids, the forum tree, threads and posts, reply order,
//! read state, drafts and outbox entries.

mod demo;
mod forum;
mod ids;
mod mode;
mod outbox;
mod post;
mod read_state;
mod reply_tree;
mod thread;

pub use demo::{DemoForum, DemoThread, demo_forum};
pub use forum::{Area, Banner, BannerLink, Forum, ForumData, Section, Severity, ThreadSummary};
pub use ids::{AreaId, PostId, SectionId, ThreadId};
pub use mode::ForumMode;
pub use outbox::{Draft, OutboxEntry, OutboxState, Target};
pub use post::{Author, Body, BodyFormat, Post};
pub use read_state::{ReadState, ThreadRead};
pub use reply_tree::{Placed, reading_order};
pub use thread::Thread;
