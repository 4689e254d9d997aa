//! Approvals: members who signed up but belong to no account (EPCC has no
//! "pending" status: a member is pending when it has no membership).
//!
//! The pending scan runs in the background within the client's rate limit
//! ([`scan`]: a verification of what is known, or a planned full scan, see
//! [`plan`]). **Cache:** the ids whose status is known (with a membership, or
//! pending) are `seen`; with a real store they also live on disk per store
//! ([`crate::store::queue`]), so at start the queue is on screen at once from
//! the file, its rows marked "verifying" until their check comes back. A
//! verification (at start, and on `r`) lists members newest first until a
//! known one and checks only the new members and the cached pending ones;
//! members known to have a membership are not checked again. `R` verifies
//! everything (for changes made elsewhere, such as a membership deleted in
//! Commerce Manager). Every change is sent to the cache's writer.

pub mod jobs;
mod keys;
pub mod plan;
pub mod scan;
mod view;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use crate::api::{Account, AccountMember, ApiError};
use crate::store::queue::{CacheOp, Writer};
use crate::ui::{Call, ConfirmAction, OpId, PanelId, Progress, Reply, Shared};
use crate::webhook::member_event::MemberEvent;
use crate::widgets::{Dialog, TextField};

pub use jobs::{ApCall, ApProgress, ApReply, ApproveItem, MemberDetails, RowOutcome, Target};

use super::{Panel, row_delta, step};

/// Concurrency of the membership checks of a scan.
pub const SCAN_CONCURRENCY: usize = 16;
/// Members approved at once in a bulk run.
pub const APPROVE_CONCURRENCY: usize = 8;

#[derive(Debug, Clone, PartialEq)]
pub enum RowStatus {
    Pending,
    Working,
    Approved { account_name: String },
    AlreadyMember,
    Failed { reason: String, account: Option<(String, String)> },
    Cancelled,
}

impl RowStatus {
    /// Still without a membership: can be approved (or rejected).
    pub fn is_open(&self) -> bool {
        matches!(self, RowStatus::Pending | RowStatus::Failed { .. } | RowStatus::Cancelled)
    }

    /// The membership exists.
    pub fn is_done(&self) -> bool {
        matches!(self, RowStatus::Approved { .. } | RowStatus::AlreadyMember)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub member: AccountMember,
    pub status: RowStatus,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanState {
    pub op: Option<OpId>,
    pub total: Option<u64>,
    pub checked: usize,
    pub failed: usize,
    pub full: bool,
    /// The plan of a full scan, and its line ("402 calls via accounts, about 20 s").
    pub plan: Option<(plan::Plan, String)>,
}

/// The new-account form of a single approval.
#[derive(Debug, Clone)]
pub struct NewAccountForm {
    pub member_id: String,
    pub name: TextField,
    pub legal_name: TextField,
    pub row: usize,
}

/// The searchable account picker.
#[derive(Debug, Clone)]
pub struct Picker {
    /// Members that will join the chosen account.
    pub members: Vec<String>,
    pub filter: TextField,
    pub selected: usize,
}

/// A running or finished approval run (one member or many).
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRun {
    pub op: Option<OpId>,
    pub items: Vec<ApproveItem>,
    pub done: usize,
    /// Of this run: approved or already a member, and failed.
    pub ok: usize,
    pub failed: usize,
    pub cancelled: bool,
}

#[derive(Debug, Clone)]
pub enum View {
    List,
    NewAccount(NewAccountForm),
    Picker(Picker),
    /// The details of one member: the op loading them, then the result.
    Details(Option<OpId>, Option<Box<MemberDetails>>),
}

#[derive(Debug)]
pub struct Approvals {
    pub rows: Vec<Row>,
    /// Indices into `rows` that match the filter (recomputed on change, not per frame).
    pub visible: Vec<usize>,
    pub selected: usize,
    pub marked: BTreeSet<String>,
    pub filter: TextField,
    pub filtering: bool,
    /// Members whose status is known: the scan cache.
    pub seen: HashSet<String>,
    /// A scan listed every member (a refresh then only verifies).
    pub complete: bool,
    pub cache: CacheState,
    /// Rows shown from the cache whose status no check has confirmed yet.
    pub unverified: HashSet<String>,
    /// A membership was deleted elsewhere (the event names only the
    /// membership): a member may be pending again, which `R` finds.
    pub membership_deleted: bool,
    pub scan: Option<ScanState>,
    pub last_scan: Option<ScanState>,
    pub accounts: Option<Vec<Account>>,
    pub accounts_op: Option<OpId>,
    pub bulk: Option<BulkRun>,
    pub view: View,
    pub started: bool,
    /// (without a membership, approved or already a member, failed): kept up
    /// to date on every change so drawing never counts rows.
    pub counts: (usize, usize, usize),
}

impl Default for Approvals {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            visible: Vec::new(),
            selected: 0,
            marked: BTreeSet::new(),
            filter: TextField::new("Filter"),
            filtering: false,
            seen: HashSet::new(),
            complete: false,
            cache: CacheState::Unread,
            unverified: HashSet::new(),
            membership_deleted: false,
            scan: None,
            last_scan: None,
            accounts: None,
            accounts_op: None,
            bulk: None,
            view: View::List,
            started: false,
            counts: (0, 0, 0),
        }
    }
}

