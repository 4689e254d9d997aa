//! Approvals panel keys: the list, the new-account form, the account picker, and the keys shown in the footer and help.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::ui::{Bind, Keymap};

impl Approvals {
    pub(super) fn list_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        if self.filtering {
            match crate::panels::filter_key(&mut self.filter, &mut self.filtering, key) {
                crate::panels::FilterKey::Pass => return false,
                crate::panels::FilterKey::Handled => {}
                crate::panels::FilterKey::Changed => self.refilter(),
            }
            return true;
        }
        let write = !sh.read_only;
        if let Some(d) = row_delta(key.code) {
            self.selected = step(self.selected, d, self.visible.len());
            return true;
        }
        match key.code {
            KeyCode::Home | KeyCode::Char('g') => self.selected = 0,
            KeyCode::End | KeyCode::Char('G') => {
                self.selected = self.visible.len().saturating_sub(1)
            }
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Char('r') => self.start_scan(false, sh),
            KeyCode::Char('R') => self.start_scan(true, sh),
            KeyCode::Enter => {
                if let Some(row) = self.selected_row() {
                    let id = row.member.id.clone();
                    let op = sh.call(
                        PanelId::Approvals,
                        "loading member details",
                        Call::Approvals(ApCall::Details { member_id: id }),
                    );
                    self.view = View::Details(op, None);
                }
            }
            KeyCode::Char(' ') => {
                if let Some(row) = self.selected_row().filter(|r| r.status != RowStatus::Working) {
                    let id = row.member.id.clone();
                    if !self.marked.remove(&id) {
                        self.marked.insert(id);
                    }
                    self.selected = step(self.selected, 1, self.visible.len());
                }
            }
            KeyCode::Char('*') => {
                let ids: Vec<String> = self
                    .visible
                    .iter()
                    .filter_map(|i| self.rows.get(*i))
                    .filter(|r| r.status.is_open())
                    .map(|r| r.member.id.clone())
                    .collect();
                self.marked.extend(ids);
            }
            KeyCode::Char('u') => self.marked.clear(),
            KeyCode::Char('a' | 'e' | 'x') if write && self.targets().is_empty() => {
                sh.toast_error("nothing to do: the member is approved or being approved")
            }
            KeyCode::Char('a') if write => {
                let targets = self.targets();
                if targets.len() > 1 {
                    self.confirm_new_accounts(targets, sh);
                } else if let Some(m) = targets.first().and_then(|id| self.member(id)).cloned() {
                    let mut name = TextField::new("Account name");
                    name.set(m.name.clone());
                    let mut legal = TextField::new("Legal name");
                    legal.set(m.name.clone());
                    self.view = View::NewAccount(NewAccountForm {
                        member_id: m.id,
                        name,
                        legal_name: legal,
                        row: 0,
                    });
                }
            }
            KeyCode::Char('e') if write => {
                let targets = self.targets();
                self.open_picker(targets, sh);
            }
            KeyCode::Char('x') if write => {
                if let Some(row) = self.selected_row().filter(|r| r.status.is_open()) {
                    let m = row.member.clone();
                    sh.ask(
                        Dialog::destructive(format!("Reject {}", m.name), "reject")
                            .consequence(
                                "Deletes the member and its credentials. It cannot be undone.",
                            )
                            .item(format!("{} <{}>", m.name, m.email))
                            .item(format!("member id {}", m.id))
                            .gap()
                            .request(format!(
                                "DELETE /v2/authentication-realms/{{realm}}/user-authentication-info/{}",
                                m.id
                            )),
                        ConfirmAction::Calls(
                            PanelId::Approvals,
                            vec![(
                                format!("rejecting {}", m.email),
                                Call::Approvals(ApCall::Reject { member_id: m.id, name: m.name }),
                            )],
                        ),
                    );
                }
            }
            KeyCode::Char('f') if write => self.retry_failed(sh),
            KeyCode::Esc if self.stoppable() => {
                if let Some(run) = &mut self.bulk
                    && let Some(op) = run.op
                    && !run.cancelled
                {
                    // Members already started finish (no half-done approval);
                    // no new one starts. Their results still arrive.
                    run.cancelled = true;
                    sh.effects.push(crate::ui::Effect::Stop(op));
                    sh.toast("stopping the run: members already started finish");
                }
            }
            KeyCode::Char('a' | 'e' | 'x' | 'f') if write && self.running() => {
                sh.toast_error("an approval run is in progress (Esc stops it)")
            }
            KeyCode::Esc if !self.filter.value().is_empty() => {
                self.filter.set("");
                self.refilter();
            }
            KeyCode::Char('a' | 'e' | 'x' | 'f') => {
                sh.toast_error("read-only mode: approvals are disabled")
            }
            _ => return false,
        }
        true
    }

    pub(super) fn form_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let View::NewAccount(form) = &mut self.view else { return false };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => self.view = View::List,
            KeyCode::Up => form.row = form.row.saturating_sub(1),
            KeyCode::Down => form.row = (form.row + 1).min(2),
            KeyCode::Enter if form.row < 2 && !ctrl => form.row += 1,
            KeyCode::Enter | KeyCode::Char('s') if key.code == KeyCode::Enter || ctrl => {
                let name = form.name.value().trim().to_owned();
                let legal = form.legal_name.value().trim().to_owned();
                if name.is_empty() {
                    form.name.error = Some("required".into());
                    form.row = 0;
                    return true;
                }
                let member_id = form.member_id.clone();
                let who = self
                    .member(&member_id)
                    .map_or(member_id.clone(), |m| format!("{} <{}>", m.name, m.email));
                let legal = if legal.is_empty() { name.clone() } else { legal };
                sh.ask(
                    Dialog::confirm(format!("Approve {who}"))
                        .verb("approve")
                        .consequence(format!(
                            "Creates the account {name:?} and makes {who} its member."
                        ))
                        .item(format!("new account {name:?} (legal name {legal:?})"))
                        .item(format!("member id {member_id}"))
                        .gap()
                        .request("POST /v2/accounts")
                        .request("POST /v2/accounts/{new id}/account-memberships"),
                    ConfirmAction::Approvals(vec![ApproveItem {
                        member_id,
                        target: Target::NewAccount { name, legal_name: legal },
                    }]),
                );
            }
            KeyCode::Tab | KeyCode::BackTab => return false,
            _ => {
                let field = if form.row == 0 { &mut form.name } else { &mut form.legal_name };
                if form.row < 2 {
                    field.handle_key(key);
                }
            }
        }
        true
    }

    pub(super) fn picker_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let View::Picker(p) = &mut self.view else { return false };
        match key.code {
            KeyCode::Esc => self.view = View::List,
            KeyCode::Up => p.selected = p.selected.saturating_sub(1),
            KeyCode::Down => p.selected += 1,
            KeyCode::Enter => {
                let p = p.clone();
                let found = self.picker_matches(&p).get(p.selected).map(|a| (*a).clone());
                if let Some(account) = found {
                    self.confirm_existing(&account, p.members, sh);
                }
            }
            KeyCode::Tab | KeyCode::BackTab => return false,
            _ => {
                p.filter.handle_key(key);
                p.selected = 0;
            }
        }
        if let View::Picker(p) = &self.view {
            let n = self.picker_matches(p).len();
            if let View::Picker(p) = &mut self.view {
                p.selected = p.selected.min(n.saturating_sub(1));
            }
        }
        true
    }
}

