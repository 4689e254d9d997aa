//! Request and response types (serde), derived from the API reference.
//!
//! Response types are lenient: optional fields default, unknown fields are
//! ignored, enums keep an `Unknown` variant, so a new server field never breaks
//! the console. Request types serialize only what they hold; the
//! `{"data":{"type":...}}` envelope is added by the endpoint code.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::secret::Secret;

// ---------------------------------------------------------------- common

/// Parses an RFC 3339 timestamp as sent by the API.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// `meta` of a resource. Timestamps sit directly under `meta` for some
/// resources and under `meta.timestamps` for others: both are accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "RawMeta")]
pub struct ResourceMeta {
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// `COMPLETE` or `IN_PROGRESS` (user-authentication-info only).
    pub creation_status: Option<String>,
}

impl ResourceMeta {
    pub fn created(&self) -> Option<DateTime<Utc>> {
        self.created_at.as_deref().and_then(parse_timestamp)
    }
    pub fn updated(&self) -> Option<DateTime<Utc>> {
        self.updated_at.as_deref().and_then(parse_timestamp)
    }
}

#[derive(Deserialize, Default)]
struct RawTimestamps {
    created_at: Option<String>,
    updated_at: Option<String>,
}

#[derive(Deserialize, Default)]
struct RawMeta {
    created_at: Option<String>,
    updated_at: Option<String>,
    timestamps: Option<RawTimestamps>,
    creation_status: Option<String>,
}

impl From<RawMeta> for ResourceMeta {
    fn from(r: RawMeta) -> Self {
        let ts = r.timestamps.unwrap_or_default();
        ResourceMeta {
            created_at: r.created_at.or(ts.created_at),
            updated_at: r.updated_at.or(ts.updated_at),
            creation_status: r.creation_status,
        }
    }
}

/// `{"data":{"id","type"}}` inside `relationships`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Relationship {
    pub data: Option<RelationshipData>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RelationshipData {
    #[serde(default)]
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: String,
}

fn rel_id(r: &Option<Relationship>) -> Option<&str> {
    r.as_ref().and_then(|r| r.data.as_ref()).map(|d| d.id.as_str()).filter(|s| !s.is_empty())
}

/// Query parameters of a list call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListParams {
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    /// The raw filter, e.g. `eq(email,a+1@x.com)`; it is URL-encoded on sending.
    pub filter: Option<String>,
    /// `field` or `-field`.
    pub sort: Option<String>,
}

impl ListParams {
    pub fn with_filter(filter: impl Into<String>) -> Self {
        ListParams { filter: Some(filter.into()), ..Self::default() }
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Number of records (`meta.results.total`, or top-level `results.total`).
    pub total_results: Option<u64>,
    /// Number of pages (`meta.page.total`).
    pub total_pages: Option<u64>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// A next page exists (`links.next` set, or the totals say so).
    pub has_next: bool,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            data: Vec::new(),
            total_results: None,
            total_pages: None,
            limit: None,
            offset: None,
            has_next: false,
        }
    }
}

// ---------------------------------------------------------------- tokens

/// The bare body of `POST /oauth/access_token` (§2.1).
#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    pub access_token: Secret,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// Unix epoch seconds.
    #[serde(default)]
    pub expires: Option<i64>,
    #[serde(default)]
    pub identifier: Option<String>,
}

/// A bearer token with its computed expiry.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessToken {
    pub access_token: Secret,
    pub expires_at: DateTime<Utc>,
    /// The grant: `client_credentials` or `implicit`.
    pub identifier: String,
    /// When it was obtained (for the renewal margin).
    pub obtained_at: DateTime<Utc>,
}

