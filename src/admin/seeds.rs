//! Loading a seed file through the browser: the same checks and the same dry-run report of
//! changes as `plan-portal seed load`, then an explicit confirmation.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::accounts::password::hex;
use crate::error::{AppError, render};
use crate::policy::{AdminOnly, SignedForm};
use crate::seed::{self, LoadError, SeedIssue};
use crate::web::Chrome;
use crate::web::extract::{Upload, lf_line_breaks};

/// Seed files are text; the Jincheng plan is under 100 KB.
pub(crate) const MAX_SEED_BYTES: usize = 2 * 1024 * 1024;

#[derive(Template)]
#[template(path = "admin/seeds.html")]
struct SeedPage {
    chrome: Chrome,
    file_name: String,
    /// Problems found in the file, each with its line and field.
    issues: Vec<SeedIssue>,
    /// The changes a load would make (preview) or made (applied).
    changes: Vec<String>,
    error: Option<String>,
    /// The checked text, carried to the confirmation.
    text: String,
    digest: String,
    /// Digest of `changes`, so the confirmation loads only what the admin saw.
    changes_digest: String,
    plan_key: String,
    applied: bool,
}

impl SeedPage {
    fn new(chrome: Chrome) -> Self {
        SeedPage {
            chrome,
            file_name: String::new(),
            issues: Vec::new(),
            changes: Vec::new(),
            error: None,
            text: String::new(),
            digest: String::new(),
            changes_digest: String::new(),
            plan_key: String::new(),
            applied: false,
        }
    }
}

pub(crate) async fn form(AdminOnly(user): AdminOnly) -> Result<Response, AppError> {
    Ok(render(&SeedPage::new(Chrome::new(Some(user))))?.into_response())
}

fn digest(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn changes_digest(changes: &[String]) -> String {
    digest(&changes.join("\n"))
}

/// Checks the uploaded file and shows what loading it would change; nothing is written.
pub(crate) async fn preview(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = Upload::read(&mut multipart, &user).await?;
    let mut page = SeedPage::new(Chrome::new(Some(user)));
    let Some((name, bytes)) = upload.file else {
        page.error = Some("请选择要上传的种子文件（.toml）。".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    page.file_name = crate::reports::clean_file_name(&name);
    let Ok(text) = String::from_utf8(bytes) else {
        page.error = Some("文件不是 UTF-8 编码的文本。".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    // The text comes back from the confirmation form with LF line breaks (see `Form`): it is
    // read, shown and digested with the same.
    let text = lf_line_breaks(text);
    match seed::parse(&page.file_name, &text) {
        Err(e) => {
            page.issues = e.issues;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Ok(plan) => {
            let actor = crate::audit::Actor::system("preview");
            match seed::load(&state.pool, &plan, true, &actor).await {
                Ok(changes) => {
                    page.changes = changes.iter().map(ToString::to_string).collect();
                    page.plan_key = plan.meta.key.clone();
                    page.digest = digest(&text);
                    page.changes_digest = changes_digest(&page.changes);
                    page.text = text;
                    Ok(render(&page)?.into_response())
                }
                Err(e) => {
                    page.error = Some(load_error(&e));
                    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
                }
            }
        }
    }
}

pub(crate) fn load_error(e: &LoadError) -> String {
    match e {
        LoadError::Conflict(m) => format!("无法载入：{m}"),
        LoadError::Database(err) => {
            tracing::warn!(error = %err, "seed load refused by the database");
            "无法载入：数据库拒绝了这些变更（例如要删除的事项已有填报记录）。未写入任何内容。"
                .into()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ApplyForm {
    file_name: String,
    text: String,
    digest: String,
    /// Digest of the changes the preview showed.
    changes: String,
}

/// Loads the previewed text for real, in one transaction, audited under the admin's name.
pub(crate) async fn apply(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    SignedForm(form): SignedForm<ApplyForm>,
) -> Result<Response, AppError> {
    if digest(&form.text) != form.digest {
        return Err(AppError::BadRequest(
            "确认的内容与预览的内容不一致，请重新上传。".into(),
        ));
    }
    let actor = user.actor();
    let mut page = SeedPage::new(Chrome::new(Some(user)));
    page.file_name = crate::reports::clean_file_name(&form.file_name);
    let plan = match seed::parse(&page.file_name, &form.text) {
        Ok(plan) => plan,
        Err(e) => {
            page.issues = e.issues;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    // Another admin or a CLI load since the preview would make this load change other things
    // than the ones confirmed: show the changes as they now are, and ask again.
    let now: Vec<String> = match seed::load(&state.pool, &plan, true, &actor).await {
        Ok(changes) => changes.iter().map(ToString::to_string).collect(),
        Err(e) => {
            page.error = Some(load_error(&e));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    if changes_digest(&now) != form.changes {
        page.error = Some(
            "预览之后，数据库中的数据已有变化：下面是按当前数据重新计算的变更，请核对后再确认。未写入任何内容。".into(),
        );
        page.changes_digest = changes_digest(&now);
        page.changes = now;
        page.plan_key = plan.meta.key;
        page.digest = form.digest;
        page.text = form.text;
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    match seed::load(&state.pool, &plan, false, &actor).await {
        Ok(changes) => {
            crate::reports::rounds::ensure_schedules(&state.pool).await?;
            page.changes = changes.iter().map(ToString::to_string).collect();
            page.plan_key = plan.meta.key;
            page.applied = true;
            Ok(render(&page)?.into_response())
        }
        Err(e) => {
            page.error = Some(load_error(&e));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}