impl Approvals {
    /// The keymap table: what reaches the key handlers, the footer and help.
    pub(super) fn keymap(&self, sh: &Shared) -> Keymap {
        match &self.view {
            View::NewAccount(_) => {
                return Keymap::from_pairs([
                    ("Enter", "next/approve"),
                    ("↑↓", "field"),
                    ("Esc", "cancel"),
                ]);
            }
            View::Picker(_) => {
                return Keymap::from_pairs([
                    ("type", "search"),
                    ("↑↓", "move"),
                    ("Enter", "choose"),
                    ("Esc", "cancel"),
                ]);
            }
            View::Details(..) => {
                return Keymap::new(vec![Bind::moves("Esc/Enter/q", "back")]);
            }
            View::List if self.filtering => {
                return Keymap::from_pairs([("Enter", "done"), ("Esc", "clear")]);
            }
            View::List => {}
        }
        const RO: &str = "read-only mode: approvals are disabled";
        const BUSY: &str = "an approval run is in progress (Esc stops it)";
        let (ro, busy) = (sh.read_only, self.running());
        let marks = self.marked.len();
        let mut k = Vec::new();
        if self.stoppable() {
            k.push(
                Bind::primary("Esc", "stop run").help(
                    "stop the bulk run: members already started finish, the rest are cancelled",
                ),
            );
        }
        let off = |b: Bind| b.off_if(busy, BUSY).off_if(ro, RO);
        k.push(off(Bind::primary("a", "approve").help(
            "approve into a new account named after the member (marked members: one account each)",
        )));
        k.push(off(Bind::primary("e", "into existing")
            .help("approve the selected (or marked) members into an existing account")));
        k.push(
            off(Bind::primary("x", "reject").help("reject the member: deletes it (asks first)")),
        );
        let failed = self.counts.2 > 0;
        let retry =
            off(Bind::new("f", "retry failed").help("retry the members whose approval failed"));
        k.push(if failed { retry } else { retry.quiet() });
        k.push(Bind::new("Space", "mark").help("mark or unmark the member, then move down"));
        k.push(Bind::new("*", "mark all").help("mark every member the filter shows"));
        let unmark = Bind::new("u", "unmark").help("clear all marks");
        k.push(if marks > 0 { unmark } else { unmark.quiet() });
        k.push(Bind::new("Enter", "details").help("the member's credentials and memberships"));
        k.push(Bind::new("/", "filter").help("filter by name or e-mail (Esc clears)"));
        k.push(Bind::new("r", "refresh").help("check members not seen before"));
        k.push(Bind::new("R", "rescan").help("forget the cache and check everyone").quiet());
        k.push(Bind::moves("↑↓/j k", "move"));
        k.push(Bind::moves("g/G/Home/End", "top/bottom").quiet());
        k.push(Bind::moves("PgUp/PgDn", "page").quiet());
        if !self.stoppable() && !self.filter.value().is_empty() {
            k.push(Bind::moves("Esc", "clear filter"));
        }
        Keymap::new(k)
    }
}
