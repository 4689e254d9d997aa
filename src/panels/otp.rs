//! OTP events: the webhook listener's live event list and follow-ups.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use ratatui::crossterm::event::KeyEvent;

use crate::api::ApiError;
use crate::app::{OpId, Reply, Shared};

use super::{Keys, Panel};

#[derive(Debug, Default)]
pub struct Otp {}

impl Panel for Otp {
    fn on_key(&mut self, _key: KeyEvent, _sh: &mut Shared) -> bool {
        false
    }

    fn on_done(&mut self, _op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        if let Err(e) = result {
            sh.api_error("Otp", &e);
        }
    }

    fn view(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        let lines = vec![
            Line::styled("One-time password events", sh.theme.title()),
            Line::default(),
            Line::from(
                "Events of one-time-password-token-request.created delivered to this \
                 console's webhook listener are listed here.",
            ),
            Line::default(),
            Line::styled("The live event list arrives in the next release.", sh.theme.dim()),
        ];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
    }

    fn keys(&self, _sh: &Shared) -> Keys {
        vec![]
    }
}
