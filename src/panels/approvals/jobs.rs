//! The async side of the Approvals panel: the pending scan and the approval
//! runs. They use the API client only and report through `Progress`
//! messages; they never touch UI state.

use std::collections::HashSet;
use std::sync::Arc;

use futures::StreamExt;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::api::{
    AccountInput, AccountMember, ApiError, Client, ListParams, MembershipOutcome, Page,
};
use crate::audit::{AuditLog, result_text};
use crate::store::queue::{PendingMember, QueueCache, StoreKey, Writer};
use crate::ui::Progress;
pub use crate::ui::ops::approvals::CacheLoad;
pub use crate::ui::ops::approvals::{
    ApCall, ApProgress, ApReply, ApproveItem, MemberDetails, RowOutcome, Target,
};

/// Members listed per page during a scan (the API maximum).
pub const PAGE: u32 = 100;

/// Sends progress of one operation.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

pub async fn perform(
    client: &Client,
    call: ApCall,
    progress: ProgressFn,
    audit: Option<&AuditLog>,
    stop: &CancellationToken,
) -> Result<ApReply, ApiError> {
    match call {
        ApCall::Scan { known, full, concurrency } => {
            super::scan::scan(client, &known, full, concurrency, progress).await
        }
        ApCall::Approve { items, concurrency } => {
            approve(client, items, concurrency, progress, audit, stop).await
        }
        ApCall::Reject { member_id, name } => {
            let realm = client.realm_id().await?;
            let r = client.delete_user_auth_info(&realm, &member_id).await;
            if let Some(a) = audit {
                a.record(
                    "member.reject",
                    json!({"member_id": member_id, "name": name, "realm_id": realm}),
                    result_text(&r),
                );
            }
            r.map(|_| ApReply::Rejected { member_id })
        }
        ApCall::Details { member_id } => details(client, member_id).await,
        ApCall::LoadAccounts => client
            .list_all_accounts(&ListParams { sort: Some("name".into()), ..Default::default() })
            .await
            .map(ApReply::Accounts),
        // Needs the data dir: the executor runs it (see `load_cache`).
        ApCall::LoadCache => Ok(ApReply::CacheLoaded(None)),
    }
}

/// Reads the queue cache of `key` in `dir` and starts its writer (blocking:
/// run it off the UI thread).
pub fn load_cache(dir: &std::path::Path, key: StoreKey) -> CacheLoad {
    let path = key.path(dir);
    let loaded = QueueCache::load(&path, &key);
    if let Some(why) = &loaded.rebuilt {
        tracing::warn!("queue cache {}: {why}; rebuilt", path.display());
    }
    let writer = match Writer::spawn(path, loaded.cache.clone()) {
        Ok(w) => Some(Arc::new(w)),
        Err(e) => {
            tracing::warn!("queue cache writer: {e}");
            None
        }
    };
    CacheLoad { loaded, writer }
}

/// What the cache keeps of a pending member.
pub fn to_cached(m: &AccountMember) -> PendingMember {
    PendingMember {
        id: m.id.clone(),
        name: m.name.clone(),
        email: m.email.clone(),
        created_at: m.meta.created_at.clone(),
    }
}

/// A queue row's member from the cache.
pub fn from_cached(m: &PendingMember) -> AccountMember {
    AccountMember {
        id: m.id.clone(),
        name: m.name.clone(),
        email: m.email.clone(),
        meta: crate::api::ResourceMeta { created_at: m.created_at.clone(), ..Default::default() },
        ..Default::default()
    }
}

/// The API's soft limit on `page[offset]` (reference §1.5).
pub const MAX_OFFSET: u32 = 10_000;

/// Where the next page of a newest-first listing starts. Offsets stop at the
/// API's soft limit: past it the listing goes on from a `created_at` anchor
/// (`le(created_at,"<ts>")`, offset 0), skipping the members already listed at
/// that exact timestamp, as the reference advises for deep listings.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Cursor {
    pub offset: u32,
    pub anchor: Option<String>,
    /// Members listed with the anchor's timestamp (skipped after re-anchoring).
    pub at_anchor: HashSet<String>,
    /// The oldest timestamp listed so far and the ids listed with it.
    last_ts: Option<String>,
    last_ids: HashSet<String>,
}

impl Cursor {
    /// The filter of the next request.
    pub fn filter(&self) -> Option<String> {
        self.anchor.as_ref().map(|ts| format!("le(created_at,\"{ts}\")"))
    }

    /// Records a listed page (newest first); returns the members not listed before.
    pub fn advance(&mut self, page: Vec<AccountMember>) -> Vec<AccountMember> {
        self.offset += page.len() as u32;
        let fresh: Vec<AccountMember> =
            page.into_iter().filter(|m| !self.at_anchor.contains(&m.id)).collect();
        for m in &fresh {
            let ts = m.meta.created_at.clone();
            if ts != self.last_ts {
                self.last_ts = ts;
                self.last_ids.clear();
            }
            self.last_ids.insert(m.id.clone());
        }
        fresh
    }

    /// Before the next request: re-anchor when the offset would pass the limit.
    /// Returns false when that is impossible (no timestamp to anchor on, or a
    /// single timestamp shared by more members than one window holds).
    pub fn prepare(&mut self) -> bool {
        if self.offset + PAGE <= MAX_OFFSET {
            return true;
        }
        let Some(ts) = self.last_ts.clone() else { return false };
        if self.anchor.as_ref() == Some(&ts) {
            return false;
        }
        self.at_anchor = self.last_ids.clone();
        self.anchor = Some(ts);
        self.offset = 0;
        true
    }

