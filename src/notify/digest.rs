//! The daily digest: one message per person per day with what needs them — reports overdue
//! and due soon (the sweep's own rule, so the digest agrees with the ledger), reports
//! returned, reports awaiting their sign-off or review, and new flags. Never one message per
//! report. A day runs from 08:00 Beijing time; the instance that records the day in
//! `digest_runs` prepares its digests, in that transaction.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use sqlx::PgPool;

use super::{Kind, Message, enqueue};
use crate::analytics::facts;
use crate::supervision::sweep;

/// Lines shown per list; the rest are counted.
const SHOWN: usize = 10;

/// The digest day `now` falls in: the Beijing date, counted from `hour` o'clock.
pub fn day_of(now: DateTime<Utc>, hour: u32) -> NaiveDate {
    (now.with_timezone(&Shanghai) - Duration::hours(i64::from(hour))).date_naive()
}

/// A list as indented lines, the first `SHOWN` of them.
pub fn bullets(lines: &[String]) -> String {
    let mut out: Vec<String> = lines
        .iter()
        .take(SHOWN)
        .map(|l| format!("  · {l}"))
        .collect();
    if lines.len() > SHOWN {
        out.push(format!("  ……另有 {} 项", lines.len() - SHOWN));
    }
    out.join("\n")
}

/// What one unit owes today, over all its plans. Overdue and due-soon reports are counted per
/// round (a county can owe 48 items a quarter): (round, deadline) → item names.
#[derive(Default)]
pub struct UnitDay {
    pub overdue: Vec<((String, NaiveDate), Vec<String>)>,
    pub due_soon: Vec<((String, NaiveDate), Vec<String>)>,
    pub returned: Vec<String>,
    pub awaiting_sign_off: i64,
    pub new_flags: i64,
}

/// What the bureau's supervisors face today, in one plan or in all.
#[derive(Default, Clone, Copy)]
pub struct BureauDay {
    pub awaiting_review: i64,
    pub overdue: usize,
    pub new_red: i64,
}

impl BureauDay {
    fn add(&mut self, o: &BureauDay) {
        self.awaiting_review += o.awaiting_review;
        self.overdue += o.overdue;
        self.new_red += o.new_red;
    }
}

/// Prepares the digests of `day`, unless another run (or instance) already did; returns how
/// many messages were written.
pub async fn prepare(
    pool: &PgPool,
    day: NaiveDate,
    today: NaiveDate,
    portal: &str,
) -> anyhow::Result<u64> {
    let done = sqlx::query_scalar!("SELECT day FROM digest_runs WHERE day = $1", day)
        .fetch_optional(pool)
        .await?;
    if done.is_some() {
        return Ok(0);
    }
    let (units, plans) = gather(pool, today).await?;
    let mut bureau = BureauDay::default();
    plans.values().for_each(|d| bureau.add(d));
    let mut tx = pool.begin().await?;
    let claimed = sqlx::query_scalar!(
        "INSERT INTO digest_runs (day) VALUES ($1) ON CONFLICT DO NOTHING RETURNING day",
        day
    )
    .fetch_optional(&mut *tx)
    .await?;
    if claimed.is_none() {
        return Ok(0);
    }
    // A portal started at 07:00 after a day down sends the missed day's digest at once; the
    // 08:00 one would tell the same people the same things an hour later. One per Beijing date
    // (a digest sent the evening before does not hold back the next morning's).
    let told_lately = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM digest_runs
                          WHERE day < $1 AND (prepared_at AT TIME ZONE 'Asia/Shanghai')::date
                                             = (now() AT TIME ZONE 'Asia/Shanghai')::date) AS "e!""#,
        day
    )
    .fetch_one(&mut *tx)
    .await?;
    if told_lately {
        tx.commit().await?;
        return Ok(0);
    }
    let mut messages = Vec::new();
    let people = sqlx::query!(
        r#"SELECT id, display_name, role::text AS "role!", unit_id, email AS "email!"
           FROM users WHERE disabled_at IS NULL AND email IS NOT NULL AND NOT email_opt_out
             AND role IN ('reporter', 'approver', 'supervisor') ORDER BY id"#
    )
    .fetch_all(&mut *tx)
    .await?;
    // What a unit's person or robot (`approver`: sees sign-offs) or the bureau reads today.
    let text = |unit: Option<i64>, approver: bool| match unit {
        Some(unit) => units
            .get(&unit)
            .and_then(|d| unit_text(d, approver, &format!("{portal}/todo"))),
        None => bureau_text(&bureau, portal),
    };
    // A plan's robot hears the bureau's summary of that plan alone.
    let plan_text = |plan: i64| bureau_text(plans.get(&plan)?, portal);
    for p in people {
        if let Some((subject, body)) = text(p.unit_id, p.role == "approver") {
            messages.push(Message {
                channel: "email",
                recipient: p.email,
                user_id: Some(p.id),
                kind: Kind::Digest,
                subject,
                body: format!("{}：\n\n{body}", p.display_name),
                mention: Vec::new(),
                dedup_key: Some(format!("digest|user|{}|{day}", p.id)),
            });
        }
    }
    let robots = sqlx::query!("SELECT id, kind, url, unit_id, plan_id FROM webhooks ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    for r in robots {
        let said = match r.plan_id {
            Some(plan) => plan_text(plan),
            None => text(r.unit_id, true),
        };
        let Some((subject, body)) = said else {
            continue;
        };
        // A unit's robot @s the unit's people who gave a mobile and did not opt out.
        let mention = match r.unit_id {
            Some(unit) => super::unit_audience(&mut tx, unit).await?.mobiles,
            None => Vec::new(),
        };
        messages.push(Message {
            channel: super::webhook::channel(&r.kind),
            recipient: r.url,
            user_id: None,
            kind: Kind::Digest,
            subject,
            body,
            mention,
            dedup_key: Some(format!("digest|robot|{}|{day}", r.id)),
        });
    }
    let written = enqueue(&mut tx, &messages).await?;
    tx.commit().await?;
    Ok(written)
}

