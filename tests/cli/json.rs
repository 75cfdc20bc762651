//! `--json` on every reading command, checked against the documented shapes in
//! `assets/cli/json-output.schema.json` — strictly: a field the schema does not document
//! fails, so the README and the schema cannot fall behind the code.

use crate::{stdout_of, threadmark};
use serde_json::{Value, json};

const SCHEMA: &str = include_str!("../../assets/cli/json-output.schema.json");

/// Objects listing their properties get `additionalProperties: false` unless the schema
/// says otherwise (the outbox's entries, which are the outbox files as they are).
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(strict);
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

/// Checks `instance` against the schema's `$defs/NAME`.
pub fn assert_shape(name: &str, instance: &Value) {
    let mut root: Value = serde_json::from_str(SCHEMA).unwrap();
    strict(&mut root);
    root["$ref"] = json!(format!("#/$defs/{name}"));
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}\n{instance:#}");
}

pub fn json_of(home: &std::path::Path, args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(&threadmark(home, args, &[]))).unwrap()
}

#[test]
fn every_reading_command_prints_its_documented_shape() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();

    let tree = json_of(home, &["tree", "--json"]);
    assert_shape("tree", &tree);
    assert_eq!(tree["version"], 1);
    assert_eq!(tree["account"], "demo");
    let thread = &tree["sections"][1]["areas"][0]["threads"][0];
    assert_eq!(thread["id"], "advocacy-1");
    assert_eq!(thread["unread"], 8);

    let read = json_of(home, &["read", "advocacy", "--json"]);
    assert_shape("read", &read);
    let posts = read["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 8);
    assert_eq!(posts[0]["seq"], 1);
    assert!(posts.iter().any(|p| p["depth"] == 1), "answers are nested");
    assert!(
        posts[0]["text"].as_str().unwrap().contains("• Focus ALA"),
        "the text as `read` lays it out"
    );

    let search = json_of(home, &["search", "relentless", "--json"]);
    assert_shape("search", &search);
    assert_eq!(search["hits"][0]["seq"], 8);
    let none = json_of(home, &["search", "zzzzunfound", "--json"]);
    assert_shape("search", &none);
    assert_eq!(
        none["hits"],
        json!([]),
        "no match is an empty list, not an error"
    );

    stdout_of(&threadmark(
        home,
        &["account", "add", "work", "--url", "http://127.0.0.1:9"],
        &[],
    ));
    let accounts = json_of(home, &["account", "list", "--json"]);
    assert_shape("accounts", &accounts);
    assert_eq!(accounts["accounts"][0]["name"], "work");
    assert_eq!(accounts["accounts"][0]["login"], "not_logged_in");
    assert_eq!(accounts["accounts"][0]["default"], true);
    assert_eq!(accounts["accounts"][1]["kind"], "demo");

    let outbox = json_of(home, &["--account", "demo", "outbox", "--json"]);
    assert_shape("outbox", &outbox);

    let status = json_of(home, &["--account", "demo", "sync", "--status", "--json"]);
    assert_shape("sync_status", &status);
    assert_eq!(status["kind"], "demo");
    assert_eq!(status["budget"], Value::Null, "the demo counts no requests");
    assert!(
        status["threads"]["full"].as_u64().unwrap() > 0,
        "{status:#}"
    );
}
