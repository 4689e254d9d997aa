//! The pending scan (the async side; planning is in [`super::plan`]).
//!
//! * **Verify** (a complete cache, no `R`): list members newest first until
//!   the first page holding a member the cache knows; check only the members
//!   not known, then re-check the cached pending members (approved or
//!   rejected elsewhere meanwhile?). Members known to have a membership are
//!   not checked again.
//! * **Planned** (first start, an incomplete cache, or `R`): read the totals
//!   of members and accounts, [`plan`] the cheaper way, report it
//!   ([`ApProgress::Plan`]), then check per member (skipping known members
//!   unless `R`) or via the accounts' membership lists.
//!
//! Members whose last check failed ([`Known::retry`]) are checked again by
//! every scan.
//!
//! Results travel as [`ApProgress::Checked`] batches (a failed check names its
//! member, so the row stays listed); the reply says whether the cache may now
//! be called complete (every member listed, no check failed).

use std::collections::HashSet;

use futures::StreamExt;

use super::jobs::{ApProgress, ApReply, Cursor, PAGE, ProgressFn};
use super::plan::{Plan, Strategy, Totals, plan};
use crate::api::{AccountMember, ApiError, Client, ListParams};
use crate::ui::Progress;
use crate::ui::ops::approvals::CheckFailed;
pub use crate::ui::ops::approvals::Known;

/// Every member id `known` holds.
fn known_ids(k: &Known) -> HashSet<&str> {
    k.approved.iter().map(String::as_str).chain(k.pending.iter().map(|m| m.id.as_str())).collect()
}

/// Batches of check results are reported at this size.
const BATCH: usize = 25;

fn report(progress: &ProgressFn, b: &mut Batch) {
    if b.is_empty() {
        return;
    }
    progress(Progress::Approvals(ApProgress::Checked {
        pending: std::mem::take(&mut b.pending),
        with_membership: std::mem::take(&mut b.with),
        gone: std::mem::take(&mut b.gone),
        failed: std::mem::take(&mut b.failed),
    }));
}

#[derive(Default)]
struct Batch {
    pending: Vec<AccountMember>,
    with: Vec<String>,
    gone: Vec<String>,
    failed: Vec<CheckFailed>,
}

