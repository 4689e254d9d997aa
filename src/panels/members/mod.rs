//! The Members panel, the support desk: find any member (server-side search
//! as you type, latest search wins), open their card, see why they cannot
//! log in, and fix it from there.

pub mod checklist;
pub mod dialogs;
pub mod jobs;
mod keys;
mod view;

use chrono::{DateTime, Utc};

use crate::api::{
    Account, AccountMember, ApiError, OtpPurpose, OtpRequestOutcome, SearchCursor, SearchHow,
};
use crate::audit::{AuditEntry, Names};
use crate::secret::Secret;
use crate::ui::ops::members::{MemCall, MemReply, MemberCard, Who};
use crate::ui::{Call, ConfirmAction, OpId, Panel, PanelId, Reply, Shared};
use crate::webhook::OtpEvent;
use crate::widgets::list::{Item, List};
use crate::widgets::{Dialog, TextField};

/// An OTP event of the card's member, as the card shows it (code masked).
#[derive(Debug, Clone, PartialEq)]
pub struct CardEvent {
    pub received_at: DateTime<Utc>,
    pub purpose: String,
    pub username: String,
    pub expires_at: DateTime<Utc>,
}

/// What a pick list chooses.
#[derive(Debug, Clone, PartialEq)]
pub enum PickFor {
    /// Remove this membership.
    Membership,
    /// Send this kind of code for the chosen credential.
    Otp(OtpPurpose),
    /// Check the password log-in of the chosen credential.
    Login,
}

/// One choice of a pick list: what it picks (an id) and how it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct PickItem {
    pub id: String,
    pub label: String,
}

impl Item for PickItem {
    fn key(&self) -> &str {
        &self.id
    }
    fn matches(&self, needle: &str) -> bool {
        self.label.to_lowercase().contains(needle)
    }
}

/// A pick list in a dialog: typing filters, `↑↓` choose, `Enter` picks. The
/// rows are the shared [`List`]'s, so the choice belongs to an item (it stays
/// on it while the filter changes) and long rows are fitted like everywhere.
#[derive(Debug, Clone)]
pub struct Picker {
    pub title: String,
    pub items: Vec<PickItem>,
    pub filter: TextField,
    pub list: List,
    pub purpose: PickFor,
}

impl Picker {
    pub fn new(title: impl Into<String>, items: Vec<(String, String)>, purpose: PickFor) -> Self {
        let items: Vec<PickItem> =
            items.into_iter().map(|(id, label)| PickItem { id, label }).collect();
        let mut list = List::new();
        list.sync(&items);
        Picker { title: title.into(), items, filter: TextField::new("Filter"), list, purpose }
    }

    /// The list follows the filter text.
    pub fn refilter(&mut self) {
        let text = self.filter.value().to_owned();
        self.list.set_filter(&text, &self.items);
    }

    /// The chosen item's id and label.
    pub fn chosen(&self) -> Option<(&str, &str)> {
        let it = self.list.cursor_index().and_then(|i| self.items.get(i))?;
        Some((it.id.as_str(), it.label.as_str()))
    }
}

/// Search results are listed by member id.
impl Item for AccountMember {
    fn key(&self) -> &str {
        &self.id
    }
}

/// A sub-view over the card (one at a time, so the size of the largest is fine).
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Sub {
    Pick(Picker),
    /// `a`: approve (or add) into a new account.
    NewAccount(dialogs::NewAccount),
    /// `e`: into an existing account.
    Accounts(dialogs::AccountPick),
    /// `l`: the password log-in check.
    Login(dialogs::LoginCheck),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    List,
    Card,
}