/// The per-store queue cache file.
#[derive(Debug, Clone, Default)]
pub enum CacheState {
    /// Not read yet.
    #[default]
    Unread,
    Loading(OpId),
    /// No file for this store (the embedded sandbox), or it cannot be written.
    Off,
    On(Arc<Writer>),
}

fn matches(m: &AccountMember, needle: &str) -> bool {
    needle.is_empty()
        || m.name.to_lowercase().contains(needle)
        || m.email.to_lowercase().contains(needle)
        || m.id.starts_with(needle)
}

impl Approvals {
    pub fn refilter(&mut self) {
        self.recount();
        let needle = self.filter.value().trim().to_lowercase();
        self.visible = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| matches(&r.member, &needle))
            .map(|(i, _)| i)
            .collect();
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    /// Keeps the cursor on the same member after the rows changed.
    fn reselect(&mut self, id: Option<String>) {
        if let Some(id) = id
            && let Some(pos) = self.visible.iter().position(|i| self.rows[*i].member.id == id)
        {
            self.selected = pos;
        }
    }

    fn selected_id(&self) -> Option<String> {
        self.selected_row().map(|r| r.member.id.clone())
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.visible.get(self.selected).and_then(|i| self.rows.get(*i))
    }

    fn row_index(&self, member_id: &str) -> Option<usize> {
        self.rows.iter().position(|r| r.member.id == member_id)
    }

    /// Members still without a membership (pending, failed or cancelled).
    pub fn pending_count(&self) -> usize {
        self.counts.0
    }

    fn recount(&mut self) {
        let mut c = (0, 0, 0);
        for r in &self.rows {
            if r.status.is_done() {
                c.1 += 1;
            } else {
                c.0 += 1;
                if matches!(r.status, RowStatus::Failed { .. }) {
                    c.2 += 1;
                }
            }
        }
        self.counts = c;
    }

    /// Records a change in the cache file (a no-op without one).
    fn cache(&self, op: CacheOp) {
        if let CacheState::On(w) = &self.cache {
            w.send(op);
        }
    }

    /// Connected: read this store's queue cache (the scan waits for it). The
    /// embedded sandbox has none: its store dies with the console.
    pub fn on_connected(&mut self, sh: &mut Shared) {
        if let crate::ui::Connection::Connected(info) = &sh.connection
            && info.sandbox
        {
            self.cache = CacheState::Off;
        }
        if matches!(self.cache, CacheState::Unread) && sh.connected() {
            let op = sh.call(
                PanelId::Approvals,
                "reading the queue cache",
                Call::Approvals(ApCall::LoadCache),
            );
            self.cache = op.map_or(CacheState::Off, CacheState::Loading);
        }
    }

