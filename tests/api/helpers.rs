//! Test harness: one PostgreSQL server per test run (the private one, or `DATABASE_URL`'s),
//! a fresh database per test cloned from a migrated template, and the real app on port 0.

use std::str::FromStr;
use std::sync::{OnceLock, mpsc};

use plan_portal::accounts::model::{UserRole, Username};
use plan_portal::accounts::ops::{self, NewUser};
use plan_portal::audit::Actor;
use plan_portal::db::{self, PrivatePgOptions, PrivatePostgres};
use plan_portal::{Application, Settings, seed, startup};
use scraper::Html;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgPool};

const EMPTY_TEMPLATE: &str = "plan_portal_tmpl_empty";
const SEEDED_TEMPLATE: &str = "plan_portal_tmpl_seeded";

struct TestServer {
    /// Options for the server's `postgres` database.
    admin: PgConnectOptions,
    /// Suffix that keeps this run's templates apart from another run's on a shared server.
    tag: String,
}

static SERVER: OnceLock<TestServer> = OnceLock::new();

fn server() -> &'static TestServer {
    SERVER.get_or_init(|| {
        let (admin, tag) = match std::env::var("DATABASE_URL") {
            Ok(url) => {
                let opts =
                    PgConnectOptions::from_str(&url).expect("DATABASE_URL is a PostgreSQL URL");
                (
                    opts.database("postgres"),
                    format!("_{}", std::process::id()),
                )
            }
            Err(_) => (start_private_server(), String::new()),
        };
        let server = TestServer { admin, tag };
        // Built on a runtime of its own: the caller may be inside a test's runtime.
        let admin = server.admin.clone();
        let tag = server.tag.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(build_templates(admin, tag));
        })
        .join()
        .expect("test templates are built");
        server
    })
}

/// Starts the private server on a thread that lives as long as the test process, so the
/// server stops (parent-death signal) when the tests end.
fn start_private_server() -> PgConnectOptions {
    let root = std::env::temp_dir().join("plan-portal-tests");
    remove_stale_clusters(&root);
    let data_dir = root.join(std::process::id().to_string()).join("pg");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let pg = PrivatePostgres::start(&PrivatePgOptions {
            data_dir,
            bindir: None,
        });
        match pg {
            Ok(pg) => {
                let _ = tx.send(Ok(pg.connect_options("postgres")));
                let _keep = pg;
                loop {
                    std::thread::park();
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e.to_string()));
            }
        }
    });
    rx.recv()
        .expect("server thread answers")
        .expect("private PostgreSQL starts")
}

