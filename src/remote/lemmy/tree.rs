//! The instance as a tree: the instance is the forum, its sections **Subscribed** (the
//! account's communities), **Local** and **All** (the most active communities, local and
//! from everywhere), each community an area. A community is listed once, in the first
//! section that holds it, so its threads have one home.

use super::cursor::{CommunityInfo, Tops};
use super::posts::{area_id, qualified};
use super::wire::Community;
use crate::config::Prefetch;
use crate::model::{Access, Area, Forum, Section, SectionId};
use std::collections::{BTreeMap, HashSet};

pub const SUBSCRIBED: &str = "subscribed";
pub const LOCAL: &str = "local";
pub const ALL: &str = "all";

/// A community as the tree keeps it; deleted and removed ones are left out.
pub fn info(community: &Community) -> Option<CommunityInfo> {
    (!community.deleted && !community.removed).then(|| CommunityInfo {
        id: community.id,
        name: qualified(
            &community.name,
            community.local,
            community.actor_id.as_deref(),
        ),
        title: community
            .title
            .clone()
            .filter(|t| !t.trim().is_empty() && *t != community.name),
        mods_only: community.posting_restricted_to_mods,
    })
}

/// What the tree is built from.
#[derive(Debug)]
pub struct Input<'a> {
    pub title: &'a str,
    /// `None` when reading anonymously.
    pub subscribed: Option<&'a [CommunityInfo]>,
    pub tops: &'a Tops,
    pub prefetch: Prefetch,
}

/// The tree, and for each community whether its threads' comments are prefetched. The
/// "watched" policy prefetches the account's own communities, or the instance's local
/// ones when reading anonymously.
pub fn build(input: &Input<'_>) -> (Forum, BTreeMap<i64, bool>) {
    let mut forum = Forum {
        title: input.title.to_owned(),
        ..Forum::default()
    };
    let mut areas = BTreeMap::new();
    let mut listed = HashSet::new();
    let anonymous = input.subscribed.is_none();
    let watched = |section: &str| match input.prefetch {
        Prefetch::Watched => section == SUBSCRIBED || (anonymous && section == LOCAL),
        Prefetch::Recent | Prefetch::All => true,
        Prefetch::None => false,
    };
    let sections: [(&str, &str, &[CommunityInfo], bool); 3] = [
        (
            SUBSCRIBED,
            "Subscribed",
            input.subscribed.unwrap_or_default(),
            watched(SUBSCRIBED),
        ),
        (LOCAL, "Local", &input.tops.local, watched(LOCAL)),
        (ALL, "All", &input.tops.all, watched(ALL)),
    ];
    for (id, title, communities, prefetch) in sections {
        if id == SUBSCRIBED && anonymous {
            continue;
        }
        let mut section = Section {
            id: SectionId::new(id),
            title: title.to_owned(),
            areas: Vec::new(),
        };
        for community in communities {
            if !listed.insert(community.id) {
                continue;
            }
            areas.insert(community.id, prefetch);
            section.areas.push(Area {
                id: area_id(community.id),
                title: community.name.clone(),
                description: community.title.clone(),
                // Only moderators start posts here; everyone may comment.
                access: if community.mods_only {
                    Access::ReplyOnly
                } else {
                    Access::Full
                },
                required_tags: 0,
            });
        }
        forum.sections.push(section);
    }
    (forum, areas)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn community(id: i64, name: &str) -> CommunityInfo {
        CommunityInfo {
            id,
            name: name.to_owned(),
            title: None,
            mods_only: false,
        }
    }

    #[test]
    fn a_community_is_listed_once_in_the_first_section_holding_it() {
        let subscribed = [community(1, "rust"), community(2, "linux@lemmy.ml")];
        let tops = Tops {
            at: None,
            local: vec![community(1, "rust"), community(3, "news")],
            all: vec![
                community(2, "linux@lemmy.ml"),
                community(3, "news"),
                community(4, "art@x.y"),
            ],
        };
        let (forum, prefetch) = build(&Input {
            title: "Lemmy",
            subscribed: Some(&subscribed),
            tops: &tops,
            prefetch: Prefetch::Watched,
        });
        let names: Vec<Vec<&str>> = forum
            .sections
            .iter()
            .map(|s| s.areas.iter().map(|a| a.title.as_str()).collect())
            .collect();
        assert_eq!(
            names,
            vec![
                vec!["rust", "linux@lemmy.ml"],
                vec!["news"],
                vec!["art@x.y"]
            ]
        );
        assert!(prefetch[&1]);
        assert!(!prefetch[&3]);

        let (anonymous, prefetch) = build(&Input {
            title: "Lemmy",
            subscribed: None,
            tops: &tops,
            prefetch: Prefetch::Watched,
        });
        assert_eq!(anonymous.sections[0].id.as_str(), LOCAL);
        assert!(prefetch[&1], "anonymous: the local communities");
    }
}
