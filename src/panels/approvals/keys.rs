//! Approvals panel keys: the list, the approve dialog (form and confirmation
//! in one), the account picker, the reject and retry confirmations, and the
//! keys shown in the footer and help.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::ui::{Bind, Keymap};
use crate::widgets::list::Event as ListEvent;

impl Approvals {
    pub(super) fn list_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let write = !sh.read_only;
        // A running job's "Esc stops" comes before the list's own Esc (range, filter).
        if key.code == KeyCode::Esc && !self.list.is_filtering() && self.stoppable() {
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
            return true;
        }
        match self.list.handle_key(key, &self.rows) {
            ListEvent::Ignored => {}
            _ => return true,
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return false;
        }
        match key.code {
            KeyCode::Char('r') => self.start_scan(false, sh),
            KeyCode::Char('R') => self.start_scan(true, sh),
            KeyCode::Enter => {
                if let Some(row) = self.selected_row() {
                    let id = row.member.id.clone();
                    self.open_details(id, sh);
                }
            }
            KeyCode::Char('a' | 'e' | 'x' | 'f') if !write => {
                sh.toast_error("read-only mode: approvals are disabled")
            }
            KeyCode::Char('a' | 'e' | 'x' | 'f') if self.running() => {
                sh.toast_error(self.busy_why())
            }
            KeyCode::Char(c @ ('a' | 'e' | 'x')) => {
                let (marked, ids) = self.targets();
                let unchecked = self.unchecked_targets();
                if ids.is_empty() && unchecked > 0 {
                    sh.toast_error(
                        "its membership check failed: r checks it again before it can be \
                         approved or rejected",
                    );
                    return true;
                }
                if unchecked > 0 {
                    sh.toast(format!(
                        "{unchecked} marked left out: their membership check failed (r checks again)"
                    ));
                }
                if ids.is_empty() {
                    sh.toast_error(if marked {
                        "nothing to do: every marked member is approved or being approved"
                    } else {
                        "nothing to do: the member is approved or being approved"
                    });
                    return true;
                }
                match c {
                    'a' => self.open_approve(ids),
                    'e' => self.open_picker(ids, sh),
                    _ => self.view = View::Reject(RejectDialog { ids, scroll: Scroll::default() }),
                }
            }
            KeyCode::Char('f') => self.ask_retry(sh),
            _ => return false,
        }
        true
    }

    /// Keys of the approve dialog: `y`/`Enter` approve, `i` edits, `Tab`
    /// moves between the two names, `Esc` stops typing then cancels.
    pub(super) fn approve_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let View::Approve(d) = &mut self.view else { return false };
        if d.ids.len() > 1 {
            // Several members: nothing to edit, a plain confirmation.
            match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => self.confirm_approve(sh),
                KeyCode::Esc | KeyCode::Char('n' | 'q') => self.view = View::List,
                code => {
                    d.scroll.key(code);
                }
            }
            return true;
        }
        if !d.form.is_typing() {
            match key.code {
                KeyCode::Char('y' | 'Y') => {
                    self.confirm_approve(sh);
                    return true;
                }
                KeyCode::Esc | KeyCode::Char('n' | 'q') => {
                    self.view = View::List;
                    return true;
                }
                _ => {}
            }
        }
        let ev = d.form.handle_key(key);
        match ev {
            FormEvent::Submit => self.confirm_approve(sh),
            FormEvent::Changed(_) => Self::approve_changed(d, ev),
            _ => {}
        }
        // Modal: no key reaches the app while it is open (Ctrl-C excepted, the app's).
        true
    }

    /// Keys of the account picker: `i` or `/` types the search, `↑↓` choose
    /// in the list, `Enter` takes the highlighted account, then `y`/`Enter`
    /// approve and `Esc` goes back to the search.
    pub(super) fn picker_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let View::Picker(p) = &mut self.view else { return false };
        let accounts = self.accounts.as_deref().unwrap_or_default();
        if let Some(account) = p.chosen.clone() {
            match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                    let items = p
                        .members
                        .iter()
                        .map(|id| ApproveItem {
                            member_id: id.clone(),
                            target: Target::Existing {
                                account_id: account.id.clone(),
                                account_name: account.name.clone(),
                            },
                        })
                        .collect();
                    self.start_run(items, sh);
                }
                KeyCode::Esc | KeyCode::Char('n') => p.chosen = None,
                KeyCode::Char('q') => self.view = View::List,
                code => {
                    p.scroll.key(code);
                }
            }
            return true;
        }
        match key.code {
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                p.list.handle_key(key, accounts);
                return true;
            }
            KeyCode::Char('/') if !p.form.is_typing() => {
                p.form.start_typing();
                return true;
            }
            KeyCode::Char('j' | 'k' | 'g' | 'G') if !p.form.is_typing() => {
                p.list.handle_key(key, accounts);
                return true;
            }
            KeyCode::Esc | KeyCode::Char('q') if !p.form.is_typing() => {
                self.view = View::List;
                return true;
            }
            _ => {}
        }
        match p.form.handle_key(key) {
            FormEvent::Changed(_) => {
                let q = p.form.value(SEARCH).to_owned();
                p.list.set_filter(&q, accounts);
            }
            FormEvent::Submit => match p.list.cursor_index().and_then(|i| accounts.get(i)) {
                Some(a) => {
                    p.chosen = Some(a.clone());
                    p.scroll = Scroll::default();
                }
                None if self.accounts.is_none() => sh.toast_error("the accounts are still loading"),
                None => p.form.invalid(SEARCH, "no account matches: change the search"),
            },
            _ => {}
        }
        true
    }

    /// Keys of the reject and retry confirmations.
    pub(super) fn confirm_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        match &mut self.view {
            View::Reject(d) => match key.code {
                // Destructive: only an explicit y.
                KeyCode::Char('y' | 'Y') => {
                    let ids = d.ids.clone();
                    self.start_reject(ids, sh);
                }
                KeyCode::Esc | KeyCode::Char('n' | 'q') => self.view = View::List,
                code => {
                    d.scroll.key(code);
                }
            },
            View::Retry(d) => match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                    let items = d.items.clone();
                    self.start_run(items, sh);
                }
                KeyCode::Esc | KeyCode::Char('n' | 'q') => self.view = View::List,
                code => {
                    d.scroll.key(code);
                }
            },
            _ => return false,
        }
        true
    }
}