/// Clusters of earlier runs whose process is gone.
fn remove_stale_clusters(root: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for e in entries.flatten() {
        let alive = e
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
            .is_some_and(|pid| unsafe { libc::kill(pid, 0) } == 0);
        if !alive {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

async fn build_templates(admin: PgConnectOptions, tag: String) {
    let empty = format!("{EMPTY_TEMPLATE}{tag}");
    let seeded = format!("{SEEDED_TEMPLATE}{tag}");
    let mut conn = sqlx::PgConnection::connect_with(&admin)
        .await
        .expect("connect to server");
    for name in [&empty, &seeded] {
        conn.execute(format!("DROP DATABASE IF EXISTS \"{name}\"").as_str())
            .await
            .expect("drop template");
    }
    conn.execute(format!("CREATE DATABASE \"{empty}\"").as_str())
        .await
        .expect("create template");
    let pool = db::connect(admin.clone().database(&empty), 2)
        .await
        .expect("connect template");
    db::migrate(&pool).await.expect("migrations apply");
    pool.close().await;
    conn.execute(format!("CREATE DATABASE \"{seeded}\" TEMPLATE \"{empty}\"").as_str())
        .await
        .expect("copy template");
    let pool = db::connect(admin.clone().database(&seeded), 2)
        .await
        .expect("connect template");
    startup::prepare_database(&pool)
        .await
        .expect("bundled seed loads");
    pool.close().await;
    conn.close().await.expect("close");
}

/// A fresh database cloned from a template; returns its pool.
pub async fn fresh_database(seeded: bool) -> (PgPool, PgConnectOptions) {
    let server = server();
    let template = format!(
        "{}{}",
        if seeded {
            SEEDED_TEMPLATE
        } else {
            EMPTY_TEMPLATE
        },
        server.tag
    );
    let name = format!("plan_portal_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect_with(&server.admin)
        .await
        .expect("connect to server");
    conn.execute(format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"").as_str())
        .await
        .expect("create test database");
    conn.close().await.expect("close");
    let options = server.admin.clone().database(&name);
    let pool = db::connect(options.clone(), 5)
        .await
        .expect("connect test database");
    (pool, options)
}

pub struct TestApp {
    pub address: String,
    pub pool: PgPool,
    pub db_options: PgConnectOptions,
    pub client: reqwest::Client,
}

/// The app on a database holding the bundled Jincheng plan.
pub async fn spawn_app() -> TestApp {
    spawn(true, Settings::default()).await
}

/// The app on the bundled plan, with `settings`.
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    spawn(true, settings).await
}

/// The app on a migrated database without any plan.
pub async fn spawn_empty_app() -> TestApp {
    spawn(false, Settings::default()).await
}

async fn spawn(seeded: bool, settings: Settings) -> TestApp {
    let (pool, db_options) = fresh_database(seeded).await;
    let app = Application::build(pool.clone(), "127.0.0.1:0", settings)
        .await
        .expect("bind");
    let address = format!("http://{}", app.local_addr().expect("address"));
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        address,
        pool,
        db_options,
        client,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request is answered")
    }

    /// GET `path`, expect 200, parse the HTML.
    pub async fn page(&self, path: &str) -> Html {
        let resp = self.get(path).await;
        assert_eq!(resp.status(), 200, "GET {path}");
        Html::parse_document(&resp.text().await.expect("body"))
    }

    /// GET `path` as `client`, expect 200, parse the HTML.
    pub async fn page_as(&self, client: &reqwest::Client, path: &str) -> Html {
        let resp = client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request is answered");
        assert_eq!(resp.status(), 200, "GET {path}");
        Html::parse_document(&resp.text().await.expect("body"))
    }

    /// Loads a seed text through the same code the CLI uses.
    pub async fn load_seed(&self, text: &str, dry_run: bool) -> Result<Vec<seed::Change>, String> {
        let plan = seed::parse("test.toml", text).map_err(|e| e.to_string())?;
        seed::load(&self.pool, &plan, dry_run, &Actor::system("test"))
            .await
            .map_err(|e| e.to_string())
    }

    /// The DATABASE_URL of this test's database, for the CLI.
    pub fn database_url(&self) -> String {
        db_url(&self.db_options)
    }
}

fn db_url(o: &PgConnectOptions) -> String {
    let host = o
        .get_socket()
        .map(|s| s.display().to_string())
        .unwrap_or_else(|| o.get_host().to_string());
    let db = o.get_database().unwrap_or("postgres");
    if o.get_socket().is_some() {
        format!(
            "postgres://{}@localhost:{}/{db}?host={host}",
            o.get_username(),
            o.get_port()
        )
    } else {
        format!(
            "postgres://{}@{host}:{}/{db}",
            o.get_username(),
            o.get_port()
        )
    }
}

pub use crate::html::{select, text_of, texts};

/// A password that passes the rule, for test accounts.
pub const PASSWORD: &str = "Test-Password-42";

impl TestApp {
    /// Creates an account with `PASSWORD`; `unit` is a unit name for reporters and approvers.
    pub async fn create_user(&self, username: &str, role: UserRole, unit: Option<&str>) -> i64 {
        let unit_id = match unit {
            Some(name) => Some(
                sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE name = $1")
                    .bind(name)
                    .fetch_one(&self.pool)
                    .await
                    .expect("unit exists"),
            ),
            None => None,
        };
        let new = NewUser {
            username: Username::parse(username).expect("valid username"),
            display_name: format!("测试{username}"),
            role,
            unit_id,
        };
        let (row, _) = ops::create_user(
            &self.pool,
            &Default::default(),
            &Actor::system("test"),
            new,
            Some(PASSWORD.into()),
        )
        .await
        .expect("user created");
        row.id
    }

    /// The id of the unit named `name`.
    pub async fn unit_id(&self, name: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .expect("unit exists")
    }

    /// A new cookie-keeping client, as a second browser would be.
    pub fn new_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Logs `client` in through the login form; returns the response to the POST.
    pub async fn login_with(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let page = client
            .get(format!("{}/login", self.address))
            .send()
            .await
            .expect("login page");
        let doc = Html::parse_document(&page.text().await.expect("body"));
        let token = select(&doc, "input[name=token]")[0]
            .value()
            .attr("value")
            .unwrap_or_default()
            .to_string();
        client
            .post(format!("{}/login", self.address))
            .form(&[
                ("username", username),
                ("password", password),
                ("token", &token),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("login answered")
    }

    /// Logs the app's own client in; panics unless it succeeds.
    pub async fn login(&self, username: &str) {
        let resp = self.login_with(&self.client, username, PASSWORD).await;
        assert_eq!(resp.status(), 303, "login of {username} succeeds");
    }

    /// The form token of the signed-in client, read from a page's logout form.
    pub async fn csrf(&self, client: &reqwest::Client) -> String {
        let page = client
            .get(format!("{}/account", self.address))
            .send()
            .await
            .expect("account page");
        let doc = Html::parse_document(&page.text().await.expect("body"));
        select(&doc, "form[action='/logout'] input[name=csrf]")[0]
            .value()
            .attr("value")
            .unwrap_or_default()
            .to_string()
    }

    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(format!("{}{path}", self.address))
            .form(form)
            .send()
            .await
            .expect("request answered")
    }

    /// Audit actions recorded so far, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .expect("audit log")
    }
}