    /// The cache came back: its queue goes on screen at once, marked
    /// "verifying", and a verification starts when there is anything to verify
    /// (or the panel was opened meanwhile).
    fn on_cache(&mut self, load: Option<Box<jobs::CacheLoad>>, sh: &mut Shared) {
        let Some(load) = load else {
            self.cache = CacheState::Off;
            if self.started {
                self.started = false;
                self.on_enter(sh);
            }
            return;
        };
        let jobs::CacheLoad { loaded, writer } = *load;
        if let Some(why) = &loaded.rebuilt {
            sh.toast_error(format!("queue cache {why}: rebuilt"));
        }
        self.cache = writer.map_or(CacheState::Off, CacheState::On);
        let c = loaded.cache;
        let has_any = !c.pending.is_empty() || !c.approved.is_empty();
        let keep = self.selected_id();
        for m in c.pending.values() {
            if !self.seen.contains(&m.id) {
                self.seen.insert(m.id.clone());
                self.unverified.insert(m.id.clone());
                self.rows.push(Row { member: jobs::from_cached(m), status: RowStatus::Pending });
            }
        }
        self.seen.extend(c.approved);
        self.complete = c.complete;
        self.rows.sort_by(|a, b| b.member.meta.created_at.cmp(&a.member.meta.created_at));
        self.refilter();
        self.reselect(keep);
        if (has_any || self.started) && self.scan.is_none() {
            self.started = true;
            self.start_scan(false, sh);
        }
    }

    /// A member event from the listener: the queue follows the store
    /// without a call (sign-ups in, approvals and rejections elsewhere out).
    pub fn on_member_event(&mut self, e: MemberEvent, sh: &mut Shared) {
        let keep = self.selected_id();
        match e {
            MemberEvent::MemberCreated { id, name, email, created_at } => {
                // Known already: pending on screen, or approved (a membership
                // event arrived first: events come in any order).
                if self.seen.contains(&id) {
                    return;
                }
                let member = AccountMember {
                    id: id.clone(),
                    name,
                    email,
                    meta: crate::api::ResourceMeta { created_at, ..Default::default() },
                    ..Default::default()
                };
                self.cache(CacheOp::Pending(jobs::to_cached(&member)));
                self.seen.insert(id);
                sh.toast(format!("new sign-up: {}", member.email));
                self.rows.push(Row { member, status: RowStatus::Pending });
                self.rows.sort_by(|a, b| b.member.meta.created_at.cmp(&a.member.meta.created_at));
            }
            MemberEvent::MembershipCreated { member_id, .. } => {
                self.seen.insert(member_id.clone());
                self.unverified.remove(&member_id);
                self.marked.remove(&member_id);
                // A row being approved here keeps its status until its run reports.
                self.rows.retain(|r| r.member.id != member_id || !r.status.is_open());
                self.cache(CacheOp::Approved { id: member_id, created_at: None });
            }
            MemberEvent::MembershipDeleted { .. } => self.membership_deleted = true,
            MemberEvent::UserDeleted { id } => {
                self.seen.remove(&id);
                self.unverified.remove(&id);
                self.marked.remove(&id);
                self.rows.retain(|r| r.member.id != id || r.status == RowStatus::Working);
                self.cache(CacheOp::Removed(id));
            }
        }
        self.refilter();
        self.reselect(keep);
    }

    /// Starts a scan: a verification of what is known, or (`full`, or nothing
    /// complete known) a planned full scan.
    pub fn start_scan(&mut self, full: bool, sh: &mut Shared) {
        if self.scan.is_some() {
            return;
        }
        // Approved members leave the queue: their membership exists.
        self.rows.retain(|r| !r.status.is_done());
        if full {
            self.seen.clear();
            self.rows.retain(|r| r.status == RowStatus::Working);
        }
        self.refilter();
        let pending: Vec<AccountMember> =
            self.rows.iter().filter(|r| r.status.is_open()).map(|r| r.member.clone()).collect();
        let open: HashSet<&str> = pending.iter().map(|m| m.id.as_str()).collect();
        let known = scan::Known {
            approved: self.seen.iter().filter(|id| !open.contains(id.as_str())).cloned().collect(),
            pending,
            complete: self.complete && !full,
        };
        let call = Call::Approvals(ApCall::Scan {
            known: Arc::new(known),
            full,
            concurrency: SCAN_CONCURRENCY,
        });
        let label = if full {
            "verifying every member"
        } else if self.complete {
            "verifying the queue"
        } else {
            "scanning members"
        };
        let op = sh.call(PanelId::Approvals, label, call);
        self.scan = op.map(|op| ScanState { op: Some(op), full, ..Default::default() });
    }

