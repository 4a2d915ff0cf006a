//! An item's standing in the totals (active, cancelled, merged; its weight) and, for an
//! indicator, what the document left open: its baseline value and whether it is binding.
//! The form carries the values it was shown; a save against changed values is refused.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::AppState;
use crate::audit::{self, Entry};
use crate::error::{AppError, error_page};
use crate::policy::{AdminOnly, SignedForm};
use crate::web::extract::Path;

/// The settings as shown on the page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub lifecycle: String,
    pub weight: String,
    pub is_indicator: bool,
    pub baseline: String,
    pub binding: String,
}

pub async fn current(db: impl sqlx::PgExecutor<'_>, item_id: i64) -> sqlx::Result<Settings> {
    let r = sqlx::query!(
        r#"SELECT i.lifecycle, i.weight::text AS "weight!", it.item_id AS "indicator?",
                  it.baseline_value::text AS baseline, it.binding
           FROM items i LEFT JOIN indicator_targets it ON it.item_id = i.id WHERE i.id = $1"#,
        item_id
    )
    .fetch_one(db)
    .await?;
    Ok(Settings {
        lifecycle: r.lifecycle,
        weight: r
            .weight
            .parse::<Decimal>()
            .map(|d| d.normalize().to_string())
            .unwrap_or(r.weight),
        is_indicator: r.indicator.is_some(),
        baseline: r
            .baseline
            .and_then(|b| b.parse::<Decimal>().ok())
            .map(|d| d.normalize().to_string())
            .unwrap_or_default(),
        binding: match r.binding {
            Some(true) => "binding",
            Some(false) => "expected",
            None => "",
        }
        .into(),
    })
}

/// Whether an item counts in the totals: the `items.lifecycle` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifecycle {
    Active,
    Cancelled,
    Merged,
}

impl Lifecycle {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Lifecycle::Active),
            "cancelled" => Some(Lifecycle::Cancelled),
            "merged" => Some(Lifecycle::Merged),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Active => "active",
            Lifecycle::Cancelled => "cancelled",
            Lifecycle::Merged => "merged",
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SettingsForm {
    lifecycle: String,
    weight: String,
    baseline: String,
    binding: String,
    /// What the page showed, to detect another admin's change.
    was: String,
}

/// The checked values: lifecycle, weight, baseline, binding (None: not stated).
type Checked = (Lifecycle, Decimal, Option<Decimal>, Option<bool>);

fn check(form: &SettingsForm) -> Result<Checked, crate::web::FormErrors> {
    let mut errors = crate::web::FormErrors::default();
    let lifecycle = Lifecycle::parse(&form.lifecycle);
    if lifecycle.is_none() {
        errors.push(("lifecycle", "请从列表中选择事项状态".to_string()));
    }
    let weight = match decimal(&form.weight, "权重") {
        Ok(Some(w)) if w > Decimal::ZERO && w <= Decimal::from(100) => Some(w),
        Ok(_) => {
            errors.push(("weight", "权重须为大于 0、不超过 100 的数字".into()));
            None
        }
        Err(m) => {
            errors.push(("weight", m));
            None
        }
    };
    let baseline = decimal(&form.baseline, "基期值").unwrap_or_else(|m| {
        errors.push(("baseline", m));
        None
    });
    let binding = match form.binding.as_str() {
        "binding" => Some(Some(true)),
        "expected" => Some(Some(false)),
        "" => Some(None),
        _ => {
            errors.push(("binding", "请从列表中选择指标属性".to_string()));
            None
        }
    };
    match (lifecycle, weight, binding) {
        (Some(l), Some(w), Some(b)) if errors.is_empty() => Ok((l, w, baseline, b)),
        _ => Err(errors),
    }
}

fn decimal(s: &str, what: &str) -> Result<Option<Decimal>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match crate::reports::model::plain_decimal(s) {
        Some(d) if d.scale() <= 4 && d < Decimal::from(1_000_000) => Ok(Some(d)),
        _ => Err(format!(
            "{what}须为不小于 0 的数字（最多四位小数），如 12 或 0.35"
        )),
    }
}

/// `was` is the settings as the page showed them, joined by `|`.
pub fn fingerprint(s: &Settings) -> String {
    [s.lifecycle.as_str(), &s.weight, &s.baseline, &s.binding].join("|")
}

pub(crate) async fn save(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(raw): Path<String>,
    SignedForm(form): SignedForm<SettingsForm>,
) -> Result<Response, AppError> {
    let item = super::assignments::item(&state, &raw).await?;
    let id = item.id;
    let typed = Settings {
        lifecycle: form.lifecycle.clone(),
        weight: form.weight.trim().to_string(),
        is_indicator: false,
        baseline: form.baseline.trim().to_string(),
        binding: form.binding.clone(),
    };
    let checked = check(&form);
    let (lifecycle, weight, baseline, binding) = match checked {
        Ok(values) => values,
        Err(errors) => {
            return super::assignments::settings_refused(
                &state, user, item, typed, form.was, errors,
            )
            .await;
        }
    };
    // The settings are compared with what the page showed under the item's lock: another
    // admin's save cannot land between the comparison and this one's update.
    let mut tx = state.pool.begin().await?;
    sqlx::query_scalar!("SELECT id FROM items WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = current(&mut *tx, id).await?;
    let refuse = |status, m: String| Ok(error_page(status, Some(&m)).into_response());
    if form.was != fingerprint(&before) {
        return refuse(
            StatusCode::CONFLICT,
            format!(
                "保存失败：在您编辑期间，该事项的设置已被他人修改（现为：{}）。请返回刷新后重试。",
                fingerprint(&before)
            ),
        );
    }
    sqlx::query!(
        "UPDATE items SET lifecycle = $2, weight = $3 WHERE id = $1",
        id,
        lifecycle.as_str(),
        weight
    )
    .execute(&mut *tx)
    .await?;
    if before.is_indicator {
        sqlx::query!(
            r#"UPDATE indicator_targets SET binding = $2,
                   baseline_value = CASE WHEN rule = 'relative_decrease' THEN $3 ELSE baseline_value END
               WHERE item_id = $1"#,
            id,
            binding,
            baseline
        )
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut *tx,
        &user.actor(),
        Entry {
            action: "item.settings",
            object_type: Some("item"),
            object_id: Some(id.to_string()),
            before: Some(serde_json::json!({ "settings": fingerprint(&before) })),
            after: Some(serde_json::json!({
                "lifecycle": lifecycle.as_str(), "weight": weight, "baseline": baseline, "binding": binding,
            })),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/assignments/{id}?done=settings")).into_response())
}

#[cfg(test)]
mod tests {
    use super::Lifecycle;

    #[test]
    fn lifecycles_round_trip_and_nothing_else_parses() {
        for l in [Lifecycle::Active, Lifecycle::Cancelled, Lifecycle::Merged] {
            assert_eq!(Lifecycle::parse(l.as_str()), Some(l));
        }
        for bad in ["", "Active", "deleted", " active"] {
            assert_eq!(Lifecycle::parse(bad), None, "{bad:?}");
        }
    }
}
