//! The stand-in Lemmy's answers, in exactly the shapes Lemmy sends for each API version.
//! Field sets from Lemmy's published types:
//!
//! - API v3: lemmy-js-client branch `release/v0.19` (package 0.19.13-beta.1), `src/types/`
//!   (`Person.ts`, `Community.ts`, `CommunityView.ts`, `CommunityAggregates.ts`,
//!   `Post.ts`, `PostView.ts`, `PostAggregates.ts`, `Comment.ts`, `CommentView.ts`,
//!   `CommentAggregates.ts`, `GetSiteResponse.ts`, `SiteView.ts`, `LocalSite.ts`,
//!   `LocalSiteRateLimit.ts`, `MyUserInfo.ts`, `LocalUserView.ts`, `LocalUser.ts`), as
//!   served by Lemmy 0.19.20.
//! - API v4: lemmy-js-client `main` (package 1.0.0-resolve-reason.0, commit 0d795f1),
//!   `src/types/` (the same files; counts moved into `Post`, `Comment`, `Community` and
//!   `Person`, `published` → `published_at`, `actor_id` → `ap_id`, the caller's state in
//!   `*_actions`, lists as `PagedResponse`).
//!
//! Lemmy leaves out `None` fields (`#[skip_serializing_none]`); so does the stand-in.

use super::world::{Api, Comment, Community, Instance, Person, Post};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

/// A time as Lemmy writes it (chrono, microseconds, `Z`).
pub fn time(t: Timestamp) -> Value {
    json!(t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
}

/// Drops `null` members, as `skip_serializing_none` does.
fn compact(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.retain(|_, v| !v.is_null());
    }
    value
}

fn instance_id(home: Option<&str>) -> i64 {
    home.map_or(1, |h| 2 + i64::try_from(h.len()).unwrap_or(0))
}

fn actor(i: &Instance, home: Option<&str>, kind: &str, name: &str) -> String {
    format!("https://{}/{kind}/{name}", home.unwrap_or(&i.host))
}

pub fn person(i: &Instance, api: Api, p: &Person) -> Value {
    let ap = actor(i, p.home.as_deref(), "u", &p.name);
    let published = time(super::world::ago(24 * 400));
    let mut v = json!({
        "id": p.id, "name": p.name, "display_name": p.display_name, "local": p.home.is_none(),
        "deleted": false, "bot_account": p.bot, "instance_id": instance_id(p.home.as_deref()),
    });
    let extra = match api {
        Api::V3 => json!({"banned": false, "published": published, "actor_id": ap}),
        Api::V4 => {
            let posts = i.posts.values().filter(|x| x.creator == p.id).count();
            let comments = i.comments.values().filter(|x| x.creator == p.id).count();
            json!({"published_at": published, "ap_id": ap, "last_refreshed_at": published,
                   "post_count": posts, "comment_count": comments})
        }
    };
    merge(&mut v, extra);
    compact(v)
}

pub fn community(i: &Instance, api: Api, c: &Community) -> Value {
    let ap = actor(i, c.home.as_deref(), "c", &c.name);
    let mut v = json!({
        "id": c.id, "name": c.name, "title": c.title, "removed": false, "deleted": false,
        "nsfw": false, "local": c.home.is_none(), "posting_restricted_to_mods": c.mods_only,
        "instance_id": instance_id(c.home.as_deref()),
    });
    let posts = i.posts.values().filter(|p| p.community == c.id).count();
    let comments = i
        .comments
        .values()
        .filter(|x| i.posts.get(&x.post).is_some_and(|p| p.community == c.id))
        .count();
    let extra = match api {
        Api::V3 => json!({"description": c.description, "published": time(c.published),
                          "actor_id": ap, "hidden": false, "visibility": "Public"}),
        Api::V4 => json!({
            "sidebar": c.description, "published_at": time(c.published), "ap_id": ap,
            "last_refreshed_at": time(c.published), "visibility": "public",
            "subscribers": 100, "posts": posts, "comments": comments,
            "users_active_day": c.users_active_month / 30, "users_active_week": c.users_active_month / 4,
            "users_active_month": c.users_active_month, "users_active_half_year": c.users_active_month * 3,
            "subscribers_local": 50, "report_count": 0, "unresolved_report_count": 0,
            "local_removed": false
        }),
    };
    merge(&mut v, extra);
    compact(v)
}