    /// The members an approval or rejection acts on: the marked ones, else the
    /// selected one; never a member already approved or being approved.
    fn targets(&self) -> Vec<String> {
        let ids: Vec<String> = if self.marked.is_empty() {
            self.selected_row().map(|r| vec![r.member.id.clone()]).unwrap_or_default()
        } else {
            self.marked.iter().cloned().collect()
        };
        ids.into_iter()
            .filter(|id| self.row_index(id).is_some_and(|i| self.rows[i].status.is_open()))
            .collect()
    }

    /// A run is going and has not been asked to stop yet (Esc stops it).
    fn stoppable(&self) -> bool {
        self.bulk.as_ref().is_some_and(|b| b.op.is_some() && !b.cancelled)
    }

    fn running(&self) -> bool {
        self.bulk.as_ref().is_some_and(|b| b.op.is_some())
    }

    /// A member of the queue by id.
    pub fn member(&self, id: &str) -> Option<&AccountMember> {
        self.row_index(id).map(|i| &self.rows[i].member)
    }

    fn start_run(&mut self, items: Vec<ApproveItem>, sh: &mut Shared) {
        if items.is_empty() {
            return;
        }
        for item in &items {
            if let Some(i) = self.row_index(&item.member_id) {
                self.rows[i].status = RowStatus::Working;
            }
        }
        let n = items.len();
        let label =
            if n == 1 { "approving 1 member".to_owned() } else { format!("approving {n} members") };
        let op = sh.call(
            PanelId::Approvals,
            label,
            Call::Approvals(ApCall::Approve {
                items: items.clone(),
                concurrency: APPROVE_CONCURRENCY,
            }),
        );
        if op.is_none() {
            for item in &items {
                if let Some(i) = self.row_index(&item.member_id) {
                    self.rows[i].status = RowStatus::Pending;
                }
            }
            return;
        }
        self.bulk = Some(BulkRun { op, items, done: 0, ok: 0, failed: 0, cancelled: false });
        self.marked.clear();
        self.view = View::List;
    }

    /// Each member into its own new account named after it.
    fn confirm_new_accounts(&mut self, ids: Vec<String>, sh: &mut Shared) {
        let items: Vec<ApproveItem> = ids
            .iter()
            .filter_map(|id| self.member(id))
            .map(|m| ApproveItem {
                member_id: m.id.clone(),
                target: Target::NewAccount { name: m.name.clone(), legal_name: m.name.clone() },
            })
            .collect();
        if items.is_empty() {
            return;
        }
        let n = items.len();
        sh.ask(
            items
                .iter()
                .fold(
                    Dialog::confirm(format!("Approve {n} member{} into new accounts", plural(n)))
                        .verb("approve")
                        .consequence(format!(
                            "Creates {n} account{} and makes each member the member of its own.",
                            plural(n)
                        )),
                    |d, i| {
                        let who = self
                            .member(&i.member_id)
                            .map_or(i.member_id.clone(), |m| format!("{} <{}>", m.name, m.email));
                        d.item(match &i.target {
                            Target::NewAccount { name, .. } => {
                                format!("new account {name:?} ← {who}")
                            }
                            Target::Existing { account_name, .. } => {
                                format!("{account_name} ← {who}")
                            }
                        })
                    },
                )
                .gap()
                .request(format!("POST /v2/accounts  ×{n}"))
                .request(format!("POST /v2/accounts/{{id}}/account-memberships  ×{n}")),
            ConfirmAction::Approvals(items),
        );
    }

