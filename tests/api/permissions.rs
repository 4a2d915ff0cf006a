//! The permission matrix: role × action × own or other unit. Every forbidden action answers
//! 403 (a visitor is sent to the login page) and changes nothing.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// Row counts of everything an action could change.
async fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "reports",
        "report_versions",
        "reminders",
        "reporting_rounds",
        "users",
        "evidence",
        "items",
        "units",
        "assignments",
        "round_scope_units",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&app.pool)
            .await
            .expect("count");
        out.push(n);
    }
    let state: Option<String> = sqlx::query_scalar("SELECT state::text FROM reports LIMIT 1")
        .fetch_optional(&app.pool)
        .await
        .expect("state");
    out.push(state.map(|s| s.len() as i64).unwrap_or(-1));
    // Edits in place show in the versions they bump.
    let edits: i64 = sqlx::query_scalar("SELECT sum(version)::bigint FROM units")
        .fetch_one(&app.pool)
        .await
        .expect("unit versions");
    out.push(edits);
    out
}

#[tokio::test]
async fn every_forbidden_action_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let round: i64 = sqlx::query_scalar(
        r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end, opens_on, due_on, created_by)
           SELECT id, 'matrix', '矩阵测试', 'ad_hoc', current_date - 30, current_date, current_date - 1, current_date + 7, 'test'
           FROM plans RETURNING id"#,
    )
    .fetch_one(&app.pool)
    .await
    .expect("round");
    let people = [
        ("rep-own", UserRole::Reporter, Some("高平市人民政府")),
        ("rep-other", UserRole::Reporter, Some("泽州县人民政府")),
        ("appr-own", UserRole::Approver, Some("高平市人民政府")),
        ("appr-other", UserRole::Approver, Some("泽州县人民政府")),
        ("sup", UserRole::Supervisor, None),
        ("leader", UserRole::Leader, None),
        ("admin1", UserRole::Admin, None),
    ];
    let mut clients = Vec::new();
    for (name, role, unit) in people {
        app.create_user(name, role, unit).await;
        let client = app.new_client();
        assert_eq!(app.login_with(&client, name, PASSWORD).await.status(), 303);
        let csrf = app.csrf(&client).await;
        clients.push((name, client, csrf));
    }
    let anon = app.new_client();
    let gp: i64 = app.unit_id("高平市人民政府").await;
    let zz: i64 = app.unit_id("泽州县人民政府").await;
    let report = format!("/rounds/{round}/reports/task-1/{gp}");
    let indicator: i64 = sqlx::query_scalar("SELECT id FROM items WHERE key = 'indicator-1'")
        .fetch_one(&app.pool)
        .await
        .expect("indicator");

    let save = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("version", "0".into()),
            ("action", "submit".into()),
            ("status", "in_progress".into()),
            ("progress", "进展".into()),
        ]
    };
    let review = |csrf: &str, action: &str, version: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("version", version.into()),
            ("action", action.into()),
            ("comment", "意见".into()),
        ]
    };
    type Form = Vec<(&'static str, String)>;
    /// (what, the form it posts or `None` for a GET, path, the accounts allowed)
    type Step<'a> = (
        &'a str,
        Option<Box<dyn Fn(&str) -> Form>>,
        String,
        Vec<&'a str>,
    );
    let steps: Vec<Step> = vec![
        (
            "read the report",
            None,
            report.clone(),
            vec!["rep-own", "appr-own", "sup", "leader", "admin1"],
        ),
        (
            "submit the report",
            Some(Box::new(save)),
            report.clone(),
            vec!["rep-own"],
        ),
        (
            "sign it off",
            Some(Box::new(move |c: &str| review(c, "approve", "1"))),
            format!("{report}/review"),
            vec!["appr-own"],
        ),
        (
            "accept it",
            Some(Box::new(move |c: &str| review(c, "accept", "2"))),
            format!("{report}/review"),
            vec!["sup"],
        ),
        (
            "see the accounts",
            None,
            "/admin/users".into(),
            vec!["admin1"],
        ),
        (
            "see the seed upload",
            None,
            "/admin/seeds".into(),
            vec!["admin1"],
        ),
        (
            "read the audit log",
            None,
            "/admin/audit".into(),
            vec!["sup", "admin1"],
        ),
        (
            "list the rounds",
            None,
            "/rounds".into(),
            vec!["sup", "leader", "admin1"],
        ),
        (
            "send a reminder",
            Some(Box::new(move |c: &str| {
                vec![
                    ("csrf", c.to_string()),
                    ("unit_id", zz.to_string()),
                    ("message", "请报送".into()),
                ]
            })),
            format!("/rounds/{round}/remind"),
            vec!["sup"],
        ),
        (
            "open a round",
            Some(Box::new(|c: &str| {
                let fields = [
                    ("title", "临时"),
                    ("period_start", "2024-01-01"),
                    ("period_end", "2024-03-31"),
                    ("opens_on", "2024-04-01"),
                    ("due_on", "2024-04-10"),
                ];
                let mut form = vec![("csrf", c.to_string())];
                form.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
                form
            })),
            "/rounds".into(),
            vec!["sup"],
        ),
        (
            "create an account",
            Some(Box::new(|c: &str| {
                vec![
                    ("csrf", c.to_string()),
                    ("username", "newbie".into()),
                    ("display_name", "新人".into()),
                    ("role", "leader".into()),
                ]
            })),
            "/admin/users".into(),
            vec!["admin1"],
        ),
        ("see the units", None, "/admin/units".into(), vec!["admin1"]),
        (
            "add a unit",
            Some(Box::new(|c: &str| {
                vec![
                    ("csrf", c.to_string()),
                    ("jurisdiction_id", "1".into()),
                    ("name", "市数据局".into()),
                    ("kind", "department".into()),
                ]
            })),
            "/admin/units".into(),
            vec!["admin1"],
        ),
        (
            "rename a unit",
            Some(Box::new(|c: &str| {
                vec![
                    ("csrf", c.to_string()),
                    ("name", "泽州县政府".into()),
                    ("kind", "county".into()),
                    ("version", "1".into()),
                ]
            })),
            format!("/admin/units/{zz}"),
            vec!["admin1"],
        ),
        (
            "assign an indicator",
            Some(Box::new(move |c: &str| {
                vec![
                    ("csrf", c.to_string()),
                    ("party", format!("u:{gp}")),
                    ("role", "lead".into()),
                ]
            })),
            format!("/admin/assignments/{indicator}"),
            vec!["admin1"],
        ),
        (
            "open a round for one unit",
            Some(Box::new(move |c: &str| {
                let fields = [
                    ("title", "专项"),
                    ("period_start", "2024-01-01"),
                    ("period_end", "2024-03-31"),
                    ("opens_on", "2024-04-01"),
                    ("due_on", "2024-04-10"),
                ];
                let mut form = vec![("csrf", c.to_string()), ("unit", gp.to_string())];
                form.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
                form
            })),
            "/rounds".into(),
            vec!["sup"],
        ),
    ];

    for (what, form, path, allowed) in &steps {
        let url = format!("{}{path}", app.address);
        // A visitor is sent to log in; nothing changes.
        let before = snapshot(&app).await;
        let resp = match form {
            None => anon.get(&url).send().await,
            Some(f) => anon.post(&url).form(&f("")).send().await,
        }
        .expect("answered");
        assert_eq!(resp.status(), 303, "visitor: {what}");
        for (name, client, csrf) in clients.iter().filter(|(n, _, _)| !allowed.contains(n)) {
            let resp = match form {
                None => client.get(&url).send().await,
                Some(f) => client.post(&url).form(&f(csrf)).send().await,
            }
            .expect("answered");
            assert_eq!(resp.status(), 403, "{name} must not {what}");
        }
        assert_eq!(
            snapshot(&app).await,
            before,
            "forbidden attempts to {what} changed something"
        );
        for (name, client, csrf) in clients.iter().filter(|(n, _, _)| allowed.contains(n)) {
            let resp = match form {
                None => client.get(&url).send().await,
                Some(f) => client.post(&url).form(&f(csrf)).send().await,
            }
            .expect("answered");
            assert!(
                resp.status().is_success() || resp.status().is_redirection(),
                "{name} may {what}: {}",
                resp.status()
            );
        }
    }
    let state: String = sqlx::query_scalar("SELECT state::text FROM reports")
        .fetch_one(&app.pool)
        .await
        .expect("state");
    assert_eq!(state, "accepted", "the allowed steps went through");
}