impl AccessToken {
    /// Computes the expiry from `expires_in` (preferred: immune to clock skew),
    /// else from the `expires` epoch, else one hour.
    pub fn from_response(r: TokenResponse, now: DateTime<Utc>, grant: &str) -> AccessToken {
        let expires_at = match (r.expires_in, r.expires) {
            (Some(secs), _) if secs > 0 => now + chrono::Duration::seconds(secs),
            (_, Some(epoch)) => DateTime::from_timestamp(epoch, 0).unwrap_or(now),
            _ => now + chrono::Duration::hours(1),
        };
        AccessToken {
            access_token: r.access_token,
            expires_at,
            identifier: r.identifier.unwrap_or_else(|| grant.to_owned()),
            obtained_at: now,
        }
    }

    /// Still usable at `now`: renewed 60 s before expiry (or at half its
    /// lifetime for tokens shorter than two minutes, e.g. in a sandbox).
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        let lifetime = self.expires_at - self.obtained_at;
        let margin = chrono::Duration::seconds(60).min(lifetime / 2);
        now + margin < self.expires_at
    }
}

// ---------------------------------------------------------------- settings

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfManagement {
    #[default]
    Disabled,
    UpdateOnly,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SettingsRelationships {
    pub authentication_realm: Option<Relationship>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SettingsMeta {
    pub client_id: Option<String>,
}

/// `GET /v2/settings/account-authentication` (§2.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AccountAuthSettings {
    pub id: String,
    pub enable_self_signup: bool,
    pub auto_create_account_for_account_members: bool,
    pub account_member_self_management: SelfManagement,
    pub account_management_authentication_token_timeout_secs: Option<u64>,
    pub relationships: SettingsRelationships,
    pub meta: SettingsMeta,
}

impl AccountAuthSettings {
    /// `relationships.authentication_realm.data.id`.
    pub fn realm_id(&self) -> Option<&str> {
        rel_id(&self.relationships.authentication_realm)
    }
}

/// A partial settings update: `None` fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountAuthSettingsUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_self_signup: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_create_account_for_account_members: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_member_self_management: Option<SelfManagement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_management_authentication_token_timeout_secs: Option<u64>,
}

// ---------------------------------------------------------------- realms

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RealmRelationships {
    pub origin: Option<Relationship>,
}

/// An authentication realm (§2.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Realm {
    pub id: String,
    pub name: String,
    pub duplicate_email_policy: Option<String>,
    pub redirect_uris: Vec<String>,
    pub relationships: RealmRelationships,
    pub meta: ResourceMeta,
}

impl Realm {
    /// `relationships.origin.data.type` (`account_authentication_settings` for
    /// the account-management realm).
    pub fn origin_type(&self) -> Option<&str> {
        self.relationships.origin.as_ref()?.data.as_ref().map(|d| d.kind.as_str())
    }
}

// ---------------------------------------------------------------- password profiles

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsernameFormat {
    Email,
    #[default]
    Any,
    #[serde(other)]
    Unknown,
}

/// A password profile (§2.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PasswordProfile {
    pub id: String,
    pub name: String,
    pub username_format: UsernameFormat,
    pub enable_one_time_password_token: bool,
    pub meta: ResourceMeta,
}

/// Create/update body of a password profile (full object on update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasswordProfileInput {
    pub name: String,
    pub username_format: UsernameFormat,
    pub enable_one_time_password_token: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtpPurpose {
    ResetPassword,
    PasswordlessAuthentication,
}

/// Result of an OTP token request (§2.5).
#[derive(Debug, Clone, PartialEq)]
pub enum OtpRequestOutcome {
    /// `202`: the code goes to the webhook (the normal case).
    Accepted,
    /// `201` carrying `data.token` (2025 spec only).
    Issued { token: Secret, expires_at: Option<String> },
}

// ---------------------------------------------------------------- user authentication info

/// The identity behind an account member (same id) (§2.6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct UserAuthInfo {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub meta: ResourceMeta,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserAuthInfoInput {
    pub name: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
}

// ---------------------------------------------------------------- password profile info