    fn confirm_existing(&mut self, account: &Account, members: Vec<String>, sh: &mut Shared) {
        let items: Vec<ApproveItem> = members
            .iter()
            .map(|id| ApproveItem {
                member_id: id.clone(),
                target: Target::Existing {
                    account_id: account.id.clone(),
                    account_name: account.name.clone(),
                },
            })
            .collect();
        let n = items.len();
        sh.ask(
            members
                .iter()
                .fold(
                    Dialog::confirm(format!(
                        "Approve {n} member{} into {}",
                        plural(n),
                        account.name
                    ))
                    .verb("approve")
                    .consequence(format!(
                        "Makes {} of the existing account {} ({}).",
                        if n == 1 {
                            "the member a member".to_owned()
                        } else {
                            format!("the {n} members members")
                        },
                        account.name,
                        account.id
                    )),
                    |d, id| {
                        d.item(
                            self.member(id)
                                .map_or(id.clone(), |m| format!("{} <{}>", m.name, m.email)),
                        )
                    },
                )
                .gap()
                .request(format!("POST /v2/accounts/{}/account-memberships  ×{n}", account.id)),
            ConfirmAction::Approvals(items),
        );
    }

    /// Runs a confirmed approval (called by the app after `y`).
    pub fn run_confirmed(&mut self, items: Vec<ApproveItem>, sh: &mut Shared) {
        self.start_run(items, sh);
    }

    fn open_picker(&mut self, members: Vec<String>, sh: &mut Shared) {
        if members.is_empty() {
            return;
        }
        // Reloaded every time: an account created a minute ago must be choosable.
        if self.accounts_op.is_none() {
            self.accounts_op = sh.call(
                PanelId::Approvals,
                "loading accounts",
                Call::Approvals(ApCall::LoadAccounts),
            );
        }
        self.view = View::Picker(Picker { members, filter: TextField::new("Search"), selected: 0 });
    }

