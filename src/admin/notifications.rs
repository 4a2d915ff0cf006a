//! 消息通知: what the outbox sent, what waits and what failed (with the reason), and the group
//! robots (企业微信 / 钉钉) per plan or per unit. A failed message can be tried again.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::AppState;
use crate::audit::{self, Entry};
use crate::clock::shanghai;
use crate::error::{AppError, render};
use crate::policy::{AdminOnly, SignedForm, SignedOnly};
use crate::web::Chrome;
use crate::web::extract::{Path, Query};

/// Messages listed at once; the outbox keeps them all.
const SHOWN: i64 = 200;

pub struct OutboxRow {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub kind: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub sent_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl OutboxRow {
    pub fn state(&self) -> &'static str {
        match (self.sent_at, self.failed_at) {
            (Some(_), _) => "已发送",
            (_, Some(_)) => "发送失败",
            _ if self.attempts > 0 => "等待重试",
            _ => "等待发送",
        }
    }

    pub fn kind_label(&self) -> &'static str {
        crate::notify::Kind::label(&self.kind)
    }

    pub fn channel_label(&self) -> &'static str {
        match self.channel.as_str() {
            "email" => "邮件",
            "dingtalk" => "钉钉",
            _ => "企业微信",
        }
    }

    pub fn created(&self) -> String {
        shanghai(self.created_at)
    }

    pub fn done(&self) -> String {
        self.sent_at
            .or(self.failed_at)
            .map(shanghai)
            .unwrap_or_default()
    }
}

pub struct Robot {
    pub id: i64,
    pub kind: String,
    pub url: String,
    pub scope: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct RobotForm {
    kind: String,
    url: String,
    /// `plan:{id}`, `unit:{id}`, or empty for every plan.
    scope: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ListQuery {
    state: String,
}

#[derive(Template)]
#[template(path = "admin/notifications.html")]
struct Page {
    chrome: Chrome,
    rows: Vec<OutboxRow>,
    state: String,
    counts: (i64, i64, i64),
    robots: Vec<Robot>,
    scopes: Vec<(String, String)>,
    form: RobotForm,
    error: Option<String>,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    show(
        &state,
        user,
        q.state,
        RobotForm::default(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn show(
    state: &AppState,
    user: crate::accounts::session::SessionUser,
    filter: String,
    form: RobotForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let pool = &state.pool;
    let filter = match filter.as_str() {
        s @ ("sent" | "failed" | "pending") => s.to_string(),
        _ => String::new(),
    };
    let rows = sqlx::query_as!(
        OutboxRow,
        r#"SELECT id, channel, recipient, kind, subject, created_at, attempts, sent_at, failed_at,
                  last_error
           FROM outbox
           WHERE $1 = '' OR ($1 = 'sent' AND sent_at IS NOT NULL)
              OR ($1 = 'failed' AND failed_at IS NOT NULL)
              OR ($1 = 'pending' AND sent_at IS NULL AND failed_at IS NULL)
           ORDER BY id DESC LIMIT $2"#,
        filter,
        SHOWN
    )
    .fetch_all(pool)
    .await?;
    let c = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE sent_at IS NOT NULL) AS "sent!",
                  count(*) FILTER (WHERE failed_at IS NOT NULL) AS "failed!",
                  count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) AS "pending!"
           FROM outbox"#
    )
    .fetch_one(pool)
    .await?;
    let robots = sqlx::query_as!(
        Robot,
        r#"SELECT w.id, w.kind, w.url,
                  COALESCE('规划：' || p.title, '单位：' || u.name, '全部规划') AS "scope!"
           FROM webhooks w LEFT JOIN plans p ON p.id = w.plan_id LEFT JOIN units u ON u.id = w.unit_id
           ORDER BY w.id"#
    )
    .fetch_all(pool)
    .await?;
    let scopes = sqlx::query!(
        r#"SELECT 'plan:' || id AS "value!", '规划：' || title AS "label!" FROM plans
           UNION ALL
           SELECT 'unit:' || id, '单位：' || name FROM units
           ORDER BY 1"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.value, r.label))
    .collect();
    let page = Page {
        chrome: Chrome::new(Some(user)),
        rows,
        state: filter,
        counts: (c.sent, c.failed, c.pending),
        robots,
        scopes,
        form,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

pub(crate) async fn add_robot(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    SignedForm(form): SignedForm<RobotForm>,
) -> Result<Response, AppError> {
    let url = form.url.trim();
    let (plan_id, unit_id) = match form.scope.split_once(':') {
        Some(("plan", id)) => (id.parse::<i64>().ok(), None),
        Some(("unit", id)) => (None, id.parse::<i64>().ok()),
        _ => (None, None),
    };
    let problem = if !matches!(form.kind.as_str(), "wecom" | "dingtalk") {
        Some("请选择机器人类型（企业微信或钉钉）")
    } else if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.len() > 500
        || url.chars().any(char::is_whitespace)
    {
        Some("请填写机器人的 Webhook 地址（以 https:// 开头，不超过 500 个字符）")
    } else {
        None
    };
    if let Some(p) = problem {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return show(&state, user, String::new(), form, Some(p.into()), status).await;
    }
    let actor = user.actor();
    let mut tx = state.pool.begin().await?;
    let added = sqlx::query_scalar!(
        r#"INSERT INTO webhooks (plan_id, unit_id, kind, url, created_by) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING RETURNING id"#,
        plan_id,
        unit_id,
        form.kind,
        url,
        actor.name
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = added else {
        drop(tx);
        let status = StatusCode::CONFLICT;
        let msg = Some("该机器人已在此范围内登记。".to_string());
        return show(&state, user, String::new(), form, msg, status).await;
    };
    audit::record(
        &mut *tx,
        &actor,
        Entry {
            action: "webhook.add",
            object_type: Some("webhook"),
            object_id: Some(id.to_string()),
            after: Some(serde_json::json!({ "kind": form.kind, "scope": form.scope })),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/notifications#h-robots").into_response())
}

/// 移除 a robot (`remove-robot`) or 重新发送 a failed message (`retry`: back in the queue, its
/// attempts counted afresh).
pub(crate) async fn act_on(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path((action, id)): Path<(String, String)>,
    _signed: SignedOnly,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (audited, sql, back) = match action.as_str() {
        "remove-robot" => (
            "webhook.remove",
            "DELETE FROM webhooks WHERE id = $1",
            "/admin/notifications#h-robots",
        ),
        "retry" => (
            "outbox.retry",
            "UPDATE outbox SET failed_at = NULL, attempts = 0, next_attempt_at = now()
             WHERE id = $1 AND failed_at IS NOT NULL",
            "/admin/notifications?state=pending",
        ),
        _ => return Err(AppError::NotFound),
    };
    act(&state, &user, id, audited, sql).await?;
    Ok(Redirect::to(back).into_response())
}

/// Runs one admin statement on one row, audited; a row already gone is 404.
async fn act(
    state: &AppState,
    user: &crate::accounts::session::SessionUser,
    id: i64,
    action: &'static str,
    sql: &'static str,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let done = sqlx::query(sql)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(AppError::NotFound);
    }
    let entry = Entry {
        action,
        object_type: Some(if action.starts_with("outbox") {
            "outbox"
        } else {
            "webhook"
        }),
        object_id: Some(id.to_string()),
        ..Default::default()
    };
    audit::record(&mut *tx, &user.actor(), entry).await?;
    tx.commit().await?;
    Ok(())
}
