//! Adding a file to a report: read chunk by chunk, judged by its first bytes, hashed and
//! written as it arrives, and kept only if the report is still editable and within its quotas
//! when the last byte is in.

use std::collections::HashMap;

use axum::extract::multipart::Field;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};

use super::store::{self, NewFile, Usage};
use super::{CHUNK_BYTES, EvidenceQuota, MAX_FILE_BYTES, kinds, names, size_label};
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::accounts::session::SessionUser;
use crate::audit::{self, Entry};
use crate::error::AppError;
use crate::error::render;
use crate::reports::form::{ReportForm, parse_draft};
use crate::reports::page::{self, ReportPath};
use crate::reports::workflow::{self, FlowError, ReportKey};
use crate::reports::{queries, report_href};
use crate::web::extract::Path;
use crate::web::extract::lf_line_breaks;

/// The most fields read besides the token and the file: the report form has a dozen or so
/// (one per counted milestone among them); a body with more is not the portal's form.
const MAX_TYPED_FIELDS: usize = 200;

/// Adds one file to a report the signed-in reporter may still edit.
#[tracing::instrument(name = "report.evidence_upload", skip_all, fields(user = %user.username, round = %path.0, item = %path.1, unit = %path.2))]
pub async fn upload(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(path): Path<ReportPath>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    match add_file(&state, &user, &path, multipart).await {
        Ok(Added::Draft(refusal)) => Ok(refusal),
        Ok(Added::File(done)) => Ok(done),
        // A refused file is told beside the upload field, on the report page itself, so the
        // reporter sees why and where to try again without losing their place.
        Err(e @ (AppError::BadRequest(_) | AppError::FileTooLarge(_))) => {
            refused(&state, user, &path, e).await
        }
        Err(e) => Err(e),
    }
}

/// What adding a file came to: the file kept (the answer says where to go), or the report's
/// text sent with it refused (the report page with the text as typed and what is wrong).
enum Added {
    File(Response),
    Draft(Response),
}

/// Told when the text sent with a file could not be saved: the file waits for it.
const NOT_UPLOADED: &str =
    "文件未上传：请先更正上面标出的问题，再重新选择文件上传。填写的内容仍在表单中。";

/// The report's text sent together with a file (the report form's upload button), saved as a
/// draft before the file is read, so that nothing typed before choosing a file is lost. An
/// unchanged text saves nothing. `Some` is the page to answer with when it cannot be saved.
async fn save_typed(
    state: &AppState,
    user: &SessionUser,
    path: &ReportPath,
    fields: HashMap<String, String>,
) -> Result<Option<Response>, AppError> {
    let (round_id, item_key, unit_id) = path;
    let mut form = ReportForm::from_fields(fields);
    form.action = "save".into();
    let loaded = page::load(state, user, *round_id, item_key, *unit_id).await?;
    let stored = match &loaded.report {
        Some(r) => ReportForm::of(r, &loaded.milestones),
        None => ReportForm::blank(),
    };
    if form.same_content(&stored) {
        return Ok(None);
    }
    let draft = match parse_draft(&form, &loaded.milestones, loaded.value_rule()) {
        Ok(draft) => draft,
        Err(errors) => {
            let mut p = page::page(user.clone(), loaded, Some(form), *unit_id);
            p.errors = errors;
            p.upload_error = Some(NOT_UPLOADED.into());
            let status = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(Some((status, render(&p)?).into_response()));
        }
    };
    let key = ReportKey {
        round_id: *round_id,
        item_id: loaded.item.id,
        unit_id: *unit_id,
    };
    let base = form.version.parse::<i32>().unwrap_or(-1);
    match workflow::save(&state.pool, &user.actor(), key, base, &draft, false).await {
        Ok(_) => Ok(None),
        Err(e) => {
            if let FlowError::Conflict(Some(newer)) = &e {
                form.version = newer.version.to_string();
            }
            let keep = |p: &mut page::ReportPage| p.upload_error = Some(NOT_UPLOADED.into());
            crate::reports::outcome::refused(state, user.clone(), path, e, Some(form), keep)
                .await
                .map(Some)
        }
    }
}

/// A text field of a multipart body, read as a URL-encoded form's would be.
async fn text_field(field: Field<'_>) -> Result<String, AppError> {
    let text = field.text().await?;
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::BadRequest(
            "输入内容中含有不允许的控制字符。".into(),
        ));
    }
    Ok(lf_line_breaks(text))
}

