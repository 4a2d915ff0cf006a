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
use crate::web::Chrome;

const MAX_QUERY_CHARS: usize = 100;
const MAX_RESULTS: i64 = 200;
const CONTEXT_CHARS: usize = 40;

#[derive(Deserialize)]
pub(crate) struct SearchParams {
    #[serde(default)]
    q: String,
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
struct SearchPage {
    chrome: Chrome,
    q: String,
    message: Option<String>,
    items: Vec<ItemHit>,
    bodies: Vec<BodyHit>,
    /// More matched than are shown.
    truncated: bool,
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

pub(crate) async fn search(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(params): Query<SearchParams>,
) -> Result<Html<String>, AppError> {
    let q: String = params.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let mut page = SearchPage {
        chrome: Chrome::new(user),
        message: None,
        items: Vec::new(),
        bodies: Vec::new(),
        truncated: false,
        q: q.clone(),
    };
    if q.is_empty() {
        return render(&page);
    }
    if params.q.trim().chars().count() > MAX_QUERY_CHARS {
        page.message = Some(format!("搜索词过长，只按前 {MAX_QUERY_CHARS} 个字搜索。"));
    }
    let pattern = like_pattern(&fold(&q));
    page.items = item_hits(&state.pool, &pattern, &q).await?;
    page.bodies = body_hits(&state.pool, &pattern).await?;
    page.truncated =
        page.items.len() as i64 > MAX_RESULTS || page.bodies.len() as i64 > MAX_RESULTS;
    page.items.truncate(MAX_RESULTS as usize);
    page.bodies.truncate(MAX_RESULTS as usize);
    render(&page)
}

async fn item_hits(pool: &PgPool, pattern: &str, q: &str) -> Result<Vec<ItemHit>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT p.key AS plan_key, p.title AS plan_title, i.key, i.kind AS "kind: ItemKind",
                  i.number, i.title, i.body, i.units_text
           FROM items i JOIN plans p ON p.id = i.plan_id
           WHERE normalize(i.title, NFKC) ILIKE $1 OR normalize(i.body, NFKC) ILIKE $1
              OR normalize(i.units_text, NFKC) ILIKE $1
           ORDER BY p.issue_date DESC, p.id, i.position
           LIMIT $2"#,
        pattern,
        MAX_RESULTS + 1
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
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
        .collect())
}

async fn body_hits(pool: &PgPool, pattern: &str) -> Result<Vec<BodyHit>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT s.unit_id, s.group_id, COALESCE(u.name, g.name) AS "name!",
                  min(s.spelling) AS "spelling!", bool_or(s.spelling = COALESCE(u.name, g.name)) AS "by_name!"
           FROM name_spellings s
           LEFT JOIN units u ON u.id = s.unit_id
           LEFT JOIN unit_groups g ON g.id = s.group_id
           WHERE normalize(s.spelling, NFKC) ILIKE $1 OR normalize(u.full_name, NFKC) ILIKE $1
           GROUP BY s.unit_id, s.group_id, u.name, g.name
           ORDER BY s.group_id NULLS FIRST, s.unit_id
           LIMIT $2"#,
        pattern,
        MAX_RESULTS + 1
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
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
        .collect())
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
