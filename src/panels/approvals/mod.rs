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
pub mod view;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use crate::api::{Account, AccountMember, ApiError};
use crate::store::queue::{CacheOp, Writer};
use crate::ui::{Call, OpId, PanelId, Progress, QueueNote, Reply, Shared};
use crate::webhook::member_event::MemberEvent;
use crate::widgets::form::{Event as FormEvent, Form};
use crate::widgets::list::{Item, List};

pub use crate::ui::ops::approvals::CheckFailed;
pub use jobs::{ApCall, ApProgress, ApReply, ApproveItem, MemberDetails, RowOutcome, Target};

use super::{Keys, Panel};

/// Concurrency of the membership checks of a scan.
pub const SCAN_CONCURRENCY: usize = 16;
/// Members approved at once in a bulk run.
pub const APPROVE_CONCURRENCY: usize = 8;

#[derive(Debug, Clone, PartialEq)]
pub enum RowStatus {
    Pending,
    Working,
    Approved {
        account_name: String,
    },
    AlreadyMember,
    Failed {
        reason: String,
        account: Option<(String, String)>,
    },
    Cancelled,
    /// The scan's membership check failed: the member may or may not be
    /// pending (`r` checks again). It can still be approved or rejected: an
    /// approval of a member that has a membership meanwhile reports "already
    /// a member", nothing is created twice.
    CheckFailed {
        reason: String,
    },
}

impl RowStatus {
    /// Not known to have a membership: can be approved (or rejected).
    pub fn is_open(&self) -> bool {
        matches!(
            self,
            RowStatus::Pending
                | RowStatus::Failed { .. }
                | RowStatus::Cancelled
                | RowStatus::CheckFailed { .. }
        )
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
    /// Members this scan found pending (a full rescan replaces the list with
    /// them only when it succeeds).
    pub found: HashSet<String>,
    /// The plan of a full scan, and its line ("402 calls via accounts, about 20 s").
    pub plan: Option<(plan::Plan, String)>,
}

/// The approve dialog: one confirmation that is also the form. With one
/// member the account name and legal name are editable (the legal name
/// follows the name until edited); with several, each member gets its own
/// account named after it.
#[derive(Debug, Clone)]
pub struct ApproveDialog {
    pub ids: Vec<String>,
    pub form: Form,
    pub legal_follows: bool,
    pub scroll: Scroll,
}

/// A dialog's scroll position, and how far it can go as last drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scroll {
    pub pos: u16,
    pub max: std::cell::Cell<u16>,
}

impl Scroll {
    /// ↑↓ j k, PgUp PgDn, Home End; returns whether the key was one.
    pub fn key(&mut self, code: KeyCode) -> bool {
        let max = self.max.get();
        let s = self.pos.min(max);
        self.pos = match code {
            KeyCode::Up | KeyCode::Char('k') => s.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => (s + 1).min(max),
            KeyCode::PageUp => s.saturating_sub(10),
            KeyCode::PageDown => (s + 10).min(max),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => max,
            _ => return false,
        };
        true
    }
}

/// Field keys of the approve form.
pub use super::{ACCOUNT_NAME, LEGAL_NAME};
/// Field key of the account picker's search.
pub const SEARCH: &str = "search";

/// Into an existing account: search (name, legal name, id), choose, then
/// confirm in the same dialog.
#[derive(Debug, Clone)]
pub struct PickerDialog {
    /// Members that will join the chosen account.
    pub members: Vec<String>,
    pub form: Form,
    pub list: List,
    /// Chosen: the dialog now asks for the confirmation.
    pub chosen: Option<Account>,
    pub scroll: Scroll,
}

/// Reject: deletes members; names the consequence first.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectDialog {
    pub ids: Vec<String>,
    pub scroll: Scroll,
}

/// `f`: retry the failed approvals of the last run (asked first).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryDialog {
    pub items: Vec<ApproveItem>,
    pub scroll: Scroll,
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
    /// Asked to stop; `skipped` counts the members it never started.
    pub cancelled: bool,
    pub skipped: usize,
}

