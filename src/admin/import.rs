//! 导入规划: a plan document or 任务分解表 uploaded, drafted, shown item by item with its
//! role split, the units matched and new, and its differences from the plan as loaded; the
//! admin corrects titles, categories and roles, downloads the seed or loads it in one
//! transaction.

use std::collections::HashMap;

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::import_view::{DraftView, ImportPage};
use crate::AppState;
use crate::error::{AppError, render};
use crate::import::{self, Draft, ImportError, Vocabulary};
use crate::plan::model::Role;
use crate::policy::{AdminOnly, SignedForm};
use crate::web::Chrome;
use crate::web::extract::Upload;

/// A plan document is well under a megabyte; a 任务分解表 with formatting a few.
pub(crate) const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
/// The name pasted text goes by.
const PASTED: &str = "粘贴的文字.txt";

/// The review form carries the draft back: a plan of a few hundred items.
pub(crate) const MAX_REVIEW_BYTES: usize = 4 * 1024 * 1024;

pub(crate) async fn form(AdminOnly(user): AdminOnly) -> Result<Response, AppError> {
    Ok(render(&ImportPage::new(Chrome::new(Some(user))))?.into_response())
}

/// The uploaded file (or pasted text) drafted and shown; nothing is written.
pub(crate) async fn upload(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let mut upload = Upload::read(&mut multipart, &user).await?;
    let pasted = upload.texts.remove("text").unwrap_or_default();
    let mut page = ImportPage::new(Chrome::new(Some(user)));
    let (name, bytes) = match upload.file {
        Some(f) => f,
        None if !pasted.trim().is_empty() => (PASTED.to_string(), pasted.into_bytes()),
        None => {
            page.error =
                Some("请选择要导入的文件（.docx、.xlsx、.txt 或 .md），或粘贴文件文字。".into());
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    page.file_name = crate::reports::clean_file_name(&name);
    match draft_from(&state, &name, &bytes).await? {
        Ok(draft) => {
            page.draft = Some(DraftView::build(&state.pool, draft).await?);
            Ok(render(&page)?.into_response())
        }
        Err(e) => {
            page.error = Some(e.to_string());
            // A refused paste is shown again, not lost.
            if name == PASTED {
                page.pasted = String::from_utf8_lossy(&bytes).into_owned();
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// Reads the file, matches its names to the units of its jurisdiction, and lays a 任务分解表
/// over the plan it was exported from.
async fn draft_from(
    state: &AppState,
    name: &str,
    bytes: &[u8],
) -> Result<Result<Draft, ImportError>, AppError> {
    let bytes = bytes.to_vec();
    let name = name.to_string();
    // Parsing a document is CPU work: off the request threads.
    let read = tokio::task::spawn_blocking(move || import::read(&name, &bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let draft = match read {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let vocabulary = vocabulary_for(state, &draft).await?;
    let draft = match import::finish(draft, &vocabulary) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    if draft.from_sheet
        && let Some(current) = import::db::plan_draft(&state.pool, &draft.meta.key).await?
    {
        let mut merged = import::merge::merge_sheet(draft, &current);
        import::resolve(&mut merged, &vocabulary);
        return Ok(Ok(merged));
    }
    Ok(Ok(draft))
}

async fn vocabulary_for(state: &AppState, draft: &Draft) -> Result<Vocabulary, AppError> {
    let m = &draft.meta;
    Ok(import::db::vocabulary(&state.pool, &m.jurisdiction, &m.doc_number, &m.title).await?)
}

/// The preview form: corrections applied and shown again, the seed downloaded, or loaded.
pub(crate) async fn review(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    SignedForm(form): SignedForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let mut draft: Draft = serde_json::from_str(field("draft"))
        .map_err(|_| AppError::BadRequest("导入内容已损坏，请重新上传文件。".into()))?;
    let errors = apply_edits(&mut draft, &form);
    let mut carried = None;
    if let Some(earlier) = form.get("continues") {
        draft.meta.continues =
            Some(earlier.clone()).filter(|k| !k.is_empty() && *k != draft.meta.key);
    }
    if field("action") == "carry"
        && let Some(key) = draft.meta.continues.clone()
        && let Some(earlier) = import::db::plan_draft(&state.pool, &key).await?
    {
        let mut chosen: Vec<String> = form
            .iter()
            .filter(|(k, v)| k.starts_with("carry/") && v.as_str() == "1")
            .map(|(k, _)| k["carry/".len()..].to_string())
            .collect();
        // In the earlier plan's order, whatever order the form listed them in.
        chosen.sort_by_key(|r| {
            earlier
                .items
                .iter()
                .position(|i| r.ends_with(&format!("/{}", i.key())))
        });
        carried = Some(import::carry::carry_over(&mut draft, &earlier, &chosen));
    }
    let vocabulary = vocabulary_for(&state, &draft).await?;
    import::resolve(&mut draft, &vocabulary);
    let actor = user.actor();
    let mut page = ImportPage::new(Chrome::new(Some(user)));
    page.file_name = crate::reports::clean_file_name(field("file_name"));
    if field("action") == "download" && errors.is_empty() {
        let text = import::toml_out::write(&draft);
        let name = format!("{}.toml", draft.meta.key);
        return Ok(crate::web::attachment(
            &name,
            "application/toml; charset=utf-8",
            text,
        ));
    }
    let mut view = DraftView::build(&state.pool, draft).await?;
    if !errors.is_empty() {
        page.error = Some(errors.join("；"));
        page.draft = Some(view);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    if field("action") == "load" {
        if view.seed.is_none() {
            page.error =
                Some("草稿还不是有效的种子文件：请先按下方问题更正。未写入任何内容。".into());
        } else if view.changes_digest != field("changes") {
            page.error = Some(
                "与上次预览相比，内容或数据库已有变化：请核对下面更新后的预览，再点「载入」。未写入任何内容。"
                    .into(),
            );
        } else {
            view.load(&state.pool, &actor).await?;
        }
        let status = if view.applied {
            StatusCode::OK
        } else {
            StatusCode::CONFLICT
        };
        page.draft = Some(view);
        return Ok((status, render(&page)?).into_response());
    }
    if let Some(n) = carried {
        page.notice = Some(format!("已接续上一规划的 {n} 项未完成事项，请核对后载入。"));
    }
    page.draft = Some(view);
    Ok(render(&page)?.into_response())
}

/// Titles, categories and roles as the admin corrected them; an edit that cannot stand is
/// left out and said.
fn apply_edits(draft: &mut Draft, form: &HashMap<String, String>) -> Vec<String> {
    let mut errors = Vec::new();
    let categories: Vec<i32> = draft
        .items
        .iter()
        .filter(|i| i.kind == import::draft::Kind::Category)
        .map(|i| i.number)
        .collect();
    for item in &mut draft.items {
        let key = item.key();
        if let Some(title) = form.get(&format!("title/{key}")) {
            let title = title.trim();
            if title.is_empty() {
                errors.push(format!(
                    "{}（{key}）的标题不能为空，已保留原标题",
                    item.kind.label()
                ));
            } else {
                item.title = title.to_string();
            }
        }
        if let Some(c) = form.get(&format!("category/{key}")) {
            match c.parse::<i32>() {
                Ok(n) if categories.contains(&n) => item.category = Some(n),
                _ => errors.push(format!("{key} 所选的任务类别不存在")),
            }
        }
        for role in Role::ALL {
            if let Some(names) = form.get(&format!("{}/{key}", role.slug())) {
                *item.roles.list_mut(role) = import::roles::names(names);
            }
        }
    }
    errors
}
