//! `threadmark serve forum …`: build and change the forum's structure (title,
//! announcement, sections, areas) from the command line, on either engine, also while
//! the server runs (the edit reaches clients through the changes feed).

use super::db::Store;
use super::db::structure::{Create, Edited, StructureEdit};
use crate::api::{self, AnnouncementChange, AreaChange, Problem, SectionChange, Severity};
use crate::server::db::WriteFailure;
use crate::text::sanitize::clean_line;
use std::fmt::Write as _;
use std::io::Write as _;

/// Show and change the forum's structure: title, announcement, sections, areas.
#[derive(Debug, clap::Subcommand)]
pub enum ForumCommand {
    /// Print the forum: title, announcement, sections and their areas with counts
    Show {
        /// Print the tree as JSON (the shape of `GET /api/v1/tree`)
        #[arg(long)]
        json: bool,
    },
    /// Set the forum's title
    Title { title: String },
    /// Set the announcement every client shows as a banner, or clear it
    Announce {
        /// The text (Markdown); leave out with --clear
        #[arg(required_unless_present = "clear")]
        text: Option<String>,
        #[arg(long, value_parser = ["info", "warning", "critical"], default_value = "info")]
        severity: String,
        /// Remove the announcement
        #[arg(long, conflicts_with = "text")]
        clear: bool,
    },
    /// Add, rename, move or remove a section
    Section {
        #[command(subcommand)]
        command: SectionCommand,
    },
    /// Add, rename, describe, move or remove an area
    Area {
        #[command(subcommand)]
        command: AreaCommand,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum SectionCommand {
    /// Add a section (last, unless --position says where)
    Add {
        /// Its id: letters, digits, '-', '_' or '.' (e.g. `committees`)
        id: String,
        #[arg(long, value_name = "TEXT")]
        title: String,
        /// 1 is first
        #[arg(long, value_name = "N")]
        position: Option<u32>,
    },
    /// Give a section a new title
    Rename {
        id: String,
        #[arg(long, value_name = "TEXT")]
        title: String,
    },
    /// Move a section to another place in the forum
    Move {
        id: String,
        /// 1 is first
        #[arg(long, value_name = "N")]
        position: u32,
    },
    /// Remove a section; refused while it holds areas
    Remove { id: String },
}

#[derive(Debug, clap::Subcommand)]
pub enum AreaCommand {
    /// Add an area to a section (last, unless --position says where)
    Add {
        /// Its id: letters, digits, '-', '_' or '.' (e.g. `general`)
        id: String,
        #[arg(long, value_name = "ID")]
        section: String,
        #[arg(long, value_name = "TEXT")]
        title: String,
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        /// 1 is first
        #[arg(long, value_name = "N")]
        position: Option<u32>,
        /// The weakest role that may post there (reader, member, moderator, admin)
        #[arg(long, value_name = "ROLE", value_parser = parse_role)]
        post_role: Option<api::Role>,
        /// The weakest role that may read it (member, moderator, admin; reader: everyone)
        #[arg(long, value_name = "ROLE", value_parser = parse_role)]
        read_role: Option<api::Role>,
    },
    /// Say who may read an area (nobody weaker sees it, its threads or its posts, through
    /// any endpoint) and who may post in it
    Restrict {
        id: String,
        /// The weakest role that may read it: member, moderator or admin (`reader` opens
        /// it to everyone again)
        #[arg(long, value_name = "ROLE", value_parser = parse_role, required_unless_present = "post")]
        read: Option<api::Role>,
        /// The weakest role that may post in it (`member` is the default)
        #[arg(long, value_name = "ROLE", value_parser = parse_role)]
        post: Option<api::Role>,
    },
    /// Set the weakest role that may post in an area (`member` is the default; an area
    /// only the board posts in takes `moderator` or `admin`)
    PostRole {
        id: String,
        #[arg(value_parser = parse_role)]
        role: api::Role,
    },
    /// Give an area a new title
    Rename {
        id: String,
        #[arg(long, value_name = "TEXT")]
        title: String,
    },
    /// Set an area's description (an empty one clears it)
    Describe { id: String, description: String },
    /// Move an area to another section or place
    Move {
        id: String,
        #[arg(long, value_name = "ID", required_unless_present = "position")]
        section: Option<String>,
        /// 1 is first
        #[arg(long, value_name = "N")]
        position: Option<u32>,
    },
    /// Remove an area; refused while it holds threads
    Remove { id: String },
}

/// Runs `threadmark serve forum …` against the store.
pub async fn forum_command(store: &dyn Store, command: ForumCommand) -> anyhow::Result<()> {
    let (edit, done) = match command {
        ForumCommand::Show { json } => {
            let tree = store.tree().await?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &tree)?;
                writeln!(out)?;
            } else {
                write!(out, "{}", show(&tree))?;
            }
            return Ok(());
        }
        ForumCommand::Title { title } => {
            let done = format!("the forum is now called {:?}", clean_line(&title));
            (StructureEdit::Title(title), done)
        }
        ForumCommand::Announce {
            text,
            severity,
            clear,
        } => match text.filter(|_| !clear) {
            Some(text) => (
                StructureEdit::Announcement(Some(AnnouncementChange {
                    text,
                    severity: severity_of(&severity),
                    starts_at: None,
                    ends_at: None,
                })),
                format!("announcement set ({severity})"),
            ),
            None => (
                StructureEdit::Announcement(None),
                "announcement cleared".to_owned(),
            ),
        },
        ForumCommand::Section { command } => section_edit(command),
        ForumCommand::Area { command } => area_edit(command),
    };
    match store.edit_structure(edit, jiff::Timestamp::now()).await {
        Ok(Edited { .. }) => {
            writeln!(std::io::stdout().lock(), "{done}")?;
            Ok(())
        }
        Err(WriteFailure::Rejected(problem)) => Err(anyhow::anyhow!(refusal(&problem))),
        Err(WriteFailure::Store(e)) => Err(anyhow::anyhow!("{e}")),
    }
}

