//! Approvals: members who signed up but belong to no account.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use ratatui::crossterm::event::KeyEvent;

use crate::api::ApiError;
use crate::app::{OpId, Reply, Shared};

use super::{Keys, Panel};

#[derive(Debug, Default)]
pub struct Approvals {}

impl Panel for Approvals {
    fn on_key(&mut self, _key: KeyEvent, _sh: &mut Shared) -> bool {
        false
    }

    fn on_done(&mut self, _op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        if let Err(e) = result {
            sh.api_error("Approvals", &e);
        }
    }

    fn view(&self, f: &mut Frame, area: Rect, sh: &Shared) {
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

    fn keys(&self, _sh: &Shared) -> Keys {
        vec![]
    }
}
