//! `threadmark search QUERY`: the query language over the cached account (its
//! `account:` picks the account), and `--save NAME`, which keeps the query as a folder.

use super::args::ClientCommand;
use super::format_hits;
use super::json;
use super::output::Output;
use super::paint::Paint;
use super::run::{Look, index_progress, print, report_problems};
use crate::account::Setup;
use crate::model::Query;
use crate::store::Cache;
use std::io::Write;

/// `threadmark search` as parsed.
pub(super) fn run(
    setup: &Setup,
    requested: Option<&str>,
    command: ClientCommand,
    paint: Paint,
    page: bool,
) -> anyhow::Result<()> {
    let ClientCommand::Search {
        words,
        save,
        limit,
        width,
        json,
    } = command
    else {
        return Ok(());
    };
    let args = SearchArgs {
        words: &words,
        limit,
        json,
        save: save.as_deref(),
    };
    search(setup, requested, &args, &Look::new(width, paint, page))
}

/// What `threadmark search` was asked.
#[derive(Debug)]
struct SearchArgs<'a> {
    words: &'a [String],
    limit: usize,
    json: bool,
    save: Option<&'a str>,
}

fn search(
    setup: &Setup,
    requested: Option<&str>,
    args: &SearchArgs<'_>,
    look: &Look,
) -> anyhow::Result<()> {
    let text = Query::from_args(args.words);
    let query = Query::parse(&text).map_err(|e| anyhow::anyhow!("the query {text:?}: {e}"))?;
    if let Some(name) = args.save {
        crate::config::add_folder(&setup.config_path, name, query.source())?;
        let mut out = Output::stdout();
        writeln!(
            out,
            "folder {name:?} saved in {}: {}",
            setup.config_path.display(),
            query.source()
        )?;
        return Ok(out.finish()?);
    }
    let account = match (&query.account, requested) {
        (Some(named), Some(given)) if named != given => anyhow::bail!(
            "the query says account:{named} and --account says {given}: leave one out"
        ),
        (Some(named), _) => setup.account(Some(named))?,
        (None, _) => setup.account(requested)?,
    };
    // The search index has the threads' titles and order: neither the tree, the thread
    // index nor the read state is read unless an operator asks for it.
    let mut cache = Cache::open(account.dir.clone());
    cache.on_index_progress(index_progress());
    let hits = crate::runner::query::search(
        &mut cache,
        &account.dir,
        &account.name,
        setup.config.rule_set(),
        &query,
        args.limit,
    )?;
    report_problems(&mut cache);
    if args.json {
        let value = json::search(&account.name, query.source(), &hits);
        return print(Output::stdout(), &json::terminal_safe(&value)?);
    }
    if hits.is_empty() {
        anyhow::bail!("nothing matches {:?}", query.source());
    }
    let text = format_hits(&hits, &query.words, look.width, look.paint);
    print(Output::paged(look.page), &text)
}

/// The account's saved-search folders with what their queries find: `threadmark tree`.
pub(super) fn folders(
    config: &crate::config::Config,
    account: &crate::account::Account,
) -> anyhow::Result<Vec<json::FolderJson>> {
    let saved: Vec<_> = config
        .folders()
        .iter()
        .filter(|f| f.is_for(&account.name))
        .collect();
    if saved.is_empty() {
        return Ok(Vec::new());
    }
    let mut cache = Cache::open(account.dir.clone());
    let queries: Vec<&Query> = saved.iter().map(|f| &f.query).collect();
    let facts = crate::runner::query::Facts::load_for_counts(
        &mut cache,
        &account.dir,
        &account.name,
        &queries,
    )?;
    let mut found = Vec::with_capacity(saved.len());
    for folder in saved {
        let threads =
            crate::runner::query::folder(&mut cache, &facts, config.rule_set(), &folder.query)?;
        found.push(json::FolderJson {
            name: folder.name.clone(),
            query: folder.query.source().to_owned(),
            unread: threads
                .iter()
                .fold(0, |sum: u32, t| sum.saturating_add(t.unread)),
            threads: threads.iter().map(|t| t.id.to_string()).collect(),
        });
    }
    report_problems(&mut cache);
    Ok(found)
}

/// `tree`'s lines for the folders, after the forum's tree.
pub(super) fn push_folders(text: &mut String, folders: &[json::FolderJson], paint: Paint) {
    use std::fmt::Write as _;
    if folders.is_empty() {
        return;
    }
    text.push_str("\nFolders\n");
    for folder in folders {
        let name = crate::text::sanitize::clean_line(&folder.name);
        let threads = folder.threads.len();
        let unread = if folder.unread > 0 {
            paint.paint(
                &format!(", {} unread", folder.unread),
                super::paint::Role::Unread,
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            text,
            "  ⌕ {name} · {threads} thread{}{unread} · {}",
            if threads == 1 { "" } else { "s" },
            crate::text::sanitize::clean_line(&folder.query)
        );
    }
}