fn severity_of(name: &str) -> Severity {
    match name {
        "warning" => Severity::Warning,
        "critical" => Severity::Critical,
        _ => Severity::Info,
    }
}

fn section_edit(command: SectionCommand) -> (StructureEdit, String) {
    let section = |id: String, title, position, create| StructureEdit::Section {
        id,
        change: SectionChange { title, position },
        create,
    };
    match command {
        SectionCommand::Add {
            id,
            title,
            position,
        } => {
            let done = format!("added section {id}");
            (section(id, Some(title), position, Create::Only), done)
        }
        SectionCommand::Rename { id, title } => {
            let done = format!("renamed section {id}");
            (section(id, Some(title), None, Create::Never), done)
        }
        SectionCommand::Move { id, position } => {
            let done = format!("moved section {id} to position {position}");
            (section(id, None, Some(position), Create::Never), done)
        }
        SectionCommand::Remove { id } => {
            let done = format!("removed section {id}");
            (StructureEdit::RemoveSection(id), done)
        }
    }
}

fn area_edit(command: AreaCommand) -> (StructureEdit, String) {
    let area = |id: String, change, create| StructureEdit::Area { id, change, create };
    match command {
        AreaCommand::Add {
            id,
            section,
            title,
            description,
            position,
            post_role,
            read_role,
        } => {
            let done = format!("added area {id} to section {section}");
            let change = AreaChange {
                section: Some(section),
                title: Some(title),
                description,
                position,
                post_role,
                read_role,
            };
            (area(id, change, Create::Only), done)
        }
        AreaCommand::Restrict { id, read, post } => {
            let mut done = Vec::new();
            match read {
                Some(api::Role::Reader) => done.push(format!("everyone may now read area {id}")),
                Some(role) => done.push(format!("only a {role} or above may now read area {id}")),
                None => {}
            }
            if let Some(role) = post {
                done.push(format!("only a {role} or above may now post in area {id}"));
            }
            let change = AreaChange {
                read_role: read,
                post_role: post,
                ..AreaChange::default()
            };
            (area(id, change, Create::Never), done.join("\n"))
        }
        AreaCommand::PostRole { id, role } => {
            let done = format!("only a {role} or above may now post in area {id}");
            let change = AreaChange {
                post_role: Some(role),
                ..AreaChange::default()
            };
            (area(id, change, Create::Never), done)
        }
        AreaCommand::Rename { id, title } => {
            let done = format!("renamed area {id}");
            let change = AreaChange {
                title: Some(title),
                ..AreaChange::default()
            };
            (area(id, change, Create::Never), done)
        }
        AreaCommand::Describe { id, description } => {
            let done = if description.trim().is_empty() {
                format!("cleared the description of area {id}")
            } else {
                format!("described area {id}")
            };
            let change = AreaChange {
                description: Some(description),
                ..AreaChange::default()
            };
            (area(id, change, Create::Never), done)
        }
        AreaCommand::Move {
            id,
            section,
            position,
        } => {
            let done = match &section {
                Some(section) => format!("moved area {id} to section {section}"),
                None => format!("moved area {id}"),
            };
            let change = AreaChange {
                section,
                position,
                ..AreaChange::default()
            };
            (area(id, change, Create::Never), done)
        }
        AreaCommand::Remove { id } => {
            let done = format!("removed area {id}");
            (StructureEdit::RemoveArea(id), done)
        }
    }
}