/// `CommunityView` as `viewer` sees it.
pub fn community_view(i: &Instance, api: Api, c: &Community, viewer: Option<i64>) -> Value {
    let follows = viewer.is_some_and(|v| i.follows.contains(&(v, c.id)));
    match api {
        Api::V3 => {
            let posts = i.posts.values().filter(|p| p.community == c.id).count();
            json!({
                "community": community(i, api, c),
                "subscribed": if follows { "Subscribed" } else { "NotSubscribed" },
                "blocked": false, "banned_from_community": false,
                "counts": {
                    "community_id": c.id, "subscribers": 100, "posts": posts, "comments": 0,
                    "published": time(c.published), "users_active_day": c.users_active_month / 30,
                    "users_active_week": c.users_active_month / 4,
                    "users_active_month": c.users_active_month,
                    "users_active_half_year": c.users_active_month * 3, "subscribers_local": 50
                }
            })
        }
        Api::V4 => {
            let mut v = json!({
                "community": community(i, api, c),
                "can_mod": viewer.is_some_and(|v| c.moderators.contains(&v)),
                "tags": []
            });
            if follows {
                v["community_actions"] =
                    json!({"followed_at": time(c.published), "follow_state": "accepted"});
            }
            v
        }
    }
}

pub fn post(i: &Instance, api: Api, p: &Post) -> Value {
    let home = i.community(p.community).and_then(|c| c.home.clone());
    let mut v = json!({
        "id": p.id, "name": p.name, "url": p.url, "body": p.body, "creator_id": p.creator,
        "community_id": p.community, "removed": p.removed, "locked": p.locked,
        "deleted": p.deleted, "nsfw": false,
        "ap_id": format!("https://{}/post/{}", home.as_deref().unwrap_or(&i.host), p.id),
        "local": home.is_none(), "language_id": 0,
        "featured_community": p.featured_community, "featured_local": false,
    });
    let extra = match api {
        Api::V3 => json!({"published": time(p.published), "updated": p.updated.map(time)}),
        Api::V4 => json!({
            "published_at": time(p.published), "updated_at": p.updated.map(time),
            "newest_comment_time_at": time(i.newest_comment_time(p)),
            "comments": i.comment_count(p.id), "score": p.score, "upvotes": p.score.max(0),
            "downvotes": 0, "report_count": 0, "unresolved_report_count": 0,
            "federation_pending": false
        }),
    };
    merge(&mut v, extra);
    compact(v)
}

/// `PostView` as `viewer` sees it (their read marks included).
pub fn post_view(i: &Instance, api: Api, p: &Post, viewer: Option<i64>) -> Value {
    let creator = i.person(p.creator);
    let community_row = i.community(p.community).expect("the post's community");
    let moderator = community_row.moderators.contains(&p.creator);
    let read = viewer.and_then(|v| i.read.get(&(v, p.id))).copied();
    let comments = i.comment_count(p.id);
    let follows = viewer.is_some_and(|v| i.follows.contains(&(v, p.community)));
    match api {
        Api::V3 => compact(json!({
            "post": post(i, api, p), "creator": person(i, api, creator),
            "community": community(i, api, community_row),
            "creator_banned_from_community": false, "banned_from_community": false,
            "creator_is_moderator": moderator, "creator_is_admin": creator.admin,
            "counts": {
                "post_id": p.id, "comments": comments, "score": p.score,
                "upvotes": p.score.max(0), "downvotes": 0, "published": time(p.published),
                "newest_comment_time": time(i.newest_comment_time(p))
            },
            "subscribed": if follows { "Subscribed" } else { "NotSubscribed" },
            "saved": false, "read": read.is_some(), "hidden": false, "creator_blocked": false,
            "my_vote": viewer.map(|_| 0),
            "unread_comments": comments - read.map_or(0, |r| r.read_comments).min(comments),
        })),
        Api::V4 => {
            let mut v = json!({
                "post": post(i, api, p), "creator": person(i, api, creator),
                "community": community(i, api, community_row),
                "creator_is_admin": creator.admin, "tags": [], "can_mod": false,
                "creator_banned": false, "creator_is_moderator": moderator,
                "creator_banned_from_community": false,
            });
            if let Some(r) = read {
                v["post_actions"] = json!({
                    "read_at": time(r.read_at), "read_comments_at": time(r.read_at),
                    "read_comments_amount": r.read_comments
                });
            }
            if follows {
                v["community_actions"] = json!({"followed_at": time(community_row.published), "follow_state": "accepted"});
            }
            v
        }
    }
}