/// Every unit's day, and the bureau's per plan, from every plan in use.
async fn gather(
    pool: &PgPool,
    today: NaiveDate,
) -> anyhow::Result<(HashMap<i64, UnitDay>, HashMap<i64, BureauDay>)> {
    let mut units: HashMap<i64, UnitDay> = HashMap::new();
    let mut plans: HashMap<i64, BureauDay> = HashMap::new();
    let keys = sqlx::query_scalar!("SELECT key FROM plans WHERE archived_at IS NULL ORDER BY id")
        .fetch_all(pool)
        .await?;
    let several = keys.len() > 1;
    for key in keys {
        let Some(plan) = facts::plan_by_key(pool, &key).await? else {
            continue;
        };
        let facts = facts::load(pool, plan).await?;
        let bureau = plans.entry(facts.plan.id).or_default();
        let mut wanted: Vec<_> = sweep::wanted(&facts, today).into_iter().collect();
        wanted.sort_by_key(|((round, item, unit, _), (_, due))| (*due, *round, *item, *unit));
        for ((round, item, unit, level), (_, due)) in wanted {
            let round = facts.rounds.iter().find(|r| r.id == round);
            let item = facts.items.iter().find(|i| i.id == item);
            let (Some(round), Some(item)) = (round, item) else {
                continue;
            };
            let plan = if several {
                format!("〔{}〕", facts.plan.title)
            } else {
                String::new()
            };
            let name = format!("{} {}", item.label(), item.title);
            let key = (format!("{plan}{}", round.title), due);
            let day = units.entry(unit).or_default();
            let list = match level {
                "red" => {
                    bureau.overdue += 1;
                    &mut day.overdue
                }
                "blue" => &mut day.due_soon,
                _ => continue,
            };
            match list.iter_mut().find(|(k, _)| *k == key) {
                Some((_, names)) => names.push(name),
                None => list.push((key, vec![name])),
            }
        }
    }
    let rows = sqlx::query!(
        r#"SELECT r.unit_id, r.state::text AS "state!", rr.title AS round, i.title AS item, rr.plan_id
           FROM reports r JOIN reporting_rounds rr ON rr.id = r.round_id JOIN items i ON i.id = r.item_id
           JOIN plans p ON p.id = rr.plan_id
           WHERE r.state IN ('returned', 'awaiting_approval', 'submitted') AND p.archived_at IS NULL
           ORDER BY rr.due_on, i.position"#
    )
    .fetch_all(pool)
    .await?;
    for r in rows {
        match r.state.as_str() {
            "returned" => units
                .entry(r.unit_id)
                .or_default()
                .returned
                .push(format!("{} · {}", r.round, r.item)),
            "awaiting_approval" => units.entry(r.unit_id).or_default().awaiting_sign_off += 1,
            _ => plans.entry(r.plan_id).or_default().awaiting_review += 1,
        }
    }
    let flags = sqlx::query!(
        r#"SELECT f.unit_id, r.plan_id, f.level::text AS "level!", count(*) AS "n!"
           FROM supervision_flags f JOIN reporting_rounds r ON r.id = f.round_id
           WHERE f.raised_at > now() - interval '1 day' AND f.level <> 'blue' AND f.cleared_at IS NULL
           GROUP BY f.unit_id, r.plan_id, f.level"#
    )
    .fetch_all(pool)
    .await?;
    for f in flags {
        units.entry(f.unit_id).or_default().new_flags += f.n;
        if f.level == "red" {
            plans.entry(f.plan_id).or_default().new_red += f.n;
        }
    }
    Ok((units, plans))
}

