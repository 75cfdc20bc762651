//! `Ctrl-E` in the composer: the text goes to `$VISUAL` / `$EDITOR` in a private temp file,
//! the editor gets the terminal, and the text it leaves comes back.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// The editor to run: `$VISUAL`, else `$EDITOR`, else `vi`; its words split by the shell's
/// quoting rules (as git does), so `EDITOR="code --wait"` and
/// `EDITOR='"/opt/My Editor/edit" -w'` both work.
fn editor_command(
    visual: Option<&str>,
    editor: Option<&str>,
) -> Result<(String, Vec<String>), String> {
    let chosen = [visual, editor]
        .into_iter()
        .flatten()
        .find(|e| !e.trim().is_empty())
        .unwrap_or("vi");
    let mut words = shell_words::split(chosen)
        .map_err(|e| format!("cannot read the editor command {chosen:?}: {e}"))?
        .into_iter();
    let program = words.next().unwrap_or_else(|| "vi".to_owned());
    Ok((program, words.collect()))
}

/// A new file only we can read, for the text while the editor has it.
fn temp_file(text: &str) -> std::io::Result<PathBuf> {
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "threadmark-{}-{}.md",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    );
    let path = std::env::temp_dir().join(name);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    file.write_all(text.as_bytes())?;
    // A text file ends with a line end; editors warn or add one themselves otherwise.
    if !text.is_empty() && !text.ends_with('\n') {
        file.write_all(b"\n")?;
    }
    file.sync_all()?;
    Ok(path)
}

/// Runs the editor on `text` and returns what it saved. Blocking: the terminal must be
/// handed over (raw mode off, no reader on the input) before this is called.
pub fn edit(text: &str) -> Result<String, String> {
    let (program, args) = editor_command(
        std::env::var("VISUAL").ok().as_deref(),
        std::env::var("EDITOR").ok().as_deref(),
    )?;
    let path = temp_file(text).map_err(|e| format!("could not make a file for the editor: {e}"))?;
    let result = run(&program, &args, &path);
    let _ = fs::remove_file(&path);
    result
}

fn run(program: &str, args: &[String], path: &Path) -> Result<String, String> {
    tracing::info!(%program, "external editor");
    let status = Command::new(program)
        .args(args)
        .arg(path)
        .status()
        .map_err(|e| format!("could not start {program} ({e}); set $VISUAL or $EDITOR"))?;
    if !status.success() {
        return Err(format!(
            "{program} exited with {status}; the text is unchanged"
        ));
    }
    let mut text = fs::read_to_string(path)
        .map_err(|e| format!("could not read the editor's file back: {e}"))?;
    // The file's last line end is the file's, not a blank line of the text.
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visual_wins_and_arguments_are_kept() {
        assert_eq!(
            editor_command(Some("code --wait"), Some("nano")),
            Ok(("code".to_owned(), vec!["--wait".to_owned()]))
        );
        assert_eq!(
            editor_command(Some(r#""/opt/My Editor/edit" -w 'a b'"#), None),
            Ok((
                "/opt/My Editor/edit".to_owned(),
                vec!["-w".to_owned(), "a b".to_owned()]
            )),
            "quoted words stay whole"
        );
        assert_eq!(editor_command(Some("  "), Some("nano")).unwrap().0, "nano");
        assert_eq!(editor_command(None, None).unwrap().0, "vi");
        assert!(editor_command(Some("vim 'unclosed"), None).is_err());
    }

    #[test]
    fn the_file_ends_with_a_line_end_the_text_does_not_gain() {
        let path = temp_file("two\nlines").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two\nlines\n");
        let unchanged = run("true", &[], &path);
        fs::remove_file(&path).unwrap();
        assert_eq!(unchanged.unwrap(), "two\nlines");
    }

    #[test]
    fn the_text_comes_back_as_the_editor_left_it() {
        let path = temp_file("before").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
        let edited = run("sh", &["-c".into(), "printf after > \"$0\"".into()], &path);
        fs::remove_file(&path).unwrap();
        assert_eq!(edited.unwrap(), "after");
    }
}