/// A running or finished reject run: one call per member.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RejectRun {
    pub ops: HashMap<OpId, String>,
    pub total: usize,
    pub rejected: usize,
    pub failed: usize,
}

// One per panel: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum View {
    List,
    Approve(ApproveDialog),
    Picker(PickerDialog),
    Reject(RejectDialog),
    Retry(RetryDialog),
    /// The details of one member: the op loading them, then the result.
    Details(Option<OpId>, Option<Box<MemberDetails>>),
}

#[derive(Debug)]
pub struct Approvals {
    /// Newest first.
    pub rows: Vec<Row>,
    /// Cursor, marks and filter, by member id.
    pub list: List,
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
    pub reject: Option<RejectRun>,
    pub view: View,
    pub started: bool,
    /// (without a membership, approved or already a member, failed, check
    /// failed — not counted as pending): kept up to date on every change so
    /// drawing never counts rows.
    pub counts: (usize, usize, usize, usize),
}

impl Default for Approvals {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            list: List::new(),
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
            reject: None,
            view: View::List,
            started: false,
            counts: (0, 0, 0, 0),
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

impl Item for Row {
    fn key(&self) -> &str {
        &self.member.id
    }
    fn matches(&self, needle: &str) -> bool {
        let m = &self.member;
        m.name.to_lowercase().contains(needle)
            || m.email.to_lowercase().contains(needle)
            || m.id.starts_with(needle)
    }
    fn markable(&self) -> bool {
        self.status.is_open()
    }
}

impl Item for Account {
    fn key(&self) -> &str {
        &self.id
    }
    fn matches(&self, needle: &str) -> bool {
        self.name.to_lowercase().contains(needle)
            || self.legal_name.as_deref().unwrap_or("").to_lowercase().contains(needle)
            || self.id.to_lowercase().starts_with(needle)
    }
}

impl Approvals {
    /// Opens the details of member `id` and reads them.
    fn open_details(&mut self, id: String, sh: &mut Shared) {
        let op = sh.call(
            PanelId::Approvals,
            "loading member details",
            Call::Approvals(ApCall::Details { member_id: id }),
        );
        self.view = View::Details(op, None);
    }

    /// Reads the shown details again (all parts; a failed part says so).
    fn reload_details(&mut self, sh: &mut Shared) {
        if let View::Details(_, Some(d)) = &self.view {
            let id = d.member_id.clone();
            self.open_details(id, sh);
        }
    }

    /// Recounts and refilters after the rows changed; the cursor and the
    /// marks stay on their members.
    pub fn refilter(&mut self) {
        self.recount();
        self.list.sync(&self.rows);
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.list.cursor_index().and_then(|i| self.rows.get(i))
    }

    fn row_index(&self, member_id: &str) -> Option<usize> {
        self.rows.iter().position(|r| r.member.id == member_id)
    }

    /// Members still without a membership (pending, failed or cancelled).
    pub fn pending_count(&self) -> usize {
        self.counts.0
    }

    /// Members whose membership check failed (listed, not counted as pending).
    pub fn check_failed_count(&self) -> usize {
        self.counts.3
    }

    fn recount(&mut self) {
        let mut c = (0, 0, 0, 0);
        for r in &self.rows {
            if r.status.is_done() {
                c.1 += 1;
            } else if matches!(r.status, RowStatus::CheckFailed { .. }) {
                c.3 += 1;
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
        if (has_any || self.started) && self.scan.is_none() {
            self.started = true;
            self.start_scan(false, sh);
        }
    }

    /// A member event from the listener: the queue follows the store
    /// without a call (sign-ups in, approvals and rejections elsewhere out).
    pub fn on_member_event(&mut self, e: MemberEvent, sh: &mut Shared) {
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
                self.list.unmark(&member_id);
                // A row being approved here keeps its status until its run reports.
                self.rows.retain(|r| r.member.id != member_id || !r.status.is_open());
                self.cache(CacheOp::Approved { id: member_id, created_at: None });
            }
            MemberEvent::MembershipDeleted { membership_id } => {
                // One this console deleted: the member card's reload tells
                // the queue what became of the member (see `on_note`).
                if !sh.own_membership_deletes.remove(&membership_id) {
                    self.membership_deleted = true;
                }
            }
            MemberEvent::UserDeleted { id } => {
                self.seen.remove(&id);
                self.unverified.remove(&id);
                self.list.unmark(&id);
                self.rows.retain(|r| r.member.id != id || r.status == RowStatus::Working);
                self.cache(CacheOp::Removed(id));
            }
        }
        self.refilter();
    }