/// A unit's digest: subject and body, or nothing when nothing needs it.
pub fn unit_text(d: &UnitDay, approver: bool, link: &str) -> Option<(String, String)> {
    let sign_off = if approver { d.awaiting_sign_off } else { 0 };
    let mut parts = Vec::new();
    let mut body = Vec::new();
    let mut list = |label: &str, n: usize, lines: &[String], parts: &mut Vec<String>| {
        if n > 0 {
            parts.push(format!("{label} {n} 项"));
            body.push(format!("{label} {n} 项：\n{}", bullets(lines)));
        }
    };
    let (overdue, overdue_n) = by_round(&d.overdue, |due| {
        format!(
            "{due} 截止，逾期 {} 天",
            (crate::clock::today() - due).num_days()
        )
    });
    let (soon, soon_n) = by_round(&d.due_soon, |due| format!("{due} 截止"));
    list("逾期未报", overdue_n, &overdue, &mut parts);
    list("临近截止", soon_n, &soon, &mut parts);
    list("被退回待修改", d.returned.len(), &d.returned, &mut parts);
    if sign_off > 0 {
        parts.push(format!("待签批 {sign_off} 份"));
        body.push(format!("待本单位审核签批 {sign_off} 份。"));
    }
    if d.new_flags > 0 {
        body.push(format!("昨日以来新增督办预警 {} 条。", d.new_flags));
    }
    if body.is_empty() {
        return None;
    }
    let subject = if parts.is_empty() {
        "【督办提醒】新增督办预警".to_string()
    } else {
        format!("【督办提醒】今日待办：{}", parts.join("，"))
    };
    Some((subject, footer(body, link)))
}

/// One line per round, the latest deadline first: 「2025年第四季度：48 项（…），如 …」; and the
/// number of items.
fn by_round(
    rounds: &[((String, NaiveDate), Vec<String>)],
    when: impl Fn(NaiveDate) -> String,
) -> (Vec<String>, usize) {
    let mut sorted: Vec<_> = rounds.iter().collect();
    sorted.sort_by_key(|((_, due), _)| std::cmp::Reverse(*due));
    let lines = sorted
        .iter()
        .map(|((round, due), names)| {
            let some: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
            let more = if names.len() > 3 { "等" } else { "" };
            format!(
                "{round}：{} 项（{}）：{}{more}",
                names.len(),
                when(*due),
                some.join("；")
            )
        })
        .collect();
    (lines, rounds.iter().map(|(_, n)| n.len()).sum())
}

/// The supervisors' digest.
pub fn bureau_text(d: &BureauDay, portal: &str) -> Option<(String, String)> {
    if d.awaiting_review == 0 && d.overdue == 0 && d.new_red == 0 {
        return None;
    }
    let subject = format!(
        "【督办提醒】待审核 {} 份，逾期未报 {} 份",
        d.awaiting_review, d.overdue
    );
    let body = vec![
        format!(
            "各单位已报送、待市应急局审核的报告 {} 份。",
            d.awaiting_review
        ),
        format!("逾期未报 {} 份（均已列入督办台账，红色）。", d.overdue),
        format!("昨日以来新增红色预警 {} 条。", d.new_red),
    ];
    Some((subject, footer(body, portal)))
}

fn footer(mut body: Vec<String>, link: &str) -> String {
    body.push(format!("请登录平台处理：{link}"));
    body.push(
        "本消息由规划实施监测平台自动发送。不想再收到邮件的，可在“我的账户”中关闭邮件提醒。".into(),
    );
    body.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_day_starts_at_eight_in_beijing() -> Result<(), &'static str> {
        // 2026-12-02 07:59 Beijing is 2026-12-01 23:59 UTC: still the day of 12-01.
        let before = Utc
            .with_ymd_and_hms(2026, 12, 1, 23, 59, 0)
            .single()
            .ok_or("time")?;
        let after = Utc
            .with_ymd_and_hms(2026, 12, 2, 0, 0, 0)
            .single()
            .ok_or("time")?;
        assert_eq!(day_of(before, 8).to_string(), "2026-12-01");
        assert_eq!(day_of(after, 8).to_string(), "2026-12-02");
        Ok(())
    }

    #[test]
    fn nothing_owed_means_no_message() -> Result<(), &'static str> {
        assert!(unit_text(&UnitDay::default(), true, "x").is_none());
        let day = |y| NaiveDate::from_ymd_opt(y, 12, 25).unwrap_or_default();
        let d = UnitDay {
            overdue: vec![
                (("2024年第四季度".into(), day(2024)), vec!["甲".into()]),
                (
                    ("2025年第四季度".into(), day(2025)),
                    (1..=12).map(|i| format!("事项{i}")).collect(),
                ),
            ],
            awaiting_sign_off: 2,
            ..Default::default()
        };
        let (subject, body) = unit_text(&d, true, "http://p/todo").ok_or("a message")?;
        assert_eq!(subject, "【督办提醒】今日待办：逾期未报 13 项，待签批 2 份");
        let newest = body
            .find("2025年第四季度：12 项（2025-12-25 截止，逾期 ")
            .ok_or("the newest round")?;
        let oldest = body
            .find("2024年第四季度：1 项")
            .ok_or("the oldest round")?;
        assert!(newest < oldest, "{body}");
        assert!(body.contains("事项1；事项2；事项3等"), "{body}");
        let without = unit_text(&d, false, "x").ok_or("a message")?;
        assert!(!without.0.contains("待签批"));
        Ok(())
    }
}
