//! Members panel keys: the search line, the result list, the card and its
//! pick lists and prompts; and the keys shown in the footer and help.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::dialogs::{PASSWORD, PickOutcome};
use super::*;
use crate::ui::{Bind, Keymap};
use crate::widgets::form::Event as FormEvent;

impl Members {
    pub(super) fn handle_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        if self.sub.is_some() {
            return self.sub_key(key, sh);
        }
        match self.view {
            View::List => self.list_key(key, sh),
            View::Card => self.card_key(key, sh),
        }
    }

    fn list_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        if self.typing {
            match key.code {
                KeyCode::Esc => self.typing = false,
                KeyCode::Enter => {
                    self.typing = false;
                    if self.search_op.is_some() {
                        // Open the card if the search in flight finds one member.
                        self.open_single = true;
                    } else if self.results.len() == 1 {
                        let m = self.results[0].clone();
                        self.open_card(m, sh);
                    }
                }
                KeyCode::Down => self.typing = false,
                KeyCode::Tab | KeyCode::BackTab => return false,
                _ => {
                    let before = self.query.value().to_owned();
                    self.query.handle_key(key);
                    if self.query.value() != before {
                        self.open_single = false;
                        self.search(sh);
                    }
                }
            }
            return true;
        }
        match key.code {
            // The list's moves (its marks and its own filter are not used here:
            // `/` is the server-side search).
            KeyCode::Up
            | KeyCode::Down
            | KeyCode::Char('j' | 'k' | 'g' | 'G')
            | KeyCode::PageUp
            | KeyCode::PageDown
            | KeyCode::Home
            | KeyCode::End => {
                self.list.handle_key(key, &self.results);
            }
            KeyCode::Char('/') | KeyCode::Char('s') => self.typing = true,
            KeyCode::Enter => {
                if let Some(m) = self.selected_member().cloned() {
                    self.open_card(m, sh);
                }
            }
            KeyCode::Char('n') => self.more(sh),
            KeyCode::Char('r') => self.search(sh),
            KeyCode::Esc if !self.query.value().is_empty() => {
                self.query.set("");
                self.search(sh);
            }
            _ => return false,
        }
        true
    }

    fn card_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let write = !sh.read_only;
        match key.code {
            KeyCode::Esc => {
                if let Some(op) = self.card_op.take() {
                    sh.cancel(op);
                }
                self.view = View::List;
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.card_scroll = self.card_scroll.saturating_sub(1)
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.card_scroll = self.card_scroll.saturating_add(1)
            }
            KeyCode::PageUp => self.card_scroll = self.card_scroll.saturating_sub(10),
            KeyCode::PageDown => self.card_scroll = self.card_scroll.saturating_add(10),
            KeyCode::Home | KeyCode::Char('g') => self.card_scroll = 0,
            KeyCode::Char('r') => self.reload_card(sh),
            _ if self.card.is_none() => return false,
            KeyCode::Char('a') if write => self.open_new_account(sh),
            KeyCode::Char('e') if write => self.open_account_picker(sh),
            KeyCode::Char('d') if write => {
                let items: Vec<(String, String)> = self
                    .card
                    .iter()
                    .flat_map(|c| c.accounts.iter().flatten())
                    .map(|m| (m.membership.id.clone(), m.account_name().to_owned()))
                    .collect();
                match items.len() {
                    0 => sh.toast_error("the member is in no account: nothing to remove"),
                    1 => {
                        let id = items[0].0.clone();
                        self.ask_remove(&id, sh);
                    }
                    _ => {
                        self.sub = Some(Sub::Pick(Picker::new(
                            "Remove the membership in which account?",
                            items,
                            PickFor::Membership,
                        )))
                    }
                }
            }
            KeyCode::Char('o') if write => {
                self.pick_credential(PickFor::Otp(OtpPurpose::ResetPassword), sh)
            }
            KeyCode::Char('p') if write => {
                self.pick_credential(PickFor::Otp(OtpPurpose::PasswordlessAuthentication), sh)
            }
            KeyCode::Char('l') => self.pick_credential(PickFor::Login, sh),
            KeyCode::Char('x') if write => self.ask_reject(sh),
            _ => return false,
        }
        true
    }

    /// Chooses one of the member's credentials (directly when there is one).
    fn pick_credential(&mut self, purpose: PickFor, sh: &mut Shared) {
        let Some(card) = &self.card else { return };
        let items: Vec<(String, String)> = card
            .credentials
            .iter()
            .flatten()
            .map(|c| {
                (
                    c.id.clone(),
                    format!("{} on {}", c.username, card.profile_name(&c.password_profile_id)),
                )
            })
            .collect();
        match items.len() {
            0 => sh.toast_error("the member has no credential"),
            1 => {
                let id = items[0].0.clone();
                self.picked(purpose, &id, sh);
            }
            _ => {
                let title = match purpose {
                    PickFor::Login => "Check the log-in of which credential?",
                    _ => "Send the code for which credential?",
                };
                self.sub = Some(Sub::Pick(Picker::new(title, items, purpose)));
            }
        }
    }

    fn picked(&mut self, purpose: PickFor, id: &str, sh: &mut Shared) {
        match purpose {
            PickFor::Membership => self.ask_remove(id, sh),
            PickFor::Otp(p) => self.ask_otp(id, p, sh),
            PickFor::Login => {
                let Some(cred) = self
                    .card
                    .iter()
                    .flat_map(|c| c.credentials.iter().flatten())
                    .find(|c| c.id == id)
                    .cloned()
                else {
                    return;
                };
                let Some(card) = &self.card else { return };
                let member = format!("{} <{}>", card.member.name, card.member.email);
                let profile = card.profile_name(&cred.password_profile_id).to_owned();
                self.sub = Some(Sub::Login(super::dialogs::LoginCheck::new(
                    cred.password_profile_id,
                    cred.username,
                    member,
                    profile,
                )));
            }
        }
    }

    fn sub_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let Some(sub) = &mut self.sub else { return false };
        match sub {
            Sub::Pick(p) => match key.code {
                KeyCode::Esc => self.sub = None,
                KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                    p.list.handle_key(key, &p.items);
                }
                KeyCode::Enter => {
                    let chosen = p.chosen().map(|(id, _)| id.to_owned());
                    let purpose = p.purpose.clone();
                    if let Some(id) = chosen {
                        self.picked(purpose, &id, sh);
                    }
                }
                KeyCode::Tab | KeyCode::BackTab => {}
                _ => {
                    if p.filter.handle_key(key) {
                        p.refilter();
                    }
                }
            },
            Sub::NewAccount(d) => {
                if !d.form.is_typing() {
                    match key.code {
                        KeyCode::Char('y' | 'Y') => {
                            self.confirm_new_account(sh);
                            return true;
                        }
                        KeyCode::Esc | KeyCode::Char('n' | 'q') => {
                            self.sub = None;
                            return true;
                        }
                        _ => {}
                    }
                }
                let ev = d.form.handle_key(key);
                match ev {
                    FormEvent::Submit => self.confirm_new_account(sh),
                    FormEvent::Changed(_) => d.changed(ev),
                    _ => {}
                }
            }
            Sub::Accounts(d) => match d.key(key) {
                PickOutcome::Stay => {}
                PickOutcome::Close => self.sub = None,
                PickOutcome::Add(account) => self.add_to(*account, sh),
            },
            Sub::Login(d) => {
                if !d.form.is_typing() && matches!(key.code, KeyCode::Esc | KeyCode::Char('q')) {
                    if let Some(op) = d.op.take() {
                        sh.cancel(op);
                    }
                    self.sub = None;
                    return true;
                }
                if d.form.handle_key(key) == FormEvent::Submit {
                    let (profile_id, username) = (d.profile_id.clone(), d.username.clone());
                    let password = Secret::new(d.form.value(PASSWORD).to_owned());
                    self.login_check(profile_id, username, password, sh);
                }
            }
        }
        // Modal: no key reaches the app while a dialog is open.
        true
    }

    /// The keymap table: which keys reach the panel outside typing, the
    /// footer (primary actions first) and help.
    pub(super) fn keymap(&self, sh: &Shared) -> Keymap {
        if let Some(sub) = &self.sub {
            return match sub {
                Sub::Pick(p) => crate::panels::modal_keymap(p.keys()),
                Sub::NewAccount(d) => crate::panels::modal_keymap(d.keys()),
                Sub::Accounts(d) => crate::panels::modal_keymap(d.keys()),
                Sub::Login(d) => crate::panels::modal_keymap(d.keys()),
            };
        }
        match self.view {
            View::List if self.typing => Keymap::new(vec![
                Bind::new("type", "search").help("search as you type (server-side)"),
                Bind::primary("Enter", "open/list")
                    .help("open the card when one member matches, else go to the list"),
                Bind::moves("↓", "list"),
                Bind::moves("Esc", "stop typing"),
            ]),
            View::List => {
                let mut k = vec![
                    Bind::primary("/", "search")
                        .help("type an e-mail or a name; results as you type"),
                    Bind::primary("Enter", "open card").help("the selected member's card"),
                    Bind::new("s", "search").quiet(),
                ];
                if self.next.is_some() {
                    k.push(Bind::new("n", "more").help("the next page of a broad search"));
                }
                k.push(Bind::new("r", "search again"));
                k.push(Bind::moves("↑↓/j k", "move"));
                k.push(Bind::moves("g/G/Home/End", "top/bottom").quiet());
                k.push(Bind::moves("PgUp/PgDn", "page").quiet());
                if !self.query.value().is_empty() {
                    k.push(Bind::moves("Esc", "clear search"));
                }
                Keymap::new(k)
            }
            View::Card => {
                const RO: &str = "read-only mode: writes are disabled";
                let ro = sh.read_only;
                let pending = self.card.as_ref().and_then(MemberCard::is_pending) == Some(true);
                let mut k = Vec::new();
                if pending {
                    k.push(
                        Bind::primary("a", "approve: new account")
                            .help("approve into a new account (name editable)")
                            .off_if(ro, RO),
                    );
                    k.push(
                        Bind::primary("e", "approve: existing")
                            .help("approve into an existing account (searchable list)")
                            .off_if(ro, RO),
                    );
                    k.push(
                        Bind::new("d", "remove")
                            .help("remove a membership")
                            .off_if(true, "no membership to remove: the member is pending"),
                    );
                } else {
                    k.push(
                        Bind::primary("e", "add to account")
                            .help("add the member to another account (searchable list)")
                            .off_if(ro, RO),
                    );
                    k.push(
                        Bind::primary("d", "remove")
                            .help("remove a membership (the dialog names the account)")
                            .off_if(ro, RO),
                    );
                }
                k.push(
                    Bind::primary("o", "reset code")
                        .help("send a reset code; it arrives on this card")
                        .off_if(ro, RO),
                );
                k.push(
                    Bind::primary("l", "log-in check")
                        .help("check a password the member reads out (nothing changes)"),
                );
                k.push(Bind::new("Esc", "back").help("back to the search results"));
                k.push(Bind::new("p", "passwordless code").off_if(ro, RO));
                if !pending {
                    k.push(
                        Bind::new("a", "new account")
                            .help("add the member to a new account")
                            .off_if(ro, RO),
                    );
                }
                k.push(
                    Bind::new("x", "reject")
                        .help("delete the member and their credentials (asks first)")
                        .off_if(ro, RO),
                );
                k.push(Bind::new("r", "reload"));
                k.push(Bind::moves("↑↓/j k", "scroll"));
                k.push(Bind::moves("PgUp/PgDn/g/Home", "page/top").quiet());
                Keymap::new(k)
            }
        }
    }
}
