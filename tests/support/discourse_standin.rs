//! A stand-in Discourse on 127.0.0.1 (real Discourse cannot run here): serves the
//! routes threadmark uses with real-shaped payloads, checks keys and counts requests as
//! Discourse does (`discourse_limits.rs`), can be switched read-only or login-required,
//! refuses crawlers, answers scripted errors, and records every request. Each behaviour
//! names the Discourse file it follows.

use super::discourse_changes;
use super::discourse_forum::{Forum, Topic, Viewer, time_json};
use super::discourse_limits::{Exceeded, SiteLimits, retry_after_seconds};
use super::discourse_places;
use super::discourse_posting;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub query: String,
    /// Lower-case header names.
    pub headers: HashMap<String, String>,
    pub body: String,
    /// The status it was answered with.
    pub status: u16,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn query_values(&self, name: &str) -> Vec<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .collect()
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

/// A post waiting for a moderator (`ReviewableQueuedPost`).
#[derive(Clone, Debug)]
pub struct Pending {
    pub username: String,
    pub raw: String,
    pub topic_id: Option<u64>,
}

/// What the stand-in knows and how it behaves.
#[derive(Debug)]
pub struct World {
    pub forum: Forum,
    /// User API key → username.
    pub user_api_keys: HashMap<String, String>,
    /// Admin API keys (any existing `Api-Username` may be used with them).
    pub admin_api_keys: Vec<String>,
    pub limits: SiteLimits,
    pub read_only: bool,
    /// `login_required`: anonymous requests get 403 `not_logged_in`.
    pub login_required: bool,
    /// `allowed_crawler_user_agents`: anonymous GETs from anything else that looks like a
    /// crawler get 403 "Crawler is not allowed!".
    pub allowed_crawler_user_agents: Option<String>,
    /// `lazy_load_categories`: `/site.json` lists only these (the sidebar's); the rest are
    /// in `/categories.json` pages.
    pub lazy_categories: Option<Vec<u64>>,
    /// The logged-in user's watch levels (`CategoryUser`, `TopicUser`).
    pub category_levels: HashMap<u64, u8>,
    pub topic_levels: HashMap<u64, u8>,
    pub page_size: usize,
    pub min_post_length: usize,
    /// `min_first_post_typing_time` (ms).
    pub min_first_post_typing_time: u64,
    /// `unique_posts_mins`: the same text again within this long is refused.
    pub unique_posts: Duration,
    /// New posts wait for a moderator instead of appearing.
    pub require_approval: bool,
    pub pending: Vec<Pending>,
    /// Store a new post, then wait this long before answering (the client times out).
    pub reply_delay: Option<Duration>,
    /// Exact `path` or `path?query` → (content type, body), served before anything else.
    pub files: HashMap<String, (String, Vec<u8>)>,
    pub script: VecDeque<Canned>,
    pub recorded: Vec<Recorded>,
    /// `TopicUser#last_read_post_number` per (user id, topic id).
    pub last_read: HashMap<(i64, u64), u64>,
    /// Every `/topics/timings` call taken, in order.
    pub timings: Vec<Timing>,
    /// Every edit kept as a `PostRevision` (`discourse_revisions`).
    pub revisions: Vec<super::discourse_revisions::Revision>,
    /// Every user's bookmarks (`discourse_places.rs`).
    pub bookmarks: Vec<discourse_places::Bookmark>,
    /// Every user's notifications (`discourse_inbox.rs`).
    pub notifications: Vec<super::discourse_inbox::Notification>,
    pub messages: super::discourse_messages::Messages,
    /// `SiteSetting.s3_cdn_url` (uploads on S3 behind a CDN): `/bootstrap.json` names it.
    pub upload_cdn: Option<String>,
}