    /// What this console's own work elsewhere (the member card) learnt
    /// about a member: the queue follows it without a call, as it does for
    /// its own approvals and rejections.
    pub fn on_note(&mut self, note: QueueNote) {
        match note {
            QueueNote::Status { member, pending: true } => {
                self.seen.insert(member.id.clone());
                self.unverified.remove(&member.id);
                self.cache(CacheOp::Pending(jobs::to_cached(&member)));
                match self.row_index(&member.id) {
                    Some(i) if self.rows[i].status.is_done() => {
                        self.rows[i].status = RowStatus::Pending;
                    }
                    Some(_) => {}
                    None => {
                        self.rows.push(Row { member, status: RowStatus::Pending });
                        self.rows.sort_by(|a, b| {
                            b.member.meta.created_at.cmp(&a.member.meta.created_at)
                        });
                    }
                }
            }
            QueueNote::Status { member, pending: false } => {
                let id = member.id;
                self.seen.insert(id.clone());
                self.unverified.remove(&id);
                self.list.unmark(&id);
                // A row being approved here keeps its status until its run reports.
                self.rows.retain(|r| r.member.id != id || !r.status.is_open());
                self.cache(CacheOp::Approved { id, created_at: None });
            }
            QueueNote::Removed(id) => {
                self.seen.remove(&id);
                self.unverified.remove(&id);
                self.list.unmark(&id);
                self.rows.retain(|r| r.member.id != id || r.status == RowStatus::Working);
                self.cache(CacheOp::Removed(id));
            }
        }
        self.refilter();
    }

