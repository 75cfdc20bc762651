//! The API description as a checker: loads `assets/api/openapi.yaml` and validates real answers against it.

use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use yaml_rust2::{Yaml, YamlLoader};

const SPEC: &str = include_str!("../../assets/api/openapi.yaml");

fn yaml_to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Real(r) => json!(r.parse::<f64>().unwrap()),
        Yaml::Integer(i) => json!(i),
        Yaml::String(s) => json!(s),
        Yaml::Boolean(b) => json!(b),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        other => panic!("unsupported key {other:?}"),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Yaml::Null => Value::Null,
        other => panic!("unsupported YAML {other:?}"),
    }
}

/// Every object schema that lists its properties gets `additionalProperties: false`, so a
/// field the server sends but the spec does not document fails the contract.
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

pub struct Contract {
    pub doc: Value,
    pub covered: BTreeSet<(String, String, u16)>,
}

impl Contract {
    pub fn new() -> Self {
        let docs = YamlLoader::load_from_str(SPEC).unwrap();
        let mut doc = yaml_to_json(&docs[0]);
        assert_eq!(doc["openapi"], "3.1.0");
        strict(&mut doc["components"]);
        Self {
            doc,
            covered: BTreeSet::new(),
        }
    }

    fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(pointer) => {
                self.resolve(self.doc.pointer(pointer.trim_start_matches('#')).unwrap())
            }
            None => node,
        }
    }

    fn validate(&self, schema: &Value, instance: &Value, what: &str) {
        let mut root = Map::new();
        root.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        root.insert("components".into(), self.doc["components"].clone());
        root.insert("allOf".into(), json!([schema]));
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .unwrap();
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{what}: {errors:#?}\n{instance:#}");
    }

    /// Sends the request and checks the answer against operation `method template`.
    pub async fn call(
        &mut self,
        method: &str,
        template: &str,
        request: RequestBuilder,
    ) -> (StatusCode, Value) {
        let response = request.send().await.unwrap();
        let status = response.status();
        let operation = &self.doc["paths"][template][method];
        assert!(
            operation.is_object(),
            "{method} {template} is not in the spec"
        );
        let documented = operation["responses"]
            .get(status.as_str())
            .unwrap_or_else(|| {
                panic!("{method} {template} answered {status}, which the spec does not document")
            });
        let documented = self.resolve(documented).clone();
        let what = format!("{method} {template} → {status}");
        if let Some(spec_headers) = documented["headers"].as_object() {
            for (name, header) in spec_headers {
                let header = self.resolve(header);
                match response.headers().get(name.as_str()) {
                    Some(value) => {
                        let value = value.to_str().unwrap();
                        let typed = if header["schema"]["type"] == "integer" {
                            json!(value.parse::<i64>().unwrap())
                        } else {
                            json!(value)
                        };
                        self.validate(&header["schema"], &typed, &format!("{what} header {name}"));
                    }
                    None => assert!(header["required"] != true, "{what}: missing header {name}"),
                }
            }
        }
        let media = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        let body = if let Some(content) = documented["content"].as_object() {
            let media = media.unwrap_or_else(|| panic!("{what}: no content-type"));
            let schema = &content
                .get(media.as_str())
                .unwrap_or_else(|| panic!("{what}: undocumented media type {media}"))["schema"];
            let body: Value = serde_json::from_str(&text).unwrap();
            self.validate(schema, &body, &what);
            body
        } else {
            assert!(text.is_empty(), "{what}: undocumented body {text}");
            Value::Null
        };
        self.covered
            .insert((method.to_owned(), template.to_owned(), status.as_u16()));
        (status, body)
    }

    pub fn uncovered_operations(&self) -> Vec<String> {
        let mut missing = Vec::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for method in ["get", "post", "put", "patch", "delete"] {
                if item.get(method).is_some()
                    && !self
                        .covered
                        .iter()
                        .any(|(m, p, _)| m == method && p == path)
                {
                    missing.push(format!("{method} {path}"));
                }
            }
        }
        missing
    }
}
