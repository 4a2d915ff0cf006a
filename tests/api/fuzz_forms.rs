//! Every form route fed random, hostile and malformed bodies by signed-in users with valid
//! tokens: never a server error, every refusal carries a message, and the server stays up.
//! The generator is seeded; set `FUZZ_SEED` to replay a failure, `FUZZ_ROUNDS` for more.

use std::collections::BTreeSet;

use crate::helpers::spawn_app;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Every field name any template's form uses, read from the templates themselves.
fn field_names() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut names = BTreeSet::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("templates").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                for part in text.split("name=\"").skip(1) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != "csrf" {
                        names.insert(name);
                    }
                }
            }
        }
    }
    names.into_iter().collect()
}

fn value(rng: &mut Rng) -> String {
    const SHAPES: &[&str] = &[
        "",
        " ",
        "0",
        "-1",
        "100",
        "100.0001",
        "1e400",
        "NaN",
        "99999999999999999999999999",
        "0.00001",
        "12.3456789",
        "2023-02-30",
        "2026-13-01",
        "9999-12-31",
        "1",
        "2",
        "3",
        "admin",
        "reporter",
        "supervisor",
        "save",
        "submit",
        "accept",
        "return",
        "completed",
        "in_progress",
        "indicator-1",
        "task-1",
        "'; DROP TABLE reports; --",
        "<script>alert(1)</script>",
        "\u{0}",
        "\u{202e}反向",
        "晋城市应急管理局",
        "a\r\nb",
        "%",
        "../../etc/passwd",
    ];
    match rng.below(10) {
        0 => "长".repeat(1 + rng.below(12_000)),
        1 => (0..rng.below(40))
            .map(|_| char::from_u32(rng.below(0x3000) as u32 + 1).unwrap_or('x'))
            .collect(),
        _ => rng.pick(SHAPES).to_string(),
    }
}

/// A urlencoded body from random fields, or a body that is not urlencoded at all.
fn body(rng: &mut Rng, names: &[String], csrf: &str) -> String {
    match rng.below(12) {
        0 => format!("csrf={csrf}&%zz=%ff%fe&&=&version"),
        1 => format!("csrf={csrf}&{}", "x".repeat(rng.below(3000))),
        _ => {
            let mut pairs = vec![("csrf".to_string(), csrf.to_string())];
            for _ in 0..rng.below(14) {
                let mut name = rng.pick(names).clone();
                if name.ends_with('_') {
                    name.push_str(&rng.below(50).to_string());
                }
                pairs.push((name, value(rng)));
            }
            serde_urlencoded::to_string(&pairs).expect("encodes")
        }
    }
}

#[tokio::test]
async fn no_form_body_makes_the_server_fail() {
    let app = spawn_app().await;
    let crate::fixtures::RouteCast {
        round,
        gp,
        item,
        boss_id,
        report,
        clients,
    } = crate::fixtures::route_cast(&app).await;
    let routes = [
        ("boss", "/admin/users".to_string()),
        ("boss", format!("/admin/users/{boss_id}")),
        ("boss", "/admin/seeds/preview".to_string()),
        ("boss", "/admin/groups/1".to_string()),
        ("boss", "/admin/units".to_string()),
        ("boss", format!("/admin/units/{gp}")),
        ("boss", format!("/admin/assignments/{item}")),
        ("boss", format!("/admin/assignments/{item}/remove")),
        ("boss", format!("/admin/assignments/{item}/settings")),
        ("sup", "/rounds".to_string()),
        ("sup", format!("/rounds/{round}/remind")),
        ("sup", format!("{report}/review")),
        ("sup", "/plans/jincheng-2023-33/rules".to_string()),
        ("sup", "/plans/jincheng-2023-33/evaluations".to_string()),
        ("rep", report.clone()),
        ("rep", "/supervision/1/answer".to_string()),
        ("rep", "/account/password".to_string()),
        ("sup", "/dashboard/items".to_string()),
    ];
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026_u64);
    let rounds: usize = std::env::var("FUZZ_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25);
    let mut rng = Rng(seed | 1);
    let names = field_names();
    assert!(names.len() > 30, "{names:?}");
    let mut seen = BTreeSet::new();
    for n in 0..rounds {
        for (who, path) in &routes {
            let (c, csrf) = &clients[who];
            let body = body(&mut rng, &names, csrf);
            let resp = c
                .post(format!("{}{path}", app.address))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await
                .expect("answered");
            let status = resp.status().as_u16();
            let page = resp.text().await.expect("body");
            let replay = format!("FUZZ_SEED={seed} round {n}: {who} POST {path}\n{body:.300}");
            assert!(status < 500, "{status} for {replay}\n{page:.2000}");
            seen.insert(status);
            if matches!(status, 400 | 409 | 413 | 422) {
                let explained = page.contains("class=\"field-error\"")
                    || page.contains("class=\"form-error\"")
                    || page.contains("class=\"error-page\"");
                assert!(explained, "{status} without a message for {replay}");
            }
        }
    }
    // Files: random bytes and names as evidence, mangled seed files for the preview.
    let bundled = include_str!("../../seeds/jincheng-2023-33.toml");
    let mut refused_seeds = 0;
    for n in 0..rounds {
        let (who, path, bytes, name) = if n % 2 == 0 {
            let len = rng.below(600);
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if rng.below(3) == 0 {
                bytes.splice(0..0, b"%PDF-".iter().copied());
            }
            ("rep", format!("{report}/evidence"), bytes, value(&mut rng))
        } else {
            // Mangled by characters, not bytes: a file that is not UTF-8 is refused before
            // it is read, and these are meant to reach the reader's file/line/field errors.
            let mut text: Vec<char> = bundled.chars().collect();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(text.len());
                let cut = rng.below(200).min(text.len() - at);
                let insert: Vec<char> = value(&mut rng).chars().collect();
                text.splice(at..at + cut, insert);
            }
            (
                "boss",
                "/admin/seeds/preview".to_string(),
                text.into_iter().collect::<String>().into_bytes(),
                "plan.toml".into(),
            )
        };
        let (c, csrf) = &clients[who];
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        let resp = c
            .post(format!("{}{path}", app.address))
            .multipart(form)
            .send()
            .await
            .expect("answered");
        let status = resp.status().as_u16();
        let page = resp.text().await.expect("body");
        assert!(
            status < 500,
            "{status}: FUZZ_SEED={seed} file round {n} {path}\n{page:.2000}"
        );
        seen.insert(status);
        if page.contains("处问题，未写入任何内容") {
            // A refused seed names the file, the line and the field.
            assert!(
                page.contains("<td data-label=\"文件\">plan.toml</td>"),
                "{page:.3000}"
            );
            assert!(
                page.contains("<td data-label=\"字段\"><code>"),
                "{page:.3000}"
            );
            refused_seeds += 1;
        }
    }
    // Refusals were exercised, and the server still serves.
    assert!(refused_seeds > 0, "no mangled seed was refused");
    assert!(seen.contains(&400) || seen.contains(&422), "{seen:?}");
    assert_eq!(app.get("/healthz").await.status(), 200);
    for (c, _) in clients.values() {
        let resp = c
            .get(format!("{}/todo", app.address))
            .send()
            .await
            .expect("answered");
        assert!(resp.status().as_u16() < 500);
    }
}