pub fn comment(i: &Instance, api: Api, c: &Comment, viewer_is_admin: bool) -> Value {
    let post_row = &i.posts[&c.post];
    let home = i.community(post_row.community).and_then(|x| x.home.clone());
    // Lemmy clears what was deleted or removed for everyone but admins
    // (`crates/db_views/src/comment_view.rs`, `handle_deleted`).
    let content = if (c.deleted || c.removed) && !viewer_is_admin {
        String::new()
    } else {
        c.content.clone()
    };
    let mut v = json!({
        "id": c.id, "creator_id": c.creator, "post_id": c.post, "content": content,
        "removed": c.removed, "deleted": c.deleted,
        "ap_id": format!("https://{}/comment/{}", home.as_deref().unwrap_or(&i.host), c.id),
        "local": home.is_none(), "path": c.path, "distinguished": c.distinguished,
        "language_id": 0,
    });
    let extra = match api {
        Api::V3 => json!({"published": time(c.published), "updated": c.updated.map(time)}),
        Api::V4 => json!({
            "published_at": time(c.published), "updated_at": c.updated.map(time),
            "score": c.score, "upvotes": c.score.max(0), "downvotes": 0,
            "child_count": i.child_count(c), "report_count": 0,
            "unresolved_report_count": 0, "federation_pending": false, "locked": false
        }),
    };
    merge(&mut v, extra);
    compact(v)
}

pub fn comment_view(i: &Instance, api: Api, c: &Comment, viewer: Option<i64>) -> Value {
    let post_row = &i.posts[&c.post];
    let creator = i.person(c.creator);
    let community_row = i
        .community(post_row.community)
        .expect("the post's community");
    let admin = viewer.is_some_and(|v| i.person(v).admin);
    let moderator = community_row.moderators.contains(&c.creator);
    match api {
        Api::V3 => compact(json!({
            "comment": comment(i, api, c, admin), "creator": person(i, api, creator),
            "post": post(i, api, post_row), "community": community(i, api, community_row),
            "counts": {
                "comment_id": c.id, "score": c.score, "upvotes": c.score.max(0), "downvotes": 0,
                "published": time(c.published), "child_count": i.child_count(c)
            },
            "creator_banned_from_community": false, "banned_from_community": false,
            "creator_is_moderator": moderator, "creator_is_admin": creator.admin,
            "subscribed": "NotSubscribed", "saved": false, "creator_blocked": false,
            "my_vote": viewer.map(|_| 0),
        })),
        Api::V4 => json!({
            "comment": comment(i, api, c, admin), "creator": person(i, api, creator),
            "post": post(i, api, post_row), "community": community(i, api, community_row),
            "creator_is_admin": creator.admin, "tags": [], "can_mod": false,
            "creator_banned": false, "creator_is_moderator": moderator,
            "creator_banned_from_community": false,
        }),
    }
}

/// `GetSiteResponse`; v3 carries the caller (`my_user`), v4 has `GET /account` for it.
/// `rate` is the "message" limit: requests per seconds.
pub fn site(i: &Instance, api: Api, viewer: Option<i64>, rate: (u32, u32)) -> Value {
    let published = time(super::world::ago(24 * 500));
    let site_row = json!({
        "id": 1, "name": i.name, "last_refreshed_at": published, "instance_id": 1,
        "inbox_url": format!("https://{}/site_inbox", i.host),
    });
    let counts = json!({
        "users": i.users.len(), "posts": i.posts.len(), "comments": i.comments.len(),
        "communities": i.communities.len(), "users_active_day": 1, "users_active_week": 2,
        "users_active_month": 3, "users_active_half_year": 4,
    });
    let mut local_site = json!({
        "id": 1, "site_id": 1, "site_setup": true, "community_creation_admin_only": false,
        "private_instance": false, "default_theme": "browser", "application_email_admins": false,
        "federation_enabled": true, "reports_email_admins": false, "federation_signed_fetch": false,
    });
    match api {
        Api::V3 => site_v3(i, site_row, local_site, counts, &published, viewer, rate),
        Api::V4 => {
            merge(&mut local_site, counts);
            site_v4(i, site_row, local_site, &published, rate)
        }
    }
}

