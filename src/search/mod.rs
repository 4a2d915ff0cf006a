//! Search across item titles, texts, 责任单位 lines and unit names, by Chinese substring.

use askama::Template;
use axum::extract::State;

use crate::web::extract::Query;
use axum::response::Html;
use serde::Deserialize;
use sqlx::PgPool;

use crate::AppState;
use crate::accounts::extract::MaybeUser;
use crate::error::{AppError, render};
use crate::plan::model::ItemKind;
use crate::plan::views::item_href;
use crate::units::queries::JurisdictionChoice;
use crate::web::CachedPage;
use crate::web::body_cache::{Rendered, catalog_version};

const MAX_QUERY_CHARS: usize = 100;
/// Hits of each kind on one page.
const PAGE_SIZE: i64 = 50;
const CONTEXT_CHARS: usize = 40;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SearchParams {
    q: String,
    /// Where to search: a jurisdiction's id, `all`, or (absent or odd) the newest plan's.
    j: String,
    page: String,
}

/// A stretch of text around a match, split so the template can mark the match.
pub struct Snippet {
    pub before: String,
    pub hit: String,
    pub after: String,
}

struct ItemHit {
    label: String,
    kind: &'static str,
    title: String,
    href: String,
    plan_title: String,
    snippet: Option<Snippet>,
}

struct BodyHit {
    name: String,
    href: String,
    matched: Option<String>,
    is_group: bool,
}

#[derive(Template)]
#[template(path = "search/results.html")]
struct SearchBody {
    q: String,
    message: Option<String>,
    items: Vec<ItemHit>,
    bodies: Vec<BodyHit>,
    item_total: i64,
    body_total: i64,
    /// Jurisdictions to search in (only offered when there are several), and the one chosen:
    /// `None` is all of them.
    scopes: Vec<JurisdictionChoice>,
    scope: Option<i64>,
    page: i64,
    pages: i64,
    /// `q` and `j` for the pager's links, encoded.
    query: String,
}

impl SearchBody {
    fn page_size(&self) -> i64 {
        PAGE_SIZE
    }
}

impl SearchBody {
    fn chosen(&self, c: &JurisdictionChoice) -> bool {
        self.scope == Some(c.id)
    }
}

/// Full-width ASCII forms (（，：Ａ１) as their half-width letters, the ideographic space as
/// a space: Chinese input methods type one, the document often has the other. One char for
/// one char, so positions in the folded text are positions in the original.
pub fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn fold(s: &str) -> String {
    s.chars().map(fold_width).collect()
}

/// `%`, `_` and `\` are wildcards to LIKE; a user searching for them means them literally.
fn like_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The first occurrence of `needle` in `text` (ASCII case folded), with context on each side.
pub fn snippet(text: &str, needle: &str) -> Option<Snippet> {
    let hay: Vec<char> = text.chars().collect();
    let folded: Vec<char> = hay
        .iter()
        .map(|c| fold_width(*c).to_ascii_lowercase())
        .collect();
    let pat: Vec<char> = needle
        .chars()
        .map(|c| fold_width(c).to_ascii_lowercase())
        .collect();
    if pat.is_empty() || pat.len() > hay.len() {
        return None;
    }
    let start = (0..=hay.len() - pat.len()).find(|&i| folded[i..i + pat.len()] == pat[..])?;
    let end = start + pat.len();
    let from = start.saturating_sub(CONTEXT_CHARS);
    let to = (end + CONTEXT_CHARS).min(hay.len());
    let mut before: String = hay[from..start].iter().collect();
    if from > 0 {
        before.insert(0, '…');
    }
    let mut after: String = hay[end..to].iter().collect();
    if to < hay.len() {
        after.push('…');
    }
    Some(Snippet {
        before,
        hit: hay[start..end].iter().collect(),
        after,
    })
}

/// Results are the same for every reader: kept, apart from the pages, until the catalog
/// version moves on.
pub(crate) async fn search(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(params): Query<SearchParams>,
) -> Result<Html<String>, AppError> {
    let q: String = params.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let cut = params.q.trim().chars().count() > MAX_QUERY_CHARS;
    let scope = match params.j.trim() {
        "all" => Scope::All,
        j => j.parse().map_or(Scope::Default, Scope::One),
    };
    let page: i64 = params
        .page
        .trim()
        .parse()
        .ok()
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let version = catalog_version(&state.pool).await?;
    let key = format!("{scope:?}|{page}|{cut}|{q}");
    let rendered = state
        .searches
        .get_or_compute(key, version, || results(&state.pool, &q, cut, scope, page))
        .await?;
    let mut page = CachedPage::new(user, rendered);
    page.q = q;
    render(&page)
}

#[derive(Debug, Clone, Copy)]
enum Scope {
    Default,
    All,
    One(i64),
}