    /// Lists the next page (newest first, re-anchored past the offset limit);
    /// the flag says whether another page follows it.
    pub async fn next_page(
        &mut self,
        client: &Client,
    ) -> Result<(Page<AccountMember>, bool), ApiError> {
        if !self.prepare() {
            tracing::warn!("member listing stopped: cannot page past the offset limit");
            return Err(ApiError::Config(
                "cannot list members past the offset limit (too many share one created_at)".into(),
            ));
        }
        let page = client
            .list_account_members(&ListParams {
                limit: Some(PAGE),
                offset: Some(self.offset),
                sort: Some("-created_at".into()),
                filter: self.filter(),
            })
            .await?;
        let n = page.data.len();
        let more = n > 0
            && (page.has_next
                || page.total_results.is_some_and(|t| ((self.offset + n as u32) as u64) < t));
        Ok((page, more))
    }
}

async fn approve(
    client: &Client,
    items: Vec<ApproveItem>,
    concurrency: usize,
    progress: ProgressFn,
    audit: Option<&AuditLog>,
    stop: &CancellationToken,
) -> Result<ApReply, ApiError> {
    // A stop lets the members already started finish (so no half-done
    // approval is left) and starts no new one.
    let mut runs = futures::stream::iter(items)
        .take_while(|_| futures::future::ready(!stop.is_cancelled()))
        .map(|item| async move {
            let outcome = approve_one(client, &item, audit).await;
            (item.member_id, outcome)
        })
        .buffer_unordered(concurrency.max(1));
    while let Some((member_id, outcome)) = runs.next().await {
        progress(Progress::Approvals(ApProgress::Row { member_id, outcome }));
    }
    Ok(ApReply::Approved)
}

/// Creates the account when needed, then the membership. A 409 on the
/// membership means the member is already in that account: approved.
pub async fn approve_one(
    client: &Client,
    item: &ApproveItem,
    audit: Option<&AuditLog>,
) -> RowOutcome {
    let (account_id, account_name) = match &item.target {
        Target::Existing { account_id, account_name } => (account_id.clone(), account_name.clone()),
        Target::NewAccount { name, legal_name } => {
            let r = client
                .create_account(&AccountInput {
                    name: name.clone(),
                    legal_name: Some(legal_name.clone()),
                    ..Default::default()
                })
                .await;
            if let Some(a) = audit {
                a.record(
                    "account.create",
                    json!({"account_id": r.as_ref().ok().map(|a| a.id.clone()), "name": name,
                           "for_member_id": item.member_id}),
                    result_text(&r),
                );
            }
            match r {
                Ok(acc) => (acc.id, acc.name),
                Err(e) => return RowOutcome::Failed { reason: e.summary(), account_id: None },
            }
        }
    };
    let r = client.create_membership(&account_id, &item.member_id).await;
    if let Some(a) = audit {
        let result = match &r {
            Ok(MembershipOutcome::AlreadyExists) => "already exists".to_owned(),
            other => result_text(other),
        };
        a.record(
            "membership.create",
            json!({"account_id": account_id, "account_name": account_name,
                   "member_id": item.member_id}),
            result,
        );
    }
    match r {
        Ok(MembershipOutcome::Created(_)) => RowOutcome::Approved { account_id, account_name },
        Ok(MembershipOutcome::AlreadyExists) => RowOutcome::AlreadyMember { account_id },
        Err(e) => {
            RowOutcome::Failed { reason: e.summary(), account_id: Some((account_id, account_name)) }
        }
    }
}

/// Reads each part of a member's details on its own: a part that fails says
/// why, the others are still shown.
async fn details(client: &Client, member_id: String) -> Result<ApReply, ApiError> {
    let why = |e: ApiError| e.summary();
    let (info, credentials) = match client.realm_id().await {
        Ok(realm) => (
            client.get_user_auth_info(&realm, &member_id).await.map_err(why),
            client.list_password_profile_infos(&realm, &member_id).await.map_err(why),
        ),
        Err(e) => {
            let e = format!("authentication realm: {}", e.summary());
            (Err(e.clone()), Err(e))
        }
    };
    let memberships = client
        .member_memberships(&member_id, &ListParams { limit: Some(100), ..Default::default() })
        .await
        .map(|p| p.data)
        .map_err(why);
    Ok(ApReply::Details(Box::new(MemberDetails {
        member_id,
        info,
        credentials,
        memberships,
        bi: Ok(None),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A newest-first listing with the API's rules: `le(created_at,..)` and an
    /// offset limit. Several members share timestamps.
    fn server(all: &[AccountMember], c: &Cursor) -> Vec<AccountMember> {
        assert!(c.offset <= MAX_OFFSET, "offset past the limit");
        all.iter()
            .filter(|m| match &c.anchor {
                Some(ts) => m.meta.created_at.as_ref() <= Some(ts),
                None => true,
            })
            .skip(c.offset as usize)
            .take(PAGE as usize)
            .cloned()
            .collect()
    }

    #[test]
    fn deep_listing_reanchors_and_lists_everyone_once() {
        let n = 25_317;
        let all: Vec<AccountMember> = (0..n)
            .map(|i| AccountMember {
                id: format!("m{i}"),
                meta: crate::api::ResourceMeta {
                    // three members per timestamp, newest first
                    created_at: Some(format!("2026-01-01T00:00:{:09}Z", n - i / 3)),
                    ..Default::default()
                },
                ..Default::default()
            })
            .collect();
        let mut c = Cursor::default();
        let mut seen = HashSet::new();
        loop {
            assert!(c.prepare());
            let page = server(&all, &c);
            if page.is_empty() {
                break;
            }
            for m in c.advance(page) {
                assert!(seen.insert(m.id.clone()), "{} listed twice", m.id);
            }
        }
        assert_eq!(seen.len(), n);
        assert!(c.anchor.is_some(), "re-anchored past the offset limit");
    }
}