fn site_v3(
    i: &Instance,
    mut site_row: Value,
    mut local_site: Value,
    mut counts: Value,
    published: &Value,
    viewer: Option<i64>,
    rate: (u32, u32),
) -> Value {
    let api = Api::V3;
    merge(
        &mut site_row,
        json!({
            "published": published, "actor_id": format!("https://{}/", i.host),
            "public_key": "-----BEGIN PUBLIC KEY-----",
        }),
    );
    let mode = if i.require_application {
        "RequireApplication"
    } else {
        "Open"
    };
    merge(
        &mut local_site,
        json!({
            "registration_mode": mode, "default_post_listing_type": "Local",
            "enable_downvotes": true, "enable_nsfw": true, "require_email_verification": false,
            "hide_modlog_mod_names": true, "actor_name_max_length": 20, "captcha_enabled": false,
            "captcha_difficulty": "medium", "published": published,
            "default_post_listing_mode": "List", "default_sort_type": "Active"
        }),
    );
    merge(&mut counts, json!({"site_id": 1}));
    let rate_limit = json!({
        "local_site_id": 1, "message": rate.0, "message_per_second": rate.1,
        "post": 6, "post_per_second": 600, "register": 3, "register_per_second": 3600,
        "image": 6, "image_per_second": 3600, "comment": 6, "comment_per_second": 600,
        "search": 60, "search_per_second": 600, "published": published,
        "import_user_settings": 1, "import_user_settings_per_second": 86400
    });
    let mut v = json!({
        "site_view": {
            "site": site_row, "local_site": local_site, "local_site_rate_limit": rate_limit,
            "counts": counts
        },
        "admins": [], "version": api.version(), "all_languages": [],
        "discussion_languages": [], "taglines": [], "custom_emojis": [], "blocked_urls": []
    });
    if let Some(viewer) = viewer {
        v["my_user"] = my_user(i, api, viewer);
    }
    v
}

fn site_v4(
    i: &Instance,
    mut site_row: Value,
    mut local_site: Value,
    published: &Value,
    rate: (u32, u32),
) -> Value {
    let api = Api::V4;
    merge(
        &mut site_row,
        json!({"published_at": published, "ap_id": format!("https://{}/", i.host)}),
    );
    let mode = if i.require_application {
        "require_application"
    } else {
        "open"
    };
    merge(
        &mut local_site,
        json!({
            "registration_mode": mode, "default_post_listing_type": "local",
            "email_verification_required": false, "published_at": published,
            "default_post_listing_mode": "list", "default_post_sort_type": "active",
            "default_comment_sort_type": "hot", "oauth_registration": false,
            "post_upvotes": "all", "post_downvotes": "all", "comment_upvotes": "all",
            "comment_downvotes": "all", "nsfw_content_disallowed": false,
            "email_notifications_disabled": false, "default_items_per_page": 20,
            "image_mode": "store_link_previews", "image_upload_timeout_seconds": 30,
            "image_max_thumbnail_size": 512, "image_max_avatar_size": 512,
            "image_max_banner_size": 1024, "image_max_upload_size": 1024,
            "image_allow_video_uploads": true, "image_upload_disabled": false,
            "max_invites_per_user_allowed": 5
        }),
    );
    let rate_limit = json!({
        "local_site_id": 1, "message_max_requests": rate.0, "message_interval_seconds": rate.1,
        "post_max_requests": 6, "post_interval_seconds": 600, "register_max_requests": 3,
        "register_interval_seconds": 3600, "image_max_requests": 6,
        "image_interval_seconds": 3600, "comment_max_requests": 6,
        "comment_interval_seconds": 600, "search_max_requests": 60,
        "search_interval_seconds": 600, "published_at": published,
        "import_user_settings_max_requests": 1,
        "import_user_settings_interval_seconds": 86400
    });
    json!({
        "site_view": {
            "site": site_row, "local_site": local_site, "local_site_rate_limit": rate_limit,
            "instance": {"id": 1, "domain": i.host, "published_at": published,
                         "software": "lemmy", "version": api.version()}
        },
        "admins": [], "version": api.version(), "all_languages": [],
        "discussion_languages": [], "oauth_providers": [], "admin_oauth_providers": [],
        "blocked_urls": [], "active_plugins": [], "captcha_enabled": false
    })
}

