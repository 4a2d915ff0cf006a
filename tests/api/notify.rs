//! Messages that leave the portal: the outbox sends each exactly once across two workers and a
//! restart; e-mail reaches an SMTP server, robots get their JSON; digests say what is owed.

use std::time::Duration;

use plan_portal::accounts::model::UserRole;
use plan_portal::notify::{self, Kind, Message, digest, worker};
use tokio::sync::watch;

use crate::fixtures::{cast, form_fields, open_round, report_form};
use crate::helpers::{PASSWORD, TestApp, spawn_app, texts};
use crate::sinks::{robot_receiver, smtp_sink};
use crate::supervision::{count, round, sweep_now};

fn mail(i: usize) -> Message {
    Message {
        channel: "email",
        recipient: format!("person{i}@demo.invalid"),
        user_id: None,
        kind: Kind::Digest,
        subject: format!("【督办提醒】第 {i} 封"),
        body: "正文".into(),
        mention: Vec::new(),
        dedup_key: Some(format!("test|{i}")),
    }
}

fn start(app: &TestApp, smtp: &str) -> (watch::Sender<bool>, tokio::task::JoinHandle<()>) {
    let (stop, stopped) = watch::channel(false);
    let senders = worker::Senders::new(Some(smtp), "规划督办 <noreply@plan-portal.invalid>");
    let task = tokio::spawn(worker::run(
        app.pool.clone(),
        senders,
        stopped,
        Duration::from_millis(50),
    ));
    (stop, task)
}

/// Two workers drain one outbox while one of them is stopped and started again halfway: every
/// message reaches the SMTP server once, and the outbox records each as sent once.
#[tokio::test]
async fn the_outbox_sends_each_message_once_across_two_workers_and_a_restart() {
    let app = spawn_app().await;
    let (smtp, sink) = smtp_sink().await;
    let mut tx = app.pool.begin().await.expect("tx");
    let messages: Vec<Message> = (0..40).map(mail).collect();
    assert_eq!(
        notify::enqueue(&mut tx, &messages).await.expect("enqueue"),
        40
    );
    // The same keys again (a second instance preparing the same digests): nothing new.
    assert_eq!(notify::enqueue(&mut tx, &messages).await.expect("again"), 0);
    tx.commit().await.expect("commit");

    let (stop_a, a) = start(&app, &smtp);
    let (stop_b, b) = start(&app, &smtp);
    sink.wait_for(10).await;
    // Instance A restarts: it finishes the message in hand, then a new worker takes its place.
    stop_a.send(true).expect("stop");
    a.await.expect("a stopped");
    let (stop_c, c) = start(&app, &smtp);
    let got = sink.wait_for(40).await;
    for (stop, task) in [(stop_b, b), (stop_c, c)] {
        stop.send(true).expect("stop");
        task.await.expect("stopped");
    }
    let mut ids: Vec<String> = got.iter().map(|m| m.message_id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((got.len(), ids.len()), (40, 40), "each once");
    assert!(
        got.iter()
            .all(|m| m.subject().starts_with("【督办提醒】第 "))
    );
    let sent = count(
        &app,
        "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND attempts = 1",
    )
    .await;
    assert_eq!(sent, 40);
}

/// A server that is not there: the message is tried again later with the reason kept, and
/// after the last try it is listed as failed for the admin, who can send it again.
#[tokio::test]
async fn a_failing_server_means_retries_then_a_failure_the_admin_sees() {
    let app = spawn_app().await;
    let closed = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut tx = app.pool.begin().await.expect("tx");
    notify::enqueue(&mut tx, &[mail(1)]).await.expect("enqueue");
    tx.commit().await.expect("commit");
    let senders = worker::Senders::new(Some(&format!("smtp://127.0.0.1:{closed}")), "a@b.cn");
    assert!(
        worker::deliver_next(&app.pool, &senders)
            .await
            .expect("try")
    );
    let (attempts, waiting, error): (i32, bool, Option<String>) = sqlx::query_as(
        "SELECT attempts, next_attempt_at > now() + interval '20 seconds', last_error FROM outbox",
    )
    .fetch_one(&app.pool)
    .await
    .expect("row");
    assert_eq!((attempts, waiting), (1, true));
    assert!(error.expect("reason").contains("SMTP"));
    // Not due again yet: the worker finds nothing to do.
    assert!(
        !worker::deliver_next(&app.pool, &senders)
            .await
            .expect("idle")
    );
    sqlx::query("UPDATE outbox SET attempts = $1 - 1, next_attempt_at = now()")
        .bind(worker::MAX_ATTEMPTS)
        .execute(&app.pool)
        .await
        .expect("last try");
    assert!(
        worker::deliver_next(&app.pool, &senders)
            .await
            .expect("last")
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL"
        )
        .await,
        1
    );

    app.create_user("root", UserRole::Admin, None).await;
    let admin = app.new_client();
    app.login_with(&admin, "root", PASSWORD).await;
    let page = app
        .page_as(&admin, "/admin/notifications?state=failed")
        .await;
    assert!(texts(&page, "td[data-label='状态']")[0].starts_with("发送失败"));
    let id: i64 = count(&app, "SELECT id FROM outbox").await;
    let csrf = app.csrf(&admin).await;
    let resp = app
        .post_form(
            &admin,
            &format!("/admin/notifications/retry/{id}"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE failed_at IS NULL AND attempts = 0"
        )
        .await,
        1
    );
}

