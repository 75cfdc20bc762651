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
