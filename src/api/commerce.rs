//! The Commerce (EPCC) endpoints of §2, as methods of [`Client`].

use std::sync::Arc;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::auth;
use super::decode;
use super::error::ApiError;
use super::http::{Auth, ClientConfig, Core, RawResponse, Req, Retry, seg};
use super::models::*;
use crate::secret::Secret;

/// Largest page the API serves.
pub const MAX_PAGE: u32 = 100;
/// The API's offset soft limit: `list_all_*` stop there.
pub const OFFSET_LIMIT: u64 = 10_000;

/// Client of one Commerce store. Cheap to clone; clones share the rate
/// limiter, the realm cache and (process-wide) the tokens.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    core: Core,
    realm: tokio::sync::OnceCell<String>,
}

/// Wraps attributes into `{"data":{"type":kind, ...attrs}}`.
fn envelope<T: Serialize>(kind: &str, attrs: &T) -> Result<Value, ApiError> {
    let mut data = match serde_json::to_value(attrs) {
        Ok(Value::Object(m)) => m,
        Ok(_) => Map::new(),
        Err(e) => return Err(ApiError::Config(format!("cannot encode the request: {e}"))),
    };
    data.insert("type".into(), Value::String(kind.into()));
    Ok(json!({ "data": data }))
}

fn list_query(p: &ListParams) -> Vec<(String, String)> {
    let mut q = Vec::new();
    if let Some(l) = p.limit {
        q.push(("page[limit]".to_owned(), l.to_string()));
    }
    if let Some(o) = p.offset {
        q.push(("page[offset]".to_owned(), o.to_string()));
    }
    if let Some(f) = p.filter.as_deref().filter(|f| !f.is_empty()) {
        q.push(("filter".to_owned(), f.to_owned()));
    }
    if let Some(s) = p.sort.as_deref().filter(|s| !s.is_empty()) {
        q.push(("sort".to_owned(), s.to_owned()));
    }
    q
}

/// Quotes a filter operand when it holds characters the filter syntax uses.
pub fn filter_value(v: &str) -> String {
    if v.chars().any(|c| matches!(c, ' ' | ',' | '(' | ')' | ':' | '"' | '\'')) {
        format!("\"{}\"", v.replace('"', "\\\""))
    } else {
        v.to_owned()
    }
}

/// `included.accounts` of a membership list with `include=account`.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct IncludedAccounts {
    included: IncludedLists,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct IncludedLists {
    accounts: Vec<Account>,
}

/// Whether a search query is a whole e-mail address (worth an `eq` first).
pub fn looks_like_email(q: &str) -> bool {
    match q.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.ends_with('.')
                && !q.contains(char::is_whitespace)
                && !q.contains('*')
        }
        None => false,
    }
}

/// `ilike(field,'*q*')` or `like(field,*q*)`: the operand quoted with a
/// quote character it does not contain.
fn substring_filter(how: SearchHow, field: &str, q: &str) -> String {
    let op = if how == SearchHow::Like { "like" } else { "ilike" };
    let pattern = format!("*{q}*");
    let quote = if pattern.contains('\'') { '"' } else { '\'' };
    let pattern: String = pattern.chars().filter(|c| *c != quote).collect();
    format!("{op}({field},{quote}{pattern}{quote})")
}

