//! What the 导入规划 page shows of a draft: its items with their role split as editable rows,
//! the units matched and new, the problems with their places, the seed's own check, what
//! loading would change, and the differences from the plan as loaded.

use askama::Template;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::accounts::password::hex;
use crate::audit::Actor;
use crate::error::AppError;
use crate::import::carry::{self, Unfinished};
use crate::import::draft::{Kind, Meta, Note};
use crate::import::merge::{Difference, diff};
use crate::import::{self, Draft};
use crate::plan::model::{Role, UnitKind};
use crate::seed::{self, PlanSeed, SeedIssue};
use crate::web::Chrome;

#[derive(Template)]
#[template(path = "admin/import.html")]
pub(super) struct ImportPage {
    pub chrome: Chrome,
    pub file_name: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    /// Text pasted into the upload form, shown again when it was refused.
    pub pasted: String,
    pub draft: Option<DraftView>,
}

impl ImportPage {
    pub fn new(chrome: Chrome) -> Self {
        ImportPage {
            chrome,
            file_name: String::new(),
            error: None,
            notice: None,
            pasted: String::new(),
            draft: None,
        }
    }
}

/// One editable row: an item with 责任单位 (or a category's task).
pub(super) struct Row {
    pub key: String,
    pub kind: &'static str,
    pub number: i32,
    pub title: String,
    pub category: Option<i32>,
    pub takes_units: bool,
    /// Names by role, as the form shows them.
    pub roles: Vec<(Role, String)>,
    pub units_text: String,
    pub place: String,
    pub notes: Vec<String>,
}

pub(super) struct BodyRow {
    pub name: String,
    pub what: &'static str,
    pub known: bool,
}

pub(super) struct DraftView {
    /// The draft itself, carried by the form.
    pub json: String,
    pub meta: Meta,
    pub summary: String,
    pub notes: Vec<Note>,
    pub rows: Vec<Row>,
    pub categories: Vec<(i32, String)>,
    pub bodies: Vec<BodyRow>,
    pub new_bodies: usize,
    /// Against the plan of the same key, when one is loaded.
    pub replaces: bool,
    pub differences: Vec<Difference>,
    /// The seed check's problems; empty when the draft is a valid seed.
    pub issues: Vec<SeedIssue>,
    pub seed: Option<PlanSeed>,
    pub changes: Vec<String>,
    pub changes_digest: String,
    pub applied: bool,
    /// Plans of the jurisdiction this one may continue, and what the chosen one left unfinished.
    pub earlier_plans: Vec<(String, String)>,
    pub unfinished: Vec<Unfinished>,
}

impl DraftView {
    /// Whether the item `key` has a row of its own, for a note to link to.
    pub fn has_row(&self, key: &str) -> bool {
        self.rows.iter().any(|r| r.key == key)
    }

    pub async fn build(pool: &PgPool, draft: Draft) -> Result<Self, AppError> {
        let json = serde_json::to_string(&draft).map_err(|e| AppError::Internal(e.into()))?;
        let text = import::toml_out::write(&draft);
        let (seed, issues) = match seed::parse("draft.toml", &text) {
            Ok(s) => (Some(s), Vec::new()),
            Err(e) => (None, e.issues),
        };
        let mut changes = Vec::new();
        if let Some(s) = &seed {
            match seed::load(pool, s, true, &Actor::system("preview")).await {
                Ok(c) => changes = c.iter().map(ToString::to_string).collect(),
                Err(e) => changes.push(super::seeds::load_error(&e)),
            }
        }
        let current = import::db::plan_draft(pool, &draft.meta.key).await?;
        let earlier_plans =
            carry::earlier_plans(pool, &draft.meta.jurisdiction, &draft.meta.key).await?;
        let unfinished = match &draft.meta.continues {
            Some(key) => carry::unfinished(pool, key, &draft).await?,
            None => Vec::new(),
        };
        let differences = current
            .as_ref()
            .map(|c| diff(c, &draft))
            .unwrap_or_default();
        Ok(DraftView {
            json,
            summary: import::summary(&draft),
            rows: rows(&draft),
            categories: draft
                .items
                .iter()
                .filter(|i| i.kind == Kind::Category)
                .map(|i| (i.number, i.title.clone()))
                .collect(),
            bodies: bodies(&draft),
            new_bodies: draft.units.iter().filter(|u| !u.known).count()
                + draft.groups.iter().filter(|g| !g.known).count(),
            replaces: current.is_some(),
            differences,
            changes_digest: hex(&Sha256::digest(changes.join("\n").as_bytes())),
            changes,
            issues,
            seed,
            notes: draft.notes.clone(),
            meta: draft.meta,
            applied: false,
            earlier_plans,
            unfinished,
        })
    }

    /// Loads the checked seed in one transaction, under the admin's name.
    pub async fn load(&mut self, pool: &PgPool, actor: &Actor) -> Result<(), AppError> {
        let Some(s) = &self.seed else {
            return Ok(());
        };
        match seed::load(pool, s, false, actor).await {
            Ok(changes) => {
                crate::reports::rounds::ensure_schedules(pool).await?;
                self.changes = changes.iter().map(ToString::to_string).collect();
                self.applied = true;
            }
            Err(e) => {
                self.changes = vec![super::seeds::load_error(&e)];
            }
        }
        Ok(())
    }
}

fn rows(draft: &Draft) -> Vec<Row> {
    draft
        .items
        .iter()
        .filter(|i| !matches!(i.kind, Kind::Category | Kind::Column | Kind::ColumnArea))
        .map(|i| {
            let key = i.key();
            Row {
                kind: i.kind.label(),
                number: i.number,
                title: i.title.clone(),
                category: i.category,
                takes_units: i.kind.takes_units(),
                roles: Role::ALL
                    .iter()
                    .map(|r| (*r, i.roles.list(*r).join("、")))
                    .collect(),
                units_text: i.units_text.clone().unwrap_or_default(),
                place: i.place.clone(),
                notes: draft
                    .notes
                    .iter()
                    .filter(|n| n.item.as_deref() == Some(&key))
                    .map(|n| n.text.clone())
                    .collect(),
                key,
            }
        })
        .collect()
}

fn bodies(draft: &Draft) -> Vec<BodyRow> {
    let units = draft.units.iter().map(|u| BodyRow {
        name: u.name.clone(),
        what: UnitKind::parse(&u.kind).map_or("单位", UnitKind::label),
        known: u.known,
    });
    let groups = draft.groups.iter().map(|g| BodyRow {
        name: g.name.clone(),
        what: "集体名称",
        known: g.known,
    });
    let mut all: Vec<BodyRow> = units.chain(groups).collect();
    // New ones first: they are what the admin must look at.
    all.sort_by_key(|b| b.known);
    all
}
