//! A single-line form field on `tui-input`: label, value, optional mask
//! (passwords), and a validation message shown beside it.

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

use super::Theme;

#[derive(Clone, Default)]
pub struct TextField {
    pub label: &'static str,
    pub input: Input,
    /// Masked fields show bullets unless `revealed`.
    pub masked: bool,
    pub revealed: bool,
    /// A validation or server message about this field.
    pub error: Option<String>,
    /// A hint shown dimmed when the field is empty.
    pub placeholder: &'static str,
}

// Masked fields (passwords) never print their value, even through Debug.
impl std::fmt::Debug for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if self.masked { "****" } else { self.input.value() };
        f.debug_struct("TextField")
            .field("label", &self.label)
            .field("value", &value)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl TextField {
    pub fn new(label: &'static str) -> Self {
        Self { label, ..Self::default() }
    }

    pub fn masked(mut self) -> Self {
        self.masked = true;
        self
    }

    pub fn placeholder(mut self, p: &'static str) -> Self {
        self.placeholder = p;
        self
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn set(&mut self, value: impl Into<String>) {
        self.input = Input::new(value.into());
    }

    /// Handles an editing key. Returns true when the value changed.
    pub fn handle_key(&mut self, key: KeyEvent) -> bool {
        match to_input_request(&Event::Key(key)) {
            Some(req) => {
                let before = self.input.value().len();
                let changed = self.input.handle(req).is_some_and(|c| c.value);
                if changed || before != self.input.value().len() {
                    self.error = None;
                }
                changed
            }
            None => false,
        }
    }

    /// Inserts pasted text; newlines and other control characters are
    /// dropped so a pasted secret cannot submit a form.
    pub fn paste(&mut self, text: &str) {
        for c in text.chars().filter(|c| !c.is_control()) {
            self.input.handle(InputRequest::InsertChar(c));
        }
        self.error = None;
    }

    /// The text to display (masked or not).
    pub fn display(&self) -> String {
        if self.masked && !self.revealed {
            "•".repeat(self.input.value().chars().count())
        } else {
            self.input.value().to_owned()
        }
    }

    /// Draws `label  [value]  error` on one line of `area`; places the cursor
    /// when focused.
    pub fn render(
        &self,
        f: &mut Frame,
        area: Rect,
        label_width: u16,
        focused: bool,
        theme: &Theme,
    ) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let label_style = if focused { theme.key() } else { theme.base() };
        let marker = if focused { "▸ " } else { "  " };
        let label = format!("{marker}{:<w$}", self.label, w = label_width as usize);
        let label_len = label.chars().count() as u16;
        let value_width = area.width.saturating_sub(label_len).clamp(1, 40);
        let scroll = self.input.visual_scroll(value_width.saturating_sub(1) as usize);
        let shown: String =
            self.display().chars().skip(scroll).take(value_width as usize).collect();
        let value_span = if shown.is_empty() && !focused {
            Span::styled(self.placeholder, theme.dim())
        } else {
            Span::styled(
                format!("{shown:<w$}", w = value_width as usize),
                if focused { theme.selected() } else { theme.base() },
            )
        };
        let mut spans = vec![Span::styled(label, label_style), value_span];
        if let Some(err) = &self.error {
            spans.push(Span::styled(format!("  ✗ {err}"), theme.error()));
        }
        f.render_widget(Line::from(spans), area);
        if focused {
            let cur = (self.input.visual_cursor().saturating_sub(scroll)) as u16;
            let x = area.x + label_len + cur.min(value_width.saturating_sub(1));
            if x < area.x + area.width {
                f.set_cursor_position((x, area.y));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn paste_strips_newlines() {
        let mut f = TextField::new("Password").masked();
        f.paste("secret\r\npass\n");
        assert_eq!(f.value(), "secretpass");
        assert_eq!(f.display(), "••••••••••");
        f.revealed = true;
        assert_eq!(f.display(), "secretpass");
    }

    #[test]
    fn debug_masks_passwords() {
        let mut f = TextField::new("Password").masked();
        f.paste("hunter22");
        assert!(!format!("{f:?}").contains("hunter22"));
    }

    #[test]
    fn typing_clears_error() {
        let mut f = TextField::new("Email");
        f.error = Some("required".into());
        assert!(f.handle_key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE)));
        assert_eq!(f.value(), "a");
        assert!(f.error.is_none());
    }
}