async fn results(
    pool: &PgPool,
    q: &str,
    cut: bool,
    scope: Scope,
    page: i64,
) -> Result<Rendered, AppError> {
    let scopes = crate::units::queries::jurisdictions(pool).await?;
    let scope = match scope {
        Scope::All => None,
        Scope::One(id) if scopes.iter().any(|c| c.id == id) => Some(id),
        Scope::One(_) => return Err(AppError::NotFound),
        Scope::Default => scopes.first().map(|c| c.id),
    };
    let title = if q.is_empty() {
        "搜索".to_string()
    } else {
        format!("搜索：{q}")
    };
    let mut body = SearchBody {
        message: cut.then(|| format!("搜索词过长，只按前 {MAX_QUERY_CHARS} 个字搜索。")),
        items: Vec::new(),
        bodies: Vec::new(),
        item_total: 0,
        body_total: 0,
        query: format!(
            "q={}&j={}",
            crate::web::encode(q),
            scope.map_or("all".to_string(), |id| id.to_string())
        ),
        scopes: if scopes.len() > 1 { scopes } else { Vec::new() },
        scope,
        page,
        pages: 1,
        q: q.to_string(),
    };
    if !q.is_empty() {
        let pattern = like_pattern(&fold(q));
        let offset = (page - 1) * PAGE_SIZE;
        (body.items, body.item_total) = item_hits(pool, &pattern, q, scope, offset).await?;
        (body.bodies, body.body_total) = body_hits(pool, &pattern, scope, offset).await?;
        let most = body.item_total.max(body.body_total);
        body.pages = ((most + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        if page > body.pages {
            return Err(AppError::NotFound);
        }
    }
    Ok(Rendered {
        title,
        body: body.render()?,
    })
}

/// One page of the items that match, and how many match in all.
async fn item_hits(
    pool: &PgPool,
    pattern: &str,
    q: &str,
    scope: Option<i64>,
    offset: i64,
) -> Result<(Vec<ItemHit>, i64), AppError> {
    let rows = sqlx::query!(
        r#"SELECT p.key AS plan_key, p.title AS plan_title, i.key, i.kind AS "kind: ItemKind",
                  i.number, i.title, i.body, i.units_text, count(*) OVER () AS "total!"
           FROM items i JOIN plans p ON p.id = i.plan_id
           WHERE ($2::bigint IS NULL OR p.jurisdiction_id = $2)
             AND (normalize(i.title, NFKC) ILIKE $1 OR normalize(i.body, NFKC) ILIKE $1
                  OR normalize(i.units_text, NFKC) ILIKE $1)
           ORDER BY p.issue_date DESC, p.id, i.position
           LIMIT $3 OFFSET $4"#,
        pattern,
        scope,
        PAGE_SIZE,
        offset
    )
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let hits = rows
        .into_iter()
        .map(|r| {
            let snip =
                snippet(&r.body, q).or_else(|| r.units_text.as_deref().and_then(|u| snippet(u, q)));
            ItemHit {
                label: r.kind.number_label(r.number),
                kind: r.kind.label(),
                href: item_href(&r.plan_key, &r.key),
                title: r.title,
                plan_title: r.plan_title,
                snippet: snip,
            }
        })
        .collect();
    Ok((hits, total))
}

/// One page of the units and collective names that match, and how many match in all.
async fn body_hits(
    pool: &PgPool,
    pattern: &str,
    scope: Option<i64>,
    offset: i64,
) -> Result<(Vec<BodyHit>, i64), AppError> {
    let rows = sqlx::query!(
        r#"SELECT s.unit_id, s.group_id, COALESCE(u.name, g.name) AS "name!",
                  min(s.spelling) AS "spelling!", bool_or(s.spelling = COALESCE(u.name, g.name)) AS "by_name!",
                  count(*) OVER () AS "total!"
           FROM name_spellings s
           LEFT JOIN units u ON u.id = s.unit_id
           LEFT JOIN unit_groups g ON g.id = s.group_id
           WHERE ($2::bigint IS NULL OR s.jurisdiction_id = $2)
             AND (normalize(s.spelling, NFKC) ILIKE $1 OR normalize(u.full_name, NFKC) ILIKE $1)
           GROUP BY s.unit_id, s.group_id, u.name, g.name
           ORDER BY s.group_id NULLS FIRST, s.unit_id
           LIMIT $3 OFFSET $4"#,
        pattern,
        scope,
        PAGE_SIZE,
        offset
    )
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let hits = rows
        .into_iter()
        .map(|r| BodyHit {
            href: match (r.unit_id, r.group_id) {
                (Some(u), _) => format!("/units/{u}"),
                (_, g) => format!("/groups/{}", g.unwrap_or_default()),
            },
            is_group: r.group_id.is_some(),
            matched: (!r.by_name).then_some(r.spelling),
            name: r.name,
        })
        .collect();
    Ok((hits, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("消防"), "%消防%");
        assert_eq!(like_pattern("100%_a\\"), "%100\\%\\_a\\\\%");
    }

    #[test]
    fn snippet_marks_chinese_match_with_context() -> Result<(), Box<dyn std::error::Error>> {
        let s = snippet("加强城市消防救援站建设", "消防").ok_or("no match")?;
        assert_eq!(
            (s.before.as_str(), s.hit.as_str(), s.after.as_str()),
            ("加强城市", "消防", "救援站建设")
        );
        assert!(snippet("abc", "消防").is_none());
        let long = "甲".repeat(100) + "消防" + &"乙".repeat(100);
        let s = snippet(&long, "消防").ok_or("no match")?;
        assert!(s.before.starts_with('…') && s.after.ends_with('…'));
        assert_eq!(s.before.chars().count(), CONTEXT_CHARS + 1);
        Ok(())
    }

    #[test]
    fn snippet_matches_across_widths() {
        let hit = snippet("各县(市、区)人民政府负责", "各县（市、区）").map(|s| s.hit);
        assert_eq!(hit.as_deref(), Some("各县(市、区)"));
        assert_eq!(fold("ＡＢ１（）　"), "AB1() ");
    }

    #[test]
    fn snippet_folds_ascii_case() {
        let hit = snippet("推进5G应用", "5g").map(|s| s.hit);
        assert_eq!(hit.as_deref(), Some("5G"));
    }
}
