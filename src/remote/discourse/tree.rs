//! Categories → the tree: top-level category → section, subcategory → area, a parent
//! holding topics of its own gets an area too, deeper levels fold into titles. Each area
//! says what the account may write there (`permission`) and the tags a new topic needs.

use super::wire::Category;
use crate::model::{Access, Area, AreaId, Forum, Section, SectionId};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Joins folded category names in an area title.
pub const TITLE_SEPARATOR: &str = " › ";

/// The tree and where topics go in it.
#[derive(Debug)]
pub struct Tree {
    pub forum: Forum,
    /// Category id → the area its topics are listed in; categories absent here have no
    /// area (a parent with no topics of its own: only its "About" topic lives there).
    pub areas: BTreeMap<u64, u64>,
}

pub fn area_id(category: u64) -> AreaId {
    AreaId::new(category.to_string())
}

/// The tree of `categories`. `populated` names categories seen holding topics of their
/// own: a parent among them gets an area even when its `topic_count` (which lags) says 0.
pub fn build(categories: &[Category], populated: &BTreeSet<u64>, title: &str) -> Tree {
    let mut categories: Vec<&Category> = categories.iter().collect();
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
        if children.is_empty()
            || top.topic_count.is_none_or(|n| n > 0)
            || populated.contains(&top.id)
        {
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
        id: area_id(category.id),
        title,
        description: category
            .description_text
            .clone()
            .or_else(|| category.description_excerpt.clone())
            .filter(|d| !d.trim().is_empty()),
        // `CategoryGuardian` / `Category#permission`: 1 full, 2 create post (reply
        // only), 3 readonly; anonymous readers get no permission at all.
        access: match category.permission {
            Some(2) => Access::ReplyOnly,
            Some(3) => Access::ReadOnly,
            _ => Access::Full,
        },
        required_tags: category.minimum_required_tags.unwrap_or(0),
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

/// Flattens `/categories.json` answers: subcategories sent inside their parents join the
/// list.
pub fn flatten(categories: Vec<Category>) -> Vec<Category> {
    let mut out = Vec::new();
    let mut stack = categories;
    while let Some(mut c) = stack.pop() {
        if let Some(children) = c.subcategory_list.take() {
            stack.extend(children);
        }
        out.push(c);
    }
    out
}

/// Adds categories not yet in `known` (by id), keeping the order of first sight.
pub fn merge(known: &mut Vec<Category>, more: Vec<Category>) {
    for c in more {
        match known.iter_mut().find(|k| k.id == c.id) {
            Some(k) => *k = c,
            None => known.push(c),
        }
    }
}