/// One `POST /topics/timings` as `topics_controller.rb#timings` reads it.
#[derive(Clone, Debug)]
pub struct Timing {
    pub username: String,
    pub topic_id: u64,
    pub topic_time: u64,
    /// `timings[post_number]` → milliseconds.
    pub timings: std::collections::BTreeMap<u64, u64>,
    /// `Discourse-Present: true` came with it.
    pub present: bool,
}

impl World {
    pub fn new(forum: Forum) -> Self {
        Self {
            forum,
            user_api_keys: HashMap::new(),
            admin_api_keys: Vec::new(),
            limits: SiteLimits::default(),
            read_only: false,
            login_required: false,
            allowed_crawler_user_agents: None,
            lazy_categories: None,
            category_levels: HashMap::new(),
            topic_levels: HashMap::new(),
            page_size: 30,
            min_post_length: 10,
            min_first_post_typing_time: 3_000,
            unique_posts: Duration::from_secs(5 * 60),
            require_approval: false,
            pending: Vec::new(),
            reply_delay: None,
            files: HashMap::new(),
            script: VecDeque::new(),
            recorded: Vec::new(),
            last_read: HashMap::new(),
            timings: Vec::new(),
            revisions: Vec::new(),
            bookmarks: Vec::new(),
            notifications: Vec::new(),
            messages: super::discourse_messages::Messages::default(),
            upload_cdn: None,
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
        let mut recorded = Recorded {
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
            status: 0,
        };
        let mut response = respond(&mut w, &recorded);
        // `lib/read_only_mixin.rb`: `add_readonly_header` is an `after_action`, which
        // Rails skips when the action raised: error answers never carry the header.
        if w.read_only && response.status().is_success() {
            response
                .headers_mut()
                .insert("discourse-readonly", "true".parse().unwrap());
        }
        recorded.status = response.status().as_u16();
        w.recorded.push(recorded);
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

pub fn json_response(status: u16, value: &Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json; charset=utf-8")],
        value.to_string(),
    )
        .into_response()
}

pub fn error(status: u16, error_type: &str, message: &str) -> Response {
    json_response(
        status,
        &json!({"errors": [message], "error_type": error_type}),
    )
}

pub fn not_found() -> Response {
    error(
        404,
        "not_found",
        "The requested URL or resource could not be found.",
    )
}

/// `rescue_from Discourse::InvalidAccess` (`application_controller.rb`).
pub fn invalid_access() -> Response {
    error(
        403,
        "invalid_access",
        "You are not permitted to view the requested resource.",
    )
}

/// `rescue_from RateLimiter::LimitExceeded` (`application_controller.rb`).
fn rate_limited(e: &Exceeded) -> Response {
    let seconds = retry_after_seconds(e.wait);
    let mut response = json_response(
        429,
        &json!({
            "errors": [format!("You’ve performed this action too many times. Please wait {seconds} seconds before trying again.")],
            "error_type": "rate_limit",
            "extras": {"wait_seconds": seconds, "time_left": format!("{seconds} seconds")}
        }),
    );
    let headers = response.headers_mut();
    headers.insert("retry-after", seconds.to_string().parse().unwrap());
    headers.insert(
        "discourse-rate-limit-error-code",
        e.error_code.parse().unwrap(),
    );
    response
}

/// Who the request is from, as Discourse decides.
pub enum Caller {
    Anonymous,
    UserKey { key: String, username: String },
    Admin { username: String },
}

impl Caller {
    pub fn username(&self) -> Option<&str> {
        match self {
            Caller::Anonymous => None,
            Caller::UserKey { username, .. } | Caller::Admin { username } => Some(username),
        }
    }
}

/// `Auth::DefaultCurrentUserProvider#current_user`: a key it does not know (revoked,
/// expired) is `Discourse::InvalidAccess` — 403, before any limiter counts. `None`: such
/// a key.
fn caller(w: &World, r: &Recorded) -> Option<Caller> {
    if let Some(key) = r.header("user-api-key") {
        return w.user_api_keys.get(key).map(|username| Caller::UserKey {
            key: key.to_owned(),
            username: username.clone(),
        });
    }
    if let Some(key) = r.header("api-key") {
        let username = r.header("api-username").unwrap_or("system");
        if !w.admin_api_keys.iter().any(|k| k == key) || w.forum.user_named(username).is_none() {
            return None;
        }
        return Some(Caller::Admin {
            username: username.to_owned(),
        });
    }
    Some(Caller::Anonymous)
}

/// `CrawlerDetection.crawler?` with the default `non_crawler_user_agents` (browsers and
/// "discourse") and a few of the default `crawler_user_agents` (`lib/crawler_detection.rb`;
/// its spec: `DiscourseAPI Ruby Gem` is no crawler, `Java/1.8.0_151` is).
fn is_crawler(user_agent: Option<&str>) -> bool {
    let Some(ua) = user_agent.map(str::to_ascii_lowercase) else {
        return true;
    };
    let possibly_real = [
        "trident",
        "webkit",
        "gecko",
        "chrome",
        "safari",
        "msie",
        "opera",
        "goanna",
        "discourse",
    ]
    .iter()
    .any(|token| ua.contains(token));
    let known_bot = ["bot", "spider", "crawl", "curl", "java", "archive"]
        .iter()
        .any(|token| ua.contains(token));
    !possibly_real || known_bot
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
    // `Middleware::AnonymousCache` runs before the app: a GET without a key from a user
    // agent it takes for a crawler is refused when the site allows only some crawlers.
    if let Some(allowed) = &w.allowed_crawler_user_agents
        && r.method == Method::GET
        && r.header("user-api-key").is_none()
        && r.header("api-key").is_none()
        && is_crawler(r.header("user-agent"))
        && !r
            .header("user-agent")
            .is_some_and(|ua| allowed.split('|').any(|a| ua.contains(a)))
    {
        return (StatusCode::FORBIDDEN, "Crawler is not allowed!").into_response();
    }
    let Some(who) = caller(w, r) else {
        return invalid_access();
    };
    let now = Instant::now();
    let counted = match &who {
        Caller::UserKey { key, .. } => w.limits.user_key_request(key, now),
        Caller::Admin { .. } => w.limits.admin_request(now),
        // Anonymous requests count per address, and Discourse does not limit private
        // addresses by default (`max_reqs_rate_limit_on_private`): loopback is free.
        Caller::Anonymous => Ok(()),
    };
    if let Err(e) = counted {
        return rate_limited(&e);
    }
    let segments: Vec<&str> = r.path.trim_start_matches('/').split('/').collect();
    // `redirect_to_login_if_required`: anonymous JSON gets `Discourse::NotLoggedIn`
    // (403 `not_logged_in`); `site#basic_info` and `bootstrap#index` skip the check.
    if w.login_required && matches!(who, Caller::Anonymous) && !open_to_anyone(&segments) {
        return error(403, "not_logged_in", "You need to be logged in to do that.");
    }
    if let Some(answer) = writes(w, &who, r, &segments) {
        return answer;
    }
    let viewer = viewer(w, &who);
    match (&r.method, segments.as_slice()) {
        (&Method::GET, ["site.json"]) => site(w),
        (&Method::GET, ["site", "basic-info.json"]) => json_response(
            200,
            &json!({
                "logo_url": "/images/logo.png", "title": w.forum.title,
                "description": "A stand-in forum", "login_required": w.login_required
            }),
        ),
        (&Method::GET, ["bootstrap.json"]) => bootstrap(w),
        (&Method::GET, ["categories.json"]) => categories_page(w, r),
        (&Method::GET, ["categories", "find.json"]) => find_categories(w, r),
        (&Method::GET, ["session", "current.json"]) => {
            match who.username().and_then(|u| w.forum.user_named(u).cloned()) {
                Some(u) => json_response(
                    200,
                    &json!({"current_user": {"id": u.id, "username": u.username, "name": u.name}}),
                ),
                None => not_found(),
            }
        }
        (&Method::GET, ["latest.json"]) => listing(w, None, r, viewer),
        (&Method::GET, ["c", .., id, "l", "latest.json"]) => id
            .parse()
            .map_or_else(|_| not_found(), |id| listing(w, Some(id), r, viewer)),
        (&Method::GET, ["t", file]) => {
            topic_number(file).map_or_else(not_found, |id| topic(w, id, viewer))
        }
        (&Method::GET, ["t", id, "posts.json"]) => id
            .parse()
            .map_or_else(|_| not_found(), |id| topic_posts(w, id, r, viewer)),
        (&Method::GET, ["t", id, "post_ids.json"]) => id
            .parse()
            .map_or_else(|_| not_found(), |id| post_ids(w, id, r)),
        (&Method::GET, ["posts", username, "pending.json"]) => pending(w, username, &who),
        (&Method::GET, ["posts", file]) => {
            topic_number(file).map_or_else(not_found, |id| single_post(w, id, viewer))
        }
        (&Method::GET, ["user_actions.json"]) => user_actions(w, r),
        (&Method::POST, ["posts.json"]) => discourse_posting::create_post(w, &who, r),
        _ => not_found(),
    }
}

/// Changes of posts, likes, reading timings, watch levels and bookmarks (and the user's
/// bookmark list), when `r` is one of them.
fn writes(w: &mut World, who: &Caller, r: &Recorded, segments: &[&str]) -> Option<Response> {
    if r.method == Method::POST && segments == ["topics", "timings"] {
        return Some(timings(w, who, r));
    }
    if let Some(answer) = super::discourse_revisions::route(w, r, segments) {
        return Some(answer);
    }
    discourse_changes::route(w, who, r, segments)
        .or_else(|| discourse_places::route(w, who, r, segments))
        .or_else(|| super::discourse_inbox::route(w, who, r, segments))
        .or_else(|| super::discourse_messages::route(w, who, r, segments))
}

fn viewer(w: &World, who: &Caller) -> Viewer {
    let user = who.username().and_then(|u| w.forum.user_named(u));
    Viewer {
        user_id: user.map(|u| u.id),
        staff: user.is_some_and(super::discourse_forum::User::staff),
    }
}

fn topic_number(file: &str) -> Option<u64> {
    file.strip_suffix(".json")?.parse().ok()
}

fn query_values(r: &Recorded, name: &str) -> Vec<String> {
    r.query_values(name)
}

/// Paths whose controllers skip `redirect_to_login_if_required`.
fn open_to_anyone(segments: &[&str]) -> bool {
    matches!(segments, ["site", "basic-info.json"] | ["bootstrap.json"])
}

/// `/bootstrap.json` (`app/controllers/bootstrap_controller.rb`): the web client's
/// start-up data as JSON; `setup_data` is `client_side_setup_data`
/// (`app/helpers/application_helper.rb`), which names the upload CDN as `s3_cdn` when
/// uploads are on S3 (`cdn` is the asset host, none here). Only the part threadmark reads.
fn bootstrap(w: &World) -> Response {
    json_response(
        200,
        &json!({ "bootstrap": {
            "title": w.forum.title,
            "setup_data": {
                "cdn": null,
                "base_uri": "",
                "s3_cdn": w.upload_cdn,
                "s3_base_url": w.upload_cdn.as_ref().map(|_| "//threadmark-uploads.s3.amazonaws.com"),
            },
        }}),
    )
}

/// `/site.json` (`app/models/site.rb`): every category, or with lazy loading only the
/// sidebar's and `lazy_load_categories: true` (`site_serializer.rb`).
fn site(w: &World) -> Response {
    let mut categories = w.forum.categories.clone();
    if let Some(shown) = &w.lazy_categories {
        categories.retain(|c| c["id"].as_u64().is_some_and(|id| shown.contains(&id)));
    }
    for c in &mut categories {
        with_level(w, c);
    }
    let mut site = json!({
        "default_archetype": "regular", "notification_types": {"mentioned": 1},
        "categories": categories, "uncategorized_category_id": 1
    });
    if w.lazy_categories.is_some() {
        site["lazy_load_categories"] = json!(true);
    }
    json_response(200, &site)
}

/// The caller's own `notification_level` of a category: every category serializer
/// carries it (`BasicCategorySerializer`, which `/site.json`, `/categories.json` and
/// `/categories/find.json` all build on).
fn with_level(w: &World, c: &mut Value) {
    if let Some(level) = c["id"].as_u64().and_then(|id| w.category_levels.get(&id)) {
        c["notification_level"] = json!(level);
    }
}

/// `/categories.json?page=N` (`app/models/category_list.rb`): 20 top-level categories a
/// page, each with its subcategories' ids.
fn categories_page(w: &World, r: &Recorded) -> Response {
    let page: usize = query_values(r, "page")
        .first()
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let tops: Vec<Value> = w
        .forum
        .categories
        .iter()
        .filter(|c| c["parent_category_id"].is_null())
        .skip((page - 1) * 20)
        .take(20)
        .map(|c| {
            let mut c = c.clone();
            with_level(w, &mut c);
            let id = c["id"].clone();
            c["subcategory_ids"] = json!(
                w.forum
                    .categories
                    .iter()
                    .filter(|s| s["parent_category_id"] == id)
                    .map(|s| s["id"].clone())
                    .collect::<Vec<_>>()
            );
            c
        })
        .collect();
    json_response(200, &json!({"category_list": {"categories": tops}}))
}

/// `/categories/find.json?ids[]=…` (`categories_controller.rb#find`).
fn find_categories(w: &World, r: &Recorded) -> Response {
    let ids: Vec<u64> = query_values(r, "ids[]")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let found: Vec<Value> = w
        .forum
        .categories
        .iter()
        .filter(|c| c["id"].as_u64().is_some_and(|id| ids.contains(&id)))
        .map(|c| {
            let mut c = c.clone();
            with_level(w, &mut c);
            c
        })
        .collect();
    json_response(200, &json!({"categories": found}))
}

/// A topic list (`lib/topic_query.rb`). Order: `order=activity` is bump order
/// (`SORTABLE_MAPPING`); without `order`, a category's own `sort_order` decides
/// (`default_results`), and `/latest` falls back to bump order. Pinned topics come first
/// on page 0 (`prioritize_pinned_topics`: globally pinned on `/latest`, the category's
/// pinned on its list), and later pages start after them.
fn listing(w: &World, category: Option<u64>, r: &Recorded, viewer: Viewer) -> Response {
    let slug = match category {
        Some(id) => match w.forum.category_slug(id) {
            Some(slug) => Some(slug),
            None => return not_found(),
        },
        None => None,
    };
    let page: usize = query_values(r, "page")
        .first()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let order = query_values(r, "order").first().cloned().or_else(|| {
        category
            .and_then(|id| w.forum.category(id))
            .and_then(|c| c["sort_order"].as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    });
    let ascending = query_values(r, "ascending").first().map(String::as_str) == Some("true");
    let family = category.map(|id| w.forum.category_family(id));
    let mut topics: Vec<&Topic> = w
        .forum
        .topics
        .values()
        .filter(|t| family.as_ref().is_none_or(|f| f.contains(&t.category_id)))
        .filter(|t| !w.messages.is_message(t.id))
        .collect();
    let key = |t: &Topic| match order.as_deref() {
        Some("created") => t.created_at,
        _ => t.bumped_at,
    };
    topics.sort_by_key(|t| key(t));
    if !ascending {
        topics.reverse();
    }
    let bump_order = matches!(order.as_deref(), None | Some("activity" | "default"));
    let pinned_here = |t: &Topic| match category {
        Some(_) => t.pinned || t.pinned_globally,
        None => t.pinned_globally,
    };
    let (pinned, unpinned): (Vec<&Topic>, Vec<&Topic>) = if bump_order {
        topics.into_iter().partition(|t| pinned_here(t))
    } else {
        (Vec::new(), topics)
    };
    let per_page = w.page_size;
    let items: Vec<&Topic> = if page == 0 {
        pinned
            .iter()
            .chain(&unpinned)
            .take(per_page)
            .copied()
            .collect()
    } else {
        let offset = (page * per_page).saturating_sub(pinned.len());
        unpinned
            .iter()
            .skip(offset)
            .take(per_page)
            .copied()
            .collect()
    };
    let shown_so_far = if page == 0 {
        items.len()
    } else {
        pinned.len() + (page * per_page).saturating_sub(pinned.len()) + items.len()
    };
    let more = shown_so_far < pinned.len() + unpinned.len() && !items.is_empty();
    let items: Vec<Value> = items.iter().map(|t| list_item(w, t, viewer)).collect();
    let mut list = json!({
        "can_create_topic": true, "draft": null, "draft_key": "new_topic", "draft_sequence": 2,
        "per_page": per_page, "topics": items
    });
    if more {
        list["more_topics_url"] = json!(match &slug {
            Some(slug) => format!(
                "/c/{slug}/{}/l/latest?page={}",
                category.unwrap_or(0),
                page + 1
            ),
            None => format!("/latest?page={}", page + 1),
        });
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

/// One topic list entry, with the viewer's watch level and reading.
fn list_item(w: &World, t: &Topic, viewer: Viewer) -> Value {
    let level = w.topic_levels.get(&t.id).copied();
    let mut item = w.forum.topic_list_item(t, viewer, level);
    if let Some(user) = viewer.user_id {
        with_reading(&mut item, t, w.last_read.get(&(user, t.id)).copied(), level);
    }
    item
}

/// A logged-in user's reading in a topic list item (`listable_topic_serializer.rb`):
/// `unseen` for a topic never opened; else `last_read_post_number`, and for a topic
/// tracked or watched (level 2 or 3) `unread_posts` after it (`new_posts` the same, for
/// older clients).
fn with_reading(item: &mut Value, t: &Topic, last_read: Option<u64>, level: Option<u8>) {
    let Some(last_read) = last_read else {
        item["unseen"] = json!(true);
        return;
    };
    item["unseen"] = json!(false);
    item["last_read_post_number"] = json!(last_read);
    let unread = if level.unwrap_or(1) >= 2 {
        t.highest_post_number().saturating_sub(last_read)
    } else {
        0
    };
    item["unread_posts"] = json!(unread);
    item["new_posts"] = json!(0);
}

/// `POST /topics/timings` (`topics_controller.rb#timings` → `PostTiming.process_timings`,
/// `app/models/post_timing.rb`): each post's time capped at 60 s, numbers below 1
/// dropped, `last_read_post_number` moved to the highest number sent (never back).
/// Answers with an empty body.
fn timings(w: &mut World, who: &Caller, r: &Recorded) -> Response {
    let Some(user) = who.username().and_then(|u| w.forum.user_named(u).cloned()) else {
        return error(403, "not_logged_in", "You need to be logged in to do that.");
    };
    let form: Vec<(String, String)> = url::form_urlencoded::parse(r.body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let Some(topic_id) = field("topic_id") else {
        return error(
            400,
            "invalid_parameters",
            "param is missing or the value is empty: topic_id",
        );
    };
    if !w.forum.topics.contains_key(&topic_id) {
        return not_found();
    }
    let timings: std::collections::BTreeMap<u64, u64> = form
        .iter()
        .filter_map(|(k, v)| {
            let n = k
                .strip_prefix("timings[")?
                .strip_suffix(']')?
                .parse()
                .ok()?;
            Some((n, v.parse::<u64>().ok()?.min(60_000)))
        })
        .filter(|(n, _)| *n >= 1)
        .collect();
    if let Some(&highest) = timings.keys().max() {
        let last = w.last_read.entry((user.id, topic_id)).or_insert(0);
        *last = (*last).max(highest);
    }
    w.timings.push(Timing {
        username: user.username.clone(),
        topic_id,
        topic_time: field("topic_time").unwrap_or(0),
        timings,
        present: r.header("discourse-present") == Some("true"),
    });
    axum::response::IntoResponse::into_response(StatusCode::OK)
}

fn topic(w: &World, id: u64, viewer: Viewer) -> Response {
    w.forum.topics.get(&id).map_or_else(not_found, |t| {
        let level = w.topic_levels.get(&id).copied();
        json_response(200, &w.forum.topic_json(t, viewer, level))
    })
}

/// `/t/{id}/posts.json` (`topics_controller.rb#posts`): the posts asked for by
/// `post_ids[]` (no cap on their number), or 20 after (`asc=true`) or before a
/// `post_number` (`TopicView#filter_posts_by_post_number`).
fn topic_posts(w: &World, id: u64, r: &Recorded, viewer: Viewer) -> Response {
    let Some(t) = w.forum.topics.get(&id) else {
        return not_found();
    };
    let wanted: Vec<u64> = query_values(r, "post_ids[]")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let posts: Vec<Value> = if let Some(number) = query_values(r, "post_number")
        .first()
        .and_then(|n| n.parse::<u64>().ok())
    {
        let asc = query_values(r, "asc").first().map(String::as_str) == Some("true");
        let mut chosen: Vec<_> = if asc {
            t.visible().filter(|p| p.number > number).take(20).collect()
        } else {
            let mut before: Vec<_> = t.visible().filter(|p| p.number < number).collect();
            before = before.split_off(before.len().saturating_sub(20));
            before
        };
        chosen.sort_by_key(|p| p.number);
        chosen
            .into_iter()
            .map(|p| w.forum.post_json(t, p, false, viewer))
            .collect()
    } else {
        t.visible()
            .filter(|p| wanted.contains(&p.id))
            .map(|p| w.forum.post_json(t, p, false, viewer))
            .collect()
    };
    json_response(200, &json!({"post_stream": {"posts": posts}, "id": id}))
}

/// `/t/{id}/post_ids.json?post_number=N` (`topics_controller.rb#post_ids`): every post
/// after number N, in order, no limit.
fn post_ids(w: &World, id: u64, r: &Recorded) -> Response {
    let Some(t) = w.forum.topics.get(&id) else {
        return not_found();
    };
    let after: u64 = query_values(r, "post_number")
        .first()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let ids: Vec<u64> = t
        .visible()
        .filter(|p| p.number > after)
        .map(|p| p.id)
        .collect();
    json_response(200, &json!({"post_ids": ids}))
}

fn single_post(w: &World, id: u64, viewer: Viewer) -> Response {
    for t in w.forum.topics.values() {
        if let Some(p) = t.visible().find(|p| p.id == id) {
            return json_response(200, &w.forum.post_json(t, p, true, viewer));
        }
    }
    not_found()
}

/// `posts_controller.rb#pending`: the caller's own posts awaiting approval.
fn pending(w: &World, username: &str, who: &Caller) -> Response {
    if !who
        .username()
        .is_some_and(|u| u.eq_ignore_ascii_case(username))
    {
        return not_found();
    }
    let posts: Vec<Value> = w
        .pending
        .iter()
        .filter(|p| p.username.eq_ignore_ascii_case(username))
        .map(|p| json!({"raw": p.raw, "topic_id": p.topic_id, "created_at": time_json(Timestamp::now(), 0)}))
        .collect();
    json_response(200, &json!({"pending_posts": posts}))
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
