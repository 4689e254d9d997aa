//! One module per panel: its state, its key handling, its view.

pub mod approvals;
pub mod members;
pub mod otp;
pub mod settings;
pub mod signup;

use ratatui::crossterm::event::KeyCode;

use crate::widgets::form::{Event as FormEvent, Form};

/// Field keys of a new account's name and legal name (the approve dialogs of
/// Approvals and of the member card).
pub const ACCOUNT_NAME: &str = "name";
pub const LEGAL_NAME: &str = "legal";

/// Keeps the legal name equal to the account name until the user edits it;
/// `follows` is cleared by that edit.
pub fn legal_name_follows(form: &mut Form, follows: &mut bool, ev: FormEvent) {
    match ev {
        FormEvent::Changed(ACCOUNT_NAME) if *follows => {
            let name = form.value(ACCOUNT_NAME).to_owned();
            form.set(LEGAL_NAME, name);
        }
        FormEvent::Changed(LEGAL_NAME) => {
            *follows = false;
            form.set_note(LEGAL_NAME, None);
        }
        _ => {}
    }
}

/// j/k and arrows as a row delta.
pub fn row_delta(code: KeyCode) -> Option<isize> {
    match code {
        KeyCode::Up | KeyCode::Char('k') => Some(-1),
        KeyCode::Down | KeyCode::Char('j') => Some(1),
        KeyCode::PageUp => Some(-10),
        KeyCode::PageDown => Some(10),
        _ => None,
    }
}

/// Moves `cur` by `delta` within `0..len`.
pub fn step(cur: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (cur as isize + delta).clamp(0, len as isize - 1) as usize
}

pub use crate::ui::{Keys, Panel};

/// The keymap of a modal dialog or form: its key row, plus every other key
/// (quiet, in help only) so that nothing typed in the dialog reaches the
/// app (`q` does not quit, a digit does not switch panels under it).
pub fn modal_keymap(row: Keys) -> crate::ui::Keymap {
    use crate::ui::Bind;
    let mut k = crate::ui::Keymap::from_pairs(row);
    for keys in [
        "type",
        "Enter",
        "Esc",
        "Tab",
        "Shift-Tab",
        "↑↓←→",
        "PgUp/PgDn",
        "Home/End",
        "Backspace/Del",
        "Ctrl-S",
        "Ctrl-R",
    ] {
        k.push(Bind::new(keys, "kept by the dialog").quiet());
    }
    k
}
use crate::widgets::Dialog;

/// A confirmation naming what happens, what changes (one item each) and the
/// calls it makes, in that order.
pub fn confirm_dialog(
    title: impl Into<String>,
    consequence: impl Into<String>,
    changes: Vec<String>,
    calls: Vec<String>,
) -> Dialog {
    let d = changes.into_iter().fold(Dialog::confirm(title).consequence(consequence), Dialog::item);
    calls.into_iter().fold(d.gap(), Dialog::request)
}

/// The wire value of `account_member_self_management`, for display.
pub fn self_management_str(v: crate::api::SelfManagement) -> &'static str {
    use crate::api::SelfManagement::*;
    match v {
        Disabled => "disabled",
        UpdateOnly => "update_only",
        Unknown => "unknown",
    }
}

/// The wire value of `username_format`, for display.
pub fn username_format_str(v: crate::api::UsernameFormat) -> &'static str {
    use crate::api::UsernameFormat::*;
    match v {
        Email => "email",
        Any => "any",
        Unknown => "unknown",
    }
}
