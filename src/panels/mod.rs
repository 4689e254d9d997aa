//! One module per panel: its state, its key handling, its view.

pub mod approvals;
pub mod members;
pub mod otp;
pub mod settings;
pub mod signup;

use ratatui::crossterm::event::KeyCode;

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

/// What a key did to a list's `/` filter line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKey {
    /// Not for the filter (Tab, …): let the app handle it.
    Pass,
    /// Handled; the filter text is unchanged.
    Handled,
    /// The filter text changed: refilter the list.
    Changed,
}

/// Keys while a list's filter line has the focus: typing edits it, `Enter` or
/// an arrow leaves it, `Esc` clears it.
pub fn filter_key(
    filter: &mut crate::widgets::TextField,
    filtering: &mut bool,
    key: ratatui::crossterm::event::KeyEvent,
) -> FilterKey {
    match key.code {
        KeyCode::Esc => {
            *filtering = false;
            filter.set("");
            FilterKey::Changed
        }
        KeyCode::Enter | KeyCode::Up | KeyCode::Down => {
            *filtering = false;
            FilterKey::Handled
        }
        KeyCode::Tab | KeyCode::BackTab => FilterKey::Pass,
        _ => {
            filter.handle_key(key);
            FilterKey::Changed
        }
    }
}

pub use crate::ui::{Keys, Panel};
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
