//! What the Approvals panel asks the executor to do and what comes back: the
//! calls, progress reports and replies of the pending scan and approval runs.

use std::collections::HashSet;
use std::sync::Arc;

use crate::api::{Account, AccountMember, Membership, PasswordProfileInfo, UserAuthInfo};

#[derive(Debug, Clone, PartialEq)]
pub enum ApCall {
    /// Find members without a membership. `seen` holds the ids whose status is
    /// already known (cache): they are not checked again, and listing stops at
    /// the first page made only of them (the list is newest first).
    Scan {
        seen: Arc<HashSet<String>>,
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
    /// Total number of members in the store (from the first page).
    Total(u64),
    /// A batch of checked members.
    Checked {
        pending: Vec<AccountMember>,
        with_membership: Vec<String>,
        failed: usize,
    },
    Row {
        member_id: String,
        outcome: RowOutcome,
    },
}

#[derive(Debug, Clone)]
pub enum ApReply {
    Scanned { listed: usize, checked: usize },
    Approved,
    Rejected { member_id: String },
    Details(Box<MemberDetails>),
    Accounts(Vec<Account>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemberDetails {
    pub member_id: String,
    pub info: Option<UserAuthInfo>,
    pub credentials: Vec<PasswordProfileInfo>,
    pub memberships: Vec<Membership>,
    pub errors: Vec<String>,
    /// The Beyond Identity user created for this member, when known locally.
    pub bi: Option<crate::bi_map::BiLink>,
}
