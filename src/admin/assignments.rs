//! Who answers for what, beyond the seed: the document names no unit for its four indicators,
//! and a bureau may add a unit to a task later. Assignments made here are marked as the
//! admin's, so a seed reload leaves them alone; the seed's own ones are changed in the seed.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::accounts::session::SessionUser;
use crate::audit::{self, Entry};
use crate::error::{AppError, render};
use crate::plan::model::{ItemKind, Role};
use crate::plan::queries as plan_queries;
use crate::policy::{AdminOnly, SignedForm};
use crate::web::Chrome;
use crate::web::extract::{Path, Query};

#[derive(sqlx::FromRow)]
struct ItemLine {
    id: i64,
    kind: ItemKind,
    number: i32,
    title: String,
    parties: Option<String>,
}

impl ItemLine {
    fn label(&self) -> String {
        format!(
            "{} {}",
            self.kind.label(),
            self.kind.number_label(self.number)
        )
    }
}

#[derive(Template)]
#[template(path = "admin/assignments.html")]
struct ListPage {
    chrome: Chrome,
    plan_title: String,
    items: Vec<ItemLine>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
) -> Result<Response, AppError> {
    let plan = plan_queries::default_plan(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let items: Vec<ItemLine> = sqlx::query_as(
        r#"SELECT i.id, i.kind, i.number, i.title,
                  (SELECT string_agg(COALESCE(u.name, g.name) || '（' ||
                          CASE a.role WHEN 'lead' THEN '牵头' WHEN 'responsible' THEN '负责' ELSE '配合' END
                          || '）', '、' ORDER BY a.role, a.position)
                   FROM assignments a LEFT JOIN units u ON u.id = a.unit_id
                   LEFT JOIN unit_groups g ON g.id = a.group_id WHERE a.item_id = i.id) AS parties
           FROM items i
           WHERE i.plan_id = $1 AND reportable(i.kind)
           ORDER BY i.position"#,
    )
    .bind(plan.id)
    .fetch_all(&state.pool)
    .await?;
    Ok(render(&ListPage {
        chrome: Chrome::new(Some(user)),
        plan_title: plan.title,
        items,
    })?
    .into_response())
}

struct Line {
    id: i64,
    party: String,
    role: Role,
    by_admin: bool,
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "admin/assignment_item.html")]
pub(super) struct ItemPage {
    chrome: Chrome,
    item_id: i64,
    item_label: String,
    item_title: String,
    item_href: String,
    lines: Vec<Line>,
    parties: Vec<Choice>,
    roles: Vec<(&'static str, &'static str)>,
    form: AddForm,
    error: Option<String>,
    notice: Option<&'static str>,
    pub(super) settings: super::item_settings::Settings,
    pub(super) was: String,
    /// Problems with the settings form, beside their fields.
    pub(super) settings_errors: crate::web::FormErrors,
}

