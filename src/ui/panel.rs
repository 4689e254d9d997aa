//! Panel ids and the trait every panel implements.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use super::{Keymap, OpId, Progress, Reply, Shared};
use crate::api::ApiError;

/// The steps of the flow, in stepper order. Adding a panel is one variant
/// here (and in `ALL`) plus one arm in the app's panel lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PanelId {
    Settings,
    Signup,
    Approvals,
    Otp,
    /// The support desk: any member, their card, why they cannot log in.
    Members,
}

impl PanelId {
    /// Every panel, in stepper (and `1`…`n`) order.
    pub const ALL: &'static [PanelId] =
        &[PanelId::Settings, PanelId::Signup, PanelId::Approvals, PanelId::Otp, PanelId::Members];

    pub fn title(self) -> &'static str {
        match self {
            PanelId::Settings => "Settings",
            PanelId::Signup => "Sign up",
            PanelId::Approvals => "Approvals",
            PanelId::Otp => "OTP events",
            PanelId::Members => "Members",
        }
    }

    /// Position in `ALL` (0-based).
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    /// The panel with this 1-based number (the `1`…`n` keys).
    pub fn nth(n: usize) -> Option<Self> {
        n.checked_sub(1).and_then(|i| Self::ALL.get(i).copied())
    }

    pub fn next(self) -> Self {
        Self::ALL[(self.index() + 1) % Self::ALL.len()]
    }

    pub fn prev(self) -> Self {
        Self::ALL[(self.index() + Self::ALL.len() - 1) % Self::ALL.len()]
    }

    /// The panel keys as shown: `"1–4"` (as many as there are panels).
    pub fn digit_keys() -> &'static str {
        static S: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        S.get_or_init(|| format!("1–{}", Self::ALL.len()))
    }

    /// The panel keys that work while typing: `"Alt-1–4"`.
    pub fn alt_digit_keys() -> &'static str {
        static S: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        S.get_or_init(|| format!("Alt-1–{}", Self::ALL.len()))
    }
}

/// How a step looks in the stepper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    NotVisited,
    Ready,
    Attention,
    /// Its check is still running (the Approvals scan): neither ✓ nor !.
    Working,
}

/// Key/label pairs for the footer and help.
pub type Keys = Vec<(&'static str, &'static str)>;

/// What every panel offers the app. The app routes input, results and
/// progress of the operations a panel started back to that panel.
pub trait Panel {
    /// Whether printable keys are text for a field (then `q`, `1`–`5`, `?` are not commands).
    fn editing(&self) -> bool {
        false
    }
    /// Handles a key; returns false to let the app handle it (navigation, quit…).
    fn on_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool;
    fn on_paste(&mut self, _text: &str) {}
    /// The panel got the focus.
    fn on_enter(&mut self, _sh: &mut Shared) {}
    /// A call this panel started finished.
    fn on_done(&mut self, op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared);
    /// A read of this panel was cancelled (the panel was left): forget it.
    fn on_cancelled(&mut self, _op: OpId, _sh: &mut Shared) {}
    /// A long job this panel started reports progress.
    fn on_progress(&mut self, _op: OpId, _progress: Progress, _sh: &mut Shared) {}
    /// Whether something on this panel animates (a countdown) and needs ticks.
    fn needs_tick(&self, _sh: &Shared) -> bool {
        false
    }
    /// The keys that matter now, as footer pairs (panels with a `keymap` need not).
    fn keys(&self, _sh: &Shared) -> Keys {
        Vec::new()
    }
    /// The panel's keymap table now: the keys that reach `on_key` outside
    /// typing, the footer and help all come from it.
    fn keymap(&self, sh: &Shared) -> Keymap {
        Keymap::from_pairs(self.keys(sh))
    }
    fn view(&self, f: &mut Frame, area: Rect, sh: &Shared);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_order_wraps_and_numbers_from_one() {
        for (i, p) in PanelId::ALL.iter().enumerate() {
            assert_eq!(p.index(), i);
            assert_eq!(PanelId::nth(i + 1), Some(*p));
            assert_eq!(p.next().prev(), *p);
        }
        assert_eq!(PanelId::nth(0), None);
        assert_eq!(PanelId::nth(PanelId::ALL.len() + 1), None);
        let last = PanelId::ALL[PanelId::ALL.len() - 1];
        assert_eq!(last.next(), PanelId::ALL[0]);
    }
}