/// A user's credentials on one password profile (§2.7). The password is never returned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PasswordProfileInfo {
    pub id: String,
    pub username: String,
    pub password_profile_id: String,
    pub meta: ResourceMeta,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasswordProfileInfoInput {
    pub password_profile_id: String,
    pub username: String,
    pub password: Secret,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PasswordProfileInfoUpdate {
    pub password_profile_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
}

// ---------------------------------------------------------------- account members

/// An account member (read-only resource; id = user-authentication-info id) (§2.8).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AccountMember {
    pub id: String,
    pub name: String,
    pub email: String,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub meta: ResourceMeta,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MembershipRelationships {
    pub account: Option<Relationship>,
    pub account_member: Option<Relationship>,
}

/// An account membership (§2.11; also the items of §2.8's per-member list).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Membership {
    pub id: String,
    /// Sent flat by some versions; see also [`Membership::member_id`].
    pub account_member_id: Option<String>,
    pub account_id: Option<String>,
    pub relationships: MembershipRelationships,
    pub meta: ResourceMeta,
}

impl Membership {
    /// The account (`relationships.account.data.id`, or a flat `account_id`).
    pub fn account(&self) -> Option<&str> {
        rel_id(&self.relationships.account).or(self.account_id.as_deref())
    }
    /// The member (`relationships.account_member.data.id`, or a flat field).
    pub fn member_id(&self) -> Option<&str> {
        rel_id(&self.relationships.account_member).or(self.account_member_id.as_deref())
    }
}

/// Items of `GET /v2/account-members/{id}/account-memberships`.
pub type MemberMembership = Membership;

/// A membership of a member with the account it points at (its name comes
/// from `include=account`, or from a `GET /v2/accounts/{id}` when the store
/// did not include it). `account` is `None` when the account is gone.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberAccount {
    pub membership: Membership,
    pub account_id: String,
    pub account: Option<Account>,
}

impl MemberAccount {
    /// The account's name, or its id when the account could not be read.
    pub fn account_name(&self) -> &str {
        self.account.as_ref().map(|a| a.name.as_str()).unwrap_or(&self.account_id)
    }
}

/// How [`crate::api::Client::search_members`] found its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchHow {
    /// No query: every member, newest first.
    All,
    /// `eq(email,…)` matched.
    ExactEmail,
    /// Case-insensitive substring (`ilike(field,'*q*')`) on e-mail and name.
    Ilike,
    /// The store's parser has no `ilike` (2024 spec): `like(field,*q*)`, case-sensitive.
    Like,
}

/// Where the next page of a member search starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCursor {
    pub how: SearchHow,
    /// Next offset per searched field (`email`, `name`; one entry for `All`);
    /// `None` once that field is exhausted.
    pub offsets: Vec<(String, Option<u32>)>,
}

/// One page of a member search.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberSearch {
    /// The matches of this page, each member once (by id).
    pub members: Vec<AccountMember>,
    pub how: SearchHow,
    /// The largest `meta.results.total` of the searched fields: a lower bound
    /// of the number of matches (e-mail and name matches may overlap).
    pub total_hint: Option<u64>,
    /// `Some` when more matches exist.
    pub next: Option<SearchCursor>,
}

/// `create_membership` result: `409` means it already existed.
// Returned once per approval, never stored in bulk: the size does not matter,
// and the console matches on `Created(Membership)` directly.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum MembershipOutcome {
    Created(Membership),
    AlreadyExists,
}

// ---------------------------------------------------------------- AM tokens

/// `POST /v2/account-members/tokens` request (§2.9).
#[derive(Debug, Clone, PartialEq)]
pub enum TokenRequest {
    Password {
        profile_id: String,
        username: String,
        password: Secret,
    },
    /// The username is lower-cased on sending (known upper-case bug).
    SelfSignup {
        profile_id: String,
        username: String,
        password: Secret,
        name: String,
        email: String,
    },
    Passwordless {
        profile_id: String,
        username: String,
        otp: Secret,
    },
}

