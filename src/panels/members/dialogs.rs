//! The card's form dialogs, built on the shared Form and List widgets like
//! the Approvals panel's: approve (or add) into a new account, the account
//! picker, and the password log-in check. Each is one dialog: consequence
//! first, the fields in a slot, the calls listed, then the keys.
//!
//! The approve dialog mirrors Approvals' (a small builder duplicated here:
//! the panels do not import each other).

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};

use crate::api::Account;
use crate::ui::OpId;
use crate::widgets::form::{Event as FormEvent, Form};
use crate::widgets::list::{Column, Fit, List, Row as ListRow, Table};
use crate::widgets::{Dialog, Theme};

pub use crate::panels::{ACCOUNT_NAME, LEGAL_NAME};
pub const SEARCH: &str = "search";
pub const PASSWORD: &str = "password";

/// `a`: approve (pending) or add the member into a new account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub form: Form,
    /// The legal name follows the account name until it is edited.
    pub legal_follows: bool,
    /// The member is pending (approve) rather than approved (add).
    pub pending: bool,
}

impl NewAccount {
    pub fn new(name: &str, pending: bool) -> Self {
        let mut form = Form::new()
            .text(ACCOUNT_NAME, "Account name", "the new account's name")
            .text(LEGAL_NAME, "Legal name", "defaults to the account name")
            .submit_label(if pending { "approve" } else { "add" })
            .enter_submits()
            .without_hint();
        form.prefill(ACCOUNT_NAME, name.to_owned());
        form.prefill(LEGAL_NAME, name.to_owned());
        form.set_note(LEGAL_NAME, Some("follows the account name until you edit it".into()));
        Self { form, legal_follows: true, pending }
    }

    /// Keeps the legal name equal to the account name until it is edited.
    pub fn changed(&mut self, ev: FormEvent) {
        crate::panels::legal_name_follows(&mut self.form, &mut self.legal_follows, ev);
    }

    /// The account name and legal name to create (legal defaults to the name).
    pub fn names(&self) -> (String, String) {
        let name = self.form.value(ACCOUNT_NAME).trim().to_owned();
        let legal = self.form.value(LEGAL_NAME).trim().to_owned();
        let legal = if legal.is_empty() { name.clone() } else { legal };
        (name, legal)
    }

    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        let verb = if self.pending { "approve" } else { "add" };
        if self.form.is_typing() {
            vec![
                ("Enter", if self.form.focused_key() == Some(LEGAL_NAME) { verb } else { "next" }),
                ("Ctrl-S", verb),
                ("Tab", "field"),
                ("Esc", "stop typing"),
            ]
        } else {
            vec![("y/Enter", verb), ("i", "edit"), ("Tab", "field"), ("Esc", "cancel")]
        }
    }

    /// The dialog: consequence, the form, a same-name warning, the calls.
    pub fn dialog(
        &self,
        who: &str,
        member_id: &str,
        known: Option<&[Account]>,
        t: &Theme,
        width: u16,
    ) -> Dialog {
        let (name, _) = self.names();
        let title = if self.pending {
            format!("Approve {who} into a new account")
        } else {
            format!("Add {who} to a new account")
        };
        let mut dialog = Dialog::confirm(title)
            .verb(if self.pending { "approve" } else { "add" })
            .consequence(format!(
                "Creates the account {name:?} and makes {who} its member{}.",
                if self.pending { ": a log-in then returns a token for it" } else { "" }
            ));
        let inner = dialog.width_for(width).saturating_sub(4);
        dialog = dialog.slot(1, self.form.height(inner, t));
        if let Some(w) = same_name_warning(&name, known) {
            dialog = dialog.gap().text(w);
        }
        dialog
            .gap()
            .request("POST /v2/accounts")
            .request(format!(
                "POST /v2/accounts/{{new account id}}/account-memberships ({member_id})"
            ))
            .keys(keys_of(self.keys()))
    }
}

/// `an account named "X" exists already (id …) — this creates a second one`,
/// when the console knows of an account of that name.
pub fn same_name_warning(name: &str, known: Option<&[Account]>) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let same: Vec<&Account> =
        known?.iter().filter(|a| a.name.trim().eq_ignore_ascii_case(name)).collect();
    let first = same.first()?;
    let ids: Vec<&str> = same.iter().map(|a| a.id.as_str()).collect();
    Some(format!(
        "⚠ an account named {:?} exists already (id {}) — this creates a{} one",
        first.name,
        ids.join(", "),
        if same.len() == 1 { " second" } else { "nother" }
    ))
}

/// `e`: into an existing account. Search (name, legal name, id), choose,
/// then confirm in the same dialog.
#[derive(Debug, Clone)]
pub struct AccountPick {
    pub form: Form,
    pub list: List,
    /// The accounts offered (not those the member is in already).
    pub accounts: Vec<Account>,
    pub chosen: Option<Account>,
    pub pending: bool,
}

