//! A plan as the importer reads it from a document: loose enough to hold what it is unsure
//! of (with a 待确认 note where it is), and written out as a seed file by `toml_out`.

use serde::{Deserialize, Serialize};

use crate::plan::model::Role;

pub use crate::plan::model::ItemKind as Kind;

/// How a seed file names each kind of item.
pub trait SeedNames {
    /// The array of tables: `tasks`, `columns.areas`.
    fn table(self) -> &'static str;
    /// The key prefix: `task` in `task-3`.
    fn prefix(self) -> &'static str;
}

impl SeedNames for Kind {
    fn table(self) -> &'static str {
        match self {
            Kind::Category => "categories",
            Kind::ColumnArea => "columns.areas",
            Kind::Indicator => "indicators",
            Kind::Subtarget => "subtargets",
            Kind::Principle => "principles",
            Kind::Task => "tasks",
            Kind::Column => "columns",
            Kind::Project => "projects",
            Kind::Requirement => "requirements",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Kind::Category => "category",
            Kind::ColumnArea => "area",
            k => k.table().trim_end_matches('s'),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub key: String,
    pub jurisdiction: String,
    pub title: String,
    pub doc_number: String,
    pub issuer: String,
    /// `YYYY-MM-DD`.
    pub issue_date: String,
    pub start_year: i32,
    pub end_year: i32,
    pub recipients: Option<String>,
    pub notice: Option<String>,
    pub preamble: Option<String>,
    /// The key of the earlier plan this one continues.
    #[serde(default)]
    pub continues: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub kind: Kind,
    pub number: i32,
    pub title: String,
    pub text: String,
    /// The category's number, for tasks and 专栏.
    pub category: Option<i32>,
    /// For a 专栏: the number of the task it follows; for an area: its 专栏's number.
    pub after: Option<i32>,
    pub units_text: Option<String>,
    pub roles: Roles,
    /// The 责任单位 list ends in 「等」: more units than named.
    pub open_list: bool,
    /// 「plan-key/item-key」 of the earlier item this one continues (接续).
    #[serde(default)]
    pub continues: Option<String>,
    pub milestones: Vec<Milestone>,
    pub target: Option<Target>,
    /// Where it stands in the source: 「第12行」, 「第3段」, 「重点任务 第12行 F列」.
    pub place: String,
}

impl Item {
    pub fn new(kind: Kind, number: i32, title: String, place: String) -> Self {
        Item {
            kind,
            number,
            title,
            text: String::new(),
            category: None,
            after: None,
            units_text: None,
            roles: Roles::default(),
            open_list: false,
            continues: None,
            milestones: Vec::new(),
            target: None,
            place,
        }
    }

    pub fn key(&self) -> String {
        match (self.kind, self.after) {
            (Kind::ColumnArea, Some(column)) => format!("column-{column}-{}", self.number),
            _ => format!("{}-{}", self.kind.prefix(), self.number),
        }
    }
}

/// Canonical unit and group names by role (牵头, 负责, 配合).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    pub lead: Vec<String>,
    pub responsible: Vec<String>,
    pub supporting: Vec<String>,
}

impl Roles {
    pub fn list(&self, role: Role) -> &Vec<String> {
        match role {
            Role::Lead => &self.lead,
            Role::Responsible => &self.responsible,
            Role::Supporting => &self.supporting,
        }
    }

    pub fn list_mut(&mut self, role: Role) -> &mut Vec<String> {
        match role {
            Role::Lead => &mut self.lead,
            Role::Responsible => &mut self.responsible,
            Role::Supporting => &mut self.supporting,
        }
    }

    pub fn push(&mut self, role: Role, name: String) {
        self.list_mut(role).push(name);
    }

    pub fn is_empty(&self) -> bool {
        Role::ALL.iter().all(|r| self.list(*r).is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    /// Its stable key, when it comes from a loaded plan or a seed.
    #[serde(default)]
    pub key: Option<String>,
    pub title: String,
    pub target: Option<(i64, String)>,
    pub due_year: Option<i32>,
    pub quote: String,
    pub note: Option<String>,
    /// Units' shares of the count, where the document splits it.
    #[serde(default)]
    pub shares: Vec<(String, i32)>,
    #[serde(default)]
    pub shares_add_up: bool,
}

/// What an indicator or sub-target must reach, as the seed states it.
pub use crate::seed::ItemTarget as Target;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub name: String,
    pub full_name: Option<String>,
    pub kind: String,
    pub aliases: Vec<String>,
    /// Found among the portal's units (or the reference seed's).
    pub known: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub aliases: Vec<String>,
    pub members: Option<Vec<String>>,
    pub known: bool,
}

/// Something the admin must look at, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub place: String,
    pub text: String,
    /// The item it is about, by key.
    pub item: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub meta: Meta,
    /// In document order.
    pub items: Vec<Item>,
    pub units: Vec<Unit>,
    pub groups: Vec<Group>,
    pub notes: Vec<Note>,
    /// Read from a 任务分解表: it holds tasks and projects only.
    #[serde(default)]
    pub from_sheet: bool,
}

impl Draft {
    pub fn note(&mut self, place: impl Into<String>, text: impl Into<String>) {
        self.notes.push(Note {
            place: place.into(),
            text: text.into(),
            item: None,
        });
    }

    pub fn note_item(&mut self, item: &Item, text: impl Into<String>) {
        self.notes.push(Note {
            place: item.place.clone(),
            text: text.into(),
            item: Some(item.key()),
        });
    }

    pub fn count(&self, kind: Kind) -> usize {
        self.items.iter().filter(|i| i.kind == kind).count()
    }
}