/// The texts of the robot messages `pick` chooses.
fn contents(
    bodies: &[serde_json::Value],
    pick: impl Fn(&serde_json::Value) -> bool,
) -> Vec<String> {
    bodies
        .iter()
        .filter(|b| pick(b))
        .map(|b| {
            b["text"]["content"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// A unit with overdue reports, staff with addresses, a unit robot (企业微信) and a portal
/// robot (钉钉): the sweep tells the unit of its red flags at once, and the morning's digest
/// gives each person one message with the counts; a second preparation writes nothing.
#[tokio::test]
async fn red_flags_and_the_daily_digest_reach_mail_and_robots() {
    let app = spawn_app().await;
    let (smtp, mails) = smtp_sink().await;
    let (robot, posts) = robot_receiver().await;
    let late = round(&app, "late", -3).await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    app.create_user("gp", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    app.create_user("root", UserRole::Admin, None).await;
    let gp = app.unit_id("高平市人民政府").await;
    sqlx::query("UPDATE users SET email = username || '@demo.invalid', mobile = '13800000000' WHERE username IN ('gp', 'sup')")
        .execute(&app.pool)
        .await
        .expect("addresses");
    // The admin registers robots: one for 高平 (企业微信), one for every plan (钉钉).
    let admin = app.new_client();
    app.login_with(&admin, "root", PASSWORD).await;
    let plan: i64 = sqlx::query_scalar("SELECT id FROM plans")
        .fetch_one(&app.pool)
        .await
        .expect("plan");
    for (kind, scope, tag) in [
        ("wecom", format!("unit:{gp}"), "unit"),
        ("dingtalk", String::new(), "portal"),
        ("wecom", format!("plan:{plan}"), "plan"),
    ] {
        let csrf = app.csrf(&admin).await;
        let url = format!("{robot}&{tag}");
        let resp = app
            .post_form(
                &admin,
                "/admin/webhooks",
                &[
                    ("csrf", &csrf),
                    ("kind", kind),
                    ("url", &url),
                    ("scope", &scope),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303, "{kind}");
    }
    let sup = app.new_client();
    app.login_with(&sup, "sup", PASSWORD).await;
    sweep_now(&app, &sup).await;
    let red_for_gp = count(&app, &format!(
        "SELECT count(*) FROM supervision_flags WHERE unit_id = {gp} AND round_id = {late} AND level = 'red'"
    )).await;
    assert!(red_for_gp > 0);
    let all_red_for_gp = count(&app, &format!(
        "SELECT count(*) FROM supervision_flags WHERE unit_id = {gp} AND level = 'red' AND cleared_at IS NULL"
    )).await;
    // At once: one red-flag message to 高平's reporter and one to its robot, not one per report.
    assert_eq!(count(&app, "SELECT count(*) FROM outbox WHERE kind = 'red_flag' AND channel = 'email' AND recipient = 'gp@demo.invalid'").await, 1);

    let today = plan_portal::clock::today();
    let written = digest::prepare(&app.pool, today, today, "http://portal.test")
        .await
        .expect("digest");
    assert!(written >= 3, "gp, sup and the robots: {written}");
    assert_eq!(
        digest::prepare(&app.pool, today, today, "http://portal.test")
            .await
            .expect("again"),
        0
    );

    let senders = worker::Senders::new(Some(&smtp), "规划督办 <noreply@plan-portal.invalid>")
        .linking_to("http://portal.test/");
    while worker::deliver_next(&app.pool, &senders)
        .await
        .expect("send")
    {}
    let got = mails.all();
    let to_gp: Vec<_> = got.iter().filter(|m| m.to == ["gp@demo.invalid"]).collect();
    assert_eq!(to_gp.len(), 2, "one red-flag message and one digest");
    let digest_mail = to_gp
        .iter()
        .find(|m| m.subject().contains("今日待办"))
        .expect("digest");
    assert!(
        digest_mail
            .subject()
            .contains(&format!("逾期未报 {all_red_for_gp} 项")),
        "{}",
        digest_mail.subject()
    );
    assert!(
        digest_mail.body().contains("逾期 3 天"),
        "{}",
        digest_mail.body()
    );
    assert!(digest_mail.body().contains("http://portal.test/todo"));
    let flag_mail = to_gp
        .iter()
        .find(|m| m.subject().contains("红色预警"))
        .expect("red flags");
    assert!(
        flag_mail.body().contains("http://portal.test/todo")
            && !flag_mail.body().contains("{portal}"),
        "{}",
        flag_mail.body()
    );
    let to_sup = got
        .iter()
        .find(|m| m.to == ["sup@demo.invalid"])
        .expect("supervisor's digest");
    assert!(
        to_sup.subject().contains("逾期未报"),
        "{}",
        to_sup.subject()
    );

    let bodies = posts.all();
    let wecom: Vec<_> = bodies
        .iter()
        .filter(|b| b["text"]["mentioned_mobile_list"][0] == "13800000000")
        .collect();
    assert_eq!(
        wecom.len(),
        2,
        "高平's robot: the red flags and the digest, with @ the reporter"
    );
    assert!(bodies.iter().all(|b| b["msgtype"] == "text"));
    // The portal's robot (钉钉): the bureau's digest only (red flags of every plan at once would
    // exceed a robot's rate limit).
    let ding = contents(&bodies, |b| b.get("at").is_some());
    assert_eq!(ding.len(), 1, "{ding:?}");
    assert!(ding[0].contains("待审核"));
    // The plan's robot: its red flags at once, one line per unit, and its digest.
    let to_plan = contents(&bodies, |b| b["_query"] == "key=test&plan");
    assert_eq!(to_plan.len(), 2, "{to_plan:?}");
    assert!(to_plan.iter().any(|t| t.contains("新增逾期未报")
        && t.contains("人民政府：")
        && t.contains("/supervision?level=red")));
    assert!(
        to_plan
            .iter()
            .any(|t| t.contains("逾期未报") && t.contains("待审核"))
    );
}

/// A report sent back is news for its unit at once, written with the return itself.
#[tokio::test]
async fn a_returned_report_is_told_to_its_unit() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    sqlx::query("UPDATE users SET email = username || '@demo.invalid'")
        .execute(&app.pool)
        .await
        .expect("addresses");
    let gp = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let url = format!("{}{path}", app.address);
    let (_, csrf, _) = form_fields(&c.rep, &url).await;
    let resp = app
        .post_form(
            &c.rep,
            &path,
            &report_form(&csrf, "0", "submit", "已制定职责清单"),
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, csrf, v) = form_fields(&c.appr, &url).await;
    let comment = "请补充清单印发文号";
    let form = [
        ("csrf", csrf.as_str()),
        ("version", &v),
        ("action", "send_back"),
        ("comment", comment),
    ];
    let resp = app
        .post_form(&c.appr, &format!("{path}/review"), &form)
        .await;
    assert_eq!(resp.status(), 303);
    let sent: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT recipient, subject, body FROM outbox WHERE kind = 'returned' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("messages");
    let to: Vec<&str> = sent.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(
        to,
        ["gp-rep@demo.invalid", "gp-appr@demo.invalid"],
        "the unit's staff"
    );
    assert!(sent[0].1.starts_with("【报告退回】"), "{}", sent[0].1);
    assert!(sent[0].2.contains(comment), "{}", sent[0].2);
    // A link to the report itself, made absolute by the worker when it sends.
    assert!(
        sent[0].2.ends_with(&format!("{}{path}", notify::PORTAL)),
        "{}",
        sent[0].2
    );
}
