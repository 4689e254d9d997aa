//! Turning raw responses into typed values. Public so tests (and tools) can
//! parse recorded bodies; nothing here panics on any input.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::ApiError;
use super::models::{AmToken, AmTokens, BiUser, Page, TokenResponse};

#[derive(Deserialize)]
struct DataEnvelope<T> {
    data: T,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageMeta {
    limit: Option<u64>,
    offset: Option<u64>,
    total: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Results {
    total: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListMeta {
    page: Option<PageMeta>,
    /// The integrations spec puts the page fields directly under `meta`.
    #[serde(flatten)]
    flat: PageMeta,
    results: Option<Results>,
    account_member_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Links {
    next: Option<Value>,
}

#[derive(Deserialize)]
struct ListEnvelope<T> {
    data: Vec<T>,
    #[serde(default)]
    meta: Option<ListMeta>,
    #[serde(default)]
    links: Option<Links>,
    /// Integration logs put `results.total` at the top level.
    #[serde(default)]
    results: Option<Results>,
}

/// `true` when a `links.next` value points somewhere: JSON `null`, the string
/// `"null"` (older docs) and an empty string all mean "no next page".
pub fn link_present(v: Option<&Value>) -> bool {
    match v {
        Some(Value::String(s)) => {
            let s = s.trim();
            !s.is_empty() && !s.eq_ignore_ascii_case("null")
        }
        _ => false,
    }
}

fn success(status: u16, body: &[u8]) -> Result<&[u8], ApiError> {
    if (200..300).contains(&status) { Ok(body) } else { Err(ApiError::from_response(status, body)) }
}

fn json<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::Decode { status, message: "empty body".into() });
    }
    serde_json::from_slice(body).map_err(|e| ApiError::Decode { status, message: e.to_string() })
}

/// A bare JSON body (no envelope). Non-2xx becomes [`ApiError::Http`].
pub fn bare<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, ApiError> {
    json(status, success(status, body)?)
}

/// `{"data": T}`. Non-2xx becomes [`ApiError::Http`].
pub fn data<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, ApiError> {
    json::<DataEnvelope<T>>(status, success(status, body)?).map(|e| e.data)
}

/// A list: `{"data":[...], "meta":{...}, "links":{...}}`.
pub fn page<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<Page<T>, ApiError> {
    let env: ListEnvelope<T> = json(status, success(status, body)?)?;
    let meta = env.meta.unwrap_or_default();
    let page_meta = meta.page.unwrap_or(meta.flat);
    let total_results = meta.results.and_then(|r| r.total).or(env.results.and_then(|r| r.total));
    let len = env.data.len() as u64;
    let next_link = link_present(env.links.as_ref().and_then(|l| l.next.as_ref()));
    let has_next = next_link
        || match (total_results, page_meta.offset) {
            (Some(total), Some(offset)) => len > 0 && offset + len < total,
            _ => false,
        };
    Ok(Page {
        data: env.data,
        total_results,
        total_pages: page_meta.total,
        limit: page_meta.limit,
        offset: page_meta.offset,
        has_next,
    })
}

/// The `201` of `POST /v2/account-members/tokens`.
pub fn am_tokens(status: u16, body: &[u8]) -> Result<AmTokens, ApiError> {
    let env: ListEnvelope<AmToken> = json(status, success(status, body)?)?;
    Ok(AmTokens {
        tokens: env.data,
        account_member_id: env
            .meta
            .and_then(|m| m.account_member_id)
            .filter(|s| !s.is_empty() && s != "null"),
    })
}

/// The bare token object of `POST /oauth/access_token`; a `data` wrapper
/// (drawn by one spec) is accepted too.
pub fn token_response(status: u16, body: &[u8]) -> Result<TokenResponse, ApiError> {
    let v: Value = json(status, success(status, body)?)?;
    let v = match v {
        Value::Object(mut m) if !m.contains_key("access_token") && m.contains_key("data") => {
            m.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    };
    serde_json::from_value(v).map_err(|e| ApiError::Decode { status, message: e.to_string() })
}

/// A Beyond Identity user, bare or wrapped in `{"user": {...}}`.
pub fn bi_user(status: u16, body: &[u8]) -> Result<BiUser, ApiError> {
    let v: Value = json(status, success(status, body)?)?;
    let v = match v {
        Value::Object(mut m) if m.get("user").is_some_and(Value::is_object) => {
            m.remove("user").unwrap_or(Value::Null)
        }
        other => other,
    };
    serde_json::from_value(v).map_err(|e| ApiError::Decode { status, message: e.to_string() })
}

/// Any 2xx, body ignored.
pub fn empty(status: u16, body: &[u8]) -> Result<(), ApiError> {
    success(status, body).map(|_| ())
}

/// Pagination end test used by the `list_all_*` helpers: stop on an empty
/// page, when `offset + len` reaches the known total, or (total unknown) when
/// no next page is announced.
pub fn is_last_page(offset: u64, len: usize, total: Option<u64>, has_next: bool) -> bool {
    if len == 0 {
        return true;
    }
    match total {
        Some(total) => offset + len as u64 >= total,
        None => !has_next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn next_link_variants() {
        assert!(!link_present(None));
        assert!(!link_present(Some(&Value::Null)));
        assert!(!link_present(Some(&json!("null"))));
        assert!(!link_present(Some(&json!(""))));
        assert!(link_present(Some(&json!("https://x/v2/a?page%5Boffset%5D=25"))));
    }

    #[test]
    fn end_detection() {
        assert!(is_last_page(0, 0, Some(10), true));
        assert!(!is_last_page(0, 5, Some(10), false));
        assert!(is_last_page(5, 5, Some(10), true));
        assert!(is_last_page(0, 3, None, false));
        assert!(!is_last_page(0, 3, None, true));
    }

    #[test]
    fn page_totals_from_meta_or_top_level() {
        let b = br#"{"data":[{"id":"a"}],"meta":{"page":{"limit":1,"offset":0,"current":1,"total":3},"results":{"total":3}},"links":{"next":null}}"#;
        let p: Page<Value> = page(200, b).unwrap();
        assert_eq!(p.total_results, Some(3));
        assert_eq!(p.total_pages, Some(3));
        assert!(p.has_next);
        let b = br#"{"data":[],"meta":{"page":{"limit":25,"offset":0}},"results":{"total":0}}"#;
        let p: Page<Value> = page(200, b).unwrap();
        assert_eq!(p.total_results, Some(0));
        assert!(!p.has_next);
    }

    #[test]
    fn errors_and_garbage() {
        assert!(matches!(data::<Value>(200, b""), Err(ApiError::Decode { .. })));
        assert!(matches!(data::<Value>(200, b"<html>"), Err(ApiError::Decode { .. })));
        assert!(matches!(data::<Value>(502, b"<html>"), Err(ApiError::Http { status: 502, .. })));
    }
}
