//! Messages that leave the portal: e-mail to a person, text to a 企业微信 / 钉钉 group robot.
//!
//! Nothing here sends during a request. An event (a report returned, a red flag raised, the
//! morning's digest) writes rows to the `outbox` table in the transaction that records the
//! event, so a message exists exactly when its cause does; `worker` sends them in the
//! background, one instance per row (`FOR UPDATE SKIP LOCKED`), with retries and backoff.
//!
//! SMS is not sent: no gateway is reachable here. The interface a gateway would take is in the
//! README (通知); `users.mobile` is used only to @ people in a group robot's message.

pub mod digest;
mod email;
pub mod service;
pub mod webhook;
pub mod worker;

use std::collections::BTreeMap;

use sqlx::{PgConnection, Postgres, Transaction};

/// Stands for the portal's public address in a stored message; the worker puts the address of
/// its own settings there when it sends (events deep in a transaction do not know it).
pub const PORTAL: &str = "{portal}";

/// Kinds of message, as the outbox stores them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Digest,
    Returned,
    RedFlag,
}

impl Kind {
    fn slug(self) -> &'static str {
        match self {
            Kind::Digest => "digest",
            Kind::Returned => "returned",
            Kind::RedFlag => "red_flag",
        }
    }

    pub fn label(slug: &str) -> &'static str {
        match slug {
            "digest" => "每日待办",
            "returned" => "报告退回",
            _ => "红色预警",
        }
    }
}

/// One message to one recipient (an address or a robot's URL).
pub struct Message {
    pub channel: &'static str,
    pub recipient: String,
    pub user_id: Option<i64>,
    pub kind: Kind,
    pub subject: String,
    pub body: String,
    pub mention: Vec<String>,
    /// Once only: a second message with the same key is not written.
    pub dedup_key: Option<String>,
}

