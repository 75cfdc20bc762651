//! The current post leaves the reader: piped to a command (`|`, as in mutt) or saved to a
//! file. Both take the same text: a short header (author, time, thread and number) and the
//! post's text as the reader shows it, without markup. The command's words are split by
//! the shell's quoting rules and run directly, never through a shell.

use crate::app::msg::Effect;
use crate::app::state::{Prompt, PromptKind, State};
use crate::text::{clock, sanitize};

/// The current post as text for a command or a file, and what to call it (`#3`).
fn current_post(state: &State) -> Option<(String, String)> {
    let open = state.reader.open.as_ref()?;
    let post = open.post(state.reader.current)?;
    let doc = open.doc(state.reader.current)?;
    let title = sanitize::clean_line(&open.file.summary.title);
    let author = sanitize::clean_line(&post.author.name);
    let mut text = format!(
        "From: {author}\nDate: {}\nThread: {title} (#{})\n\n",
        clock::date_time(post.created_at),
        post.seq
    );
    text.push_str(doc.plain_text().trim_end());
    text.push('\n');
    Some((text, format!("#{}", post.seq)))
}

/// Opens the prompt for `kind` when a post is there to take.
fn start(state: &mut State, kind: PromptKind) {
    if current_post(state).is_none() {
        state.notice("no post to take: open a thread first");
        return;
    }
    // It opens empty: ↑ or an empty enter brings the last one back.
    state.prompt = Some(Prompt::new(kind, String::new()));
}

pub fn start_pipe(state: &mut State) {
    start(state, PromptKind::Pipe);
}

pub fn start_save(state: &mut State) {
    start(state, PromptKind::Save);
}

/// Runs the command typed in the prompt with the current post on its standard input.
pub fn run_pipe(state: &mut State, command: &str, fx: &mut Vec<Effect>) {
    let Some((text, post)) = current_post(state) else {
        return;
    };
    let words = match shell_words::split(command) {
        Ok(words) => words,
        Err(e) => {
            state.error(format!("cannot read the command {command:?}: {e}"));
            return;
        }
    };
    let mut words = words.into_iter();
    let Some(program) = words.next() else {
        state.notice("no command: | takes one, e.g. `wc -w` or `tee post.txt`");
        return;
    };
    fx.push(Effect::PipePost {
        program,
        args: words.collect(),
        text,
        post,
    });
}

/// Saves the current post to the file named in the prompt (never over an existing one).
pub fn run_save(state: &mut State, path: &str, fx: &mut Vec<Effect>) {
    let Some((text, post)) = current_post(state) else {
        return;
    };
    let path = path.trim();
    if path.is_empty() {
        state.notice("no file name: S takes one, e.g. ~/post.txt");
        return;
    }
    fx.push(Effect::SavePost {
        path: path.to_owned(),
        text,
        post,
    });
}

/// Opens the thread on the forum's web site in the browser: the one open in the reader,
/// at the current post, when the reader has the keys, else the thread selected in the tree.
pub fn open_on_web(state: &mut State, fx: &mut Vec<Effect>) {
    let in_reader = state.focus == crate::app::geometry::Focus::Reader;
    let open = state.reader.open.as_ref().map(|open| {
        (
            open.file.summary.id.clone(),
            open.post(state.reader.current).map(|p| p.id.clone()),
        )
    });
    let selected = state
        .tree
        .selected()
        .and_then(crate::app::tree::TreeNode::thread);
    let target = match (in_reader, open, selected) {
        (true, Some(open), _) => Some(open),
        (_, _, Some(thread)) => Some((thread, None)),
        (false, open, None) => open.map(|(thread, _)| (thread, None)),
        (true, None, None) => None,
    };
    let Some((thread, post)) = target else {
        state.notice("no thread to open: select one in the tree");
        return;
    };
    match state.web.url(&thread, post.as_ref()) {
        Ok(url) => {
            state.notice(format!("opening {url}"));
            fx.push(Effect::OpenUrl(url));
        }
        Err(why) => state.error(why),
    }
}
