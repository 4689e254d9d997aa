//! Reusable UI pieces: the dialog, form fields, wrapping, spinner, theme.

pub mod dialog;
pub mod field;
pub mod theme;
pub mod wrap;

pub use dialog::{Dialog, Part};
pub use field::TextField;
pub use theme::Theme;

/// Spinner frames; the frame index is part of the state so tests freeze it.
pub const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

/// Truncates to `width` characters with an ellipsis.
pub fn ellipsize(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// A centered rectangle of at most `w`×`h` inside `area`.
pub fn centered(area: ratatui::layout::Rect, w: u16, h: u16) -> ratatui::layout::Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    ratatui::layout::Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipsize_counts_chars() {
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 4), "abc");
        assert_eq!(ellipsize("é€x", 2), "é…");
        assert_eq!(ellipsize("abc", 0), "");
    }
}