#[derive(Debug)]
pub struct Members {
    pub query: TextField,
    /// The search line has the focus (typing edits the query).
    pub typing: bool,
    pub results: Vec<AccountMember>,
    /// The result rows: the cursor belongs to a member (by id), so it stays
    /// on them when a page is appended or a member leaves the results.
    pub list: List,
    /// The query the results are for.
    pub searched: Option<String>,
    pub how: Option<SearchHow>,
    pub total_hint: Option<u64>,
    pub next: Option<SearchCursor>,
    /// The search in flight (only its result is taken: latest search wins).
    pub search_op: Option<OpId>,
    /// Open the card when the search in flight finds exactly one member.
    pub open_single: bool,
    pub view: View,
    pub card: Option<MemberCard>,
    pub card_op: Option<OpId>,
    pub card_scroll: u16,
    /// The card's member's OTP events from the journal, newest first.
    pub events: Vec<CardEvent>,
    /// Readable audit lines about the card's member, newest first.
    pub audit: Vec<String>,
    /// The checklist of the card, computed when it loads.
    pub checks: Vec<checklist::Line>,
    /// The label of the last action asked for (names a failure).
    pub asked: Option<String>,
    pub sub: Option<Sub>,
    pub accounts: Option<Vec<Account>>,
    pub accounts_op: Option<OpId>,
    /// The accounts in flight were asked for by `e`: open the picker when
    /// they arrive (not when `a` loaded them for its same-name warning).
    pub pick_on_load: bool,
    /// The action in flight from the card, and its label.
    pub action: Option<(OpId, String)>,
    /// Last action's result, one line.
    pub result: Option<(bool, String)>,
    /// A code was requested at this time and has not arrived yet.
    pub awaiting_code: Option<DateTime<Utc>>,
    /// When the last code was asked for (the dialog opened).
    pub otp_asked_at: Option<DateTime<Utc>>,
}

impl Default for Members {
    fn default() -> Self {
        Members {
            query: TextField::new("Search").placeholder("e-mail or name"),
            typing: false,
            results: Vec::new(),
            list: List::new(),
            searched: None,
            how: None,
            total_hint: None,
            next: None,
            search_op: None,
            open_single: false,
            view: View::List,
            card: None,
            card_op: None,
            card_scroll: 0,
            events: Vec::new(),
            audit: Vec::new(),
            checks: Vec::new(),
            asked: None,
            sub: None,
            accounts: None,
            accounts_op: None,
            pick_on_load: false,
            action: None,
            result: None,
            awaiting_code: None,
            otp_asked_at: None,
        }
    }
}

impl Members {
    pub fn selected_member(&self) -> Option<&AccountMember> {
        self.list.cursor_index().and_then(|i| self.results.get(i))
    }

    /// Starts a search for the current query; a search in flight is cancelled
    /// (its result would be dropped anyway: latest search wins).
    pub fn search(&mut self, sh: &mut Shared) {
        if let Some(op) = self.search_op.take() {
            sh.cancel(op);
        }
        let query = self.query.value().trim().to_owned();
        self.search_op = sh.call(
            PanelId::Members,
            "searching members",
            Call::Members(MemCall::Search { query, cursor: None }),
        );
    }

    /// The next page of a broad search.
    pub fn more(&mut self, sh: &mut Shared) {
        let (Some(cursor), Some(query)) = (self.next.clone(), self.searched.clone()) else {
            sh.toast("no more results");
            return;
        };
        if self.search_op.is_some() {
            return;
        }
        self.search_op = sh.call(
            PanelId::Members,
            "loading more members",
            Call::Members(MemCall::Search { query, cursor: Some(cursor) }),
        );
    }

    pub fn open_card(&mut self, member: AccountMember, sh: &mut Shared) {
        if let Some(op) = self.card_op.take() {
            sh.cancel(op);
        }
        let same = self.card.as_ref().is_some_and(|c| c.member.id == member.id);
        if !same {
            self.card = None;
            self.checks.clear();
            self.events.clear();
            self.audit.clear();
            self.result = None;
            self.awaiting_code = None;
            self.card_scroll = 0;
        }
        self.view = View::Card;
        self.sub = None;
        self.typing = false;
        self.card_op = sh.call(
            PanelId::Members,
            "loading the member card",
            Call::Members(MemCall::Card { member }),
        );
    }

    pub fn reload_card(&mut self, sh: &mut Shared) {
        if let Some(m) = self.card.as_ref().map(|c| c.member.clone()) {
            self.open_card(m, sh);
        }
    }

    /// The member the card (or the list selection) is about.
    pub fn card_member_id(&self) -> Option<&str> {
        match self.view {
            View::Card => self.card.as_ref().map(|c| c.member.id.as_str()),
            View::List => None,
        }
    }

