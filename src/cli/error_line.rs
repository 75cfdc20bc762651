//! The one line an error becomes at the edge: its message and its causes, each said once.

/// `error: cause: cause …`, leaving out a cause whose text is already in the line (an
/// error type that prints its source in its own message would otherwise repeat it:
/// "… (os error 98): … (os error 98)").
pub fn error_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot listen on {addr}: {source}")]
    struct Bind {
        addr: &'static str,
        source: std::io::Error,
    }

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::from_raw_os_error(98);
        let shown = io.to_string();
        let error = anyhow::Error::new(Bind {
            addr: "127.0.0.1:7878",
            source: io,
        });
        let line = error_line(&error);
        assert_eq!(line.matches(&shown).count(), 1, "{line}");
        assert!(
            line.starts_with("cannot listen on 127.0.0.1:7878: "),
            "{line}"
        );
    }

    #[test]
    fn causes_not_in_the_message_are_kept_in_order() {
        let error = Err::<(), _>(std::io::Error::other("disk full"))
            .context("cannot write the outbox")
            .context("reply not queued")
            .unwrap_err();
        assert_eq!(
            error_line(&error),
            "reply not queued: cannot write the outbox: disk full"
        );
    }
}
