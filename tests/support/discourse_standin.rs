//! A stand-in Discourse on 127.0.0.1 (real Discourse cannot run here): serves the
//! routes threadmark uses with real-shaped payloads, checks keys as Discourse does, can
//! be switched read-only, answers scripted errors, and records every request.

use super::discourse_forum::{Forum, Post, time_json};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub query: String,
    /// Lower-case header names.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// A canned answer for the next request to `path` with `method`.
#[derive(Clone, Debug)]
pub struct Canned {
    pub method: Method,
    pub path: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What the stand-in knows and how it behaves.
#[derive(Debug)]
pub struct World {
    pub forum: Forum,
    /// User API key → username.
    pub user_api_keys: HashMap<String, String>,
    /// Admin API keys (any existing `Api-Username` may be used with them).
    pub admin_api_keys: Vec<String>,
    pub read_only: bool,
    pub page_size: usize,
    pub min_post_length: usize,
    /// New posts wait for a moderator instead of appearing.
    pub require_approval: bool,
    /// Store a new post, then wait this long before answering (the client times out).
    pub reply_delay: Option<Duration>,
    /// Exact `path` or `path?query` → (content type, body), served before anything else.
    pub files: HashMap<String, (String, Vec<u8>)>,
    pub script: VecDeque<Canned>,
    pub recorded: Vec<Recorded>,
}

impl World {
    pub fn new(forum: Forum) -> Self {
        Self {
            forum,
            user_api_keys: HashMap::new(),
            admin_api_keys: Vec::new(),
            read_only: false,
            page_size: 30,
            min_post_length: 10,
            require_approval: false,
            reply_delay: None,
            files: HashMap::new(),
            script: VecDeque::new(),
            recorded: Vec::new(),
        }
    }
}

/// A running stand-in; stops when dropped.
#[derive(Debug)]
pub struct StandIn {
    pub url: String,
    world: Arc<Mutex<World>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl StandIn {
    pub async fn start(world: World) -> Self {
        let world = Arc::new(Mutex::new(world));
        let app = Router::new().fallback(handle).with_state(world.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, world, task }
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.world().recorded.clone()
    }

    pub fn requests_to(&self, method: &Method, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == *method && r.path == path)
            .collect()
    }

    pub fn clear_requests(&self) {
        self.world().recorded.clear();
    }