/// What a key did in the picker.
pub enum PickOutcome {
    Stay,
    Close,
    /// Confirmed: add the member to this account.
    Add(Box<Account>),
}

impl AccountPick {
    pub fn new(accounts: Vec<Account>, pending: bool) -> Self {
        let form = Form::new()
            .search(SEARCH, "Search", "name, legal name or id")
            .submit_label("choose")
            .enter_submits()
            .without_hint();
        let mut list = List::new();
        list.sync(&accounts);
        Self { form, list, accounts, chosen: None, pending }
    }

    pub fn key(&mut self, key: KeyEvent) -> PickOutcome {
        if let Some(account) = self.chosen.clone() {
            match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                    return PickOutcome::Add(Box::new(account));
                }
                KeyCode::Esc | KeyCode::Char('n') => self.chosen = None,
                KeyCode::Char('q') => return PickOutcome::Close,
                _ => {}
            }
            return PickOutcome::Stay;
        }
        let typing = self.form.is_typing();
        match key.code {
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                self.list.handle_key(key, &self.accounts);
                return PickOutcome::Stay;
            }
            KeyCode::Char('/') if !typing => {
                self.form.start_typing();
                return PickOutcome::Stay;
            }
            KeyCode::Char('j' | 'k' | 'g' | 'G') if !typing => {
                self.list.handle_key(key, &self.accounts);
                return PickOutcome::Stay;
            }
            KeyCode::Esc | KeyCode::Char('q') if !typing => return PickOutcome::Close,
            _ => {}
        }
        match self.form.handle_key(key) {
            FormEvent::Changed(_) => {
                let q = self.form.value(SEARCH).to_owned();
                self.list.set_filter(&q, &self.accounts);
            }
            FormEvent::Submit => {
                match self.list.cursor_index().and_then(|i| self.accounts.get(i)) {
                    Some(a) => self.chosen = Some(a.clone()),
                    None => self.form.invalid(SEARCH, "no account matches: change the search"),
                }
            }
            _ => {}
        }
        PickOutcome::Stay
    }

    pub fn paste(&mut self, text: &str) {
        if self.chosen.is_none() && self.form.paste(text) != FormEvent::Ignored {
            let q = self.form.value(SEARCH).to_owned();
            self.list.set_filter(&q, &self.accounts);
        }
    }

    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        let verb = if self.pending { "approve" } else { "add" };
        if self.chosen.is_some() {
            vec![("y/Enter", verb), ("Esc", "back to the search")]
        } else if self.form.is_typing() {
            vec![("Enter", "choose"), ("↑↓", "account"), ("Esc", "stop typing")]
        } else {
            vec![("Enter", "choose"), ("↑↓", "account"), ("i /", "search"), ("Esc", "cancel")]
        }
    }

    pub fn dialog(&self, who: &str, t: &Theme, width: u16) -> Dialog {
        let keys = keys_of(self.keys());
        let verb = if self.pending { "Approve" } else { "Add" };
        if let Some(a) = &self.chosen {
            let legal = a.legal_name.as_deref().filter(|l| !l.is_empty() && *l != a.name);
            return Dialog::confirm(format!(
                "{verb} {who} {} {}",
                if self.pending { "into" } else { "to" },
                a.name
            ))
            .verb(if self.pending { "approve" } else { "add" })
            .consequence(format!(
                "Makes {who} a member of the existing account {}{} ({}): a log-in also returns a \
                 token for it.",
                a.name,
                legal.map(|l| format!(", legal name {l}")).unwrap_or_default(),
                a.id
            ))
            .gap()
            .request(format!("POST /v2/accounts/{}/account-memberships", a.id))
            .keys(keys);
        }
        let dialog = Dialog::confirm(format!(
            "{verb} {who} {} an existing account",
            if self.pending { "into" } else { "to" }
        ))
        .consequence(format!(
            "Choose the account {who} will join (search by name, legal name or id)."
        ));
        let inner = dialog.width_for(width).saturating_sub(4);
        let rows = (self.accounts.len().clamp(1, 8) + 1) as u16;
        dialog.slot(1, self.form.height(inner, t) + rows).keys(keys)
    }

    /// Draws the search and the list into the dialog's slot.
    pub fn render_slot(&self, f: &mut Frame, r: Rect, t: &Theme) {
        let fh = self.form.height(r.width, t).min(r.height);
        let [fr, lr] = Layout::vertical([Constraint::Length(fh), Constraint::Min(1)]).areas(r);
        self.form.render(f, fr, t);
        self.list.render(
            f,
            lr,
            &self.accounts,
            &Table { columns: &PICKER_COLUMNS, empty: "no account matches the search" },
            |a: &Account| ListRow {
                cells: vec![
                    a.name.clone(),
                    a.legal_name.clone().unwrap_or_default(),
                    a.id.chars().take(8).collect(),
                ],
                style: t.base(),
            },
            t,
        );
    }
}

