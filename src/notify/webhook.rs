//! Group robots: 企业微信 and 钉钉 both take `{"msgtype":"text","text":{"content":…}}`; they
//! differ in how people are @-mentioned, and both answer `{"errcode":0,…}` when they accept.

use std::time::Duration;

use serde_json::{Value, json};

/// The outbox channel for a robot kind (`wecom` or `dingtalk`).
pub fn channel(kind: &str) -> &'static str {
    match kind {
        "dingtalk" => "dingtalk",
        _ => "wecom",
    }
}

/// The robot kind a URL names: 钉钉 robots live on oapi.dingtalk.com; anything else is taken
/// for 企业微信 (whose robots live on qyapi.weixin.qq.com).
pub fn kind_of_url(url: &str) -> &'static str {
    if url.contains("dingtalk.com") {
        "dingtalk"
    } else {
        "wecom"
    }
}

/// The JSON a robot of `channel` takes.
pub fn payload(channel: &str, subject: &str, body: &str, mention: &[String]) -> Value {
    let content = format!("{subject}\n{body}");
    match channel {
        "dingtalk" => json!({
            "msgtype": "text",
            "text": { "content": content },
            "at": { "atMobiles": mention, "isAtAll": false },
        }),
        _ => json!({
            "msgtype": "text",
            "text": { "content": content, "mentioned_mobile_list": mention },
        }),
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .connect_timeout(Duration::from_secs(5))
        // A robot's URL is set by an admin; a redirect elsewhere is not followed.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Posts one message; the robot's own `errcode` decides success.
pub async fn post(client: &reqwest::Client, url: &str, payload: &Value) -> Result<(), String> {
    let resp = client
        .post(url)
        .json(payload)
        .send()
        .await
        .map_err(|e| format!("机器人地址无法访问：{e}"))?;
    let status = resp.status();
    let answer: Value = resp.json().await.unwrap_or(Value::Null);
    let code = answer.get("errcode").and_then(Value::as_i64);
    if status.is_success() && code == Some(0) {
        Ok(())
    } else {
        Err(format!(
            "机器人拒收：HTTP {status}，{}",
            answer
                .get("errmsg")
                .and_then(Value::as_str)
                .unwrap_or("无 errmsg")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let m = vec!["13800000000".to_string()];
        let w = payload("wecom", "标题", "正文", &m);
        assert_eq!(w["text"]["content"], "标题\n正文");
        assert_eq!(w["text"]["mentioned_mobile_list"][0], "13800000000");
        let d = payload("dingtalk", "标题", "正文", &m);
        assert_eq!(d["at"]["atMobiles"][0], "13800000000");
        assert_eq!(
            kind_of_url("https://oapi.dingtalk.com/robot/send?access_token=x"),
            "dingtalk"
        );
        assert_eq!(
            kind_of_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"),
            "wecom"
        );
    }
}