/// A role named on the command line.
pub fn parse_role(name: &str) -> Result<api::Role, String> {
    api::Role::parse(name).ok_or_else(|| {
        format!("no role {name:?}; the roles are reader, member, moderator and admin")
    })
}

/// A refusal in words: the detail, or each field's complaint; nothing was changed.
fn refusal(problem: &Problem) -> String {
    let mut parts: Vec<String> = problem.detail.iter().cloned().collect();
    parts.extend(
        problem
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message)),
    );
    if parts.is_empty() {
        parts.push(problem.title.clone());
    }
    format!("{}; nothing was changed", parts.join("; "))
}

/// The tree as an operator reads it: ids beside titles, since commands take ids.
fn show(tree: &api::Tree) -> String {
    let mut out = String::new();
    let title = if tree.title.is_empty() {
        "(untitled forum)".to_owned()
    } else {
        clean_line(&tree.title).into_owned()
    };
    out.push_str(&title);
    out.push('\n');
    if let Some(banner) = &tree.announcement {
        let severity = match banner.severity {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
            Severity::Info | Severity::Other => "info",
        };
        let _ = writeln!(
            out,
            "announcement ({severity}): {}",
            clean_line(&banner.text)
        );
    }
    if tree.sections.is_empty() {
        out.push_str("no sections yet: add one with `threadmark serve forum section add`\n");
    }
    for section in &tree.sections {
        let _ = write!(
            out,
            "\n{} [{}]\n",
            clean_line(&section.title),
            clean_line(&section.id)
        );
        if section.areas.is_empty() {
            out.push_str("  (no areas)\n");
        }
        for area in &section.areas {
            let _ = writeln!(
                out,
                "  {} [{}]: {} thread(s), {} post(s)",
                clean_line(&area.title),
                clean_line(&area.id),
                area.thread_count,
                area.post_count
            );
            let roles: Vec<String> = [("read", area.read_role), ("post", area.post_role)]
                .into_iter()
                .filter_map(|(what, role)| role.map(|r| format!("{what}: {r} and above")))
                .collect();
            if !roles.is_empty() {
                let _ = writeln!(out, "    ({})", roles.join("; "));
            }
            if let Some(description) = &area.description {
                let _ = writeln!(out, "    {}", clean_line(description));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_prints_ids_beside_titles_and_says_when_empty() {
        let empty = show(&api::Tree::default());
        assert!(empty.contains("(untitled forum)") && empty.contains("section add"));
        let tree = api::Tree {
            title: "Club".into(),
            sections: vec![api::Section {
                id: "board".into(),
                title: "The board".into(),
                areas: vec![api::Area {
                    id: "minutes".into(),
                    title: "Minutes".into(),
                    description: Some("Read only".into()),
                    thread_count: 2,
                    post_count: 5,
                    last_post_at: None,
                    post_role: None,
                    read_role: Some(api::Role::Member),
                }],
            }],
            ..api::Tree::default()
        };
        assert_eq!(
            show(&tree),
            "Club\n\nThe board [board]\n  Minutes [minutes]: 2 thread(s), 5 post(s)\n    (read: member and above)\n    Read only\n"
        );
    }
}