    pub fn picker_matches<'a>(&'a self, p: &Picker) -> Vec<&'a Account> {
        let needle = p.filter.value().trim().to_lowercase();
        self.accounts
            .iter()
            .flatten()
            .filter(|a| {
                needle.is_empty()
                    || a.name.to_lowercase().contains(&needle)
                    || a.legal_name.as_deref().unwrap_or("").to_lowercase().contains(&needle)
                    || a.id.starts_with(&needle)
            })
            .collect()
    }

    fn retry_failed(&mut self, sh: &mut Shared) {
        let Some(run) = &self.bulk else { return };
        if run.op.is_some() {
            return;
        }
        let items: Vec<ApproveItem> = run
            .items
            .iter()
            .filter_map(|item| {
                let row = self.rows.iter().find(|r| r.member.id == item.member_id)?;
                match &row.status {
                    RowStatus::Failed { account: Some((id, name)), .. } => Some(ApproveItem {
                        member_id: item.member_id.clone(),
                        target: Target::Existing {
                            account_id: id.clone(),
                            account_name: name.clone(),
                        },
                    }),
                    RowStatus::Failed { account: None, .. } | RowStatus::Cancelled => {
                        Some(item.clone())
                    }
                    _ => None,
                }
            })
            .collect();
        if items.is_empty() {
            sh.toast("nothing to retry");
            return;
        }
        self.start_run(items, sh);
    }

    fn on_progress_inner(&mut self, op: OpId, p: ApProgress) {
        match p {
            ApProgress::Plan(plan) => {
                if let Some(s) = self.scan.as_mut().filter(|s| s.op == Some(op)) {
                    s.plan = Some((plan, plan.describe()));
                }
            }
            ApProgress::Total(t) => {
                if let Some(s) = self.scan.as_mut().filter(|s| s.op == Some(op)) {
                    s.total = Some(t);
                }
            }
            ApProgress::Checked { pending, with_membership, gone, failed } => {
                let keep = self.selected_id();
                let Some(s) = self.scan.as_mut().filter(|s| s.op == Some(op)) else { return };
                s.checked += pending.len() + with_membership.len() + gone.len() + failed;
                s.failed += failed;
                // Approved or deleted elsewhere: out of the queue (a row being
                // approved here keeps its status until its run reports).
                let out: HashSet<&str> =
                    with_membership.iter().chain(&gone).map(String::as_str).collect();
                self.rows.retain(|r| !out.contains(r.member.id.as_str()) || !r.status.is_open());
                for id in gone {
                    self.seen.remove(&id);
                    self.marked.remove(&id);
                    self.unverified.remove(&id);
                    self.cache(CacheOp::Removed(id));
                }
                for id in with_membership {
                    self.marked.remove(&id);
                    self.unverified.remove(&id);
                    self.seen.insert(id.clone());
                    self.cache(CacheOp::Approved { id, created_at: None });
                }
                let known: HashMap<String, usize> =
                    self.rows.iter().enumerate().map(|(i, r)| (r.member.id.clone(), i)).collect();
                for m in pending {
                    self.seen.insert(m.id.clone());
                    self.unverified.remove(&m.id);
                    self.cache(CacheOp::Pending(jobs::to_cached(&m)));
                    if !known.contains_key(&m.id) {
                        self.rows.push(Row { member: m, status: RowStatus::Pending });
                    }
                }
                // Newest first, like the scan.
                self.rows.sort_by(|a, b| b.member.meta.created_at.cmp(&a.member.meta.created_at));
                self.refilter();
                self.reselect(keep);
            }
            ApProgress::Row { member_id, outcome } => {
                if let Some(run) = self.bulk.as_mut().filter(|b| b.op == Some(op)) {
                    run.done += 1;
                    match &outcome {
                        RowOutcome::Failed { .. } => run.failed += 1,
                        _ => run.ok += 1,
                    }
                }
                if matches!(outcome, RowOutcome::Approved { .. } | RowOutcome::AlreadyMember { .. })
                {
                    self.cache(CacheOp::Approved { id: member_id.clone(), created_at: None });
                }
                let Some(i) = self.row_index(&member_id) else { return };
                self.rows[i].status = match outcome {
                    RowOutcome::Approved { account_name, .. } => {
                        RowStatus::Approved { account_name }
                    }
                    RowOutcome::AlreadyMember { .. } => RowStatus::AlreadyMember,
                    RowOutcome::Failed { reason, account_id } => {
                        RowStatus::Failed { reason, account: account_id }
                    }
                };
                self.recount();
            }
        }
    }
}

impl Panel for Approvals {
    fn editing(&self) -> bool {
        self.filtering || matches!(self.view, View::NewAccount(_) | View::Picker(_))
    }

    fn on_cancelled(&mut self, op: OpId, _sh: &mut Shared) {
        // Leaving the panel stopped this read: the next visit starts again
        // (a scan resumes from the cache of what it already checked).
        if self.scan.as_ref().is_some_and(|s| s.op == Some(op)) {
            self.scan = None;
            self.started = false;
        }
        if self.accounts_op == Some(op) {
            self.accounts_op = None;
        }
        if matches!(self.cache, CacheState::Loading(o) if o == op) {
            self.cache = CacheState::Unread;
        }
        if matches!(self.view, View::Details(Some(o), None) if o == op) {
            self.view = View::List;
        }
    }

    fn on_enter(&mut self, sh: &mut Shared) {
        if matches!(self.cache, CacheState::Unread) {
            self.on_connected(sh);
        }
        if !self.started && sh.connected() {
            self.started = true;
            // The cache first: the scan starts when it is read.
            if !matches!(self.cache, CacheState::Loading(_)) {
                self.start_scan(false, sh);
            }
        }
    }

    fn on_paste(&mut self, text: &str) {
        match &mut self.view {
            View::NewAccount(f) if f.row == 0 => f.name.paste(text),
            View::NewAccount(f) if f.row == 1 => f.legal_name.paste(text),
            View::Picker(p) => p.filter.paste(text),
            View::List if self.filtering => {
                self.filter.paste(text);
                self.refilter();
            }
            _ => {}
        }
    }