    /// Takes the card member's OTP events from the journal (newest first).
    pub fn sync_events(&mut self, all: &[OtpEvent]) {
        let Some(card) = &self.card else {
            self.events.clear();
            return;
        };
        let mut events: Vec<CardEvent> = all
            .iter()
            .filter(|e| {
                e.payload.user_id == card.member.id
                    || e.payload
                        .email
                        .as_deref()
                        .is_some_and(|m| m.eq_ignore_ascii_case(&card.member.email))
            })
            .map(|e| CardEvent {
                received_at: e.received_at,
                purpose: e.payload.purpose.clone(),
                username: e.payload.username.clone(),
                expires_at: e.expires_at(),
            })
            .collect();
        events.sort_by_key(|e| std::cmp::Reverse(e.received_at));
        if let (Some(since), Some(newest)) = (self.awaiting_code, events.first())
            && newest.received_at >= since
        {
            self.awaiting_code = None;
            self.result =
                Some((true, format!("the {} code arrived", newest.purpose.replace('_', " "))));
        }
        self.events = events;
    }

    /// Takes the audit entries about the card's member (newest first).
    pub fn sync_audit<'a>(
        &mut self,
        all: impl DoubleEndedIterator<Item = &'a AuditEntry>,
        names: &Names,
    ) {
        let Some(card) = &self.card else {
            self.audit.clear();
            return;
        };
        let (id, email) = (card.member.id.as_str(), card.member.email.to_lowercase());
        self.audit = all
            .rev()
            .filter(|e| {
                let t = &e.target;
                let has = |k: &str, v: &str| {
                    t.get(k).and_then(|x| x.as_str()).is_some_and(|x| x.eq_ignore_ascii_case(v))
                };
                has("member_id", id)
                    || has("for_member_id", id)
                    || has("external_id", id)
                    || has("member_email", &email)
                    || has("username", &email)
                    || has("email", &email)
            })
            .take(50)
            .map(|e| crate::audit::readable(e, names))
            .collect();
    }

    fn who(&self) -> Option<Who> {
        self.card.as_ref().map(MemberCard::who)
    }

    /// Asks to run one action from the card (one dialog: consequence first).
    fn confirm(&mut self, sh: &mut Shared, dialog: Dialog, label: &str, call: MemCall) {
        self.asked = Some(label.to_owned());
        sh.ask(
            dialog,
            ConfirmAction::Calls(PanelId::Members, vec![(label.to_owned(), Call::Members(call))]),
        );
    }

    /// Confirms the new-account dialog (`y`, `Enter`, `Ctrl-S`): the dialog
    /// is the confirmation, so the call goes at once.
    pub fn confirm_new_account(&mut self, sh: &mut Shared) {
        let Some(who) = self.who() else { return };
        let Some(Sub::NewAccount(d)) = &mut self.sub else { return };
        let (name, legal_name) = d.names();
        if name.is_empty() {
            d.form.invalid(dialogs::ACCOUNT_NAME, "required: the account needs a name");
            return;
        }
        self.sub = None;
        self.run(sh, "approving into a new account", MemCall::NewAccount { who, name, legal_name });
    }

    /// Runs an action confirmed in one of the card's own dialogs.
    fn run(&mut self, sh: &mut Shared, label: &str, call: MemCall) {
        self.asked = Some(label.to_owned());
        if let Some(op) = sh.call(PanelId::Members, label, Call::Members(call)) {
            self.action = Some((op, label.to_owned()));
            self.result = None;
        }
    }

    /// `a`: the new-account dialog (name and legal name editable).
    pub fn open_new_account(&mut self, sh: &mut Shared) {
        let Some(card) = &self.card else { return };
        let pending = card.is_pending() == Some(true);
        self.sub = Some(Sub::NewAccount(dialogs::NewAccount::new(&card.member.name, pending)));
        // Known accounts let the dialog warn about a second one of the same name.
        if self.accounts.is_none() && self.accounts_op.is_none() {
            self.accounts_op =
                sh.call(PanelId::Members, "loading accounts", Call::Members(MemCall::LoadAccounts));
        }
    }

    /// Confirmed in the picker: add (approve) into an existing account.
    pub fn add_to(&mut self, account: Account, sh: &mut Shared) {
        let Some(who) = self.who() else { return };
        self.sub = None;
        self.run(
            sh,
            "adding to an account",
            MemCall::AddToAccount { who, account_id: account.id, account_name: account.name },
        );
    }

    pub fn ask_remove(&mut self, membership_id: &str, sh: &mut Shared) {
        let Some(who) = self.who() else { return };
        let Some(card) = &self.card else { return };
        let Some(ma) =
            card.accounts.iter().flatten().find(|m| m.membership.id == membership_id).cloned()
        else {
            return;
        };
        self.sub = None;
        let left = card.accounts.as_ref().map(|a| a.len().saturating_sub(1)).unwrap_or(0);
        let account_name = ma.account_name().to_owned();
        self.confirm(
            sh,
            Dialog::destructive(format!("Remove {} from {account_name}?", who.email), "remove")
                .consequence(format!(
                    "{} loses access to {account_name} (the membership is deleted).",
                    who.email
                ))
                .item(if left == 0 {
                    "they are in no other account: they become pending (log-in gives no token)"
                        .to_owned()
                } else {
                    format!("they stay in {left} other account(s)")
                })
                .gap()
                .request(format!(
                    "DELETE /v2/accounts/{}/account-memberships/{}",
                    ma.account_id, ma.membership.id
                )),
            "removing a membership",
            MemCall::RemoveMembership {
                who,
                account_id: ma.account_id.clone(),
                account_name,
                membership_id: ma.membership.id,
            },
        );
    }

    pub fn ask_otp(&mut self, cred_id: &str, purpose: OtpPurpose, sh: &mut Shared) {
        let Some(who) = self.who() else { return };
        let Some(card) = &self.card else { return };
        let Some(cred) = card.credentials.iter().flatten().find(|c| c.id == cred_id).cloned()
        else {
            return;
        };
        self.sub = None;
        let kind = jobs::purpose_label(purpose);
        self.otp_asked_at = Some(sh.now);
        let profile = card.profile_name(&cred.password_profile_id).to_owned();
        self.confirm(
            sh,
            Dialog::confirm(format!("Send a {kind} code to {}?", cred.username))
                .verb("send")
                .consequence(format!(
                    "Commerce e-mails a {kind} code to {} (profile {profile}).",
                    cred.username
                ))
                .item("the OTP webhook delivers it here too: watch the card")
                .gap()
                .request(format!(
                    "POST /v2/authentication-realms/{{realm}}/password-profiles/{}/one-time-password-token-request",
                    cred.password_profile_id
                )),
            "requesting a code",
            MemCall::SendOtp {
                who,
                profile_id: cred.password_profile_id,
                username: cred.username,
                purpose,
            },
        );
    }

    pub fn ask_reject(&mut self, sh: &mut Shared) {
        let Some(who) = self.who() else { return };
        // The accounts they lose, by name (an approved member's reject is a loss).
        let loses = match self.card.as_ref().and_then(|c| c.accounts.as_ref()) {
            None => "their memberships (not read: r reloads the card) go with them".to_owned(),
            Some(a) if a.is_empty() => "they are in no account: no access is lost".to_owned(),
            Some(a) => {
                let names: Vec<&str> = a.iter().map(|m| m.account_name()).collect();
                format!("they lose access to {} account(s): {}", a.len(), names.join(", "))
            }
        };
        self.confirm(
            sh,
            Dialog::destructive(format!("Reject {}?", who.email), "reject")
                .consequence(format!(
                    "Deletes {} ({}) for good: they must sign up again.",
                    who.name, who.email
                ))
                .item(loses)
                .item("their credentials and memberships go with them")
                .gap()
                .request(format!(
                    "DELETE /v2/authentication-realms/{{realm}}/user-authentication-info/{}",
                    who.member_id
                )),
            "rejecting a member",
            MemCall::Reject { who },
        );
    }

    pub fn login_check(
        &mut self,
        profile_id: String,
        username: String,
        password: Secret,
        sh: &mut Shared,
    ) {
        let Some(who) = self.who() else { return };
        let Some(Sub::Login(d)) = &mut self.sub else { return };
        if password.is_empty() {
            d.form.invalid(dialogs::PASSWORD, "type the password the member reads out");
            return;
        }
        if d.op.is_some() {
            return;
        }
        d.form.clear_errors();
        d.op = sh.call(
            PanelId::Members,
            "checking the password log-in",
            Call::Members(MemCall::LoginCheck { who, profile_id, username, password }),
        );
    }

    /// The log-in check in flight (its dialog stays open until it answers).
    fn login_op(&self) -> Option<OpId> {
        match &self.sub {
            Some(Sub::Login(d)) => d.op,
            _ => None,
        }
    }

    fn on_reply(&mut self, op: OpId, reply: MemReply, sh: &mut Shared) {
        match reply {
            MemReply::Found { query, append, page } => {
                if self.search_op != Some(op) {
                    return;
                }
                self.search_op = None;
                // Paging keeps the member under the cursor (by id); a fresh
                // search starts on its first row.
                if append {
                    for m in page.members {
                        if !self.results.iter().any(|x| x.id == m.id) {
                            self.results.push(m);
                        }
                    }
                } else {
                    self.results = page.members;
                }
                self.how = Some(page.how);
                self.total_hint = page.total_hint;
                self.next = page.next;
                self.searched = Some(query);
                if !append {
                    self.list = List::new();
                }
                self.list.sync(&self.results);
                if std::mem::take(&mut self.open_single) && self.results.len() == 1 {
                    let m = self.results[0].clone();
                    self.open_card(m, sh);
                }
            }
            MemReply::Card(card) => {
                if self.card_op != Some(op) {
                    return;
                }
                self.card_op = None;
                if let Some(e) = card.errors.first() {
                    sh.toast_error(format!("card: {e}"));
                }
                // Keep the result list's copy of the member fresh.
                if let Some(m) = self.results.iter_mut().find(|m| m.id == card.member.id) {
                    *m = card.member.clone();
                }
                self.checks = checklist::checklist_for(&card, sh.read_only);
                // The member's accounts, just read: the Approvals queue follows
                // them (a membership removed here may make them pending again).
                if let Some(pending) = card.is_pending() {
                    sh.queue_notes.push(crate::ui::QueueNote::Status {
                        member: card.member.clone(),
                        pending,
                    });
                }
                self.card = Some(*card);
            }
            MemReply::Accounts(list) => {
                if self.accounts_op != Some(op) {
                    return;
                }
                self.accounts_op = None;
                self.accounts = Some(list);
                // Loaded for the new-account dialog's warning: nothing to open.
                if std::mem::take(&mut self.pick_on_load) && self.sub.is_none() {
                    self.open_account_picker(sh);
                }
            }
            MemReply::Done { member_id, message } => {
                self.finish_action(op, true, message.clone(), sh);
                sh.toast(message);
                self.accounts = None; // an account may have been created
                if self.card.as_ref().is_some_and(|c| c.member.id == member_id) {
                    self.reload_card(sh);
                }
            }
            MemReply::OtpSent { outcome, .. } => {
                let msg = match outcome {
                    OtpRequestOutcome::Accepted => {
                        self.awaiting_code = Some(self.otp_asked_at.unwrap_or(sh.now));
                        "code requested: waiting for it to arrive…".to_owned()
                    }
                    OtpRequestOutcome::Issued { .. } => {
                        "the store returned the code in its answer (not shown; see OTP events)"
                            .into()
                    }
                };
                self.finish_action(op, true, msg.clone(), sh);
                sh.toast(msg);
                self.reload_card(sh);
            }
            MemReply::LoginOk { tokens, .. } => {
                if self.login_op() == Some(op) {
                    self.sub = None;
                }
                let (msg, toast) = if tokens.tokens.is_empty() {
                    (
                        "the password is right, but the member is in no account (pending): approve them"
                            .to_owned(),
                        "log-in check: password right, but in no account (pending)".to_owned(),
                    )
                } else {
                    let names: Vec<&str> =
                        tokens.tokens.iter().map(|t| t.account_name.as_str()).collect();
                    let msg = format!("log-in works: tokens for {}", names.join(", "));
                    (msg.clone(), msg)
                };
                // The card's result line may be below the fold: a toast says it too.
                sh.toast(toast);
                self.finish_action(op, true, msg, sh);
            }
            MemReply::Rejected { member_id } => {
                self.finish_action(op, true, "member rejected".into(), sh);
                sh.toast("member rejected");
                sh.queue_notes.push(crate::ui::QueueNote::Removed(member_id.clone()));
                self.results.retain(|m| m.id != member_id);
                self.list.sync(&self.results);
                if self.card.as_ref().is_some_and(|c| c.member.id == member_id) {
                    self.card = None;
                    self.view = View::List;
                }
            }
        }
    }

    fn finish_action(&mut self, op: OpId, ok: bool, text: String, _sh: &mut Shared) {
        if self.action.as_ref().is_some_and(|(o, _)| *o == op) {
            self.action = None;
        }
        self.result = Some((ok, text));
    }

    pub fn open_account_picker(&mut self, sh: &mut Shared) {
        let Some(list) = &self.accounts else {
            self.pick_on_load = true;
            if self.accounts_op.is_none() {
                self.accounts_op = sh.call(
                    PanelId::Members,
                    "loading accounts",
                    Call::Members(MemCall::LoadAccounts),
                );
            }
            return;
        };
        let member_of: Vec<&str> = self
            .card
            .as_ref()
            .and_then(|c| c.accounts.as_ref())
            .map(|a| a.iter().map(|m| m.account_id.as_str()).collect())
            .unwrap_or_default();
        let items: Vec<Account> =
            list.iter().filter(|a| !member_of.contains(&a.id.as_str())).cloned().collect();
        if items.is_empty() {
            sh.toast_error("no other account to add the member to: a creates one");
            return;
        }
        let pending = self.card.as_ref().and_then(MemberCard::is_pending) == Some(true);
        self.sub = Some(Sub::Accounts(dialogs::AccountPick::new(items, pending)));
    }
}

