//! Extractors whose failures answer with the portal's own Chinese error pages instead of
//! axum's plain-text rejections.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A path parameter that does not parse names no page.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|_: PathRejection| AppError::NotFound)
    }
}

pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|_: QueryRejection| AppError::BadRequest("网址中的查询参数不正确。".into()))
    }
}

/// `text` with LF line breaks only: browsers send CR LF in forms, and old files may hold CR.
pub fn lf_line_breaks(text: String) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    }
}

/// A URL-encoded form; control characters other than line breaks and tabs are refused,
/// since no field of the portal takes them (and PostgreSQL cannot store NUL). Browsers send
/// every line break as CR LF: the fields arrive with LF alone, as text is kept everywhere else
/// (seed files, exports, the version log).
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        FormPairs::from_request(req, state)
            .await?
            .decode()
            .map(Form)
    }
}

/// A form body read and checked, as name–value pairs with LF line breaks, before it is decoded
/// into its type: [`Form`] decodes it at once, [`crate::policy::SignedForm`] after the token.
pub struct FormPairs(Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormPairs {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BodyIncomplete
                }
            })?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| unreadable())?;
        let bad = pairs
            .iter()
            .flat_map(|(k, v)| k.chars().chain(v.chars()))
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
        if bad {
            return Err(AppError::BadRequest(
                "输入内容中含有不允许的控制字符。".into(),
            ));
        }
        Ok(FormPairs(
            pairs
                .into_iter()
                .map(|(k, v)| (k, lf_line_breaks(v)))
                .collect(),
        ))
    }
}

impl FormPairs {
    /// The first value of field `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The fields as `T`; a field that is missing or of the wrong shape answers 400.
    pub fn decode<T: DeserializeOwned>(self) -> Result<T, AppError> {
        let encoded = serde_urlencoded::to_string(&self.0).map_err(|_| unreadable())?;
        serde_urlencoded::from_str(&encoded).map_err(|_| unreadable())
    }
}

fn unreadable() -> AppError {
    AppError::BadRequest("表单内容无法识别，请返回后重新提交。".into())
}

/// An admin's upload form: one file (name and bytes, empty files dropped) and its text
/// fields, read after the form's token is checked against the session's.
pub struct Upload {
    pub file: Option<(String, Vec<u8>)>,
    pub texts: std::collections::HashMap<String, String>,
}

impl Upload {
    pub async fn read(
        multipart: &mut axum::extract::Multipart,
        user: &crate::accounts::session::SessionUser,
    ) -> Result<Upload, AppError> {
        let mut upload = Upload {
            file: None,
            texts: std::collections::HashMap::new(),
        };
        while let Some(field) = multipart.next_field().await? {
            let name = field.name().unwrap_or_default().to_string();
            if name == "file" {
                let file_name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field.bytes().await?.to_vec();
                upload.file = (!bytes.is_empty()).then_some((file_name, bytes));
            } else {
                upload.texts.insert(name, field.text().await?);
            }
        }
        let token = upload
            .texts
            .get("csrf")
            .map(String::as_str)
            .unwrap_or_default();
        user.check_csrf(token)?;
        Ok(upload)
    }
}

#[cfg(test)]
mod tests {
    use super::lf_line_breaks;

    #[test]
    fn line_breaks_become_lf() {
        assert_eq!(lf_line_breaks("a\r\nb\rc\nd".into()), "a\nb\nc\nd");
        assert_eq!(lf_line_breaks("无换行".into()), "无换行");
    }
}
