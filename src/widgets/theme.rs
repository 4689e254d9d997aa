//! Colours from the 16-colour palette (SSH terminals), or none at all when
//! `NO_COLOR` is set.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Honours `NO_COLOR` (any non-empty value).
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self { color: !no_color }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color { Style::new().fg(c) } else { Style::new() }
    }

    pub fn base(&self) -> Style {
        Style::new()
    }
    /// Secondary text: the terminal's own faint rendition of its foreground,
    /// never colour 8 (bright black), which some dark palettes draw as the
    /// background itself.
    pub fn dim(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }
    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn accent(&self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }
    pub fn selected(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Blue).fg(Color::White).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn focused_border(&self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn banner(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Yellow).fg(Color::Black).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(t: &Theme) -> Vec<Style> {
        vec![
            t.base(),
            t.dim(),
            t.title(),
            t.key(),
            t.ok(),
            t.warn(),
            t.error(),
            t.accent(),
            t.selected(),
            t.focused_border(),
            t.banner(),
        ]
    }

    /// Only the 16 ANSI colours, and never colour 8 (bright black) alone.
    #[test]
    fn sixteen_colours_and_no_meaning_in_colour_8() {
        let ansi16 = |c: Color| {
            matches!(
                c,
                Color::Black
                    | Color::Red
                    | Color::Green
                    | Color::Yellow
                    | Color::Blue
                    | Color::Magenta
                    | Color::Cyan
                    | Color::Gray
                    | Color::LightRed
                    | Color::LightGreen
                    | Color::LightYellow
                    | Color::LightBlue
                    | Color::LightMagenta
                    | Color::LightCyan
                    | Color::White
                    | Color::Reset
            )
        };
        for s in all(&Theme { color: true }) {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(ansi16(c), "{c:?} is not one of the 16 (or is colour 8)");
            }
        }
    }

    #[test]
    fn no_color_means_no_colour() {
        for s in all(&Theme { color: false }) {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?}");
        }
    }
}
