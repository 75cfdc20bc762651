//! The admin endpoints that shape the forum: its title (`PATCH /admin/forum`), the
//! announcement, sections and areas. Each answers with the whole tree and its `ETag`, as
//! `GET /tree` would now.

use crate::api::{AnnouncementChange, AreaChange, ForumChange, ProblemCode, SectionChange};
use crate::server::db::structure::{Create, Edited, StructureEdit};
use crate::server::db::users::UserInfo;
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, ApiPath, AuthUser};
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

fn admin_only(user: &UserInfo) -> Result<(), ApiError> {
    if user.admin {
        Ok(())
    } else {
        Err(ApiError::code(
            ProblemCode::Forbidden,
            "only an admin can change the forum's structure (role needed: admin)",
        ))
    }
}

async fn apply(app: &Shared, user: &UserInfo, edit: StructureEdit) -> Result<Response, ApiError> {
    admin_only(user)?;
    let Edited { created, tree } = app
        .store
        .edit_structure(edit, jiff::Timestamp::now())
        .await?;
    let mut response = super::conditional_json(&HeaderMap::new(), &tree)?;
    if created {
        *response.status_mut() = StatusCode::CREATED;
    }
    Ok(response)
}

pub async fn edit_forum(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiJson(change): ApiJson<ForumChange>,
) -> Result<Response, ApiError> {
    if let Some(title) = change.title {
        return apply(&app, &user, StructureEdit::Title(title)).await;
    }
    admin_only(&user)?;
    let tree = app.store.tree().await?;
    super::conditional_json(&HeaderMap::new(), &tree)
}

pub async fn set_announcement(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiJson(change): ApiJson<AnnouncementChange>,
) -> Result<Response, ApiError> {
    apply(&app, &user, StructureEdit::Announcement(Some(change))).await
}

pub async fn clear_announcement(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
) -> Result<Response, ApiError> {
    apply(&app, &user, StructureEdit::Announcement(None)).await
}

pub async fn put_section(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<SectionChange>,
) -> Result<Response, ApiError> {
    let edit = StructureEdit::Section {
        id,
        change,
        create: Create::Either,
    };
    apply(&app, &user, edit).await
}

pub async fn remove_section(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    apply(&app, &user, StructureEdit::RemoveSection(id)).await
}

pub async fn put_area(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<AreaChange>,
) -> Result<Response, ApiError> {
    let edit = StructureEdit::Area {
        id,
        change,
        create: Create::Either,
    };
    apply(&app, &user, edit).await
}

pub async fn remove_area(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    apply(&app, &user, StructureEdit::RemoveArea(id)).await
}