/// `MyUserInfo`: the caller, whom they follow and what they moderate.
pub fn my_user(i: &Instance, api: Api, viewer: i64) -> Value {
    let me = i.person(viewer);
    let user = i.user_of(viewer).expect("a local user");
    let follows: Vec<Value> = i
        .follows
        .iter()
        .filter(|(p, _)| *p == viewer)
        .filter_map(|(_, c)| i.community(*c))
        .map(|c| json!({"community": community(i, api, c), "follower": person(i, api, me)}))
        .collect();
    let moderates: Vec<Value> = i
        .communities
        .iter()
        .filter(|c| c.moderators.contains(&viewer))
        .map(|c| json!({"community": community(i, api, c), "moderator": person(i, api, me)}))
        .collect();
    let (local_user, view_extra) = match api {
        Api::V3 => (
            json!({
                "id": user.local_user_id, "person_id": viewer, "show_nsfw": false,
                "theme": "browser", "default_sort_type": "Active", "default_listing_type": "Local",
                "interface_language": "en", "show_avatars": true,
                "send_notifications_to_email": false, "show_scores": true,
                "show_bot_accounts": true, "show_read_posts": true, "email_verified": true,
                "accepted_application": user.accepted, "open_links_in_new_tab": false,
                "blur_nsfw": true, "auto_expand": false, "infinite_scroll_enabled": false,
                "admin": me.admin, "post_listing_mode": "List",
                "totp_2fa_enabled": user.totp.is_some(), "enable_keyboard_navigation": false,
                "enable_animated_images": true, "collapse_bot_comments": false,
                "last_donation_notification": time(super::world::ago(24 * 30))
            }),
            json!({
                "local_user_vote_display_mode": {"local_user_id": user.local_user_id,
                    "score": true, "upvotes": true, "downvotes": true, "upvote_percentage": false},
                "counts": {"person_id": viewer, "post_count": 0, "comment_count": 0}
            }),
        ),
        Api::V4 => (
            json!({
                "id": user.local_user_id, "person_id": viewer, "show_nsfw": false,
                "theme": "browser", "default_post_sort_type": "active",
                "default_listing_type": "local", "interface_language": "en",
                "show_avatars": true, "send_notifications_to_email": false,
                "show_bot_accounts": true, "show_read_posts": true, "email_verified": true,
                "accepted_application": user.accepted, "open_links_in_new_tab": false,
                "blur_nsfw": true, "infinite_scroll_enabled": false, "admin": me.admin,
                "post_listing_mode": "list", "totp_2fa_enabled": user.totp.is_some(),
                "animated_images_enabled": true, "collapse_bot_comments": false,
                "last_donation_notification_at": time(super::world::ago(24 * 30)),
                "private_messages_enabled": true, "default_comment_sort_type": "hot",
                "auto_mark_fetched_posts_as_read": false, "hide_posts_with_media": false,
                "show_score": true, "show_upvotes": true, "show_downvotes": "show",
                "show_upvote_percentage": false, "show_person_votes": false,
                "default_items_per_page": 20, "show_media": true
            }),
            json!({"banned": false}),
        ),
    };
    let mut local_user_view = json!({"local_user": local_user, "person": person(i, api, me)});
    merge(&mut local_user_view, view_extra);
    let mut v = json!({
        "local_user_view": local_user_view, "follows": follows, "moderates": moderates,
        "discussion_languages": []
    });
    let extra = match api {
        Api::V3 => json!({"community_blocks": [], "instance_blocks": [], "person_blocks": []}),
        Api::V4 => json!({"multi_community_follows": [], "community_blocks": [],
                          "instance_communities_blocks": [], "instance_persons_blocks": [],
                          "person_blocks": [], "keyword_blocks": []}),
    };
    merge(&mut v, extra);
    v
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        let b: Map<String, Value> = b;
        a.extend(b);
    }
}
