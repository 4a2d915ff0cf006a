//! One error type for every handler: the user sees a friendly page, the log gets the cause.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::accounts::ops::OpError;
use crate::web::Chrome;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    #[error("cross-site request refused")]
    Csrf,
    /// Anything else that went wrong: its cause chain is logged (`{:#}`), never shown.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
    #[error("payload too large")]
    PayloadTooLarge,
    /// Every password-check slot is taken: try again in a few seconds.
    #[error("password checks saturated")]
    Busy,
    /// The actor is doing this too often; the message says how often is allowed.
    #[error("rate limited: {0}")]
    TooManyRequests(String),
    /// Over a size limit the message names.
    #[error("file too large: {0}")]
    FileTooLarge(String),
    /// The request body stopped arriving (the client paused past the body timeout, or left).
    #[error("request body incomplete")]
    BodyIncomplete,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: u16,
    heading: &'a str,
    message: &'a str,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::PayloadTooLarge | AppError::FileTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::BodyIncomplete => StatusCode::REQUEST_TIMEOUT,
            AppError::Database(e) if is_unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(e) => match refusal(e) {
                Some(Refusal::Conflict | Refusal::Gone) => StatusCode::CONFLICT,
                Some(Refusal::BadData) => StatusCode::BAD_REQUEST,
                None => StatusCode::INTERNAL_SERVER_ERROR,
            },
            AppError::Template(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The database is down or going down, as opposed to a query that is wrong.
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::Io(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // Connection exceptions (08…) and operator intervention: shutdown, crash, starting up.
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

/// A statement the database refused because of what the request asked, not because the
/// query is wrong: the constraints are the last guard against races between two users.
enum Refusal {
    /// Unique key taken meanwhile, serialization failure, deadlock.
    Conflict,
    /// What the form referred to no longer exists (foreign key).
    Gone,
    /// A check, not-null or data exception the form's parsing let through.
    BadData,
}

/// A unique key was taken, for handlers that answer it with a message on the form.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("23505"))
}

fn refusal(e: &sqlx::Error) -> Option<Refusal> {
    let code = match e {
        sqlx::Error::Database(d) => d.code()?,
        _ => return None,
    };
    match &*code {
        "23505" | "40001" | "40P01" => Some(Refusal::Conflict),
        "23503" => Some(Refusal::Gone),
        "23514" | "23502" => Some(Refusal::BadData),
        c if c.starts_with("22") => Some(Refusal::BadData),
        _ => None,
    }
}

/// What an error page will say, kept on the response: `web::error_pages`, the one layer that
/// knows who is signed in, draws the page once with their header.
#[derive(Debug, Clone)]
pub struct ErrorShown {
    pub status: StatusCode,
    pub detail: Option<String>,
}

/// The error page for `status`, drawn by `web::error_pages` on the way out; every handler,
/// extractor and layer inside it answers with this.
pub fn error_page(status: StatusCode, detail: Option<&str>) -> Response {
    let mut resp = status.into_response();
    resp.extensions_mut().insert(ErrorShown {
        status,
        detail: detail.map(str::to_string),
    });
    resp
}

/// The error page drawn at once with a visitor's header, for the layers outside
/// `web::error_pages` (cross-site refusals, the database outage guard): neither may wait for
/// a session lookup.
pub fn error_page_now(status: StatusCode, detail: Option<&str>) -> Response {
    error_page_for(status, detail, None)
}

/// The error page with the header of `user` (or of a visitor).
pub fn error_page_for(
    status: StatusCode,
    detail: Option<&str>,
    user: Option<crate::accounts::session::SessionUser>,
) -> Response {
    let (heading, message) = match status {
        StatusCode::NOT_FOUND => (
            "页面不存在",
            "您要找的页面不存在或已被移除。请检查地址，或从首页重新进入。",
        ),
        StatusCode::BAD_REQUEST => ("请求有误", detail.unwrap_or("请求的参数不正确。")),
        StatusCode::FORBIDDEN => (
            "无权操作",
            detail.unwrap_or("您的账户没有执行此操作的权限。如需办理，请联系管理员。"),
        ),
        StatusCode::CONFLICT => (
            "操作未执行",
            detail.unwrap_or("内容已被他人修改，请刷新页面后重试。"),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "文件过大",
            detail.unwrap_or("上传的内容超过了允许的大小，请压缩或拆分后重新上传。"),
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            "操作过于频繁",
            detail.unwrap_or("短时间内的操作次数超过了限制，请稍后再试。"),
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "服务暂时不可用",
            detail.unwrap_or("数据库暂时无法访问，请稍后再试。"),
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "请求超时",
            "提交的内容未能完整送达（网络中断或过慢），操作未执行。请检查网络后重新提交。",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "不支持此操作方式",
            "此地址不接受这种请求方式。请通过页面上的链接或按钮操作。",
        ),
        StatusCode::URI_TOO_LONG => (
            "网址过长",
            "请求的网址太长，无法处理。请减少筛选或查询条件后重试，或从首页重新进入。",
        ),
        _ => (
            "系统出错",
            "处理您的请求时出现问题，已记录在系统日志中。请稍后再试。",
        ),
    };
    let page = ErrorPage {
        chrome: Chrome::new(user),
        status: status.as_u16(),
        heading,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (status, heading.to_string()).into_response()
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Busy = self {
            tracing::warn!("password checks saturated: request turned away");
        } else if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else if let AppError::Database(e) = &self {
            tracing::warn!(error = %e, "the database refused a change");
        }
        let detail = match &self {
            AppError::BadRequest(m) | AppError::TooManyRequests(m) | AppError::FileTooLarge(m) => {
                Some(m.as_str())
            }
            AppError::Busy => Some(BUSY),
            AppError::Database(e) if matches!(refusal(e), Some(Refusal::Gone)) => {
                Some("所选的内容已不存在或已被他人修改，操作未执行。请刷新页面后重试。")
            }
            AppError::Csrf => {
                Some("表单已过期或来自其他网站，操作未执行。请返回上一页刷新后重试。")
            }
            _ => None,
        };
        let mut resp = error_page(status, detail);
        if matches!(self, AppError::Busy | AppError::TooManyRequests(_)) {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(RETRY_AFTER_SECS),
            );
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.extensions_mut()
                .insert(crate::ops::outage::DatabaseUnavailable);
        }
        resp
    }
}

