//! A unit's record across plans: for every plan it answers in, how many items, how many of its
//! reports were accepted and how many items it reported 已完成. Read on every view (reports
//! move faster than the page it sits in is kept).

use askama::Template;
use sqlx::PgPool;

pub(crate) struct PlanRecord {
    pub key: String,
    pub title: String,
    pub start_year: i32,
    pub end_year: i32,
    pub archived: bool,
    pub items: i64,
    pub accepted: i64,
    pub completed: i64,
}

#[derive(Template)]
#[template(path = "units/record.html")]
pub(crate) struct Record {
    pub plans: Vec<PlanRecord>,
}

pub(crate) async fn of_unit(pool: &PgPool, unit_id: i64) -> sqlx::Result<Record> {
    let plans = sqlx::query_as!(
        PlanRecord,
        r#"WITH mine AS (
               SELECT a.item_id FROM assignments a WHERE a.unit_id = $1
               UNION
               SELECT a.item_id FROM assignments a
               JOIN unit_group_members m ON m.group_id = a.group_id WHERE m.unit_id = $1)
           SELECT p.key, p.title, p.start_year, p.end_year,
                  p.archived_at IS NOT NULL AS "archived!",
                  count(*) AS "items!",
                  (SELECT count(*) FROM reports r JOIN items ri ON ri.id = r.item_id
                   WHERE r.unit_id = $1 AND ri.plan_id = p.id AND r.state = 'accepted')
                      AS "accepted!",
                  (SELECT count(DISTINCT r.item_id) FROM reports r JOIN items ri ON ri.id = r.item_id
                   WHERE r.unit_id = $1 AND ri.plan_id = p.id AND r.state = 'accepted'
                     AND r.status = 'completed') AS "completed!"
           FROM mine JOIN items i ON i.id = mine.item_id JOIN plans p ON p.id = i.plan_id
           WHERE reportable(i.kind)
           GROUP BY p.id ORDER BY p.start_year DESC, p.id DESC"#,
        unit_id
    )
    .fetch_all(pool)
    .await?;
    Ok(Record { plans })
}
