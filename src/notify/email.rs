//! E-mail through an SMTP server with lettre: `smtp://[user:pass@]host[:port]` upgrades to TLS
//! when the server offers STARTTLS (a relay on the bureau's network often does not);
//! `smtps://…` speaks TLS from the first byte.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, SinglePart, header::ContentTransferEncoding};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// A connected-on-demand SMTP client and the sender's address.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, String> {
        let url = url::Url::parse(smtp_url).map_err(|e| format!("SMTP 地址无效：{e}"))?;
        let host = url
            .host_str()
            .ok_or_else(|| "SMTP 地址缺少主机名".to_string())?
            .to_string();
        let params = TlsParameters::new(host.clone()).map_err(|e| e.to_string())?;
        let (tls, port) = match url.scheme() {
            "smtp" => (Tls::Opportunistic(params), 25),
            "smtps" => (Tls::Wrapper(params), 465),
            other => {
                return Err(format!(
                    "SMTP 地址应以 smtp:// 或 smtps:// 开头（现为 {other}）"
                ));
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(url.port().unwrap_or(port))
            .tls(tls)
            // A stuck server must not hold an outbox row (and its lock) for long.
            .timeout(Some(Duration::from_secs(20)));
        if !url.username().is_empty() {
            let decode = |s: &str| {
                percent_decode(s).ok_or_else(|| "SMTP 用户名或密码的编码无效".to_string())
            };
            builder = builder.credentials(Credentials::new(
                decode(url.username())?,
                decode(url.password().unwrap_or(""))?,
            ));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: from.parse().map_err(|e| format!("发件人地址无效：{e}"))?,
        })
    }

    /// Sends one message; `id` makes its Message-ID, so a resend after a crash mid-send is
    /// recognisable as the same message.
    pub async fn send(&self, id: i64, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("收件地址无效：{e}"))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            // An RFC 5322 msg-id (angle brackets included), not markup.
            .message_id(Some(
                ["<outbox-", &id.to_string(), "@plan-portal>"].concat(),
            ))
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .header(ContentTransferEncoding::Base64)
                    .body(body.to_string()),
            )
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP 发送失败：{e}"))
    }
}

/// `%XX` escapes in the user and password of a URL.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(Mailer::new("smtp://127.0.0.1:2525", "a <a@b.cn>").is_ok());
        assert!(Mailer::new("smtps://u%40x:p%2Fw@mail.example.cn", "a@b.cn").is_ok());
        assert!(Mailer::new("http://mail", "a@b.cn").is_err());
        assert!(Mailer::new("smtp://mail", "not an address").is_err());
        assert_eq!(percent_decode("u%40x").as_deref(), Some("u@x"));
        assert_eq!(percent_decode("%zz"), None);
    }
}