/// What a person turned away by [`AppError::Busy`] reads.
pub const BUSY: &str = "同时登录或修改密码的人较多，请稍候几秒再试。";
/// Seconds to wait before trying again, sent as `Retry-After`.
const RETRY_AFTER_SECS: &str = "5";

impl From<crate::accounts::password::PasswordError> for AppError {
    fn from(e: crate::accounts::password::PasswordError) -> Self {
        match e {
            crate::accounts::password::PasswordError::Busy => AppError::Busy,
            other => AppError::Internal(other.into()),
        }
    }
}

/// A multipart body that could not be read keeps the status axum gives it: 413 only when a
/// size limit was hit, 400 when the body is malformed.
impl From<axum::extract::multipart::MultipartError> for AppError {
    fn from(e: axum::extract::multipart::MultipartError) -> Self {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else if status.is_client_error() {
            tracing::info!(error = %e.body_text(), "malformed multipart body");
            AppError::BadRequest(
                "上传的表单内容不完整或格式有误，无法读取。请返回上一页，重新选择文件后再提交。"
                    .into(),
            )
        } else {
            AppError::Internal(anyhow::anyhow!(
                "reading a multipart body: {}",
                e.body_text()
            ))
        }
    }
}

impl From<OpError> for AppError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::Database(e) => AppError::Database(e),
            OpError::NotFound => AppError::NotFound,
            OpError::Password(e) => AppError::from(e),
            other => AppError::Internal(other.into()),
        }
    }
}

/// Renders a template into a response, or an [`AppError`].
pub fn render(t: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(t.render()?))
}