fn realm_base(realm: &str) -> String {
    format!("/v2/authentication-realms/{}", seg(realm))
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Self, ApiError> {
        let core = Core::new(&cfg)?;
        Ok(Client { inner: Arc::new(Inner { core, realm: tokio::sync::OnceCell::new() }) })
    }

    pub fn base_url(&self) -> &str {
        &self.inner.core.base_url
    }

    pub fn client_id(&self) -> &str {
        &self.inner.core.client_id
    }

    pub fn is_read_only(&self) -> bool {
        self.inner.core.read_only
    }

    fn core(&self) -> &Core {
        &self.inner.core
    }

    /// The effective request rate (lower than configured after a `429`).
    pub fn rate(&self) -> super::RateState {
        self.core().rate()
    }

    // ------------------------------------------------------------ plumbing

    async fn exec(&self, req: Req) -> Result<RawResponse, ApiError> {
        self.core().execute(req).await
    }

    async fn get_data<T: DeserializeOwned>(&self, path: String) -> Result<T, ApiError> {
        let r = self.exec(Req::get(path, Auth::Admin)).await?;
        decode::data(r.status, &r.body)
    }

    async fn get_page<T: DeserializeOwned>(
        &self,
        path: String,
        p: &ListParams,
    ) -> Result<Page<T>, ApiError> {
        let r = self.exec(Req::get(path, Auth::Admin).query(list_query(p))).await?;
        decode::page(r.status, &r.body)
    }

    /// Follows pages from `p.offset` until the end (see [`decode::is_last_page`]).
    async fn all_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        p: &ListParams,
    ) -> Result<Vec<T>, ApiError> {
        let mut params = p.clone();
        params.limit = Some(p.limit.unwrap_or(MAX_PAGE));
        let mut offset = u64::from(p.offset.unwrap_or(0));
        let mut out = Vec::new();
        loop {
            params.offset = Some(u32::try_from(offset).unwrap_or(u32::MAX));
            let page: Page<T> = self.get_page(path.to_owned(), &params).await?;
            let len = page.data.len();
            out.extend(page.data);
            if decode::is_last_page(offset, len, page.total_results, page.has_next) {
                break;
            }
            offset += len as u64;
            if offset >= OFFSET_LIMIT {
                tracing::warn!(path, offset, "stopping at the API's offset soft limit");
                break;
            }
        }
        Ok(out)
    }

    async fn write_data<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        body: Value,
        retry: Retry,
    ) -> Result<T, ApiError> {
        let r = self.exec(Req::new(method, path, Auth::Admin).json(body).retry(retry)).await?;
        decode::data(r.status, &r.body)
    }

    async fn delete(&self, path: String) -> Result<(), ApiError> {
        let r = self.exec(Req::new(Method::DELETE, path, Auth::Admin)).await?;
        decode::empty(r.status, &r.body)
    }

    // ------------------------------------------------------------ tokens

    /// The admin token (client_credentials), from the process-wide cache.
    pub async fn client_credentials_token(&self) -> Result<AccessToken, ApiError> {
        auth::token(self.core(), auth::Grant::ClientCredentials, None).await.map(|(t, _)| t)
    }

    /// The shopper-side token (implicit), from the process-wide cache.
    pub async fn implicit_token(&self) -> Result<AccessToken, ApiError> {
        auth::token(self.core(), auth::Grant::Implicit, None).await.map(|(t, _)| t)
    }

    // ------------------------------------------------------------ settings (§2.2)

    pub async fn get_account_auth_settings(&self) -> Result<AccountAuthSettings, ApiError> {
        self.get_data("/v2/settings/account-authentication".into()).await
    }

    /// Partial update: `None` fields are not sent.
    pub async fn update_account_auth_settings(
        &self,
        u: &AccountAuthSettingsUpdate,
    ) -> Result<AccountAuthSettings, ApiError> {
        let body = envelope("account_authentication_settings", u)?;
        self.write_data(
            Method::PUT,
            "/v2/settings/account-authentication".into(),
            body,
            Retry::Idempotent,
        )
        .await
    }

    /// The account-management realm id, read from the settings once per client.
    pub async fn realm_id(&self) -> Result<String, ApiError> {
        self.inner
            .realm
            .get_or_try_init(|| async {
                let s = self.get_account_auth_settings().await?;
                s.realm_id().map(ToOwned::to_owned).ok_or_else(|| ApiError::Decode {
                    status: 200,
                    message: "the settings carry no authentication realm".into(),
                })
            })
            .await
            .cloned()
    }

    // ------------------------------------------------------------ realms (§2.3)

    pub async fn list_realms(&self) -> Result<Vec<Realm>, ApiError> {
        self.all_pages("/v2/authentication-realms", &ListParams::default()).await
    }

    // ------------------------------------------------------------ password profiles (§2.4)

    /// All password profiles of the realm (every page).
    pub async fn list_password_profiles(
        &self,
        realm: &str,
    ) -> Result<Vec<PasswordProfile>, ApiError> {
        let path = format!("{}/password-profiles", realm_base(realm));
        self.all_pages(&path, &ListParams::default()).await
    }

    pub async fn get_password_profile(
        &self,
        realm: &str,
        id: &str,
    ) -> Result<PasswordProfile, ApiError> {
        self.get_data(format!("{}/password-profiles/{}", realm_base(realm), seg(id))).await
    }

    pub async fn create_password_profile(
        &self,
        realm: &str,
        input: &PasswordProfileInput,
    ) -> Result<PasswordProfile, ApiError> {
        let body = envelope("password_profile", input)?;
        let path = format!("{}/password-profiles", realm_base(realm));
        self.write_data(Method::POST, path, body, Retry::Only429).await
    }

    /// Full update (send every field).
    pub async fn update_password_profile(
        &self,
        realm: &str,
        id: &str,
        input: &PasswordProfileInput,
    ) -> Result<PasswordProfile, ApiError> {
        let body = envelope("password_profile", input)?;
        let path = format!("{}/password-profiles/{}", realm_base(realm), seg(id));
        self.write_data(Method::PUT, path, body, Retry::Idempotent).await
    }

    /// Cascades to every password-profile-info on that profile.
    pub async fn delete_password_profile(&self, realm: &str, id: &str) -> Result<(), ApiError> {
        self.delete(format!("{}/password-profiles/{}", realm_base(realm), seg(id))).await
    }

    // ------------------------------------------------------------ OTP (§2.5)

    /// Requests a one-time password (implicit token). A write with side
    /// effects: refused in read-only mode, retried only on `429`.
    pub async fn request_otp(
        &self,
        realm: &str,
        profile_id: &str,
        username: &str,
        purpose: OtpPurpose,
    ) -> Result<OtpRequestOutcome, ApiError> {
        let path = format!(
            "{}/password-profiles/{}/one-time-password-token-request",
            realm_base(realm),
            seg(profile_id)
        );
        let body = json!({"data": {
            "type": "one_time_password_token_request",
            "username": username,
            "purpose": purpose,
        }});
        let r = self.exec(Req::new(Method::POST, path, Auth::Implicit).json(body)).await?;
        decode::empty(r.status, &r.body)?;
        if r.status == 202 {
            return Ok(OtpRequestOutcome::Accepted);
        }
        // 201 (2025 spec) may carry data.token; anything unexpected = accepted.
        let data =
            serde_json::from_slice::<Value>(&r.body).ok().and_then(|v| v.get("data").cloned());
        let token = data.as_ref().and_then(|d| d.get("token")).and_then(Value::as_str);
        Ok(match token.filter(|t| !t.is_empty()) {
            Some(t) => OtpRequestOutcome::Issued {
                token: Secret::new(t),
                expires_at: data
                    .as_ref()
                    .and_then(|d| d.get("expires_at"))
                    .and_then(Value::as_str)
                    .map(ToOwned::to_owned),
            },
            None => OtpRequestOutcome::Accepted,
        })
    }

    // ------------------------------------------------------------ user-authentication-info (§2.6)

    pub async fn list_user_auth_infos(
        &self,
        realm: &str,
        p: &ListParams,
    ) -> Result<Page<UserAuthInfo>, ApiError> {
        self.get_page(format!("{}/user-authentication-info", realm_base(realm)), p).await
    }

    pub async fn get_user_auth_info(
        &self,
        realm: &str,
        id: &str,
    ) -> Result<UserAuthInfo, ApiError> {
        self.get_data(format!("{}/user-authentication-info/{}", realm_base(realm), seg(id))).await
    }

    /// Creates the identity, and with it the account member (same id).
    pub async fn create_user_auth_info(
        &self,
        realm: &str,
        input: &UserAuthInfoInput,
    ) -> Result<UserAuthInfo, ApiError> {
        let body = envelope("user_authentication_info", input)?;
        let path = format!("{}/user-authentication-info", realm_base(realm));
        self.write_data(Method::POST, path, body, Retry::Only429).await
    }

    pub async fn update_user_auth_info(
        &self,
        realm: &str,
        id: &str,
        input: &UserAuthInfoInput,
    ) -> Result<UserAuthInfo, ApiError> {
        let body = envelope("user_authentication_info", input)?;
        let path = format!("{}/user-authentication-info/{}", realm_base(realm), seg(id));
        self.write_data(Method::PUT, path, body, Retry::Idempotent).await
    }

    /// Removes the identity and its account member.
    pub async fn delete_user_auth_info(&self, realm: &str, id: &str) -> Result<(), ApiError> {
        self.delete(format!("{}/user-authentication-info/{}", realm_base(realm), seg(id))).await
    }

    // ------------------------------------------------------------ password-profile-info (§2.7)

    fn ppi_base(realm: &str, uai: &str) -> String {
        format!(
            "{}/user-authentication-info/{}/user-authentication-password-profile-info",
            realm_base(realm),
            seg(uai)
        )
    }

    pub async fn list_password_profile_infos(
        &self,
        realm: &str,
        uai: &str,
    ) -> Result<Vec<PasswordProfileInfo>, ApiError> {
        self.all_pages(&Self::ppi_base(realm, uai), &ListParams::default()).await
    }

    pub async fn get_password_profile_info(
        &self,
        realm: &str,
        uai: &str,
        id: &str,
    ) -> Result<PasswordProfileInfo, ApiError> {
        self.get_data(format!("{}/{}", Self::ppi_base(realm, uai), seg(id))).await
    }

    pub async fn create_password_profile_info(
        &self,
        realm: &str,
        uai: &str,
        input: &PasswordProfileInfoInput,
    ) -> Result<PasswordProfileInfo, ApiError> {
        let body = envelope("user_authentication_password_profile_info", input)?;
        self.write_data(Method::POST, Self::ppi_base(realm, uai), body, Retry::Only429).await
    }

    /// Updates credentials. `as_member: None` uses the admin token; `Some(am)`
    /// sends an implicit bearer plus the member's AM token (self-service
    /// password reset, needs `account_member_self_management=update_only`).
    pub async fn update_password_profile_info(
        &self,
        realm: &str,
        uai: &str,
        id: &str,
        update: &PasswordProfileInfoUpdate,
        as_member: Option<&Secret>,
    ) -> Result<PasswordProfileInfo, ApiError> {
        let body = envelope("user_authentication_password_profile_info", update)?;
        let auth = match as_member {
            Some(am) => Auth::ImplicitWithAm(am.clone()),
            None => Auth::Admin,
        };
        let path = format!("{}/{}", Self::ppi_base(realm, uai), seg(id));
        let r = self.exec(Req::new(Method::PUT, path, auth).json(body)).await?;
        decode::data(r.status, &r.body)
    }

    pub async fn delete_password_profile_info(
        &self,
        realm: &str,
        uai: &str,
        id: &str,
    ) -> Result<(), ApiError> {
        self.delete(format!("{}/{}", Self::ppi_base(realm, uai), seg(id))).await
    }

    // ------------------------------------------------------------ account members (§2.8)

    pub async fn list_account_members(
        &self,
        p: &ListParams,
    ) -> Result<Page<AccountMember>, ApiError> {
        self.get_page("/v2/account-members".into(), p).await
    }

    /// Every account member matching `p` (follows pages).
    pub async fn list_all_account_members(
        &self,
        p: &ListParams,
    ) -> Result<Vec<AccountMember>, ApiError> {
        self.all_pages("/v2/account-members", p).await
    }

    pub async fn get_account_member(&self, id: &str) -> Result<AccountMember, ApiError> {
        self.get_data(format!("/v2/account-members/{}", seg(id))).await
    }

    /// Memberships of one member; `total_results == Some(0)` means "pending".
    pub async fn member_memberships(
        &self,
        member_id: &str,
        p: &ListParams,
    ) -> Result<Page<MemberMembership>, ApiError> {
        self.get_page(format!("/v2/account-members/{}/account-memberships", seg(member_id)), p)
            .await
    }

    /// Finds a member by e-mail (case-insensitive): `eq(email,…)` first, then
    /// `ilike(email,'…')` for stores whose parser only knows `ilike`.
    pub async fn find_member_by_email(
        &self,
        email: &str,
    ) -> Result<Option<AccountMember>, ApiError> {
        let email = email.trim();
        let pick = |page: Page<AccountMember>| {
            page.data.into_iter().find(|m| m.email.eq_ignore_ascii_case(email))
        };
        let eq = ListParams {
            filter: Some(format!("eq(email,{})", filter_value(email))),
            limit: Some(MAX_PAGE),
            ..ListParams::default()
        };
        let eq_failed = match self.list_account_members(&eq).await {
            Ok(page) => match pick(page) {
                Some(m) => return Ok(Some(m)),
                None => None,
            },
            Err(e @ ApiError::Http { status: 400, .. }) => Some(e),
            Err(e) => return Err(e),
        };
        let ilike = ListParams {
            filter: Some(format!("ilike(email,'{}')", email.replace('\'', "\\'"))),
            limit: Some(MAX_PAGE),
            ..ListParams::default()
        };
        match self.list_account_members(&ilike).await {
            Ok(page) => Ok(pick(page)),
            Err(ApiError::Http { status: 400, .. }) => match eq_failed {
                Some(e) => Err(e),
                None => Ok(None),
            },
            Err(e) => Err(e),
        }
    }

    /// Searches members by e-mail or name, server-side (§2.8, §1.6).
    ///
    /// * No query: every member, newest first (`sort=-created_at`).
    /// * A query that looks like an e-mail is first tried as `eq(email,…)`
    ///   (the 2024 operator); a match ends the search there.
    /// * Otherwise (or with no exact match) a case-insensitive substring
    ///   search: `ilike(email,'*q*')` and, when the query has no `@`,
    ///   `ilike(name,'*q*')`, merged by id. A store whose parser rejects
    ///   `ilike` with `400` is asked with `like` (2024 spec) instead.
    ///
    /// Values are URL-encoded whole, so a `+` goes out as `%2B`. `limit` is
    /// per searched field (at most [`MAX_PAGE`]); pass the returned cursor to
    /// get the next page.
    pub async fn search_members(
        &self,
        query: &str,
        cursor: Option<&SearchCursor>,
        limit: u32,
    ) -> Result<MemberSearch, ApiError> {
        let q = query.trim();
        let limit = limit.clamp(1, MAX_PAGE);
        let cursor = match cursor {
            Some(c) => c.clone(),
            None if q.is_empty() => {
                SearchCursor { how: SearchHow::All, offsets: vec![(String::new(), Some(0))] }
            }
            None => {
                if looks_like_email(q) {
                    let eq = ListParams {
                        filter: Some(format!("eq(email,{})", filter_value(q))),
                        limit: Some(limit),
                        ..ListParams::default()
                    };
                    match self.list_account_members(&eq).await {
                        Ok(page) if !page.data.is_empty() => {
                            return Ok(MemberSearch {
                                total_hint: page.total_results,
                                members: page.data,
                                how: SearchHow::ExactEmail,
                                next: None,
                            });
                        }
                        Ok(_) | Err(ApiError::Http { status: 400, .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                let mut offsets = vec![("email".to_owned(), Some(0))];
                if !q.contains('@') {
                    offsets.push(("name".to_owned(), Some(0)));
                }
                SearchCursor { how: SearchHow::Ilike, offsets }
            }
        };
        let mut how = cursor.how;
        let mut out = MemberSearch { members: Vec::new(), how, total_hint: None, next: None };
        let mut next = Vec::new();
        for (field, offset) in &cursor.offsets {
            let Some(offset) = *offset else {
                next.push((field.clone(), None));
                continue;
            };
            let mut params =
                ListParams { limit: Some(limit), offset: Some(offset), ..ListParams::default() };
            let page = if how == SearchHow::All {
                params.sort = Some("-created_at".into());
                self.list_account_members(&params).await?
            } else {
                params.sort = Some(field.clone());
                params.filter = Some(substring_filter(how, field, q));
                match self.list_account_members(&params).await {
                    Err(ApiError::Http { status: 400, .. }) if how == SearchHow::Ilike => {
                        how = SearchHow::Like;
                        params.filter = Some(substring_filter(how, field, q));
                        self.list_account_members(&params).await?
                    }
                    other => other?,
                }
            };
            let len = page.data.len();
            out.total_hint = out.total_hint.max(page.total_results);
            let last = super::decode::is_last_page(
                u64::from(offset),
                len,
                page.total_results,
                page.has_next,
            );
            let reached = u64::from(offset) + len as u64;
            next.push((
                field.clone(),
                (!last && reached < OFFSET_LIMIT)
                    .then(|| u32::try_from(reached).unwrap_or(u32::MAX)),
            ));
            for m in page.data {
                if !out.members.iter().any(|x| x.id == m.id) {
                    out.members.push(m);
                }
            }
        }
        out.how = how;
        if how != SearchHow::All {
            // E-mail and name matches arrive in two orders: one order on screen.
            out.members.sort_by_cached_key(|m| (m.name.to_lowercase(), m.email.to_lowercase()));
        }
        if next.iter().any(|(_, o)| o.is_some()) {
            out.next = Some(SearchCursor { how, offsets: next });
        }
        Ok(out)
    }

    /// Every membership of a member with its account (`include=account`,
    /// §2.8). An account the store did not include is read by id; one that
    /// no longer exists is kept with `account: None`.
    pub async fn member_accounts(&self, member_id: &str) -> Result<Vec<MemberAccount>, ApiError> {
        let path = format!("/v2/account-members/{}/account-memberships", seg(member_id));
        let mut out: Vec<MemberAccount> = Vec::new();
        let mut offset = 0u64;
        loop {
            let mut q = list_query(&ListParams {
                limit: Some(MAX_PAGE),
                offset: Some(u32::try_from(offset).unwrap_or(u32::MAX)),
                ..ListParams::default()
            });
            q.push(("include".to_owned(), "account".to_owned()));
            let r = self.exec(Req::get(path.clone(), Auth::Admin).query(q)).await?;
            let page: Page<Membership> = decode::page(r.status, &r.body)?;
            let included: Vec<Account> = serde_json::from_slice::<IncludedAccounts>(&r.body)
                .map(|i| i.included.accounts)
                .unwrap_or_default();
            let len = page.data.len();
            for m in page.data {
                let account_id = m.account().unwrap_or_default().to_owned();
                let account = included.iter().find(|a| a.id == account_id).cloned();
                out.push(MemberAccount { membership: m, account_id, account });
            }
            if decode::is_last_page(offset, len, page.total_results, page.has_next) {
                break;
            }
            offset += len as u64;
            if offset >= OFFSET_LIMIT {
                break;
            }
        }
        for ma in out.iter_mut().filter(|m| m.account.is_none() && !m.account_id.is_empty()) {
            match self.get_account(&ma.account_id).await {
                Ok(a) => ma.account = Some(a),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// `POST /v2/account-members/tokens` with an implicit bearer (§2.9).
    /// Read-only mode allows the log-ins (`password`, `passwordless`) and
    /// refuses `self_signup`, which creates a member. Only the `password`
    /// mechanism is retried after a 5xx; a `401` that is not about the bearer
    /// (wrong credentials) is not renewed and replayed. See the `http` module
    /// docs.
    pub async fn account_member_tokens(&self, req: &TokenRequest) -> Result<AmTokens, ApiError> {
        let retry = match req {
            TokenRequest::Password { .. } => Retry::Checked,
            _ => Retry::Only429,
        };
        let body = json!({ "data": req.to_data() });
        let r = self
            .exec(
                Req::new(Method::POST, super::http::AM_TOKENS_PATH, Auth::Implicit)
                    .json(body)
                    .retry(retry),
            )
            .await?;
        decode::am_tokens(r.status, &r.body)
    }

    // ------------------------------------------------------------ accounts (§2.10)

    pub async fn list_accounts(&self, p: &ListParams) -> Result<Page<Account>, ApiError> {
        self.get_page("/v2/accounts".into(), p).await
    }

    pub async fn list_all_accounts(&self, p: &ListParams) -> Result<Vec<Account>, ApiError> {
        self.all_pages("/v2/accounts", p).await
    }

    pub async fn get_account(&self, id: &str) -> Result<Account, ApiError> {
        self.get_data(format!("/v2/accounts/{}", seg(id))).await
    }

    /// Creates an account (`legal_name` defaults to `name`). Retried only on
    /// `429`: after a 5xx or a lost connection the account may exist, and a
    /// retry would create a duplicate.
    pub async fn create_account(&self, input: &AccountInput) -> Result<Account, ApiError> {
        let mut input = input.clone();
        if input.legal_name.is_none() {
            input.legal_name = Some(input.name.clone());
        }
        let body = envelope("account", &input)?;
        self.write_data(Method::POST, "/v2/accounts".into(), body, Retry::Only429).await
    }

    pub async fn update_account(
        &self,
        id: &str,
        input: &AccountInput,
    ) -> Result<Account, ApiError> {
        let mut input = input.clone();
        input.parent_id = None;
        let body = envelope("account", &input)?;
        self.write_data(Method::PUT, format!("/v2/accounts/{}", seg(id)), body, Retry::Idempotent)
            .await
    }

    pub async fn delete_account(&self, id: &str) -> Result<(), ApiError> {
        self.delete(format!("/v2/accounts/{}", seg(id))).await
    }

    // ------------------------------------------------------------ memberships (§2.11)

    /// Adds a member to an account; `409` (already a member, e.g. after a
    /// retried request that had succeeded) gives `AlreadyExists`.
    pub async fn create_membership(
        &self,
        account_id: &str,
        member_id: &str,
    ) -> Result<MembershipOutcome, ApiError> {
        let body = json!({"data": {"type": "account_membership", "account_member_id": member_id}});
        let path = format!("/v2/accounts/{}/account-memberships", seg(account_id));
        let r = self
            .exec(Req::new(Method::POST, path, Auth::Admin).json(body).retry(Retry::Checked))
            .await?;
        if r.status == 409 {
            return Ok(MembershipOutcome::AlreadyExists);
        }
        decode::data(r.status, &r.body).map(MembershipOutcome::Created)
    }

    pub async fn list_memberships(
        &self,
        account_id: &str,
        p: &ListParams,
    ) -> Result<Page<Membership>, ApiError> {
        self.get_page(format!("/v2/accounts/{}/account-memberships", seg(account_id)), p).await
    }

    pub async fn delete_membership(
        &self,
        account_id: &str,
        membership_id: &str,
    ) -> Result<(), ApiError> {
        self.delete(format!(
            "/v2/accounts/{}/account-memberships/{}",
            seg(account_id),
            seg(membership_id)
        ))
        .await
    }

    /// Members not (yet) in this account.
    pub async fn unassigned_members(
        &self,
        account_id: &str,
        p: &ListParams,
    ) -> Result<Page<AccountMember>, ApiError> {
        let path = format!(
            "/v2/accounts/{}/account-memberships/unassigned-account-members",
            seg(account_id)
        );
        self.get_page(path, p).await
    }

    // ------------------------------------------------------------ integrations (§2.12)

    pub async fn list_integrations(&self) -> Result<Vec<Integration>, ApiError> {
        self.get_data("/v2/integrations".into()).await
    }

    pub async fn get_integration(&self, id: &str) -> Result<Integration, ApiError> {
        self.get_data(format!("/v2/integrations/{}", seg(id))).await
    }

    /// Accepts `200` or `201`.
    pub async fn create_integration(
        &self,
        input: &IntegrationInput,
    ) -> Result<Integration, ApiError> {
        let body = envelope("integration", input)?;
        self.write_data(Method::POST, "/v2/integrations".into(), body, Retry::Only429).await
    }

    /// Partial update: `None` fields keep their values.
    pub async fn update_integration(
        &self,
        id: &str,
        u: &IntegrationUpdate,
    ) -> Result<Integration, ApiError> {
        let body = envelope("integration", u)?;
        let path = format!("/v2/integrations/{}", seg(id));
        self.write_data(Method::PUT, path, body, Retry::Idempotent).await
    }

    /// Accepts any 2xx.
    pub async fn delete_integration(&self, id: &str) -> Result<(), ApiError> {
        self.delete(format!("/v2/integrations/{}", seg(id))).await
    }

    pub async fn integration_logs(
        &self,
        id: &str,
        p: &ListParams,
    ) -> Result<Page<IntegrationLog>, ApiError> {
        self.get_page(format!("/v2/integrations/{}/logs", seg(id)), p).await
    }

    /// Delivery logs of every integration of the store.
    pub async fn all_integration_logs(
        &self,
        p: &ListParams,
    ) -> Result<Page<IntegrationLog>, ApiError> {
        self.get_page("/v2/integrations/logs".into(), p).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_params_to_query() {
        let p = ListParams {
            limit: Some(10),
            offset: Some(20),
            filter: Some("eq(email,a+b@x.com)".into()),
            sort: Some("-created_at".into()),
        };
        let q = super::super::http::encode_query(&list_query(&p));
        assert_eq!(
            q,
            "page%5Blimit%5D=10&page%5Boffset%5D=20&filter=eq%28email%2Ca%2Bb%40x.com%29&sort=-created_at"
        );
        assert!(list_query(&ListParams::default()).is_empty());
    }

    #[test]
    fn search_filters() {
        assert!(looks_like_email("a+1@x.com"));
        assert!(!looks_like_email("ada"));
        assert!(!looks_like_email("ada@"));
        assert!(!looks_like_email("@x.com"));
        assert!(!looks_like_email("a b@x.com"));
        assert_eq!(substring_filter(SearchHow::Ilike, "name", "Ada L"), "ilike(name,'*Ada L*')");
        assert_eq!(substring_filter(SearchHow::Like, "email", "o'b"), "like(email,\"*o'b*\")");
        assert_eq!(substring_filter(SearchHow::Ilike, "name", "a'\"b"), "ilike(name,\"*a'b*\")");
    }

    #[test]
    fn filter_values_are_quoted_when_needed() {
        assert_eq!(filter_value("a+1@x.com"), "a+1@x.com");
        assert_eq!(filter_value("a b@x.com"), "\"a b@x.com\"");
    }

    #[test]
    fn envelope_adds_type() {
        let v = envelope(
            "account_authentication_settings",
            &AccountAuthSettingsUpdate { enable_self_signup: Some(true), ..Default::default() },
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"data":{"type":"account_authentication_settings","enable_self_signup":true}})
        );
    }
}