impl Approvals {
    /// The keymap table: what reaches the key handlers, the footer and help.
    pub(super) fn keymap(&self, sh: &Shared) -> Keymap {
        if let Some(k) = self.dialog_keys() {
            return crate::panels::modal_keymap(k);
        }
        match &self.view {
            View::Details(_, d) => {
                let failed = d.as_ref().is_some_and(|d| d.failed());
                let read = if failed { "retry the failed reads" } else { "read again" };
                return Keymap::new(vec![
                    Bind::primary("r", read).off_if(d.is_none(), "the details are still loading"),
                    Bind::moves("Esc/Enter/q", "back"),
                ]);
            }
            View::List if self.list.is_filtering() => return Keymap::from_pairs(self.list.keys()),
            _ => {}
        }
        const RO: &str = "read-only mode: approvals are disabled";
        let (ro, busy) = (sh.read_only, self.running());
        let busy_why = self.busy_why();
        let marks = self.list.mark_count() > 0;
        let mut k = Vec::new();
        if self.stoppable() {
            k.push(
                Bind::primary("Esc", "stop the run")
                    .help("stop the run: members already started finish, the rest are cancelled"),
            );
        }
        let off = |b: Bind| b.off_if(busy, busy_why).off_if(ro, RO);
        k.push(off(if marks {
            Bind::primary("a", "approve marked")
        } else {
            Bind::primary("a", "approve")
        }
        .help(
            "approve into a new account (one dialog: y approves; marked members: one account each)",
        )));
        k.push(off(if marks {
            Bind::primary("e", "marked into existing")
        } else {
            Bind::primary("e", "into existing")
        }
        .help("approve into an existing account: search, Enter chooses, y approves")));
        k.push(off(if marks {
            Bind::primary("x", "reject marked")
        } else {
            Bind::primary("x", "reject")
        }
        .help("reject: deletes the member, its credentials and memberships (asks; y only)")));
        let retry = off(Bind::new("f", "retry failed")
            .help("retry the failed approvals of the last run (asks first; cancelled ones are not included)"));
        let failed = self.bulk.as_ref().is_some_and(|b| b.failed > 0);
        k.push(if failed { retry } else { retry.quiet() });
        k.push(
            Bind::new("Enter", "details").help("the member's credentials, memberships and status"),
        );
        if self.list.in_range() {
            k.push(Bind::new("v", "end range").help("keep the range's marks"));
            k.push(Bind::moves("Esc", "undo range").help("back to the marks before the range"));
        } else {
            k.push(Bind::new("Space", "mark").help("mark or unmark the member, then move down"));
            k.push(
                Bind::new("v", "range")
                    .help("mark from here to where the cursor moves; v again ends"),
            );
        }
        k.push(Bind::new("*", "mark shown").help("mark every open member the filter shows"));
        let unmark = Bind::new("u", "unmark all").help("clear all marks");
        k.push(if marks { unmark } else { unmark.quiet() });
        k.push(Bind::new("/", "filter").help("filter by name, e-mail or id (Esc clears)"));
        k.push(Bind::new("r", "refresh").help("check members not seen before"));
        k.push(
            Bind::new("R", "rescan")
                .help("check everyone again; the list stays until the rescan succeeds")
                .quiet(),
        );
        k.push(Bind::moves("↑↓/j k", "move"));
        k.push(Bind::moves("g/G/Home/End", "top/bottom").quiet());
        k.push(Bind::moves("PgUp/PgDn", "page").quiet());
        if !self.stoppable() && !self.list.in_range() && !self.list.filter_text().is_empty() {
            k.push(Bind::moves("Esc", "clear filter"));
        }
        Keymap::new(k)
    }

    /// The key row of the dialog open, if one is.
    pub fn dialog_keys(&self) -> Option<Keys> {
        Some(match &self.view {
            View::Approve(d) if d.ids.len() > 1 => vec![("y/Enter", "approve"), ("Esc", "cancel")],
            View::Approve(d) if d.form.is_typing() => vec![
                (
                    "Enter",
                    if d.form.focused_key() == Some(LEGAL_NAME) { "approve" } else { "next" },
                ),
                ("Ctrl-S", "approve"),
                ("Tab", "field"),
                ("Esc", "stop typing"),
            ],
            View::Approve(_) => {
                vec![("y/Enter", "approve"), ("i", "edit"), ("Tab", "field"), ("Esc", "cancel")]
            }
            View::Picker(p) if p.chosen.is_some() => {
                vec![("y/Enter", "approve"), ("Esc", "back to the search")]
            }
            View::Picker(p) if p.form.is_typing() => {
                vec![("Enter", "choose"), ("↑↓", "account"), ("Esc", "stop typing")]
            }
            View::Picker(_) => {
                vec![("Enter", "choose"), ("↑↓", "account"), ("i /", "search"), ("Esc", "cancel")]
            }
            View::Reject(_) => vec![("y", "reject"), ("Esc", "cancel")],
            View::Retry(_) => vec![("y/Enter", "retry"), ("Esc", "cancel")],
            _ => return None,
        })
    }
}
