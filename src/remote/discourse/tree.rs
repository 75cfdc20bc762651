//! `/site.json` categories → the tree: top-level category → section, subcategory → area,
//! a parent holding topics of its own gets an area too, deeper levels fold into titles.

use super::wire::{Category, Site};
use crate::model::{Access, Area, AreaId, Forum, Section, SectionId};
use std::collections::{BTreeMap, HashSet};

/// Joins folded category names in an area title.
pub const TITLE_SEPARATOR: &str = " › ";

/// The tree and what the pull needs to fill it.
#[derive(Debug)]
pub struct Tree {
    pub forum: Forum,
    /// Category id → the area its topics are listed in; categories absent here have no
    /// area (a parent with no topics of its own: only its "About" topic lives there).
    pub areas: BTreeMap<u64, u64>,
    /// Top-level categories whose listings (subcategories included) cover every area.
    pub listings: Vec<Listing>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    pub category: u64,
    pub slug: String,
}

pub fn area_id(category: u64) -> AreaId {
    AreaId::new(category.to_string())
}

pub fn build(site: &Site, title: &str) -> Tree {
    let mut categories: Vec<&Category> = site.categories.iter().collect();
    categories.sort_by_key(|c| (c.position.unwrap_or(i64::MAX), c.id));
    let known: HashSet<u64> = categories.iter().map(|c| c.id).collect();
    let parent_of = |c: &Category| {
        c.parent_category_id
            .filter(|p| *p != c.id && known.contains(p))
    };

    let mut tree = Tree {
        forum: Forum {
            title: title.to_owned(),
            ..Forum::default()
        },
        areas: BTreeMap::new(),
        listings: Vec::new(),
    };
    for top in categories.iter().filter(|c| parent_of(c).is_none()) {
        let children: Vec<&Category> = categories
            .iter()
            .copied()
            .filter(|c| parent_of(c) == Some(top.id))
            .collect();
        let mut section = Section {
            id: SectionId::new(top.id.to_string()),
            title: name(top),
            areas: Vec::new(),
        };
        // A category with no subcategories is an area of its own section; a parent is one
        // only when topics live in it directly (an unknown count is assumed to).
        if children.is_empty() || top.topic_count.is_none_or(|n| n > 0) {
            section.areas.push(area(top, name(top)));
            tree.areas.insert(top.id, top.id);
        }
        let mut seen = HashSet::from([top.id]);
        for child in children {
            add_subtree(
                &categories,
                &parent_of,
                child,
                &name(child),
                &mut section,
                &mut tree.areas,
                &mut seen,
            );
        }
        tree.listings.push(Listing {
            category: top.id,
            slug: top
                .slug
                .clone()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "c".to_owned()),
        });
        tree.forum.sections.push(section);
    }
    tree
}

/// Adds `category` as an area titled `title`, then its descendants with folded titles.
fn add_subtree(
    all: &[&Category],
    parent_of: &dyn Fn(&Category) -> Option<u64>,
    category: &Category,
    title: &str,
    section: &mut Section,
    areas: &mut BTreeMap<u64, u64>,
    seen: &mut HashSet<u64>,
) {
    if !seen.insert(category.id) {
        return; // a parent loop in hostile data
    }
    section.areas.push(area(category, title.to_owned()));
    areas.insert(category.id, category.id);
    for child in all.iter().filter(|c| parent_of(c) == Some(category.id)) {
        let folded = format!("{title}{TITLE_SEPARATOR}{}", name(child));
        add_subtree(all, parent_of, child, &folded, section, areas, seen);
    }
}

fn area(category: &Category, title: String) -> Area {
    Area {
        access: Access::Full,
        required_tags: 0,
        id: area_id(category.id),
        title,
        description: category
            .description_text
            .clone()
            .or_else(|| category.description_excerpt.clone())
            .filter(|d| !d.trim().is_empty()),
    }
}

fn name(category: &Category) -> String {
    category
        .name
        .clone()
        .or_else(|| category.slug.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("category {}", category.id))
}
