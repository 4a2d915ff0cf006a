//! Two evaluations side by side (mid-term against final): what moved, what did not.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{EvaluationRow, stored};
use crate::AppState;
use crate::error::{AppError, render};
use crate::policy::DashboardReader;
use crate::web::Chrome;
use crate::web::extract::{Path, Query};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Pick {
    a: String,
    b: String,
}

pub struct Moved {
    pub label: String,
    pub title: String,
    pub before: String,
    pub before_slug: String,
    pub after: String,
    pub after_slug: String,
}

pub struct CountRow {
    pub label: String,
    pub before: usize,
    pub after: usize,
    pub delta: i64,
}

#[derive(Template)]
#[template(path = "evaluation/compare.html")]
struct ComparePage {
    chrome: Chrome,
    plan_key: String,
    a: EvaluationRow,
    b: EvaluationRow,
    counts: Vec<CountRow>,
    indicators: Vec<Moved>,
    moved: Vec<Moved>,
    unchanged: Vec<Moved>,
}

pub async fn compare(
    State(state): State<AppState>,
    DashboardReader(user): DashboardReader,
    Path(key): Path<String>,
    Query(p): Query<Pick>,
) -> Result<Response, AppError> {
    let a = stored(&state, &key, &p.a).await?;
    let b = stored(&state, &key, &p.b).await?;
    let counts = a
        .frozen
        .statuses
        .iter()
        .map(|(slug, label, n, _)| {
            let after = b
                .frozen
                .statuses
                .iter()
                .find(|s| &s.0 == slug)
                .map_or(0, |s| s.2);
            CountRow {
                label: label.clone(),
                before: *n,
                after,
                delta: i64::try_from(after).unwrap_or(0) - i64::try_from(*n).unwrap_or(0),
            }
        })
        .collect();
    let indicators = a
        .frozen
        .indicators
        .iter()
        .filter_map(|i| {
            let j = b.frozen.indicators.iter().find(|j| j.key == i.key)?;
            Some(Moved {
                label: i.label.clone(),
                title: i.title.clone(),
                before: format!("{}（{}）", i.verdict, i.latest),
                before_slug: i.verdict_slug.clone(),
                after: format!("{}（{}）", j.verdict, j.latest),
                after_slug: j.verdict_slug.clone(),
            })
        })
        .collect();
    let items_of = |f: &super::Frozen| {
        let mut v: Vec<super::frozen::FrozenItem> = f.subtargets.clone();
        v.extend(f.categories.iter().flat_map(|c| c.items.iter().cloned()));
        v.extend(f.projects.iter().cloned());
        v
    };
    let after = items_of(&b.frozen);
    let (mut moved, mut unchanged) = (Vec::new(), Vec::new());
    for i in items_of(&a.frozen) {
        let Some(j) = after.iter().find(|j| j.key == i.key) else {
            continue;
        };
        let m = Moved {
            label: i.label.clone(),
            title: i.title.clone(),
            before: i.status.clone(),
            before_slug: i.status_slug.clone(),
            after: j.status.clone(),
            after_slug: j.status_slug.clone(),
        };
        if i.status_slug == j.status_slug {
            unchanged.push(m);
        } else {
            moved.push(m);
        }
    }
    Ok(render(&ComparePage {
        chrome: Chrome::new(Some(user)),
        plan_key: key,
        a: a.row,
        b: b.row,
        counts,
        indicators,
        moved,
        unchanged,
    })?
    .into_response())
}