impl ItemPage {
    fn settings_error(&self, field: &str) -> Option<&str> {
        self.settings_errors.get(field)
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct AddForm {
    party: String,
    role: String,
    assignment: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct Item {
    pub(super) id: i64,
    kind: ItemKind,
    number: i32,
    title: String,
    key: String,
    plan_key: String,
    jurisdiction_id: i64,
}

pub(super) async fn item(state: &AppState, raw: &str) -> Result<Item, AppError> {
    let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
    sqlx::query_as::<_, Item>(
        r#"SELECT i.id, i.kind, i.number, i.title, i.key, p.key AS plan_key, p.jurisdiction_id
           FROM items i JOIN plans p ON p.id = i.plan_id
           WHERE i.id = $1 AND reportable(i.kind)"#,
    )
    .bind(id)
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)
}

/// The settings form sent back with its problems, as typed (status 422).
pub(super) async fn settings_refused(
    state: &AppState,
    user: SessionUser,
    item: Item,
    typed: super::item_settings::Settings,
    was: String,
    errors: crate::web::FormErrors,
) -> Result<Response, AppError> {
    let mut p = page(state, user, item, AddForm::default()).await?;
    p.settings = super::item_settings::Settings {
        is_indicator: p.settings.is_indicator,
        ..typed
    };
    p.was = was;
    p.settings_errors = errors;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
}

async fn page(
    state: &AppState,
    user: SessionUser,
    item: Item,
    form: AddForm,
) -> Result<ItemPage, AppError> {
    let lines = sqlx::query_as!(
        Line,
        r#"SELECT a.id, COALESCE(u.name, g.name) AS "party!", a.role AS "role: Role",
                  a.source = 'admin' AS "by_admin!"
           FROM assignments a LEFT JOIN units u ON u.id = a.unit_id
           LEFT JOIN unit_groups g ON g.id = a.group_id
           WHERE a.item_id = $1 ORDER BY a.role, a.position, a.id"#,
        item.id
    )
    .fetch_all(&state.pool)
    .await?;
    let parties = sqlx::query_as!(
        Choice,
        r#"SELECT value AS "value!", label AS "label!" FROM (
             SELECT 'u:' || id AS value, name AS label, 0 AS o, id FROM units WHERE jurisdiction_id = $1
             UNION ALL
             SELECT 'g:' || id, name || '（集体名称）', 1, id FROM unit_groups WHERE jurisdiction_id = $1
           ) bodies ORDER BY o, id"#,
        item.jurisdiction_id
    )
    .fetch_all(&state.pool)
    .await?;
    let settings = super::item_settings::current(&state.pool, item.id).await?;
    Ok(ItemPage {
        chrome: Chrome::new(Some(user)),
        item_id: item.id,
        item_label: format!(
            "{} {}",
            item.kind.label(),
            item.kind.number_label(item.number)
        ),
        item_href: format!("/plans/{}/items/{}", item.plan_key, item.key),
        item_title: item.title,
        lines,
        parties,
        roles: Role::ALL.iter().map(|r| (r.slug(), r.label())).collect(),
        form,
        error: None,
        notice: None,
        was: super::item_settings::fingerprint(&settings),
        settings,
        settings_errors: crate::web::FormErrors::default(),
    })
}

#[derive(Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

pub(crate) async fn item_page(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(raw): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let item = item(&state, &raw).await?;
    let mut p = page(&state, user, item, AddForm::default()).await?;
    p.notice = q.done.as_deref().map(|d| match d {
        "add" => "已添加。",
        "settings" => "设置已保存。",
        _ => "已移除。",
    });
    Ok(render(&p)?.into_response())
}

async fn refuse(
    state: &AppState,
    user: SessionUser,
    item: Item,
    form: AddForm,
    status: StatusCode,
    message: String,
) -> Result<Response, AppError> {
    let mut p = page(state, user, item, form).await?;
    p.error = Some(message);
    Ok((status, render(&p)?).into_response())
}

/// The role and the unit or collective name the form chose, with the body's name; `None` when
/// either is missing or the body is not of the plan's own jurisdiction (only those may answer
/// for its items).
async fn chosen(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    item: &Item,
    form: &AddForm,
) -> Result<Option<(Role, Option<i64>, Option<i64>, String)>, AppError> {
    let party = match form.party.split_once(':') {
        Some(("u", id)) => id.parse::<i64>().ok().map(|id| (Some(id), None)),
        Some(("g", id)) => id.parse::<i64>().ok().map(|id| (None, Some(id))),
        _ => None,
    };
    let (Some(role), Some((unit_id, group_id))) = (Role::parse(&form.role), party) else {
        return Ok(None);
    };
    let name: Option<String> = sqlx::query_scalar!(
        r#"SELECT name AS "name!" FROM units WHERE id = $1 AND jurisdiction_id = $3
           UNION ALL SELECT name FROM unit_groups WHERE id = $2 AND jurisdiction_id = $3"#,
        unit_id,
        group_id,
        item.jurisdiction_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(name.map(|name| (role, unit_id, group_id, name)))
}

pub(crate) async fn add(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(raw): Path<String>,
    SignedForm(form): SignedForm<AddForm>,
) -> Result<Response, AppError> {
    let item = item(&state, &raw).await?;
    let mut tx = state.pool.begin().await?;
    let Some((role, unit_id, group_id, name)) = chosen(&mut tx, &item, &form).await? else {
        drop(tx);
        let m = "请选择单位和职责".to_string();
        return refuse(
            &state,
            user,
            item,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
            m,
        )
        .await;
    };
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO assignments (item_id, unit_id, group_id, role, position, source)
           SELECT $1, $2, $3, $4, COALESCE(max(position) + 1, 0), 'admin'
           FROM assignments WHERE item_id = $1
           ON CONFLICT (item_id, unit_id, group_id) DO NOTHING RETURNING id"#,
        item.id,
        unit_id,
        group_id,
        role as Role
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = inserted else {
        drop(tx);
        let m = format!("「{name}」已承担该事项，无需重复添加；如需改变职责，请先移除。");
        return refuse(&state, user, item, form, StatusCode::CONFLICT, m).await;
    };
    let after = serde_json::json!({ "item": item.key, "party": name, "role": role.slug() });
    let entry = Entry {
        action: "assignment.add",
        after: Some(after),
        ..Entry::default()
    };
    finish(tx, &user.actor(), entry, id, item.id, "add").await
}

/// Records the change under the admin's name, commits it, and goes back to the item's page.
async fn finish(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    actor: &crate::audit::Actor,
    entry: Entry<'_>,
    assignment_id: i64,
    item_id: i64,
    done: &str,
) -> Result<Response, AppError> {
    let entry = Entry {
        object_type: Some("assignment"),
        object_id: Some(assignment_id.to_string()),
        ..entry
    };
    audit::record(&mut *tx, actor, entry).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/assignments/{item_id}?done={done}")).into_response())
}

pub(crate) async fn remove(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(raw): Path<String>,
    SignedForm(form): SignedForm<AddForm>,
) -> Result<Response, AppError> {
    let item = item(&state, &raw).await?;
    let id: i64 = form.assignment.parse().unwrap_or(-1);
    let mut tx = state.pool.begin().await?;
    // The seed's assignments are the seed's: removing one here would come back at reload.
    let removed = sqlx::query!(
        r#"DELETE FROM assignments a WHERE a.id = $1 AND a.item_id = $2 AND a.source = 'admin'
           RETURNING COALESCE((SELECT name FROM units WHERE id = a.unit_id),
                              (SELECT name FROM unit_groups WHERE id = a.group_id)) AS party,
                     a.role AS "role: Role""#,
        id,
        item.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(removed) = removed else {
        drop(tx);
        let m =
            "未移除：该分工不存在、已被他人移除，或来自计划文件（请修改种子文件）。".to_string();
        return refuse(&state, user, item, form, StatusCode::CONFLICT, m).await;
    };
    let before = serde_json::json!({
        "item": item.key, "party": removed.party, "role": removed.role.slug(),
    });
    let entry = Entry {
        action: "assignment.remove",
        before: Some(before),
        ..Entry::default()
    };
    finish(tx, &user.actor(), entry, id, item.id, "remove").await
}
