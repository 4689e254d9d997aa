//! Approvals: members who signed up but belong to no account.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::Shared;

use super::Keys;

#[derive(Debug, Default)]
pub struct Approvals {}

impl Approvals {
    pub fn view(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        let lines = vec![
            Line::styled("Pending members", sh.theme.title()),
            Line::default(),
            Line::from(
                "Members who signed up with auto-create off wait here until an admin adds \
                 them to an account (POST /v2/accounts/{id}/account-memberships).",
            ),
            Line::default(),
            Line::styled("The approval queue arrives in the next release.", sh.theme.dim()),
        ];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
    }

    pub fn keys(&self) -> Keys {
        vec![]
    }
}