    pub fn script(
        &self,
        method: Method,
        path: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
    ) {
        self.world().script.push_back(Canned {
            method,
            path: path.to_owned(),
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_owned(),
        });
    }
}

type Shared = Arc<Mutex<World>>;

async fn handle(
    State(world): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (response, delay) = {
        let mut w = world.lock().unwrap();
        let recorded = Recorded {
            method: method.clone(),
            path: uri.path().to_owned(),
            query: uri.query().unwrap_or_default().to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        v.to_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        w.recorded.push(recorded.clone());
        let mut response = respond(&mut w, &recorded);
        if w.read_only {
            response
                .headers_mut()
                .insert("discourse-readonly", "true".parse().unwrap());
        }
        let delay = (method == Method::POST && response.status().is_success())
            .then_some(w.reply_delay)
            .flatten();
        (response, delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    response
}

fn json_response(status: u16, value: &Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json; charset=utf-8")],
        value.to_string(),
    )
        .into_response()
}

fn error(status: u16, error_type: &str, message: &str) -> Response {
    json_response(
        status,
        &json!({"errors": [message], "error_type": error_type}),
    )
}

fn not_found() -> Response {
    error(
        404,
        "not_found",
        "The requested URL or resource could not be found.",
    )
}

/// A key Discourse does not know.
struct Refused;

/// Who the request is from, as Discourse decides.
fn caller(w: &World, r: &Recorded) -> Result<Option<String>, Refused> {
    if let Some(key) = r.header("user-api-key") {
        return w.user_api_keys.get(key).cloned().map(Some).ok_or(Refused);
    }
    if let Some(key) = r.header("api-key") {
        let username = r.header("api-username").unwrap_or("system");
        if !w.admin_api_keys.iter().any(|k| k == key) || w.forum.user_named(username).is_none() {
            return Err(Refused);
        }
        return Ok(Some(username.to_owned()));
    }
    Ok(None)
}

fn respond(w: &mut World, r: &Recorded) -> Response {
    if let Some(i) = w
        .script
        .iter()
        .position(|c| c.method == r.method && c.path == r.path)
    {
        let canned = w.script.remove(i).unwrap();
        let mut response =
            (StatusCode::from_u16(canned.status).unwrap(), canned.body).into_response();
        for (k, v) in canned.headers {
            response.headers_mut().insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        return response;
    }
    let with_query = format!("{}?{}", r.path, r.query);
    if let Some((content_type, body)) = w
        .files
        .get(&with_query)
        .or_else(|| w.files.get(&r.path))
        .cloned()
    {
        return (StatusCode::OK, [("content-type", content_type)], body).into_response();
    }
    let Ok(user) = caller(w, r) else {
        return error(
            403,
            "invalid_access",
            "You are not permitted to view the requested resource.",
        );
    };
    let segments: Vec<&str> = r.path.trim_start_matches('/').split('/').collect();
    match (&r.method, segments.as_slice()) {
        (&Method::GET, ["site.json"]) => json_response(
            200,
            &json!({
                "default_archetype": "regular", "notification_types": {"mentioned": 1},
                "categories": w.forum.categories, "uncategorized_category_id": 1
            }),
        ),
        (&Method::GET, ["site", "basic-info.json"]) => json_response(
            200,
            &json!({
                "logo_url": "/images/logo.png", "title": w.forum.title, "description": "A stand-in forum"
            }),
        ),
        (&Method::GET, ["session", "current.json"]) => {
            match user.and_then(|u| w.forum.user_named(&u).cloned()) {
                Some(u) => json_response(
                    200,
                    &json!({"current_user": {"id": u.id, "username": u.username, "name": u.name}}),
                ),
                None => not_found(),
            }
        }
        (&Method::GET, ["c", .., id, "l", "latest.json"]) => id
            .parse()
            .map_or_else(|_| not_found(), |id| listing(w, id, r)),
        (&Method::GET, ["t", file]) => topic_number(file).map_or_else(not_found, |id| topic(w, id)),
        (&Method::GET, ["t", id, "posts.json"]) => id
            .parse()
            .map_or_else(|_| not_found(), |id| topic_posts(w, id, r)),
        (&Method::GET, ["posts", file]) => {
            topic_number(file).map_or_else(not_found, |id| single_post(w, id))
        }
        (&Method::GET, ["user_actions.json"]) => user_actions(w, r),
        (&Method::POST, ["posts.json"]) => create_post(w, user, r),
        _ => not_found(),
    }
}

fn topic_number(file: &str) -> Option<u64> {
    file.strip_suffix(".json")?.parse().ok()
}

fn query_values(r: &Recorded, name: &str) -> Vec<String> {
    url::form_urlencoded::parse(r.query.as_bytes())
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

fn listing(w: &World, category: u64, r: &Recorded) -> Response {
    let Some(slug) = w.forum.category_slug(category) else {
        return not_found();
    };
    let page: usize = query_values(r, "page")
        .first()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let family = w.forum.category_family(category);
    let mut topics: Vec<_> = w
        .forum
        .topics
        .values()
        .filter(|t| family.contains(&t.category_id))
        .collect();
    topics.sort_by_key(|t| (!t.pinned, std::cmp::Reverse(t.bumped_at)));
    let start = page * w.page_size;
    let items: Vec<Value> = topics
        .iter()
        .skip(start)
        .take(w.page_size)
        .map(|t| w.forum.topic_list_item(t))
        .collect();
    let mut list = json!({
        "can_create_topic": true, "draft": null, "draft_key": "new_topic", "draft_sequence": 2,
        "per_page": w.page_size, "topics": items
    });
    if start + w.page_size < topics.len() {
        list["more_topics_url"] = json!(format!("/c/{slug}/{category}/l/latest?page={}", page + 1));
    }
    let users: Vec<Value> = w
        .forum
        .users
        .iter()
        .map(|u| json!({"id": u.id, "username": u.username, "name": u.name, "avatar_template": "/a/{size}.png"}))
        .collect();
    json_response(
        200,
        &json!({"users": users, "primary_groups": [], "topic_list": list}),
    )
}

fn topic(w: &World, id: u64) -> Response {
    w.forum
        .topics
        .get(&id)
        .map_or_else(not_found, |t| json_response(200, &w.forum.topic_json(t)))
}

fn topic_posts(w: &World, id: u64, r: &Recorded) -> Response {
    let Some(t) = w.forum.topics.get(&id) else {
        return not_found();
    };
    let wanted: Vec<u64> = query_values(r, "post_ids[]")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let posts: Vec<Value> = t
        .visible()
        .filter(|p| wanted.contains(&p.id))
        .map(|p| w.forum.post_json(t, p, false))
        .collect();
    json_response(200, &json!({"post_stream": {"posts": posts}, "id": id}))
}

fn single_post(w: &World, id: u64) -> Response {
    for t in w.forum.topics.values() {
        if let Some(p) = t.visible().find(|p| p.id == id) {
            return json_response(200, &w.forum.post_json(t, p, true));
        }
    }
    not_found()
}

fn user_actions(w: &World, r: &Recorded) -> Response {
    let username = query_values(r, "username")
        .first()
        .cloned()
        .unwrap_or_default();
    let Some(user) = w.forum.user_named(&username) else {
        return not_found();
    };
    let mut actions: Vec<(Timestamp, Value)> = Vec::new();
    for t in w.forum.topics.values() {
        for p in t.visible().filter(|p| p.user_id == user.id) {
            let action_type = if p.number == 1 { 4 } else { 5 };
            actions.push((p.created_at, json!({
                "action_type": action_type, "created_at": time_json(p.created_at, p.id),
                "excerpt": p.raw.chars().take(40).collect::<String>(), "slug": "t",
                "topic_id": t.id, "target_user_id": user.id, "target_username": user.username,
                "post_number": p.number, "post_id": p.id,
                "reply_to_post_number": p.reply_to_post_number, "username": user.username,
                "name": user.name, "user_id": user.id, "acting_username": user.username,
                "title": t.title, "deleted": false, "hidden": false, "post_type": 1,
                "action_code": null, "category_id": t.category_id, "closed": false, "archived": false
            })));
        }
    }
    actions.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let actions: Vec<Value> = actions.into_iter().take(30).map(|(_, v)| v).collect();
    json_response(200, &json!({"user_actions": actions}))
}

fn create_post(w: &mut World, user: Option<String>, r: &Recorded) -> Response {
    if w.read_only {
        return error(
            503,
            "read_only",
            "The site is in read only mode. Interactions are disabled.",
        );
    }
    let Some(user) = user.and_then(|u| w.forum.user_named(&u).cloned()) else {
        return error(403, "not_logged_in", "You need to be logged in to do that.");
    };
    let Ok(body) = serde_json::from_str::<Value>(&r.body) else {
        return error(
            400,
            "invalid_parameters",
            "param is missing or the value is empty: raw",
        );
    };
    let raw = body["raw"].as_str().unwrap_or_default().to_owned();
    if raw.trim().chars().count() < w.min_post_length {
        return error(
            422,
            "invalid_parameters",
            &format!(
                "Body is too short (minimum is {} characters)",
                w.min_post_length
            ),
        );
    }
    if w.require_approval {
        return json_response(
            200,
            &json!({"action": "enqueued", "pending_post": {"id": 77, "raw": raw}, "pending_count": 1}),
        );
    }
    let now = Timestamp::now();
    let topic_id = match (
        body["topic_id"].as_u64(),
        body["title"].as_str(),
        body["category"].as_u64(),
    ) {
        (Some(id), _, _) if w.forum.topics.contains_key(&id) => id,
        (Some(_), _, _) => return not_found(),
        (None, Some(title), Some(category)) => {
            w.forum.next_topic_id += 1;
            let id = w.forum.next_topic_id;
            let t = w.forum.add_topic(id, category, title, now, 0);
            t.posts.clear();
            id
        }
        _ => return error(422, "invalid_parameters", "Title can't be blank"),
    };
    w.forum.next_post_id += 1;
    let id = w.forum.next_post_id;
    let topic = w.forum.topics.get_mut(&topic_id).unwrap();
    let post = Post {
        id,
        number: topic.highest_post_number() + 1,
        user_id: user.id,
        raw,
        created_at: now,
        updated_at: now,
        reply_to_post_number: body["reply_to_post_number"].as_u64(),
        version: 1,
        removed: false,
        hidden: false,
        whisper: false,
        cooked: None,
    };
    topic.posts.push(post.clone());
    topic.bumped_at = now;
    let topic = w.forum.topics[&topic_id].clone();
    let mut answer = w.forum.post_json(&topic, &post, false);
    answer["yours"] = json!(true);
    answer["draft_sequence"] = json!(0);
    json_response(200, &answer)
}
