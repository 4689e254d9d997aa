//! What the Members panel (the support desk) asks the executor to do and
//! what comes back: member search, the member card, and the actions taken
//! from it.

use chrono::{DateTime, Utc};

use crate::api::{
    Account, AccountAuthSettings, AccountMember, AmTokens, Integration, IntegrationLog,
    MemberAccount, MemberSearch, OtpPurpose, OtpRequestOutcome, PasswordProfile,
    PasswordProfileInfo, SearchCursor,
};
use crate::secret::Secret;

/// Who an action is about, for the audit log and the dialogs (no secrets).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Who {
    pub member_id: String,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MemCall {
    /// One page of a member search (`cursor: None` = the first page).
    Search { query: String, cursor: Option<SearchCursor> },
    /// Everything the card shows about one member.
    Card { member: AccountMember },
    /// Accounts to pick from (add to an existing account).
    LoadAccounts,
    /// Add the member to an existing account.
    AddToAccount { who: Who, account_id: String, account_name: String },
    /// Create an account (named) and add the member to it: an approval.
    NewAccount { who: Who, name: String, legal_name: String },
    /// `DELETE /v2/accounts/{account}/account-memberships/{membership}`.
    RemoveMembership { who: Who, account_id: String, account_name: String, membership_id: String },
    /// Request an OTP for one of the member's credentials.
    SendOtp { who: Who, profile_id: String, username: String, purpose: OtpPurpose },
    /// The password log-in check (a token request; nothing changes).
    LoginCheck { who: Who, profile_id: String, username: String, password: Secret },
    /// Delete the member (their user-authentication-info).
    Reject { who: Who },
}

impl MemCall {
    /// Reads (and the log-in check, a token request the client allows in
    /// read-only mode) are not writes.
    pub fn is_write(&self) -> bool {
        !matches!(
            self,
            MemCall::Search { .. }
                | MemCall::Card { .. }
                | MemCall::LoadAccounts
                | MemCall::LoginCheck { .. }
        )
    }
}

#[derive(Debug, Clone)]
pub enum MemReply {
    Found {
        query: String,
        append: bool,
        page: MemberSearch,
    },
    Card(Box<MemberCard>),
    Accounts(Vec<Account>),
    /// A write from the card finished; the card reloads.
    Done {
        member_id: String,
        message: String,
    },
    OtpSent {
        member_id: String,
        outcome: OtpRequestOutcome,
    },
    LoginOk {
        member_id: String,
        tokens: AmTokens,
    },
    Rejected {
        member_id: String,
    },
}

/// The last delivery of one integration that observes OTP events.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub integration_id: String,
    /// `None`: no delivery yet, or the logs could not be read (see `error`).
    pub last: Option<IntegrationLog>,
    pub error: Option<String>,
}

/// What the member card loaded. Parts that could not be read are `None`
/// with a line in `errors`; the checklist says "unknown" for them.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberCard {
    pub member: AccountMember,
    pub accounts: Option<Vec<MemberAccount>>,
    pub credentials: Option<Vec<PasswordProfileInfo>>,
    pub profiles: Option<Vec<PasswordProfile>>,
    pub settings: Option<AccountAuthSettings>,
    pub integrations: Option<Vec<Integration>>,
    /// One per enabled integration observing the OTP event.
    pub deliveries: Vec<Delivery>,
    /// The Beyond Identity user created for this member, when known locally.
    pub bi: Option<crate::bi_map::BiLink>,
    pub errors: Vec<String>,
    pub loaded_at: DateTime<Utc>,
}

impl MemberCard {
    pub fn who(&self) -> Who {
        Who {
            member_id: self.member.id.clone(),
            name: self.member.name.clone(),
            email: self.member.email.clone(),
        }
    }

    pub fn profile(&self, id: &str) -> Option<&PasswordProfile> {
        self.profiles.as_ref()?.iter().find(|p| p.id == id)
    }

    /// A profile's name, or its id when unknown.
    pub fn profile_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.profile(id).map(|p| p.name.as_str()).unwrap_or(id)
    }

    pub fn is_pending(&self) -> Option<bool> {
        self.accounts.as_ref().map(Vec::is_empty)
    }
}