    /// Starts a scan: a verification of what is known, or (`full`, or nothing
    /// complete known) a planned full scan. A full rescan keeps the current
    /// list until it succeeds.
    pub fn start_scan(&mut self, full: bool, sh: &mut Shared) {
        if self.scan.is_some() {
            return;
        }
        // Approved members leave the queue: their membership exists.
        self.rows.retain(|r| !r.status.is_done());
        self.refilter();
        let (retry, pending): (Vec<&Row>, Vec<&Row>) = self
            .rows
            .iter()
            .filter(|r| r.status.is_open())
            .partition(|r| matches!(r.status, RowStatus::CheckFailed { .. }));
        let open: HashSet<&str> =
            pending.iter().chain(&retry).map(|r| r.member.id.as_str()).collect();
        let pending: Vec<AccountMember> = pending.iter().map(|r| r.member.clone()).collect();
        let retry: Vec<AccountMember> = retry.iter().map(|r| r.member.clone()).collect();
        let known = scan::Known {
            // `R` re-verifies everything: nothing counts as known approved.
            approved: if full {
                Default::default()
            } else {
                self.seen.iter().filter(|id| !open.contains(id.as_str())).cloned().collect()
            },
            pending,
            complete: self.complete && !full,
            // Checked again by every scan, never counted as known approved.
            retry,
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

    /// The members an action acts on: the marked ones when there are marks
    /// (never the unmarked cursor row then), else the cursor row; only
    /// members still without a membership and not being worked on.
    ///
    /// A member whose membership check failed is left out until `r` checks it
    /// again: it may have a membership already, and approving it into a new
    /// account would then create an account it does not need.
    pub fn targets(&self) -> (bool, Vec<String>) {
        let t = self.list.targets(&self.rows);
        let marked = t.is_marked();
        let ids = t
            .indices()
            .into_iter()
            .filter_map(|i| self.rows.get(i))
            .filter(|r| r.status.is_open() && !matches!(r.status, RowStatus::CheckFailed { .. }))
            .map(|r| r.member.id.clone())
            .collect();
        (marked, ids)
    }

    /// How many of the members an action would act on are left out because
    /// their check failed.
    pub fn unchecked_targets(&self) -> usize {
        self.list
            .targets(&self.rows)
            .indices()
            .into_iter()
            .filter_map(|i| self.rows.get(i))
            .filter(|r| matches!(r.status, RowStatus::CheckFailed { .. }))
            .count()
    }

    /// A run is going and has not been asked to stop yet (Esc stops it).
    pub(super) fn stoppable(&self) -> bool {
        self.bulk.as_ref().is_some_and(|b| b.op.is_some() && !b.cancelled)
    }

    /// Why `a`/`e`/`x`/`f` are off while a run goes on: stoppable, already
    /// stopping (started members finish first), or a reject run.
    pub(super) fn busy_why(&self) -> &'static str {
        match &self.bulk {
            Some(b) if b.op.is_some() && b.cancelled => {
                "the run is stopping: members already started finish first"
            }
            Some(b) if b.op.is_some() => "a run is in progress (Esc stops it)",
            _ => "rejections are in progress: they finish first",
        }
    }

    fn running(&self) -> bool {
        self.bulk.as_ref().is_some_and(|b| b.op.is_some())
            || self.reject.as_ref().is_some_and(|r| !r.ops.is_empty())
    }

    /// One of this panel's dialogs is open (approve, picker, reject, retry).
    pub fn dialog_open(&self) -> bool {
        matches!(self.view, View::Approve(_) | View::Picker(_) | View::Reject(_) | View::Retry(_))
    }

    /// A member of the queue by id.
    pub fn member(&self, id: &str) -> Option<&AccountMember> {
        self.row_index(id).map(|i| &self.rows[i].member)
    }

    /// "Name <email>" of a member (its id when unknown).
    pub fn who(&self, id: &str) -> String {
        self.member(id).map_or(id.to_owned(), |m| format!("{} <{}>", m.name, m.email))
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
        self.bulk =
            Some(BulkRun { op, items, done: 0, ok: 0, failed: 0, cancelled: false, skipped: 0 });
        self.list.clear_marks();
        self.view = View::List;
        self.recount();
    }

    /// `a`: the approve dialog for the targets (marks, else the cursor row).
    pub(super) fn open_approve(&mut self, ids: Vec<String>) {
        let mut form = Form::new()
            .text(ACCOUNT_NAME, "Account name", "the new account's name")
            .text(LEGAL_NAME, "Legal name", "defaults to the account name")
            .submit_label("approve")
            .enter_submits()
            .without_hint();
        if let [id] = ids.as_slice()
            && let Some(m) = self.member(id)
        {
            form.prefill(ACCOUNT_NAME, m.name.clone());
            form.prefill(LEGAL_NAME, m.name.clone());
            form.set_note(LEGAL_NAME, Some("follows the account name until you edit it".into()));
        }
        self.view = View::Approve(ApproveDialog {
            ids,
            form,
            legal_follows: true,
            scroll: Scroll::default(),
        });
    }

    /// The items the approve dialog would run now.
    pub fn approve_items(&self, d: &ApproveDialog) -> Vec<ApproveItem> {
        if let [id] = d.ids.as_slice() {
            let name = d.form.value(ACCOUNT_NAME).trim().to_owned();
            let legal = d.form.value(LEGAL_NAME).trim().to_owned();
            let legal = if legal.is_empty() { name.clone() } else { legal };
            return vec![ApproveItem {
                member_id: id.clone(),
                target: Target::NewAccount { name, legal_name: legal },
            }];
        }
        d.ids
            .iter()
            .filter_map(|id| self.member(id))
            .map(|m| ApproveItem {
                member_id: m.id.clone(),
                target: Target::NewAccount { name: m.name.clone(), legal_name: m.name.clone() },
            })
            .collect()
    }

    /// Confirms the approve dialog (`y`, `Enter`, `Ctrl-S`).
    pub(super) fn confirm_approve(&mut self, sh: &mut Shared) {
        let View::Approve(d) = &mut self.view else { return };
        if d.ids.len() == 1 && d.form.value(ACCOUNT_NAME).trim().is_empty() {
            d.form.invalid(ACCOUNT_NAME, "required: the account needs a name");
            return;
        }
        let d = d.clone();
        let items = self.approve_items(&d);
        self.start_run(items, sh);
    }

    /// Keeps the legal name equal to the account name until it is edited.
    pub(super) fn approve_changed(d: &mut ApproveDialog, ev: FormEvent) {
        super::legal_name_follows(&mut d.form, &mut d.legal_follows, ev);
    }

    /// Runs a confirmed approval (called by the app after `y`).
    pub fn run_confirmed(&mut self, items: Vec<ApproveItem>, sh: &mut Shared) {
        self.start_run(items, sh);
    }

    pub(super) fn open_picker(&mut self, members: Vec<String>, sh: &mut Shared) {
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
        let form = Form::new()
            .search(SEARCH, "Search", "name, legal name or id")
            .submit_label("choose")
            .enter_submits()
            .without_hint();
        let mut list = List::new();
        list.sync(self.accounts.as_deref().unwrap_or_default());
        self.view = View::Picker(PickerDialog {
            members,
            form,
            list,
            chosen: None,
            scroll: Scroll::default(),
        });
    }

    /// The accounts the picker shows (its list's rows).
    pub fn picker_accounts(&self) -> &[Account] {
        self.accounts.as_deref().unwrap_or_default()
    }

    /// `f`: the failed approvals of the last run, each into the account it
    /// was going to (reusing one created before the failure). Cancelled
    /// members are not included: marking them approves them again.
    pub fn retry_items(&self) -> Vec<ApproveItem> {
        let Some(run) = &self.bulk else { return Vec::new() };
        run.items
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
                    RowStatus::Failed { account: None, .. } => Some(item.clone()),
                    _ => None,
                }
            })
            .collect()
    }

    pub(super) fn ask_retry(&mut self, sh: &mut Shared) {
        if self.bulk.as_ref().is_some_and(|b| b.op.is_some()) {
            return;
        }
        let items = self.retry_items();
        if items.is_empty() {
            sh.toast("nothing to retry: no approval of the last run failed");
            return;
        }
        self.view = View::Retry(RetryDialog { items, scroll: Scroll::default() });
    }

    /// Starts one reject call per member (confirmed with `y`).
    pub(super) fn start_reject(&mut self, ids: Vec<String>, sh: &mut Shared) {
        let mut run = RejectRun::default();
        for id in ids {
            let Some(i) = self.row_index(&id) else { continue };
            let (name, email) =
                (self.rows[i].member.name.clone(), self.rows[i].member.email.clone());
            let call = Call::Approvals(ApCall::Reject { member_id: id.clone(), name });
            if let Some(op) = sh.call(PanelId::Approvals, format!("rejecting {email}"), call) {
                self.rows[i].status = RowStatus::Working;
                run.ops.insert(op, id);
                run.total += 1;
            }
        }
        self.view = View::List;
        if run.total > 0 {
            self.list.clear_marks();
            self.reject = Some(run);
            self.recount();
        }
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
                let Some(s) = self.scan.as_mut().filter(|s| s.op == Some(op)) else { return };
                s.checked += pending.len() + with_membership.len() + gone.len() + failed.len();
                s.failed += failed.len();
                // A failed check keeps its member listed (a full rescan too).
                for m in pending.iter().chain(failed.iter().map(|f| &f.member)) {
                    s.found.insert(m.id.clone());
                }
                // Approved or deleted elsewhere: out of the queue (a row being
                // approved here keeps its status until its run reports).
                let out: HashSet<&str> =
                    with_membership.iter().chain(&gone).map(String::as_str).collect();
                self.rows.retain(|r| !out.contains(r.member.id.as_str()) || !r.status.is_open());
                for id in gone {
                    self.seen.remove(&id);
                    self.list.unmark(&id);
                    self.unverified.remove(&id);
                    self.cache(CacheOp::Removed(id));
                }
                for id in with_membership {
                    self.list.unmark(&id);
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
                    match known.get(&m.id) {
                        None => self.rows.push(Row { member: m, status: RowStatus::Pending }),
                        Some(&i)
                            if matches!(self.rows[i].status, RowStatus::CheckFailed { .. }) =>
                        {
                            self.rows[i].status = RowStatus::Pending;
                        }
                        Some(_) => {}
                    }
                }
                // Not known either way: listed as "check failed", not cached
                // (neither pending nor approved), and checked again by `r`.
                for CheckFailed { member, reason } in failed {
                    // Seen: a sign-up event for it adds no second row.
                    self.seen.insert(member.id.clone());
                    // No longer "verifying": its check came back (failed). A
                    // cached pending row stays in the cache as it was.
                    self.unverified.remove(&member.id);
                    match known.get(&member.id) {
                        None => self
                            .rows
                            .push(Row { member, status: RowStatus::CheckFailed { reason } }),
                        Some(&i) => {
                            // A failed or cancelled approval keeps its status (it says more).
                            if matches!(
                                self.rows[i].status,
                                RowStatus::Pending | RowStatus::CheckFailed { .. }
                            ) {
                                self.rows[i].status = RowStatus::CheckFailed { reason };
                            }
                        }
                    }
                }
                // Newest first, like the scan.
                self.rows.sort_by(|a, b| b.member.meta.created_at.cmp(&a.member.meta.created_at));
                self.refilter();
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

    /// A full rescan succeeded: the list becomes what it found (members
    /// being approved or rejected now stay until their call ends).
    fn replace_with_scan(&mut self, found: &HashSet<String>) {
        self.rows.retain(|r| found.contains(&r.member.id) || r.status == RowStatus::Working);
        self.seen.retain(|id| found.contains(id) || !self.rows.iter().any(|r| &r.member.id == id));
        self.refilter();
    }

    fn reject_done(&mut self, op: OpId, result: &Result<Reply, ApiError>, sh: &mut Shared) -> bool {
        let Some(run) = &mut self.reject else { return false };
        let Some(id) = run.ops.remove(&op) else { return false };
        match result {
            Ok(_) => {
                run.rejected += 1;
                self.rows.retain(|r| r.member.id != id);
                self.seen.remove(&id);
                self.unverified.remove(&id);
                if let CacheState::On(w) = &self.cache {
                    w.send(CacheOp::Removed(id.clone()));
                }
            }
            Err(e) => {
                run.failed += 1;
                if let Some(r) = self.rows.iter_mut().find(|r| r.member.id == id) {
                    r.status = RowStatus::Failed {
                        reason: format!("reject failed: {}", e.summary()),
                        account: None,
                    };
                }
            }
        }
        let finished = run.ops.is_empty();
        let (ok, failed) = (run.rejected, run.failed);
        self.refilter();
        if finished {
            if failed > 0 {
                sh.toast_error(format!(
                    "{ok} rejected, {failed} failed (Enter on a row shows why)"
                ));
            } else {
                sh.toast(format!("{ok} rejected"));
            }
        }
        true
    }
}