async fn refused(
    state: &AppState,
    user: SessionUser,
    path: &ReportPath,
    e: AppError,
) -> Result<Response, AppError> {
    let status = e.status();
    let (AppError::BadRequest(message) | AppError::FileTooLarge(message)) = e else {
        return Err(e);
    };
    let (round_id, item_key, unit_id) = path;
    let loaded = page::load(state, &user, *round_id, item_key, *unit_id).await?;
    let mut p = page::page(user, loaded, None, *unit_id);
    p.upload_error = Some(message);
    Ok((status, render(&p)?).into_response())
}

async fn add_file(
    state: &AppState,
    user: &SessionUser,
    path: &ReportPath,
    mut multipart: Multipart,
) -> Result<Added, AppError> {
    let &(round_id, ref item_key, unit_id) = path;
    let round = queries::round(&state.pool, round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let item = queries::item_in_plan(&state.pool, round.plan_id, item_key)
        .await?
        .ok_or(AppError::NotFound)?;
    // An archived plan's reports take no more files.
    if !crate::policy::report_caps(user, unit_id).edit || round.archived {
        return Err(AppError::Forbidden);
    }
    let quota = state.settings.evidence_quota;
    let mut csrf = String::new();
    let mut received = None;
    let mut typed = HashMap::new();
    while let Some(field) = multipart.next_field().await? {
        match field.name() {
            Some("csrf") => csrf = field.text().await?,
            Some("file") if received.is_none() => {
                // The form puts its token first, so a forged request is refused before a
                // byte of its file is written.
                user.check_csrf(&csrf)?;
                if !typed.is_empty() {
                    let fields = std::mem::take(&mut typed);
                    if let Some(refusal) = save_typed(state, user, path, fields).await? {
                        return Ok(Added::Draft(refusal));
                    }
                }
                if field.file_name().is_none_or(str::is_empty) {
                    return Err(nothing_chosen());
                }
                let report = queries::report(&state.pool, round_id, item.id, unit_id)
                    .await?
                    .ok_or_else(|| AppError::BadRequest("请先保存草稿，再上传佐证材料。".into()))?;
                received = Some(receive(&state.pool, &quota, report.id, unit_id, field).await?);
            }
            // The report form's fields, when its upload button sent them with the file.
            Some(name) if received.is_none() && typed.len() < MAX_TYPED_FIELDS => {
                let name = name.to_string();
                typed.insert(name, text_field(field).await?);
            }
            _ => {}
        }
    }
    user.check_csrf(&csrf)?;
    let Received {
        mut tx,
        id,
        report_id,
        filename,
        content_type,
        size,
        sha256,
    } = received.ok_or_else(nothing_chosen)?;
    // Checked under the report's lock, which a submission also takes: a file cannot slip onto
    // a report that was sent on while it uploaded. Taken only now, so that a slow upload does
    // not hold up the report's other changes.
    if !store::lock_state(&mut tx, report_id).await?.editable() {
        return Err(AppError::BadRequest(
            "报告已报送，不能再添加佐证材料。".into(),
        ));
    }
    store::lock_unit_quota(&mut tx, unit_id).await?;
    let used = store::usage(&mut *tx, report_id, unit_id).await?;
    within_quota(&quota, &used, i64::from(size))?;
    let new = NewFile {
        id,
        report_id,
        filename: &filename,
        content_type,
        size,
        sha256: &sha256,
        uploaded_by: user.id,
    };
    store::insert(&mut tx, &new).await?;
    audit::record(
        &mut *tx,
        &user.actor(),
        Entry {
            action: "evidence.upload",
            object_type: Some("report"),
            object_id: Some(new.report_id.to_string()),
            after: Some(serde_json::json!({
                "evidence": new.id, "filename": new.filename, "bytes": new.size,
                "sha256": crate::accounts::password::hex(&sha256),
            })),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    let back = report_href(round_id, &item.key, unit_id);
    Ok(Added::File(
        Redirect::to(&format!("{back}?done=upload")).into_response(),
    ))
}

fn nothing_chosen() -> AppError {
    AppError::BadRequest("请选择要上传的文件。".into())
}

/// A file read to its end and written into the still open transaction.
struct Received {
    tx: Transaction<'static, Postgres>,
    id: i64,
    report_id: i64,
    filename: String,
    content_type: &'static str,
    size: i32,
    sha256: Vec<u8>,
}

/// Reads the file field chunk by chunk: at most about one chunk is held at a time. Nothing is
/// written before the first bytes show an accepted type; a file is refused as soon as it passes
/// the size limit or what the quotas leave.
async fn receive(
    pool: &PgPool,
    quota: &EvidenceQuota,
    report_id: i64,
    unit_id: i64,
    mut field: Field<'_>,
) -> Result<Received, AppError> {
    let filename = names::clean_name(field.file_name().unwrap_or_default());
    kinds::refuse_executable(&filename).map_err(AppError::BadRequest)?;
    // Read without the lock, to refuse early; the decision is taken again under it.
    let used = store::usage(pool, report_id, unit_id).await?;
    within_quota(quota, &used, 0)?;
    let mut writer = Writer::new(pool);
    let mut hasher = Sha256::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut content_type = None;
    let mut size = 0usize;
    while let Some(bytes) = field.chunk().await? {
        size += bytes.len();
        if size > MAX_FILE_BYTES {
            return Err(AppError::FileTooLarge(format!(
                "单个文件不能超过 {}。请压缩或拆分后重新上传。",
                size_label(MAX_FILE_BYTES as i64)
            )));
        }
        within_quota(quota, &used, size as i64)?;
        hasher.update(&bytes);
        pending.extend_from_slice(&bytes);
        if content_type.is_none() && pending.len() >= kinds::SNIFF_BYTES {
            content_type = Some(judge(&pending, false, &filename)?);
        }
        if content_type.is_some() {
            while pending.len() >= CHUNK_BYTES {
                let rest = pending.split_off(CHUNK_BYTES);
                writer.write(&pending).await?;
                pending = rest;
            }
        }
    }
    if size == 0 {
        return Err(nothing_chosen());
    }
    let content_type = match content_type {
        Some(t) => t,
        None => judge(&pending, true, &filename)?,
    };
    if !pending.is_empty() {
        writer.write(&pending).await?;
    }
    let (tx, id) = writer.open.ok_or_else(nothing_chosen)?;
    Ok(Received {
        tx,
        id,
        report_id,
        filename,
        content_type,
        size: i32::try_from(size).map_err(|_| AppError::PayloadTooLarge)?,
        sha256: hasher.finalize().to_vec(),
    })
}

/// The content type of a file whose first bytes are `head`, if its name agrees with them.
fn judge(head: &[u8], whole: bool, filename: &str) -> Result<&'static str, AppError> {
    let kind =
        kinds::sniff(head, whole).ok_or_else(|| AppError::BadRequest(kinds::unknown_type()))?;
    kinds::agree(kind, filename).map_err(AppError::BadRequest)
}

/// Writes chunks into a transaction opened at the first one, so that a refused file costs no
/// connection.
struct Writer<'p> {
    pool: &'p PgPool,
    open: Option<(Transaction<'static, Postgres>, i64)>,
    seq: i32,
}

impl<'p> Writer<'p> {
    fn new(pool: &'p PgPool) -> Self {
        Writer {
            pool,
            open: None,
            seq: 0,
        }
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), AppError> {
        let (tx, id) = match &mut self.open {
            Some(open) => open,
            None => {
                let mut tx = self.pool.begin().await?;
                let id = store::next_id(&mut tx).await?;
                self.open.insert((tx, id))
            }
        };
        store::write_chunk(tx, *id, self.seq, data).await?;
        self.seq += 1;
        Ok(())
    }
}

/// Refuses a file of `size` bytes (0: not yet read) that the quotas leave no room for.
fn within_quota(quota: &EvidenceQuota, used: &Usage, size: i64) -> Result<(), AppError> {
    let refuse = |m: String| Err(AppError::BadRequest(m));
    if used.files >= quota.files_per_report {
        return refuse(format!(
            "每份报告最多上传 {} 个佐证材料，本报告已有 {} 个，不能再上传。请将多份材料合并为一个 PDF 或压缩为一个 ZIP 后再上传；如确需更多，请联系管理员。",
            quota.files_per_report, used.files
        ));
    }
    if used.report_bytes + size > quota.bytes_per_report {
        return refuse(format!(
            "每份报告的佐证材料合计不能超过 {}，本报告已用 {}，加上此文件将超过上限。请压缩或精简材料后再上传。",
            size_label(quota.bytes_per_report),
            size_label(used.report_bytes)
        ));
    }
    if used.unit_bytes + size > quota.bytes_per_unit {
        return refuse(format!(
            "每个单位的佐证材料合计不能超过 {}，本单位已用 {}，加上此文件将超过上限。请压缩或精简材料后再上传，或联系管理员。",
            size_label(quota.bytes_per_unit),
            size_label(used.unit_bytes)
        ));
    }
    Ok(())
}
