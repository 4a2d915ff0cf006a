//! Reporting rounds: the default quarterly schedule of a plan, and ad-hoc rounds.

use chrono::{Datelike, NaiveDate};
use sqlx::PgPool;

/// A round as the schedule defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundSpec {
    pub key: String,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
}

const QUARTERS: [&str; 4] = ["第一季度", "第二季度", "第三季度", "第四季度"];
/// Reports open on the 1st of a quarter's last month and are due on its 25th.
const DUE_DAY: u32 = 25;

/// One round per quarter, from the quarter the plan was issued in to the end of its last year.
pub fn quarterly(issued: NaiveDate, end_year: i32) -> Vec<RoundSpec> {
    let mut out = Vec::new();
    let (mut year, mut q) = (issued.year(), issued.month0() / 3);
    while year <= end_year {
        let first_month = q * 3 + 1;
        let last_month = first_month + 2;
        let date = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);
        let end = if last_month == 12 {
            date(12, 31)
        } else {
            date(last_month + 1, 1).and_then(|d| d.pred_opt())
        };
        if let (Some(start), Some(end), Some(opens), Some(due)) = (
            date(first_month, 1),
            end,
            date(last_month, 1),
            date(last_month, DUE_DAY),
        ) {
            out.push(RoundSpec {
                key: format!("{year}-q{}", q + 1),
                title: format!("{year}年{}", QUARTERS[q as usize]),
                period_start: start,
                period_end: end,
                opens_on: opens,
                due_on: due,
            });
        }
        q += 1;
        if q == 4 {
            q = 0;
            year += 1;
        }
    }
    out
}

/// Creates the quarterly rounds every plan lacks; existing rounds are left as they are (a
/// supervisor may have moved a due date).
pub async fn ensure_schedules(pool: &PgPool) -> sqlx::Result<u64> {
    let plans = sqlx::query!("SELECT id, issue_date, end_year FROM plans")
        .fetch_all(pool)
        .await?;
    let mut created = 0;
    for p in plans {
        for r in quarterly(p.issue_date, p.end_year) {
            created += sqlx::query!(
                r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end,
                                                 opens_on, due_on, created_by)
                   VALUES ($1, $2, $3, 'scheduled', $4, $5, $6, $7, 'system')
                   ON CONFLICT (plan_id, key) DO NOTHING"#,
                p.id,
                r.key,
                r.title,
                r.period_start,
                r.period_end,
                r.opens_on,
                r.due_on
            )
            .execute(pool)
            .await?
            .rows_affected();
        }
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_from_issue_to_plan_end() -> Result<(), Box<dyn std::error::Error>> {
        let issued = NaiveDate::from_ymd_opt(2023, 5, 12).ok_or("no such date")?;
        let rounds = quarterly(issued, 2025);
        assert_eq!(rounds.len(), 11, "2023 Q2 … 2025 Q4");
        let first = &rounds[0];
        assert_eq!(first.key, "2023-q2");
        assert_eq!(first.title, "2023年第二季度");
        assert_eq!(first.period_start.to_string(), "2023-04-01");
        assert_eq!(first.period_end.to_string(), "2023-06-30");
        assert_eq!(first.opens_on.to_string(), "2023-06-01");
        assert_eq!(first.due_on.to_string(), "2023-06-25");
        let last = rounds.last().ok_or("no rounds")?;
        assert_eq!(
            (last.key.as_str(), last.period_end.to_string().as_str()),
            ("2025-q4", "2025-12-31")
        );
        Ok(())
    }
}