const PICKER_COLUMNS: [Column; 3] = [
    Column::new("account", 12, 36, Fit::Text, 0),
    Column::new("legal name", 12, 30, Fit::Text, 2),
    Column::new("id", 8, 8, Fit::Whole, 1),
];

/// `l`: the password log-in check of one credential. The dialog stays open
/// until the check succeeds; a wrong password shows under the field.
#[derive(Debug, Clone)]
pub struct LoginCheck {
    pub form: Form,
    pub profile_id: String,
    pub username: String,
    /// The member (`name <email>`) and the profile's name, named whole in
    /// the body (the title may be cut).
    pub member: String,
    pub profile: String,
    /// The check in flight.
    pub op: Option<OpId>,
}

impl LoginCheck {
    pub fn new(profile_id: String, username: String, member: String, profile: String) -> Self {
        let form = Form::new()
            .secret(PASSWORD, "Password", "the password the member reads out")
            .submit_label("check")
            .without_hint();
        Self { form, profile_id, username, member, profile, op: None }
    }

    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        let reveal = if self.form.revealed() { "hide" } else { "reveal" };
        if self.form.is_typing() {
            vec![("Enter", "check"), ("Ctrl-R", reveal), ("Esc", "stop typing")]
        } else {
            vec![("Enter/i", "type"), ("Ctrl-S", "check"), ("Ctrl-R", reveal), ("Esc", "cancel")]
        }
    }

    pub fn dialog(&self, t: &Theme, width: u16) -> Dialog {
        let mut dialog = Dialog::confirm(format!("Password log-in check for {}", self.username))
            .verb("check")
            .consequence(
                "Asks the store for a token with this password: it tells whether the log-in \
                 works. Nothing changes on the store.",
            )
            .item(format!("member: {}", self.member))
            .item(format!("username {} on profile {}", self.username, self.profile));
        let inner = dialog.width_for(width).saturating_sub(4);
        dialog = dialog.slot(1, self.form.height(inner, t));
        if self.op.is_some() {
            dialog = dialog.note("checking…");
        }
        dialog
            .gap()
            .request("POST /v2/account-members/tokens (password) — nothing changes on the store")
            .keys(keys_of(self.keys()))
    }
}

fn keys_of(k: Vec<(&'static str, &'static str)>) -> Vec<(String, String)> {
    k.into_iter().map(|(a, b)| (a.to_owned(), b.to_owned())).collect()
}

/// Draws a dialog and its form slot.
pub fn render_with_form(f: &mut Frame, area: Rect, t: &Theme, dialog: &Dialog, form: &Form) {
    let layout = dialog.render(f, area, t);
    if let Some((_, r)) = layout.slots.first() {
        form.render(f, *r, t);
    }
}

/// The credential and membership pick lists (`d`, `o`, `p`, `l` when the
/// member has several): one dialog, the filter and the shared list in its slot.
impl super::Picker {
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![("type", "filter"), ("↑↓", "choose"), ("Enter", "pick"), ("Esc", "cancel")]
    }

    fn column(&self) -> &'static str {
        match self.purpose {
            super::PickFor::Membership => "account",
            super::PickFor::Otp(_) | super::PickFor::Login => "username on profile",
        }
    }

    pub fn dialog(&self) -> Dialog {
        let consequence = match self.purpose {
            super::PickFor::Membership => {
                "Choose the account: the next dialog names it and asks before the membership \
                 is removed."
            }
            super::PickFor::Otp(_) => {
                "Choose the credential: the next dialog names it and asks before a code is sent."
            }
            super::PickFor::Login => {
                "Choose the credential to check: nothing changes on the store."
            }
        };
        // The filter line, the list's header and up to 8 rows (the list scrolls).
        let rows = (self.items.len().clamp(1, 8) + 2) as u16;
        let mut d = Dialog::confirm(self.title.clone()).consequence(consequence).slot(1, rows);
        if self.items.len() > 8 {
            d = d.note(format!(
                "{} in all: ↑↓ scroll the list, typing filters it",
                self.items.len()
            ));
        }
        d.keys(keys_of(self.keys()))
    }

    /// Draws the filter line and the list into the dialog's slot.
    pub fn render_slot(&self, f: &mut Frame, r: Rect, t: &Theme) {
        let [fr, lr] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(r);
        self.filter.render(f, fr, 7, true, t);
        let columns = [Column::new(self.column(), 10, u16::MAX, Fit::Text, 0)];
        self.list.render(
            f,
            lr,
            &self.items,
            &Table { columns: &columns, empty: "nothing matches the filter" },
            |it: &super::PickItem| ListRow { cells: vec![it.label.clone()], style: t.base() },
            t,
        );
    }
}