impl Batch {
    fn len(&self) -> usize {
        self.pending.len() + self.with.len() + self.gone.len() + self.failed.len()
    }
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Runs a scan; see the module docs.
pub async fn scan(
    client: &Client,
    known: &Known,
    full: bool,
    concurrency: usize,
    progress: ProgressFn,
) -> Result<ApReply, ApiError> {
    if !full && known.complete {
        verify(client, known, concurrency, &progress).await
    } else {
        planned(client, known, full, concurrency, &progress).await
    }
}

/// Checks each member's memberships (bounded concurrency). Returns (checked,
/// failed).
async fn check_each(
    client: &Client,
    members: Vec<AccountMember>,
    concurrency: usize,
    progress: &ProgressFn,
) -> (usize, usize) {
    let mut results = futures::stream::iter(members)
        .map(|m| async move {
            let r = client
                .member_memberships(&m.id, &ListParams { limit: Some(1), ..Default::default() })
                .await;
            (m, r)
        })
        .buffer_unordered(concurrency.max(1));
    let mut b = Batch::default();
    let (mut checked, mut failed) = (0, 0);
    while let Some((m, r)) = results.next().await {
        checked += 1;
        match r {
            Ok(p) if p.total_results.unwrap_or(p.data.len() as u64) == 0 && p.data.is_empty() => {
                b.pending.push(m)
            }
            Ok(_) => b.with.push(m.id),
            // The member no longer exists (rejected or deleted elsewhere).
            Err(ApiError::Http { status: 404, .. }) => b.gone.push(m.id),
            Err(e) => {
                tracing::warn!("membership check of {}: {}", m.id, e.summary());
                b.failed.push(CheckFailed { member: m, reason: e.summary() });
                failed += 1;
            }
        }
        if b.len() >= BATCH {
            report(progress, &mut b);
        }
    }
    report(progress, &mut b);
    (checked, failed)
}

/// Lists members newest first, page by page (past the offset limit from a
/// `created_at` anchor), handing each page to `on_page` until it returns false.
async fn list_members(
    client: &Client,
    mut on_page: impl FnMut(Vec<AccountMember>, Option<u64>) -> bool,
) -> Result<usize, ApiError> {
    let mut cursor = Cursor::default();
    let mut listed = 0;
    loop {
        let (page, more) = cursor.next_page(client).await?;
        let total = page.total_results;
        let fresh = cursor.advance(page.data);
        listed += fresh.len();
        if !on_page(fresh, total) || !more {
            return Ok(listed);
        }
    }
}

async fn verify(
    client: &Client,
    known: &Known,
    concurrency: usize,
    progress: &ProgressFn,
) -> Result<ApReply, ApiError> {
    let ids = known_ids(known);
    let retry: HashSet<&str> = known.retry.iter().map(|m| m.id.as_str()).collect();
    let mut new = Vec::new();
    let listed = list_members(client, |page, _| {
        let hit = page.iter().any(|m| ids.contains(m.id.as_str()));
        new.extend(
            page.into_iter()
                .filter(|m| !ids.contains(m.id.as_str()) && !retry.contains(m.id.as_str())),
        );
        !hit
    })
    .await?;
    let n_new = new.len();
    let n = n_new + known.pending.len() + known.retry.len();
    progress(Progress::Approvals(ApProgress::Total(n as u64)));
    let (c1, failed_new) = check_each(client, new, concurrency, progress).await;
    let (c2, _) = check_each(client, known.pending.clone(), concurrency, progress).await;
    let (c3, failed_retry) = check_each(client, known.retry.clone(), concurrency, progress).await;
    // A new member whose check failed is older than the next newest one: only
    // a scan that lists everything finds it again (so does a failed retry,
    // which the cache does not hold).
    let complete = failed_new == 0 && failed_retry == 0;
    Ok(ApReply::Scanned { listed, checked: c1 + c2 + c3, complete })
}

/// `meta.results.total` of a one-record page.
async fn totals(client: &Client) -> Result<Option<Totals>, ApiError> {
    let one = ListParams { limit: Some(1), ..Default::default() };
    let members = client.list_account_members(&one).await?.total_results;
    let accounts = client.list_accounts(&one).await?.total_results;
    Ok(members.zip(accounts).map(|(members, accounts)| Totals { members, accounts }))
}

async fn planned(
    client: &Client,
    known: &Known,
    full: bool,
    concurrency: usize,
    progress: &ProgressFn,
) -> Result<ApReply, ApiError> {
    let skip: HashSet<&str> = if full { HashSet::new() } else { known_ids(known) };
    let rate = client.rate().effective;
    let plan = match totals(client).await? {
        Some(t) => plan(t, skip.len() as u64, rate),
        // Without totals nothing can be compared: the way that always works.
        None => Plan {
            strategy: Strategy::PerMember,
            totals: Totals { members: 0, accounts: 0 },
            calls: 0,
            per_member: 0,
            via_accounts: None,
            rate,
        },
    };
    progress(Progress::Approvals(ApProgress::Plan(plan)));
    match plan.strategy {
        Strategy::PerMember => per_member(client, &skip, plan, concurrency, progress).await,
        Strategy::ViaAccounts => via_accounts(client, concurrency, progress).await,
    }
}

async fn per_member(
    client: &Client,
    skip: &HashSet<&str>,
    plan: Plan,
    concurrency: usize,
    progress: &ProgressFn,
) -> Result<ApReply, ApiError> {
    let to_check = plan.totals.members.saturating_sub(skip.len() as u64);
    if plan.totals.members > 0 {
        progress(Progress::Approvals(ApProgress::Total(to_check)));
    }
    let mut told_total = plan.totals.members > 0;
    let (mut checked, mut failed) = (0, 0);
    let mut cursor = Cursor::default();
    let mut listed = 0;
    // Pages are checked as they come (the queue fills while listing goes on).
    loop {
        let (page, more) = cursor.next_page(client).await?;
        if !told_total && let Some(t) = page.total_results {
            progress(Progress::Approvals(ApProgress::Total(t)));
            told_total = true;
        }
        let fresh: Vec<AccountMember> = cursor
            .advance(page.data)
            .into_iter()
            .inspect(|_| listed += 1)
            .filter(|m| !skip.contains(m.id.as_str()))
            .collect();
        let (c, f) = check_each(client, fresh, concurrency, progress).await;
        checked += c;
        failed += f;
        if !more {
            break;
        }
    }
    Ok(ApReply::Scanned { listed, checked, complete: failed == 0 })
}

async fn via_accounts(
    client: &Client,
    concurrency: usize,
    progress: &ProgressFn,
) -> Result<ApReply, ApiError> {
    let mut members: Vec<AccountMember> = Vec::new();
    let listed = list_members(client, |page, _| {
        members.extend(page);
        true
    })
    .await?;
    progress(Progress::Approvals(ApProgress::Total(members.len() as u64)));
    let listed_ids: HashSet<String> = members.iter().map(|m| m.id.clone()).collect();

    // Every account, oldest first (stable while new ones are created).
    let mut accounts = Vec::new();
    let mut offset = 0u32;
    loop {
        let page = client
            .list_accounts(&ListParams {
                limit: Some(PAGE),
                offset: Some(offset),
                sort: Some("created_at".into()),
                filter: None,
            })
            .await?;
        let n = page.data.len() as u32;
        offset += n;
        let more =
            n > 0 && (page.has_next || page.total_results.is_some_and(|t| u64::from(offset) < t));
        accounts.extend(page.data.into_iter().map(|a| a.id));
        if !more {
            break;
        }
    }

    // Each account's memberships; the members found are approved.
    let mut with: HashSet<String> = HashSet::new();
    let mut lists = futures::stream::iter(accounts)
        .map(|account| async move {
            let mut ids = Vec::new();
            let mut offset = 0u32;
            loop {
                let page = client
                    .list_memberships(
                        &account,
                        &ListParams {
                            limit: Some(PAGE),
                            offset: Some(offset),
                            ..Default::default()
                        },
                    )
                    .await?;
                let n = page.data.len() as u32;
                offset += n;
                let more = n > 0
                    && (page.has_next || page.total_results.is_some_and(|t| u64::from(offset) < t));
                ids.extend(page.data.iter().filter_map(|m| m.member_id().map(str::to_owned)));
                if !more {
                    return Ok::<_, ApiError>(ids);
                }
            }
        })
        .buffer_unordered(concurrency.max(1));
    let mut b = Batch::default();
    while let Some(r) = lists.next().await {
        for id in r? {
            if listed_ids.contains(&id) && with.insert(id.clone()) {
                b.with.push(id);
            }
        }
        if b.len() >= BATCH {
            report(progress, &mut b);
        }
    }
    report(progress, &mut b);
    let checked = members.len();
    b.pending = members.into_iter().filter(|m| !with.contains(&m.id)).collect();
    // Pending rows in batches, like the per-member way.
    while !b.pending.is_empty() {
        let rest = b.pending.split_off(b.pending.len().min(BATCH * 4));
        report(progress, &mut b);
        b.pending = rest;
    }
    Ok(ApReply::Scanned { listed, checked, complete: true })
}
