//! A confirmation dialog that names the call it will make and what changes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{Theme, centered};

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    /// The HTTP call(s), e.g. `PUT /v2/settings/account-authentication`.
    pub calls: Vec<String>,
    /// What changes, one line each.
    pub changes: Vec<String>,
    /// A warning (destructive actions), shown in the error style.
    pub warning: Option<String>,
}

impl Confirm {
    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let mut lines = Vec::new();
        for c in &self.calls {
            lines.push(Line::from(Span::styled(c.clone(), theme.accent())));
        }
        lines.push(Line::default());
        for c in &self.changes {
            lines.push(Line::from(format!("  {c}")));
        }
        if let Some(w) = &self.warning {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(format!("⚠ {w}"), theme.error())));
        }
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled("y", theme.key()),
            Span::raw(if self.warning.is_some() {
                "  confirm     "
            } else {
                " / Enter  confirm     "
            }),
            Span::styled("n", theme.key()),
            Span::raw(" / Esc  cancel"),
        ]));
        // Lines wrap: count the rows they take, so the key row stays visible.
        let inner_w = 72u16.min(area.width).saturating_sub(2).max(1) as usize;
        let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner_w)).sum();
        let height = (rows as u16 + 2).min(area.height);
        let rect = centered(area, 72, height);
        f.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(format!(" {} ", self.title), theme.title()))
            .border_style(theme.focused_border());
        f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), rect);
    }
}