impl Panel for Members {
    fn editing(&self) -> bool {
        self.typing || self.sub.is_some()
    }

    fn on_key(&mut self, key: ratatui::crossterm::event::KeyEvent, sh: &mut Shared) -> bool {
        self.handle_key(key, sh)
    }

    fn on_paste(&mut self, text: &str) {
        match &mut self.sub {
            Some(Sub::NewAccount(d)) => {
                let ev = d.form.paste(text);
                d.changed(ev);
            }
            Some(Sub::Accounts(d)) => d.paste(text),
            Some(Sub::Login(d)) => {
                d.form.paste(text);
            }
            Some(Sub::Pick(p)) => {
                p.filter.paste(text);
                p.refilter();
            }
            None if self.typing => self.query.paste(text),
            None => {}
        }
    }

    fn on_enter(&mut self, sh: &mut Shared) {
        if self.searched.is_none() && self.search_op.is_none() && sh.connected() {
            self.search(sh);
        }
    }

    fn on_done(&mut self, op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        match result {
            Ok(Reply::Members(r)) => self.on_reply(op, r, sh),
            Ok(_) => {}
            Err(e) => {
                if self.search_op == Some(op) {
                    self.search_op = None;
                    self.open_single = false;
                    sh.api_error("search", &e);
                } else if self.card_op == Some(op) {
                    self.card_op = None;
                    sh.api_error("member card", &e);
                } else if self.accounts_op == Some(op) {
                    self.accounts_op = None;
                    sh.api_error("accounts", &e);
                } else if self.login_op() == Some(op) {
                    // The dialog stays open: the password is fixed in place.
                    if let Some(Sub::Login(d)) = &mut self.sub {
                        d.op = None;
                        let msg = if e.status() == Some(401) {
                            "wrong password (or username): the store refused the log-in".to_owned()
                        } else {
                            format!("the check failed: {}", e.summary())
                        };
                        d.form.server_error(dialogs::PASSWORD, msg);
                    }
                } else {
                    let what = self
                        .action
                        .as_ref()
                        .filter(|(o, _)| *o == op)
                        .map(|(_, l)| l.clone())
                        .or_else(|| self.asked.clone())
                        .unwrap_or_else(|| "action".into());
                    self.finish_action(op, false, format!("{what}: {}", e.summary()), sh);
                    sh.api_error(&what, &e);
                    self.awaiting_code = None;
                    let was_check = what == "log-in check";
                    if self.view == View::Card && !was_check {
                        self.reload_card(sh);
                    }
                }
            }
        }
    }

    fn on_cancelled(&mut self, op: OpId, _sh: &mut Shared) {
        if self.search_op == Some(op) {
            self.search_op = None;
        }
        if self.card_op == Some(op) {
            self.card_op = None;
        }
        if self.accounts_op == Some(op) {
            self.accounts_op = None;
        }
        if self.action.as_ref().is_some_and(|(o, _)| *o == op) {
            self.action = None;
        }
        if let Some(Sub::Login(d)) = &mut self.sub
            && d.op == Some(op)
        {
            d.op = None;
        }
    }

    fn needs_tick(&self, _sh: &Shared) -> bool {
        self.view == View::Card && self.awaiting_code.is_some()
    }

    fn keymap(&self, sh: &Shared) -> crate::ui::Keymap {
        Members::keymap(self, sh)
    }

    fn view(&self, f: &mut ratatui::Frame, area: ratatui::layout::Rect, sh: &Shared) {
        self.draw(f, area, sh)
    }
}
