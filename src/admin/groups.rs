//! Group memberships: the document names collective bodies (市安委会成员单位 …) without saying
//! who they are; an admin who knows sets the members, and the group stops showing 待确认.

use std::collections::HashSet;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::audit::{self, Entry};
use crate::error::{AppError, render};
use crate::policy::{AdminOnly, SignedForm};
use crate::web::Chrome;
use crate::web::extract::Path;

struct Choice {
    id: i64,
    name: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "admin/group.html")]
struct GroupForm {
    chrome: Chrome,
    id: i64,
    name: String,
    version: i32,
    known: bool,
    choices: Vec<Choice>,
    saved: bool,
    conflict: Option<Vec<String>>,
}

struct Group {
    name: String,
    jurisdiction_id: i64,
    version: i32,
    members_known: bool,
}

async fn group(state: &AppState, id: i64) -> Result<Group, AppError> {
    sqlx::query_as!(
        Group,
        "SELECT name, jurisdiction_id, version, members_known FROM unit_groups WHERE id = $1",
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)
}

async fn members(state: &AppState, id: i64) -> Result<Vec<(i64, String)>, AppError> {
    Ok(sqlx::query!(
        "SELECT u.id, u.name FROM unit_group_members m JOIN units u ON u.id = m.unit_id WHERE m.group_id = $1 ORDER BY u.id",
        id
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| (r.id, r.name))
    .collect())
}

async fn page(
    state: &AppState,
    user: crate::accounts::session::SessionUser,
    id: i64,
    checked: &HashSet<i64>,
) -> Result<GroupForm, AppError> {
    let g = group(state, id).await?;
    let units = sqlx::query!(
        "SELECT id, name FROM units WHERE jurisdiction_id = $1 ORDER BY id",
        g.jurisdiction_id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(GroupForm {
        chrome: Chrome::new(Some(user)),
        id,
        name: g.name,
        version: g.version,
        known: g.members_known,
        choices: units
            .into_iter()
            .map(|u| Choice {
                checked: checked.contains(&u.id),
                id: u.id,
                name: u.name,
            })
            .collect(),
        saved: false,
        conflict: None,
    })
}

fn parse_id(s: &str) -> Result<i64, AppError> {
    s.parse().map_err(|_| AppError::NotFound)
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let current: HashSet<i64> = members(&state, id)
        .await?
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    Ok(render(&page(&state, user, id, &current).await?)?.into_response())
}

pub(crate) async fn save(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(id): Path<String>,
    SignedForm(pairs): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    // `unit` repeats once per ticked box, which a struct cannot take.
    let field = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let id = parse_id(&id)?;
    let g = group(&state, id).await?;
    let wanted: HashSet<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "unit")
        .filter_map(|(_, u)| u.parse().ok())
        .collect();
    let version: i32 = field("version")
        .parse()
        .map_err(|_| AppError::BadRequest("版本号缺失".into()))?;
    let before = members(&state, id).await?;
    let mut tx = state.pool.begin().await?;
    let bumped = sqlx::query!(
        "UPDATE unit_groups SET version = version + 1, members_known = true WHERE id = $1 AND version = $2",
        id,
        version
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if bumped == 0 {
        drop(tx);
        let mut p = page(&state, user, id, &wanted).await?;
        p.conflict = Some(before.into_iter().map(|(_, n)| n).collect());
        return Ok((StatusCode::CONFLICT, render(&p)?).into_response());
    }
    let ids: Vec<i64> = wanted.iter().copied().collect();
    let after = set_members(&mut tx, id, g.jurisdiction_id, &ids).await?;
    audit::record(
        &mut *tx,
        &user.actor(),
        Entry {
            action: "group.members",
            object_type: Some("group"),
            object_id: Some(g.name.clone()),
            before: Some(serde_json::json!({ "members": before.iter().map(|(_, n)| n).collect::<Vec<_>>(), "known": g.members_known })),
            after: Some(serde_json::json!({ "members": after, "known": true })),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    let mut p = page(&state, user, id, &wanted).await?;
    p.saved = true;
    Ok(render(&p)?.into_response())
}

/// Makes the group's members exactly `ids` (units of its own jurisdiction); returns their names.
async fn set_members(
    tx: &mut sqlx::PgConnection,
    id: i64,
    jurisdiction_id: i64,
    ids: &[i64],
) -> sqlx::Result<Vec<String>> {
    sqlx::query!(
        "DELETE FROM unit_group_members WHERE group_id = $1 AND NOT (unit_id = ANY($2))",
        id,
        ids
    )
    .execute(&mut *tx)
    .await?;
    // Units of another jurisdiction are refused by the composite foreign key.
    sqlx::query!(
        r#"INSERT INTO unit_group_members (group_id, unit_id, jurisdiction_id)
           SELECT $1, u.id, u.jurisdiction_id FROM units u WHERE u.id = ANY($2) AND u.jurisdiction_id = $3
           ON CONFLICT DO NOTHING"#,
        id,
        ids,
        jurisdiction_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query_scalar!(
        "SELECT u.name FROM unit_group_members m JOIN units u ON u.id = m.unit_id WHERE m.group_id = $1 ORDER BY u.id",
        id
    )
    .fetch_all(&mut *tx)
    .await
}
