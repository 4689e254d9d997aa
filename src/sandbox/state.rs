//! The sandbox's data: records, indexes kept in step with them, JSON views.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::secret::Secret;

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `2023-09-05T14:53:01.584Z`
pub fn ts(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub id: String,
    pub enable_self_signup: bool,
    pub auto_create_account_for_account_members: bool,
    pub account_member_self_management: String,
    pub account_management_authentication_token_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Realm {
    pub id: String,
    pub name: String,
    pub origin_type: String,
    pub duplicate_email_policy: String,
    pub redirect_uris: Vec<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    pub id: String,
    pub realm_id: String,
    pub name: String,
    pub username_format: String,
    pub enable_one_time_password_token: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user-authentication-info (== account member).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub realm_id: String,
    pub name: String,
    pub email: String,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user-authentication-password-profile-info.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Credential {
    pub id: String,
    pub user_id: String,
    pub profile_id: String,
    pub username: String,
    pub password: Secret,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub legal_name: Option<String>,
    pub registration_id: Option<String>,
    pub external_ref: Option<String>,
    pub parent_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Membership {
    pub id: String,
    pub account_id: String,
    pub member_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Integration {
    pub id: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub integration_type: String,
    pub observes: Vec<String>,
    pub configuration: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub integration_id: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Log {
    pub id: String,
    pub integration_id: String,
    pub job_id: String,
    pub succeeded: bool,
    pub attempt: u32,
    pub processing_time: f64,
    pub body: String,
    pub status_code: Option<u16>,
    pub error_detail: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BiUser {
    pub internal_id: String,
    pub external_id: String,
    pub email: String,
    pub user_name: String,
    pub display_name: String,
    pub date_created: DateTime<Utc>,
    pub date_modified: DateTime<Utc>,
    pub status: String,
}

/// An OTP issued by a token request (kept in memory only).
#[derive(Debug, Clone)]
pub struct Otp {
    pub code: Secret,
    pub profile_id: String,
    pub username: String,
    pub user_id: String,
    pub purpose: String,
    pub created_at: DateTime<Utc>,
    pub used: bool,
}

/// A live account-management token.
#[derive(Debug, Clone)]
pub struct AmSession {
    pub member_id: String,
    pub account_id: Option<String>,
    pub expires: DateTime<Utc>,
}

/// Everything that is saved with `--state`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Data {
    pub store_id: String,
    pub settings: Settings,
    pub realms: Vec<Realm>,
    pub profiles: Vec<Profile>,
    /// Ordered by `created_at` (then insertion).
    pub users: Vec<User>,
    pub credentials: HashMap<String, Credential>,
    /// Ordered by `created_at`.
    pub accounts: Vec<Account>,
    pub memberships: HashMap<String, Membership>,
    pub integrations: Vec<Integration>,
    pub jobs: Vec<Job>,
    pub logs: Vec<Log>,
    pub bi_users: Vec<BiUser>,
}

impl Data {
    pub fn fresh() -> Self {
        let now = Utc::now();
        let realm = |name: &str, origin: &str| Realm {
            id: new_id(),
            name: name.to_owned(),
            origin_type: origin.to_owned(),
            duplicate_email_policy: "allowed".to_owned(),
            redirect_uris: Vec::new(),
            created_at: now,
        };
        let realms = vec![
            realm("Buyer Organization", "customer-authentication-settings"),
            realm("Merchant Organization", "merchant-realm-mappings"),
            realm("Account Management Realm", "account_authentication_settings"),
        ];
        Data {
            store_id: new_id(),
            settings: Settings {
                id: new_id(),
                enable_self_signup: false,
                auto_create_account_for_account_members: false,
                account_member_self_management: "disabled".to_owned(),
                account_management_authentication_token_timeout_secs: 86_400,
            },
            realms,
            profiles: Vec::new(),
            users: Vec::new(),
            credentials: HashMap::new(),
            accounts: Vec::new(),
            memberships: HashMap::new(),
            integrations: Vec::new(),
            jobs: Vec::new(),
            logs: Vec::new(),
            bi_users: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Indexes {
    pub user_pos: HashMap<String, usize>,
    pub account_pos: HashMap<String, usize>,
    /// user id → credential ids
    pub creds_by_user: HashMap<String, Vec<String>>,
    /// (profile id, lower-cased username) → credential id
    pub cred_by_name: HashMap<(String, String), String>,
    /// member id → membership ids (creation order)
    pub ms_by_member: HashMap<String, Vec<String>>,
    /// account id → membership ids (creation order)
    pub ms_by_account: HashMap<String, Vec<String>>,
    /// (account id, member id) → membership id
    pub ms_pair: HashMap<(String, String), String>,
    pub account_by_regid: HashMap<String, String>,
    pub bi_by_external: HashMap<String, usize>,
}

/// The whole mutable state behind one lock.
#[derive(Debug)]
pub struct Store {
    pub data: Data,
    pub idx: Indexes,
    pub otps: Vec<Otp>,
    pub am_tokens: HashMap<String, AmSession>,
}

impl Store {
    pub fn new(mut data: Data) -> Self {
        data.users.sort_by_key(|a| a.created_at);
        data.accounts.sort_by_key(|a| a.created_at);
        let mut s =
            Store { data, idx: Indexes::default(), otps: Vec::new(), am_tokens: HashMap::new() };
        s.rebuild();
        s
    }

    pub fn rebuild(&mut self) {
        let d = &self.data;
        let mut idx = Indexes::default();
        for (i, u) in d.users.iter().enumerate() {
            idx.user_pos.insert(u.id.clone(), i);
        }
        for (i, a) in d.accounts.iter().enumerate() {
            idx.account_pos.insert(a.id.clone(), i);
            if let Some(r) = &a.registration_id {
                idx.account_by_regid.insert(r.clone(), a.id.clone());
            }
        }
        let mut creds: Vec<&Credential> = d.credentials.values().collect();
        creds.sort_by_key(|a| a.created_at);
        for c in creds {
            idx.creds_by_user.entry(c.user_id.clone()).or_default().push(c.id.clone());
            idx.cred_by_name
                .insert((c.profile_id.clone(), c.username.to_lowercase()), c.id.clone());
        }
        let mut ms: Vec<&Membership> = d.memberships.values().collect();
        ms.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        for m in ms {
            idx.ms_by_member.entry(m.member_id.clone()).or_default().push(m.id.clone());
            idx.ms_by_account.entry(m.account_id.clone()).or_default().push(m.id.clone());
            idx.ms_pair.insert((m.account_id.clone(), m.member_id.clone()), m.id.clone());
        }
        for (i, b) in d.bi_users.iter().enumerate() {
            idx.bi_by_external.insert(b.external_id.clone(), i);
        }
        self.idx = idx;
    }

    pub fn account_realm(&self) -> &str {
        self.data
            .realms
            .iter()
            .find(|r| r.origin_type == "account_authentication_settings")
            .or(self.data.realms.first())
            .map(|r| r.id.as_str())
            .unwrap_or("")
    }

    pub fn realm(&self, id: &str) -> Option<&Realm> {
        self.data.realms.iter().find(|r| r.id == id)
    }

    pub fn profile(&self, realm: &str, id: &str) -> Option<&Profile> {
        self.data.profiles.iter().find(|p| p.id == id && p.realm_id == realm)
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.idx.user_pos.get(id).and_then(|&i| self.data.users.get(i))
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.idx.account_pos.get(id).and_then(|&i| self.data.accounts.get(i))
    }

    pub fn push_user(&mut self, u: User) {
        let late = self.data.users.last().is_some_and(|l| l.created_at > u.created_at);
        self.data.users.push(u);
        if late {
            self.data.users.sort_by_key(|a| a.created_at);
            self.rebuild_positions();
        } else {
            let i = self.data.users.len() - 1;
            self.idx.user_pos.insert(self.data.users[i].id.clone(), i);
        }
    }

    pub fn push_account(&mut self, a: Account) {
        if let Some(r) = &a.registration_id {
            self.idx.account_by_regid.insert(r.clone(), a.id.clone());
        }
        let late = self.data.accounts.last().is_some_and(|l| l.created_at > a.created_at);
        self.data.accounts.push(a);
        if late {
            self.data.accounts.sort_by_key(|a| a.created_at);
            self.rebuild_positions();
        } else {
            let i = self.data.accounts.len() - 1;
            self.idx.account_pos.insert(self.data.accounts[i].id.clone(), i);
        }
    }

    fn rebuild_positions(&mut self) {
        self.idx.user_pos =
            self.data.users.iter().enumerate().map(|(i, u)| (u.id.clone(), i)).collect();
        self.idx.account_pos =
            self.data.accounts.iter().enumerate().map(|(i, a)| (a.id.clone(), i)).collect();
    }

    pub fn push_credential(&mut self, c: Credential) {
        self.idx.creds_by_user.entry(c.user_id.clone()).or_default().push(c.id.clone());
        self.idx
            .cred_by_name
            .insert((c.profile_id.clone(), c.username.to_lowercase()), c.id.clone());
        self.data.credentials.insert(c.id.clone(), c);
    }

    pub fn remove_credential(&mut self, id: &str) -> Option<Credential> {
        let c = self.data.credentials.remove(id)?;
        if let Some(v) = self.idx.creds_by_user.get_mut(&c.user_id) {
            v.retain(|x| x != id);
        }
        self.idx.cred_by_name.remove(&(c.profile_id.clone(), c.username.to_lowercase()));
        Some(c)
    }

    pub fn push_membership(&mut self, m: Membership) {
        self.idx.ms_by_member.entry(m.member_id.clone()).or_default().push(m.id.clone());
        self.idx.ms_by_account.entry(m.account_id.clone()).or_default().push(m.id.clone());
        self.idx.ms_pair.insert((m.account_id.clone(), m.member_id.clone()), m.id.clone());
        self.data.memberships.insert(m.id.clone(), m);
    }

    pub fn remove_membership(&mut self, id: &str) -> Option<Membership> {
        let m = self.data.memberships.remove(id)?;
        if let Some(v) = self.idx.ms_by_member.get_mut(&m.member_id) {
            v.retain(|x| x != id);
        }
        if let Some(v) = self.idx.ms_by_account.get_mut(&m.account_id) {
            v.retain(|x| x != id);
        }
        self.idx.ms_pair.remove(&(m.account_id.clone(), m.member_id.clone()));
        Some(m)
    }

    pub fn memberships_of_member(&self, member: &str) -> Vec<&Membership> {
        self.idx
            .ms_by_member
            .get(member)
            .map(|v| v.iter().filter_map(|id| self.data.memberships.get(id)).collect())
            .unwrap_or_default()
    }

    pub fn memberships_of_account(&self, account: &str) -> Vec<&Membership> {
        self.idx
            .ms_by_account
            .get(account)
            .map(|v| v.iter().filter_map(|id| self.data.memberships.get(id)).collect())
            .unwrap_or_default()
    }

    /// Deletes a user and everything hanging off it (credentials, memberships, tokens, OTPs).
    pub fn remove_user(&mut self, id: &str) -> Option<User> {
        let pos = *self.idx.user_pos.get(id)?;
        let u = self.data.users.remove(pos);
        for cid in self.idx.creds_by_user.remove(id).unwrap_or_default() {
            self.remove_credential(&cid);
        }
        for mid in self.idx.ms_by_member.get(id).cloned().unwrap_or_default() {
            self.remove_membership(&mid);
        }
        self.idx.ms_by_member.remove(id);
        self.am_tokens.retain(|_, s| s.member_id != id);
        self.otps.retain(|o| o.user_id != id);
        self.rebuild_positions();
        Some(u)
    }

    pub fn remove_account(&mut self, id: &str) -> Option<Account> {
        let pos = *self.idx.account_pos.get(id)?;
        let a = self.data.accounts.remove(pos);
        for mid in self.idx.ms_by_account.get(id).cloned().unwrap_or_default() {
            self.remove_membership(&mid);
        }
        self.idx.ms_by_account.remove(id);
        if let Some(r) = &a.registration_id {
            self.idx.account_by_regid.remove(r);
        }
        self.am_tokens.retain(|_, s| s.account_id.as_deref() != Some(id));
        self.rebuild_positions();
        Some(a)
    }
}

// ---- JSON views ----

pub fn settings_json(s: &Settings, realm: &str, base: &str) -> Value {
    json!({
        "data": {
            "id": s.id,
            "type": "account_authentication_settings",
            "enable_self_signup": s.enable_self_signup,
            "auto_create_account_for_account_members": s.auto_create_account_for_account_members,
            "account_member_self_management": s.account_member_self_management,
            "account_management_authentication_token_timeout_secs":
                s.account_management_authentication_token_timeout_secs,
            "relationships": {"authentication_realm": {"data": {
                "id": realm, "type": "authentication_realm",
                "links": {"self": format!("{base}/v2/authentication-realms/{realm}")}
            }}},
            "meta": {"client_id": "account-management"},
        },
        "links": {"self": format!("{base}/v2/settings/account-authentication")}
    })
}

pub fn realm_json(r: &Realm, base: &str) -> Value {
    json!({
        "id": r.id, "type": "authentication-realm", "name": r.name,
        "duplicate_email_policy": r.duplicate_email_policy,
        "redirect_uris": r.redirect_uris,
        "relationships": {"origin": {"data": {"id": new_id_stable(&r.id), "type": r.origin_type}}},
        "meta": {"created_at": ts(&r.created_at), "updated_at": ts(&r.created_at)},
        "links": {"self": format!("{base}/v2/authentication-realms/{}", r.id)}
    })
}

/// A deterministic origin id derived from the realm id (the origin object is not modelled).
fn new_id_stable(realm_id: &str) -> String {
    realm_id.chars().rev().collect()
}

pub fn profile_json(p: &Profile, base: &str) -> Value {
    json!({
        "id": p.id, "type": "password_profile", "name": p.name,
        "username_format": p.username_format,
        "enable_one_time_password_token": p.enable_one_time_password_token,
        "meta": {"created_at": ts(&p.created_at), "updated_at": ts(&p.updated_at)},
        "links": {"self": format!(
            "{base}/v2/authentication-realms/{}/password-profiles/{}", p.realm_id, p.id)}
    })
}

pub fn user_json(u: &User, base: &str) -> Value {
    json!({
        "id": u.id, "type": "user_authentication_info", "name": u.name, "email": u.email,
        "given_name": u.given_name, "middle_name": u.middle_name, "family_name": u.family_name,
        "meta": {"created_at": ts(&u.created_at), "updated_at": ts(&u.updated_at),
                 "creation_status": "COMPLETE"},
        "links": {"self": format!(
            "{base}/v2/authentication-realms/{}/user-authentication-info/{}", u.realm_id, u.id)}
    })
}

pub fn member_json(u: &User, base: &str) -> Value {
    json!({
        "id": u.id, "type": "account_member", "name": u.name, "email": u.email,
        "given_name": u.given_name, "middle_name": u.middle_name, "family_name": u.family_name,
        "meta": {"timestamps": {"created_at": ts(&u.created_at), "updated_at": ts(&u.updated_at)}},
        "links": {"self": format!("{base}/v2/account-members/{}", u.id)}
    })
}

pub fn credential_json(c: &Credential, realm: &str, base: &str) -> Value {
    json!({
        "id": c.id, "type": "user_authentication_password_profile_info",
        "username": c.username, "password_profile_id": c.profile_id,
        "meta": {"created_at": ts(&c.created_at), "updated_at": ts(&c.updated_at)},
        "links": {"self": format!(
            "{base}/v2/authentication-realms/{realm}/user-authentication-info/{}/user-authentication-password-profile-info/{}",
            c.user_id, c.id)}
    })
}

/// The ids of an account's ancestors, root first, its parent last (empty for a
/// root account). The walk is bounded by the number of accounts.
pub fn ancestor_ids(store: &Store, a: &Account) -> Vec<String> {
    let mut chain = Vec::new();
    let mut next = a.parent_id.clone();
    while let Some(id) = next {
        if chain.len() >= store.data.accounts.len() || chain.contains(&id) {
            break;
        }
        next = store.account(&id).and_then(|p| p.parent_id.clone());
        chain.push(id);
    }
    chain.reverse();
    chain
}

/// An account as the API shows it. A root account has no `parent` relationship
/// (the schema draws `parent.data` as an object, never `null`) and `ancestors: []`;
/// a child's `parent.data.id` equals `parent_id` and the last ancestor.
pub fn account_json(store: &Store, a: &Account, base: &str) -> Value {
    let ancestors: Vec<Value> = ancestor_ids(store, a)
        .into_iter()
        .map(|id| json!({"data": {"id": id, "type": "account"}}))
        .collect();
    let mut relationships = json!({
        "account_tags": {"data": []},
        "ancestors": ancestors,
    });
    if let Some(p) = &a.parent_id {
        relationships["parent"] = json!({"data": {"id": p, "type": "account"}});
    }
    json!({
        "id": a.id, "type": "account", "name": a.name, "legal_name": a.legal_name,
        "registration_id": a.registration_id, "external_ref": a.external_ref,
        "parent_id": a.parent_id,
        "meta": {"timestamps": {"created_at": ts(&a.created_at), "updated_at": ts(&a.updated_at)}},
        "relationships": relationships,
        "links": {"self": format!("{base}/v2/accounts/{}", a.id)}
    })
}

pub fn membership_json(m: &Membership, base: &str) -> Value {
    json!({
        "id": m.id, "type": "account_membership",
        "account_member_id": m.member_id,
        "relationships": {
            "account_member": {"data": {"id": m.member_id, "type": "account_member"}},
            "account": {"data": {"id": m.account_id, "type": "account"}},
        },
        "meta": {"timestamps": {"created_at": ts(&m.created_at), "updated_at": ts(&m.updated_at)}},
        "links": {"self": format!("{base}/v2/accounts/{}/account-memberships/{}", m.account_id, m.id)}
    })
}

pub fn integration_json(i: &Integration, base: &str) -> Value {
    json!({
        "id": i.id, "type": "integration", "name": i.name, "description": i.description,
        "enabled": i.enabled, "integration_type": i.integration_type, "observes": i.observes,
        "configuration": i.configuration,
        "links": {"self": format!("{base}/v2/integrations/{}", i.id)},
        "meta": {"timestamps": {"created_at": ts(&i.created_at), "updated_at": ts(&i.updated_at)}}
    })
}

/// A delivery log. `status_code` is what the receiver answered; when nothing
/// answered (connection refused, time-out, a type the sandbox does not deliver)
/// the key is left out rather than `null`: the schema has it as an integer.
pub fn log_json(l: &Log, base: &str) -> Value {
    let mut v = json!({
        "id": l.id, "type": "integration-log", "succeeded": l.succeeded, "attempt": l.attempt,
        "processing_time": l.processing_time, "body": l.body,
        "error_detail": l.error_detail,
        "relationships": {
            "integration": {"data": {"id": l.integration_id, "type": "integration"}},
            "job": {"data": {"id": l.job_id, "type": "integration-job"}},
        },
        "meta": {"timestamps": {"created_at": ts(&l.created_at)}},
        "links": {"self": format!("{base}/v2/integrations/{}/logs/{}", l.integration_id, l.id)}
    });
    if let Some(code) = l.status_code {
        v["status_code"] = json!(code);
    }
    v
}

pub fn bi_user_json(b: &BiUser) -> Value {
    json!({
        "internal_id": b.internal_id, "external_id": b.external_id, "email": b.email,
        "user_name": b.user_name, "display_name": b.display_name,
        "date_created": ts(&b.date_created), "date_modified": ts(&b.date_modified),
        "status": b.status,
    })
}