impl TokenRequest {
    /// The `data` object (without the envelope).
    pub fn to_data(&self) -> Value {
        use serde_json::json;
        let kind = "account_management_authentication_token";
        match self {
            TokenRequest::Password { profile_id, username, password } => json!({
                "type": kind, "authentication_mechanism": "password",
                "password_profile_id": profile_id, "username": username,
                "password": password.expose(),
            }),
            TokenRequest::SelfSignup { profile_id, username, password, name, email } => json!({
                "type": kind, "authentication_mechanism": "self_signup",
                "password_profile_id": profile_id, "username": username.to_lowercase(),
                "password": password.expose(), "name": name, "email": email,
            }),
            TokenRequest::Passwordless { profile_id, username, otp } => json!({
                "type": kind, "authentication_mechanism": "passwordless",
                "password_profile_id": profile_id, "username": username,
                "one_time_password_token": otp.expose(),
            }),
        }
    }

    pub fn mechanism(&self) -> &'static str {
        match self {
            TokenRequest::Password { .. } => "password",
            TokenRequest::SelfSignup { .. } => "self_signup",
            TokenRequest::Passwordless { .. } => "passwordless",
        }
    }
}

/// One account-management token (one per account of the member).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AmToken {
    pub account_id: String,
    pub account_name: String,
    pub token: Secret,
    /// ISO-8601 string (unlike the epoch of `/oauth/access_token`).
    pub expires: String,
}

/// The `201` of `POST /v2/account-members/tokens`. Empty `tokens` = a member
/// with no account (pending approval).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AmTokens {
    pub tokens: Vec<AmToken>,
    /// `meta.account_member_id` (2025 spec only).
    pub account_member_id: Option<String>,
}

// ---------------------------------------------------------------- accounts

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AccountRelationships {
    pub parent: Option<Relationship>,
}

/// An account (§2.10).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub legal_name: Option<String>,
    pub registration_id: Option<String>,
    pub external_ref: Option<String>,
    pub parent_id: Option<String>,
    pub relationships: AccountRelationships,
    pub meta: ResourceMeta,
}

/// Create/update body of an account. On create, `legal_name` defaults to `name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountInput {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Only honoured on create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
}

// ---------------------------------------------------------------- integrations

/// `configuration` of an integration (webhook: `url`, `secret_key`). Fields of
/// other integration types are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntegrationConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<Secret>,
}

/// An integration (webhook) (§2.12).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Integration {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub integration_type: String,
    pub observes: Vec<String>,
    pub configuration: IntegrationConfiguration,
    pub meta: ResourceMeta,
}

/// Create body. `enabled` defaults to `false` server-side: set it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntegrationInput {
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub integration_type: String,
    pub observes: Vec<String>,
    pub configuration: IntegrationConfiguration,
}

/// Partial update: omitted attributes keep their values.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IntegrationUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration: Option<IntegrationConfiguration>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct LogRelationships {
    pub integration: Option<Relationship>,
    pub job: Option<Relationship>,
}

/// One webhook delivery attempt. `body`/`status_code` are what the receiver answered.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct IntegrationLog {
    pub id: String,
    pub succeeded: bool,
    pub attempt: Option<u32>,
    pub processing_time: Option<f64>,
    pub body: Option<String>,
    pub status_code: Option<u16>,
    pub error_detail: Option<String>,
    pub relationships: LogRelationships,
    pub meta: ResourceMeta,
}

impl IntegrationLog {
    pub fn integration_id(&self) -> Option<&str> {
        rel_id(&self.relationships.integration)
    }
    pub fn job_id(&self) -> Option<&str> {
        rel_id(&self.relationships.job)
    }
}

// ---------------------------------------------------------------- Beyond Identity

/// `POST /v1/manage/users` body (§4). `binding_token_delivery_method` is always `email`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BiUserInput {
    pub external_id: String,
    pub email: String,
    pub user_name: String,
    pub display_name: String,
}

/// A Beyond Identity user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct BiUser {
    pub internal_id: String,
    pub external_id: String,
    pub email: String,
    pub user_name: String,
    pub display_name: String,
    pub date_created: Option<String>,
    pub date_modified: Option<String>,
    /// `USER_STATUS_ACTIVE`, ...
    pub status: String,
}
