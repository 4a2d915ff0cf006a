//! Behaviour that differs between deployments, read by `cli` from flags and environment.
//! Below the features: it imports none of them (only `web`'s connection limits), so the session
//! code, the password hasher and the evidence upload read it without reaching into `startup`,
//! which builds the router over every feature.

use std::time::Duration;

use crate::web;

/// Behaviour that differs between deployments.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark cookies `Secure` (serve over HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (behind a trusted load balancer).
    pub trust_proxy: bool,
    /// A session ends after this long without a request.
    pub session_idle_minutes: i32,
    /// And after this long in any case.
    pub session_absolute_hours: i32,
    /// Bring the 督办 flags of every plan up to date at start, after data changes (checked each
    /// minute), and at least this often; none: only when a supervisor asks (tests).
    pub sweep_minutes: Option<u64>,
    /// Bearer token Prometheus must send for `/metrics`; without one only loopback may read.
    pub metrics_token: Option<String>,
    /// Password checks at a time; `None`: as many as fit the CPUs and `password_memory_mib`.
    pub password_checks: Option<usize>,
    /// Memory the password checks at a time may take together, in MiB (19 MiB each).
    pub password_memory_mib: usize,
    /// How long a password check waits for a slot before the request gets 503.
    pub password_wait: std::time::Duration,
    /// Failed logins per minute, all addresses together, past which logins pause.
    pub login_failures_per_minute: i64,
    /// How many evidence files, and how many bytes, a report and a unit may hold.
    pub evidence_quota: EvidenceQuota,
    /// From a request head's first byte to its end.
    pub header_read_timeout: Duration,
    /// The longest pause while a request body is read.
    pub body_read_timeout: Duration,
    /// A connection with no request in a handler and no byte moving is closed after this.
    pub idle_timeout: Duration,
    /// Open connections at most (default: from the open-file limit).
    pub max_connections: usize,
    /// How long a shutdown lets requests in flight finish before cancelling them.
    pub shutdown_grace: Duration,
    /// Messages that leave the portal: e-mail and group robots.
    pub notify: NotifySettings,
}

/// How messages leave the portal (the `notify` feature).
#[derive(Clone)]
pub struct NotifySettings {
    /// Run the outbox worker and prepare the daily digests in this process (`serve`; tests
    /// drive the worker themselves).
    pub worker: bool,
    /// `smtp://[user:pass@]host:port` (STARTTLS when the server offers it) or `smtps://…`;
    /// none: e-mails are kept in the outbox as failed, with the reason.
    pub smtp_url: Option<String>,
    /// The sender of every e-mail.
    pub mail_from: String,
    /// A group robot (企业微信 or 钉钉) told about every plan.
    pub webhook_url: Option<String>,
    /// The portal's address as its users reach it, for the links in messages.
    pub public_url: String,
    /// The Beijing hour at which each day's digest goes out.
    pub digest_hour: u32,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            worker: false,
            smtp_url: None,
            mail_from: "规划督办 <noreply@plan-portal.invalid>".into(),
            webhook_url: None,
            public_url: "http://127.0.0.1:8080".into(),
            digest_hour: 8,
        }
    }
}

/// The SMTP URL may hold a password: never in a log line.
impl std::fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifySettings")
            .field("worker", &self.worker)
            .field("smtp", &self.smtp_url.as_ref().map(|_| "(set)"))
            .field("webhook", &self.webhook_url.as_ref().map(|_| "(set)"))
            .field("public_url", &self.public_url)
            .field("digest_hour", &self.digest_hour)
            .finish()
    }
}

impl Settings {
    /// Failed logins per minute across all addresses past which every attempt waits a minute:
    /// the ceiling protects the server's CPU and memory from a spread-out attack; it locks no
    /// one out for longer than the minute it takes the count to fall.
    pub const DEFAULT_LOGIN_FAILURES_PER_MINUTE: i64 = 100;
}

const MIB: i64 = 1024 * 1024;

/// How much evidence may pile up; checked under the report's lock when a file is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvidenceQuota {
    pub files_per_report: i64,
    pub bytes_per_report: i64,
    pub bytes_per_unit: i64,
}

impl Default for EvidenceQuota {
    /// Twenty files is more than a quarter's report needs; 2 GiB a unit keeps a county's
    /// scans from filling the database (and every backup) for everyone else.
    fn default() -> Self {
        EvidenceQuota {
            files_per_report: 20,
            bytes_per_report: 100 * MIB,
            bytes_per_unit: 2048 * MIB,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: false,
            trust_proxy: false,
            session_idle_minutes: 120,
            session_absolute_hours: 12,
            sweep_minutes: None,
            metrics_token: None,
            password_checks: None,
            password_memory_mib: 128,
            password_wait: std::time::Duration::from_secs(3),
            login_failures_per_minute: Settings::DEFAULT_LOGIN_FAILURES_PER_MINUTE,
            evidence_quota: EvidenceQuota::default(),
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(30),
            max_connections: web::serve::default_max_connections(),
            shutdown_grace: Duration::from_secs(10),
            notify: NotifySettings::default(),
        }
    }
}

impl Settings {
    pub(crate) fn limits(&self) -> web::serve::Limits {
        web::serve::Limits {
            header_read_timeout: self.header_read_timeout,
            body_read_timeout: self.body_read_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
            shutdown_grace: self.shutdown_grace,
        }
    }
}
