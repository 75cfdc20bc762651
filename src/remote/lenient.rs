//! One entity the client cannot read must not block a whole account's sync: lists from a
//! server are decoded entity by entity, and one that does not decode (a date past what
//! the client can represent, `null` in a required text field) is set aside — logged with
//! its id and the reason, and counted for the status line — while the rest goes on.

use crate::text::sanitize::clean_line;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// One entity of a list as the server sent it: decoded, or set aside.
#[derive(Clone, Debug, PartialEq)]
pub enum Lenient<T> {
    Good(T),
    Bad {
        /// What was sent (its id and position are read from it).
        raw: Value,
        /// Why it could not be read.
        reason: String,
    },
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The entity's text is kept as sent and read once into `T`; only one that does
        // not read is parsed again into a `Value` to be logged. (Reading everything into
        // a `Value` first, then into `T`, was a tenth of the client's time in a large sync.)
        let sent = Box::<RawValue>::deserialize(deserializer)?;
        Ok(match serde_json::from_str::<T>(sent.get()) {
            Ok(good) => Self::Good(good),
            Err(e) => Self::Bad {
                raw: serde_json::from_str(sent.get()).map_err(serde::de::Error::custom)?,
                reason: clean_line(&without_position(&e)).into_owned(),
            },
        })
    }
}

/// Why an entity did not read, without where in it: the position counts from the
/// entity's own start, which means nothing to the reader of the log.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&position)
        .map_or_else(|| text.clone(), str::to_owned)
}

/// Splits a list into what was read and how many were set aside, logging each of those
/// as `what` (e.g. "post") with its id — found in the entity or one level down, where a
/// change wraps it (`{"kind":"post","post":{…}}`).
pub fn sort_out<T>(items: Vec<Lenient<T>>, what: &str, skipped: &mut u32) -> Vec<T> {
    let mut good = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Lenient::Good(item) => good.push(item),
            Lenient::Bad { raw, reason } => {
                *skipped = skipped.saturating_add(1);
                let id = entity_id(&raw).unwrap_or_else(|| "without an id".into());
                tracing::warn!(
                    "skipped a {what} the server sent that this threadmark cannot read \
                     ({id}): {reason}"
                );
            }
        }
    }
    good
}

/// The id of an entity as sent, cleaned for the log.
pub fn entity_id(raw: &Value) -> Option<String> {
    let direct = raw.get("id");
    let nested = || raw.as_object()?.values().find_map(|inner| inner.get("id"));
    let id = direct.or_else(nested)?;
    let text = match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Some(clean_line(&text).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        id: String,
        at: jiff::Timestamp,
    }

    #[test]
    fn an_unreadable_entity_is_set_aside_and_the_rest_kept() {
        let list: Vec<Lenient<Item>> = serde_json::from_str(
            r#"[{"id":"a","at":"2024-01-01T00:00:00Z"},
                {"id":"b","at":"9999-12-31T23:59:59Z"},
                {"id":null,"at":"2024-01-01T00:00:00Z"}]"#,
        )
        .unwrap();
        let mut skipped = 0;
        let good = sort_out(list, "thing", &mut skipped);
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].id, "a");
        assert_eq!(skipped, 2);
    }

    #[test]
    fn the_reason_an_entity_is_set_aside_says_what_without_a_position() {
        let list: Vec<Lenient<Item>> =
            serde_json::from_str(r#"[{"id":null,"at":"2024-01-01T00:00:00Z"}]"#).unwrap();
        let Lenient::Bad { raw, reason } = &list[0] else {
            panic!("a null id was read: {list:?}");
        };
        assert_eq!(reason, "invalid type: null, expected a string");
        assert_eq!(raw["at"], "2024-01-01T00:00:00Z");
    }

    #[test]
    fn the_id_of_a_wrapped_entity_is_found() {
        let raw = serde_json::json!({"kind": "post", "post": {"id": "p\u{1b}[2J9"}});
        assert_eq!(entity_id(&raw).as_deref(), Some("p[2J9"));
    }
}