    fn on_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        match &self.view {
            View::List => self.list_key(key, sh),
            View::NewAccount(_) => self.form_key(key, sh),
            View::Picker(_) => self.picker_key(key, sh),
            View::Details(..) => match key.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => {
                    self.view = View::List;
                    true
                }
                _ => false,
            },
        }
    }

    fn on_progress(&mut self, op: OpId, progress: Progress, _sh: &mut Shared) {
        let Progress::Approvals(p) = progress;
        self.on_progress_inner(op, p);
    }

    fn on_done(&mut self, op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        if self.scan.as_ref().is_some_and(|s| s.op == Some(op)) {
            let mut s = self.scan.take().unwrap_or_default();
            s.op = None;
            match &result {
                Ok(reply) => {
                    if let Reply::Approvals(ApReply::Scanned { complete, .. }) = reply {
                        self.complete = *complete;
                        if *complete {
                            self.cache(CacheOp::Complete);
                        }
                    }
                    // A full scan lists every member: a cached row it did not
                    // confirm belongs to a member that no longer exists.
                    if s.full {
                        self.membership_deleted = false;
                        let stale = std::mem::take(&mut self.unverified);
                        self.rows.retain(|r| !stale.contains(&r.member.id));
                        for id in stale {
                            self.seen.remove(&id);
                            self.marked.remove(&id);
                            self.cache(CacheOp::Removed(id));
                        }
                        self.refilter();
                    }
                    let pending = self.pending_count();
                    sh.toast(format!("{pending} pending (checked {})", s.checked));
                }
                Err(e) => sh.api_error("pending scan", e),
            }
            self.last_scan = Some(s);
            return;
        }
        if self.bulk.as_ref().is_some_and(|b| b.op == Some(op)) {
            let (approved, failed, cancelled) = match &mut self.bulk {
                Some(run) => {
                    run.op = None;
                    (run.ok, run.failed, run.cancelled)
                }
                None => (0, 0, false),
            };
            // Members the stopped run never started are cancelled (retry with f).
            let run_ids: HashSet<&str> = self
                .bulk
                .iter()
                .flat_map(|b| b.items.iter().map(|i| i.member_id.as_str()))
                .collect();
            for r in &mut self.rows {
                if r.status == RowStatus::Working && run_ids.contains(r.member.id.as_str()) {
                    r.status = RowStatus::Cancelled;
                }
            }
            self.recount();
            if cancelled {
                sh.toast(format!("run stopped: {approved} approved, {failed} failed"));
                return;
            }
            if let Err(e) = &result {
                sh.api_error("approval", e);
            }
            if failed > 0 {
                sh.toast_error(format!(
                    "{approved} approved, {failed} failed: f retries the failed"
                ));
            } else {
                sh.toast(format!("{approved} approved"));
            }
            return;
        }
        if self.accounts_op == Some(op) {
            self.accounts_op = None;
        }
        match result {
            Ok(Reply::Approvals(ApReply::Accounts(a))) => self.accounts = Some(a),
            Ok(Reply::Approvals(ApReply::Details(d))) => {
                // Only the details asked for last (not an earlier member's).
                if let View::Details(want, _) = &self.view
                    && *want == Some(op)
                {
                    self.view = View::Details(Some(op), Some(d));
                }
            }
            Ok(Reply::Approvals(ApReply::CacheLoaded(load))) => self.on_cache(load, sh),
            Ok(Reply::Approvals(ApReply::Rejected { member_id })) => {
                self.rows.retain(|r| r.member.id != member_id);
                self.marked.remove(&member_id);
                self.seen.remove(&member_id);
                self.unverified.remove(&member_id);
                self.cache(CacheOp::Removed(member_id.clone()));
                self.refilter();
                sh.toast("member rejected");
            }
            Ok(_) => {}
            Err(e) => {
                if matches!(self.view, View::Picker(_)) {
                    self.view = View::List;
                }
                sh.api_error("Approvals", &e)
            }
        }
    }

    fn keymap(&self, sh: &Shared) -> crate::ui::Keymap {
        Approvals::keymap(self, sh)
    }

    fn view(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        view::draw(self, f, area, sh);
    }
}

/// "s" unless there is exactly one.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
