//! The units of one jurisdiction, for admins: names, kinds, how many duties and accounts.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::error::{AppError, render};
use crate::plan::model::UnitKind;
use crate::policy::AdminOnly;
use crate::web::Chrome;
use crate::web::extract::Query;

struct UnitLine {
    id: i64,
    name: String,
    full_name: Option<String>,
    kind: UnitKind,
    jurisdiction: String,
    accounts: i64,
    duties: i64,
}

#[derive(Template)]
#[template(path = "admin/units.html")]
struct ListPage {
    chrome: Chrome,
    units: Vec<UnitLine>,
    jurisdictions: Vec<(String, String)>,
    /// The name of the jurisdiction shown.
    chosen: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    #[serde(default)]
    jurisdiction: String,
}

/// One jurisdiction's units at a time (the default plan's unless another is chosen): a
/// province may hold hundreds of cities.
pub(crate) async fn list(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let chosen: Option<i64> = q.jurisdiction.parse().ok();
    let units = sqlx::query_as!(
        UnitLine,
        r#"SELECT u.id, u.name, u.full_name, u.kind AS "kind: UnitKind", j.name AS jurisdiction,
                  (SELECT count(*) FROM users a WHERE a.unit_id = u.id) AS "accounts!",
                  (SELECT count(*) FROM unit_duties d WHERE d.unit_id = u.id) AS "duties!"
           FROM units u JOIN jurisdictions j ON j.id = u.jurisdiction_id
           WHERE u.jurisdiction_id = COALESCE($1, (SELECT jurisdiction_id FROM plans
                                                   ORDER BY issue_date DESC, id DESC LIMIT 1))
           ORDER BY u.kind, u.id"#,
        chosen
    )
    .fetch_all(&state.pool)
    .await?;
    let jurisdictions = sqlx::query!("SELECT id, name FROM jurisdictions ORDER BY name")
        .fetch_all(&state.pool)
        .await?
        .into_iter()
        .map(|j| (j.id.to_string(), j.name))
        .collect();
    Ok(render(&ListPage {
        chrome: Chrome::new(Some(user)),
        chosen: units
            .first()
            .map(|u| u.jurisdiction.clone())
            .unwrap_or_default(),
        jurisdictions,
        units,
    })?
    .into_response())
}
