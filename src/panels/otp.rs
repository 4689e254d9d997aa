//! OTP events: the webhook listener's live event list and follow-ups.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::Shared;

use super::Keys;

#[derive(Debug, Default)]
pub struct Otp {}

impl Otp {
    pub fn view(&self, f: &mut Frame, area: Rect, sh: &Shared) {
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

    pub fn keys(&self) -> Keys {
        vec![]
    }
}