/// Writes messages to the outbox, in the caller's transaction; a duplicate key is skipped.
pub async fn enqueue(conn: &mut PgConnection, messages: &[Message]) -> sqlx::Result<u64> {
    let mut written = 0;
    for m in messages {
        written += sqlx::query!(
            r#"INSERT INTO outbox (channel, recipient, user_id, kind, subject, body, mention, dedup_key)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedup_key) DO NOTHING"#,
            m.channel,
            m.recipient,
            m.user_id,
            m.kind.slug(),
            m.subject,
            m.body,
            &m.mention,
            m.dedup_key
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(written)
}

/// Who hears about a unit: its staff's e-mail (unless they opted out), the unit's robots, and
/// the mobiles those robots @.
pub struct Audience {
    pub emails: Vec<(i64, String)>,
    pub robots: Vec<(String, String)>,
    pub mobiles: Vec<String>,
}

pub async fn unit_audience(conn: &mut PgConnection, unit_id: i64) -> sqlx::Result<Audience> {
    let staff = sqlx::query!(
        r#"SELECT id, email, mobile, email_opt_out, sms_opt_out FROM users
           WHERE unit_id = $1 AND disabled_at IS NULL ORDER BY id"#,
        unit_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let robots = sqlx::query!(
        "SELECT kind, url FROM webhooks WHERE unit_id = $1 ORDER BY id",
        unit_id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Audience {
        emails: staff
            .iter()
            .filter(|u| !u.email_opt_out)
            .filter_map(|u| Some((u.id, u.email.clone()?)))
            .collect(),
        mobiles: staff
            .iter()
            .filter(|u| !u.sms_opt_out)
            .filter_map(|u| u.mobile.clone())
            .collect(),
        robots: robots.into_iter().map(|r| (r.kind, r.url)).collect(),
    })
}

impl Audience {
    /// The same text to every e-mail address and every robot of the audience.
    pub fn messages(&self, kind: Kind, subject: &str, body: &str) -> Vec<Message> {
        let mut out: Vec<Message> = self
            .emails
            .iter()
            .map(|(id, to)| Message {
                channel: "email",
                recipient: to.clone(),
                user_id: Some(*id),
                kind,
                subject: subject.to_string(),
                body: body.to_string(),
                mention: Vec::new(),
                dedup_key: None,
            })
            .collect();
        out.extend(self.robots.iter().map(|(channel, url)| Message {
            channel: webhook::channel(channel),
            recipient: url.clone(),
            user_id: None,
            kind,
            subject: subject.to_string(),
            body: body.to_string(),
            mention: self.mobiles.clone(),
            dedup_key: None,
        }));
        out
    }
}

/// A report came back for revision: its unit hears at once.
pub async fn report_returned(
    tx: &mut Transaction<'_, Postgres>,
    report_id: i64,
    by: &str,
    comment: &str,
) -> sqlx::Result<()> {
    let r = sqlx::query!(
        r#"SELECT r.unit_id, r.round_id, i.key AS item_key, i.title AS item, rr.title AS round,
                  u.name AS unit
           FROM reports r JOIN items i ON i.id = r.item_id
           JOIN reporting_rounds rr ON rr.id = r.round_id JOIN units u ON u.id = r.unit_id
           WHERE r.id = $1"#,
        report_id
    )
    .fetch_one(&mut **tx)
    .await?;
    let audience = unit_audience(tx, r.unit_id).await?;
    let subject = format!("【报告退回】{}：{}", r.round, r.item);
    let body = format!(
        "{}：\n\n{}的报告“{}”已被{}退回修改。\n退回意见：{}\n\n请修改后重新报送：{PORTAL}{}",
        r.unit,
        r.round,
        r.item,
        by,
        comment,
        crate::web::report_href(r.round_id, &r.item_key, r.unit_id)
    );
    enqueue(tx, &audience.messages(Kind::Returned, &subject, &body)).await?;
    Ok(())
}

/// Red flags were just raised: each unit hears once, with every new flag of its own listed
/// (never one message per report).
pub async fn red_flags_raised(
    tx: &mut Transaction<'_, Postgres>,
    flag_ids: &[i64],
) -> sqlx::Result<()> {
    let rows = sqlx::query!(
        r#"SELECT f.unit_id, u.name AS unit, rr.title AS round, i.title AS item, f.due_on, rr.plan_id
           FROM supervision_flags f JOIN units u ON u.id = f.unit_id
           JOIN reporting_rounds rr ON rr.id = f.round_id JOIN items i ON i.id = f.item_id
           WHERE f.id = ANY($1) AND f.level = 'red' ORDER BY f.unit_id, rr.due_on, i.position, f.id"#,
        flag_ids
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut by_unit: BTreeMap<i64, (String, Vec<String>)> = BTreeMap::new();
    // The plan's robots hear how many each unit owes, once per sweep. The portal's robot hears
    // it in the digest: one message per plan per sweep would exceed a robot's rate limit
    // (about 20 a minute) when every plan is swept at the day's turn.
    let mut by_plan: BTreeMap<i64, BTreeMap<String, usize>> = BTreeMap::new();
    for r in rows {
        *by_plan
            .entry(r.plan_id)
            .or_default()
            .entry(r.unit.clone())
            .or_default() += 1;
        let due = r.due_on.map(|d| format!("，{d} 截止")).unwrap_or_default();
        by_unit
            .entry(r.unit_id)
            .or_insert_with(|| (r.unit.clone(), Vec::new()))
            .1
            .push(format!("{} · {}{due}", r.round, r.item));
    }
    for (unit_id, (unit, lines)) in by_unit {
        let audience = unit_audience(tx, unit_id).await?;
        let subject = format!("【红色预警】{unit} 有 {} 项报告逾期未报", lines.len());
        let body = format!(
            "{unit}：\n\n以下报告已过截止日期仍未报送，已列入督办台账（红色）：\n{}\n\n请尽快报送；确有困难的，请在待办页填写情况说明：{PORTAL}/todo",
            digest::bullets(&lines)
        );
        enqueue(tx, &audience.messages(Kind::RedFlag, &subject, &body)).await?;
    }
    for (plan_id, units) in by_plan {
        let robots = sqlx::query!(
            r#"SELECT w.kind, w.url, p.title AS plan, p.key FROM webhooks w JOIN plans p ON p.id = $1
               WHERE w.plan_id = $1 ORDER BY w.id"#,
            plan_id
        )
        .fetch_all(&mut **tx)
        .await?;
        let Some((plan, key)) = robots.first().map(|r| (r.plan.clone(), r.key.clone())) else {
            continue;
        };
        let audience = Audience {
            emails: Vec::new(),
            robots: robots.into_iter().map(|r| (r.kind, r.url)).collect(),
            mobiles: Vec::new(),
        };
        let total: usize = units.values().sum();
        let lines: Vec<String> = units.iter().map(|(u, n)| format!("{u}：{n} 项")).collect();
        let subject = format!("【红色预警】新增逾期未报 {total} 项");
        let body = format!(
            "{plan}：\n\n以下单位的报告已过截止日期仍未报送，已列入督办台账（红色）：\n{}\n\n督办台账：{PORTAL}/plans/{key}/supervision?level=red&state=open",
            digest::bullets(&lines)
        );
        enqueue(tx, &audience.messages(Kind::RedFlag, &subject, &body)).await?;
    }
    Ok(())
}
