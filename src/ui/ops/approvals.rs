//! What the Approvals panel asks the executor to do and what comes back: the
//! calls, progress reports and replies of the pending scan and approval runs.

use std::collections::HashSet;
use std::sync::Arc;

use crate::api::{Account, AccountMember, Membership, PasswordProfileInfo, UserAuthInfo};

#[derive(Debug, Clone, PartialEq)]
pub enum ApCall {
    /// Find members without a membership (see `panels::approvals::scan`):
    /// verify what the cache knows, or (`full`, or an incomplete cache) a
    /// planned scan.
    Scan {
        known: Arc<Known>,
        full: bool,
        concurrency: usize,
    },
    Approve {
        items: Vec<ApproveItem>,
        concurrency: usize,
    },
    Reject {
        member_id: String,
        name: String,
    },
    Details {
        member_id: String,
    },
    LoadAccounts,
    /// Read this store's queue cache and start its writer (no call to the
    /// store; nothing in the embedded sandbox, whose store dies with it).
    LoadCache,
}

/// Where a member goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    NewAccount { name: String, legal_name: String },
    Existing { account_id: String, account_name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApproveItem {
    pub member_id: String,
    pub target: Target,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RowOutcome {
    Approved {
        account_id: String,
        account_name: String,
    },
    AlreadyMember {
        account_id: String,
    },
    /// `account_id` is set when the account was created before the failure,
    /// so a retry reuses it instead of creating a second one.
    Failed {
        reason: String,
        account_id: Option<(String, String)>,
    },
}

#[derive(Debug, Clone)]
pub enum ApProgress {
    /// How a full scan goes, what it costs and how long it takes.
    Plan(Plan),
    /// Number of members this scan checks.
    Total(u64),
    /// A batch of checked members.
    Checked {
        pending: Vec<AccountMember>,
        with_membership: Vec<String>,
        /// Members that no longer exist (a check answered 404).
        gone: Vec<String>,
        /// Members whose check failed (their state is unknown: they stay
        /// listed, and the next scan checks them again).
        failed: Vec<CheckFailed>,
    },
    Row {
        member_id: String,
        outcome: RowOutcome,
    },
}

/// A member whose membership check failed, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckFailed {
    pub member: AccountMember,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub enum ApReply {
    /// `complete`: every member was listed or known, and no check failed.
    Scanned {
        listed: usize,
        checked: usize,
        complete: bool,
    },
    Approved,
    Rejected {
        member_id: String,
    },
    Details(Box<MemberDetails>),
    Accounts(Vec<Account>),
    /// `None`: no cache for this store (the embedded sandbox).
    CacheLoaded(Option<Box<CacheLoad>>),
}

/// A queue cache read from disk, and the writer that keeps it up to date.
#[derive(Debug, Clone)]
pub struct CacheLoad {
    pub loaded: crate::store::queue::Loaded,
    /// `None` when the writer thread could not start (the cache is then read-only).
    pub writer: Option<Arc<crate::store::queue::Writer>>,
}

/// One part of the member details: what was read, or why it could not be
/// (the error's summary). A failed read is never shown as "none".
pub type Part<T> = Result<T, String>;

#[derive(Debug, Clone, PartialEq)]
pub struct MemberDetails {
    pub member_id: String,
    pub info: Part<UserAuthInfo>,
    pub credentials: Part<Vec<PasswordProfileInfo>>,
    pub memberships: Part<Vec<Membership>>,
    /// The Beyond Identity user created for this member, when known locally
    /// (`Ok(None)`: none is known, or no mapping is kept).
    pub bi: Part<Option<crate::bi_map::BiLink>>,
}

impl MemberDetails {
    /// Whether some part could not be read.
    pub fn failed(&self) -> bool {
        self.info.is_err()
            || self.credentials.is_err()
            || self.memberships.is_err()
            || self.bi.is_err()
    }
}

/// What the cache knows when a scan starts.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Known {
    /// Members with a membership.
    pub approved: HashSet<String>,
    /// Cached pending members (re-checked by a verification).
    pub pending: Vec<AccountMember>,
    /// A scan listed every member before (a verification may stop early).
    pub complete: bool,
    /// Members whose last check failed (not known either way): every scan
    /// checks them again, a verification included.
    pub retry: Vec<AccountMember>,
}

/// Record totals read before planning a full scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub members: u64,
    pub accounts: u64,
}

/// The two ways of a full scan (see `panels::approvals::plan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    PerMember,
    ViaAccounts,
}

/// The chosen way, its estimated calls (after the two totals calls), the
/// other way's estimate, and the rate the ETA is based on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    pub strategy: Strategy,
    pub totals: Totals,
    pub calls: u64,
    pub per_member: u64,
    /// `None` when the accounts cannot be listed past the offset limit.
    pub via_accounts: Option<u64>,
    /// Requests per second (0: unlimited, no ETA).
    pub rate: f64,
}
