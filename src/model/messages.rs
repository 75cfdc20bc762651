//! The Messages area: private messages are threads of one reserved area, in a "Messages"
//! section of the account's tree, so the tree, unread counts, reading and replying need
//! no code of their own. Each backend files its private-message threads there; starting
//! a thread there (`c`) asks for recipients and queues a `message` entry instead.

use super::{Access, Area, AreaId, Forum, Section, SectionId};

/// The reserved area (and section) id: no server's area id starts with `@`.
pub const MESSAGES_AREA: &str = "@messages";

/// The Messages area's id.
pub fn messages_area() -> AreaId {
    AreaId::new(MESSAGES_AREA)
}

/// Whether `area` is the Messages area.
pub fn is_messages_area(area: &AreaId) -> bool {
    area.as_str() == MESSAGES_AREA
}

/// Adds the Messages section to `forum`, first (the forum's own sections keep their
/// order below it, the last thread stays the tree's last row), unless it is there.
pub fn with_messages(forum: &mut Forum) {
    let id = SectionId::new(MESSAGES_AREA);
    if forum.sections.iter().any(|s| s.id == id) {
        return;
    }
    forum.sections.insert(
        0,
        Section {
            id,
            title: "Messages".to_owned(),
            areas: vec![Area {
                id: messages_area(),
                title: "Private messages".to_owned(),
                description: Some("Private messages between you and others".to_owned()),
                access: Access::default(),
                required_tags: 0,
            }],
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_is_added_once() {
        let mut forum = Forum::default();
        with_messages(&mut forum);
        with_messages(&mut forum);
        assert_eq!(forum.sections.len(), 1);
        assert!(is_messages_area(&forum.sections[0].areas[0].id));
    }
}