impl Panel for Approvals {
    fn editing(&self) -> bool {
        match &self.view {
            View::List => self.list.is_filtering(),
            View::Approve(d) => d.form.is_typing(),
            View::Picker(p) => p.form.is_typing(),
            _ => false,
        }
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
            View::Approve(d) => {
                let ev = d.form.paste(text);
                Self::approve_changed(d, ev);
            }
            View::Picker(p) if p.chosen.is_none() => {
                let ev = p.form.paste(text);
                let q = p.form.value(SEARCH).to_owned();
                if ev != FormEvent::Ignored {
                    p.list.set_filter(&q, self.accounts.as_deref().unwrap_or_default());
                }
            }
            View::List => {
                self.list.paste(text, &self.rows);
            }
            _ => {}
        }
    }

    fn on_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        match &self.view {
            View::List => self.list_key(key, sh),
            View::Approve(_) => self.approve_key(key, sh),
            View::Picker(_) => self.picker_key(key, sh),
            View::Reject(_) | View::Retry(_) => self.confirm_key(key, sh),
            View::Details(..) => match key.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => {
                    self.view = View::List;
                    true
                }
                KeyCode::Char('r') => {
                    self.reload_details(sh);
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
                    // A full scan lists every member: the list becomes what it
                    // found, and a cached row it did not confirm belongs to a
                    // member that no longer exists.
                    if s.full {
                        self.membership_deleted = false;
                        let stale = std::mem::take(&mut self.unverified);
                        self.rows.retain(|r| !stale.contains(&r.member.id));
                        for id in stale {
                            self.seen.remove(&id);
                            self.list.unmark(&id);
                            self.cache(CacheOp::Removed(id));
                        }
                        self.replace_with_scan(&s.found);
                    }
                    let pending = self.pending_count();
                    sh.toast(format!("{pending} pending (checked {})", s.checked));
                }
                Err(e) => {
                    let kept = if s.full && !self.rows.is_empty() {
                        " — the list shown is from before the rescan"
                    } else {
                        ""
                    };
                    sh.error =
                        Some(format!("pending scan: {}{kept} (r or R retries)", e.summary()));
                }
            }
            self.last_scan = Some(s);
            return;
        }
        if self.reject_done(op, &result, sh) {
            return;
        }
        if self.bulk.as_ref().is_some_and(|b| b.op == Some(op)) {
            // Members the stopped run never started are cancelled (mark them to approve again).
            let run_ids: HashSet<String> = self
                .bulk
                .iter()
                .flat_map(|b| b.items.iter().map(|i| i.member_id.clone()))
                .collect();
            let mut skipped = 0;
            for r in &mut self.rows {
                if r.status == RowStatus::Working && run_ids.contains(&r.member.id) {
                    r.status = RowStatus::Cancelled;
                    skipped += 1;
                }
            }
            let Some(run) = &mut self.bulk else { return };
            run.op = None;
            run.skipped = skipped;
            let (approved, failed, cancelled) = (run.ok, run.failed, run.skipped);
            self.refilter();
            if let Err(e) = &result {
                sh.api_error("approval", e);
            }
            let summary = run_summary(approved, failed, cancelled);
            if failed > 0 {
                sh.toast_error(format!("{summary}: f retries the failed"));
            } else {
                sh.toast(summary);
            }
            return;
        }
        if self.accounts_op == Some(op) {
            self.accounts_op = None;
        }
        match result {
            Ok(Reply::Approvals(ApReply::Accounts(a))) => {
                if let View::Picker(p) = &mut self.view {
                    p.list.sync(&a);
                }
                self.accounts = Some(a);
            }
            Ok(Reply::Approvals(ApReply::Details(d))) => {
                // Only the details asked for last (not an earlier member's).
                if let View::Details(want, _) = &self.view
                    && *want == Some(op)
                {
                    self.view = View::Details(Some(op), Some(d));
                }
            }
            Ok(Reply::Approvals(ApReply::CacheLoaded(load))) => self.on_cache(load, sh),
            Ok(_) => {}
            Err(e) => {
                // A details read that failed as a whole leaves no "loading…" behind.
                if matches!(self.view, View::Picker(_))
                    || matches!(self.view, View::Details(Some(o), None) if o == op)
                {
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

/// "3 approved · 1 failed · 2 cancelled".
pub fn run_summary(approved: usize, failed: usize, cancelled: usize) -> String {
    format!("{approved} approved · {failed} failed · {cancelled} cancelled")
}

/// "s" unless there is exactly one.
pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
