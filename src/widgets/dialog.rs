//! The one dialog: every confirmation and every modal form.
//!
//! A dialog is a title, an optional consequence (⚠, always first), and a body
//! of blocks: paragraphs, request lines, bulleted items, and caller-drawn
//! slots (a form's fields) with the height they ask for. It is sized to its
//! content up to the screen; its width grows with the terminal up to a
//! readable maximum; text wraps at that width (request paths at `/`, ids never
//! split, bullets with a hanging indent); when the body is taller than the
//! screen it scrolls, and the key row stays pinned to the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::wrap::{wrap, wrap_hanging};
use super::{Theme, centered, ellipsize};

/// The widest a dialog gets (outer columns), however wide the terminal.
pub const MAX_WIDTH: u16 = 100;
/// The narrowest a dialog gets, unless the screen is narrower.
pub const MIN_WIDTH: u16 = 44;

/// One block of a dialog's body.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// A paragraph, wrapped at words.
    Text(String),
    /// A dim paragraph (hints, counts).
    Note(String),
    /// An HTTP call, `METHOD /path`: wraps at `/`, a path segment (a UUID) is never split.
    Request(String),
    /// A bulleted item; wrapped lines hang under the text, not the bullet.
    Item(String),
    /// A preformatted line (pretty JSON): its leading spaces are kept and a
    /// wrapped rest hangs under its text.
    Pre(String),
    /// An empty line.
    Gap,
    /// An area the caller draws (a form's fields): `id` tells the caller which,
    /// `height` is the rows it asks for. `render` returns where it landed.
    Slot { id: u8, height: u16 },
}

/// Confirmations that lose data take an explicit `y`; the others also `Enter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Confirm,
    Destructive,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dialog {
    /// Ellipsized to the dialog width (the body holds names whole).
    pub title: String,
    /// What happens, in one sentence; drawn first (⚠ for destructive ones).
    pub consequence: Option<String>,
    pub parts: Vec<Part>,
    pub kind: Kind,
    /// What `y` does: "confirm", "delete", "reject", "quit"…
    pub verb: String,
    /// Replaces the key row (modal forms: `Ctrl-S approve · Tab field · Esc cancel`).
    pub keys: Option<Vec<(String, String)>>,
    /// First body row shown (clamped when drawn).
    pub scroll: u16,
}

/// Where a drawn dialog put things.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DialogLayout {
    /// The whole dialog, borders included.
    pub outer: Rect,
    /// Slots that are (wholly) visible, by id.
    pub slots: Vec<(u8, Rect)>,
    /// The largest useful `scroll` at this size (0 when everything fits).
    pub max_scroll: u16,
}

/// A body row: spans, or a slot's row.
enum Row {
    Text(Line<'static>),
    Slot(u8, u16),
}

impl Dialog {
    /// A confirmation: `y` or `Enter` runs it.
    pub fn confirm(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            consequence: None,
            parts: Vec::new(),
            kind: Kind::Confirm,
            verb: "confirm".into(),
            keys: None,
            scroll: 0,
        }
    }

    /// A destructive confirmation: only `y` runs it, and the key row names the act.
    pub fn destructive(title: impl Into<String>, verb: impl Into<String>) -> Self {
        Self { kind: Kind::Destructive, verb: verb.into(), ..Self::confirm(title) }
    }

    pub fn consequence(mut self, text: impl Into<String>) -> Self {
        self.consequence = Some(text.into());
        self
    }

    pub fn verb(mut self, verb: impl Into<String>) -> Self {
        self.verb = verb.into();
        self
    }

    pub fn part(mut self, part: Part) -> Self {
        self.parts.push(part);
        self
    }

    pub fn text(self, text: impl Into<String>) -> Self {
        self.part(Part::Text(text.into()))
    }

    pub fn note(self, text: impl Into<String>) -> Self {
        self.part(Part::Note(text.into()))
    }

    pub fn request(self, call: impl Into<String>) -> Self {
        self.part(Part::Request(call.into()))
    }

    pub fn pre(self, text: impl Into<String>) -> Self {
        self.part(Part::Pre(text.into()))
    }

    pub fn item(self, text: impl Into<String>) -> Self {
        self.part(Part::Item(text.into()))
    }

    pub fn gap(self) -> Self {
        self.part(Part::Gap)
    }

    pub fn slot(self, id: u8, height: u16) -> Self {
        self.part(Part::Slot { id, height })
    }

    pub fn keys(mut self, keys: Vec<(String, String)>) -> Self {
        self.keys = Some(keys);
        self
    }

    /// The request lines, in order.
    pub fn requests(&self) -> Vec<&str> {
        self.parts
            .iter()
            .filter_map(|p| if let Part::Request(s) = p { Some(s.as_str()) } else { None })
            .collect()
    }

    /// The bulleted items, in order.
    pub fn items(&self) -> Vec<&str> {
        self.parts
            .iter()
            .filter_map(|p| if let Part::Item(s) = p { Some(s.as_str()) } else { None })
            .collect()
    }

    pub fn is_destructive(&self) -> bool {
        self.kind == Kind::Destructive
    }

    /// Whether `Enter` confirms (not for destructive dialogs).
    pub fn enter_confirms(&self) -> bool {
        self.kind == Kind::Confirm
    }

    /// Scroll keys: ↑↓ j k, PgUp PgDn, Home End. Returns whether the key was one.
    pub fn scroll_key(&mut self, code: ratatui::crossterm::event::KeyCode, max: u16) -> bool {
        scroll_by_key(&mut self.scroll, code, max)
    }

    /// The key row (without the scroll hint).
    pub fn key_row(&self) -> Vec<(String, String)> {
        if let Some(k) = &self.keys {
            return k.clone();
        }
        let confirm = if self.enter_confirms() { "y/Enter" } else { "y" };
        vec![(confirm.into(), self.verb.clone()), ("Esc".into(), "cancel".into())]
    }

    /// The outer width at this screen width: the content's natural width,
    /// at least `MIN_WIDTH`, at most the screen (less a margin) and `MAX_WIDTH`.
    pub fn width_for(&self, screen: u16) -> u16 {
        let cap = screen.saturating_sub(2).clamp(1, MAX_WIDTH);
        let natural = self.natural_width() + 4; // borders and a space each side
        natural.clamp(MIN_WIDTH.min(cap), cap)
    }

    fn natural_width(&self) -> u16 {
        let w = |s: &str| s.chars().count();
        let mut n = w(&self.title) + 4;
        if let Some(c) = &self.consequence {
            n = n.max(w(c) + 2);
        }
        for p in &self.parts {
            n = n.max(match p {
                Part::Text(t) | Part::Note(t) | Part::Request(t) | Part::Pre(t) => w(t),
                Part::Item(t) => w(t) + 2,
                Part::Gap | Part::Slot { .. } => 0,
            });
        }
        n = n.max(self.key_row_width() + 6);
        n.min(u16::MAX as usize) as u16
    }

    fn key_row_width(&self) -> usize {
        self.key_row().iter().map(|(k, l)| k.chars().count() + l.chars().count() + 4).sum()
    }

    /// The body, wrapped at `width` columns.
    fn rows(&self, width: usize, t: &Theme) -> Vec<Row> {
        let mut rows = Vec::new();
        let width = width.max(8);
        if let Some(c) = &self.consequence {
            let (mark, style) = match self.kind {
                Kind::Destructive => ("⚠ ", t.error()),
                Kind::Confirm => ("→ ", t.accent()),
            };
            push_wrapped(&mut rows, wrap_hanging(c, width, mark, "  "), style);
            if !self.parts.is_empty() {
                rows.push(Row::Text(Line::default()));
            }
        }
        for p in &self.parts {
            match p {
                Part::Text(s) => push_wrapped(&mut rows, wrap(s, width), Style::default()),
                Part::Note(s) => push_wrapped(&mut rows, wrap(s, width), t.dim()),
                Part::Pre(s) => {
                    let body = s.trim_start_matches(' ');
                    let indent = " ".repeat(s.len() - body.len());
                    let rest = format!("{indent}  ");
                    push_wrapped(
                        &mut rows,
                        wrap_hanging(body, width, &indent, &rest),
                        Style::default(),
                    )
                }
                Part::Request(s) => {
                    push_wrapped(&mut rows, wrap_hanging(s, width, "", "    "), t.accent())
                }
                Part::Item(s) => {
                    push_wrapped(&mut rows, wrap_hanging(s, width, "• ", "  "), Style::default())
                }
                Part::Gap => rows.push(Row::Text(Line::default())),
                Part::Slot { id, height } => {
                    for r in 0..*height {
                        rows.push(Row::Slot(*id, r));
                    }
                }
            }
        }
        rows
    }

    /// Where everything goes in `area`: the width, the body rows, the key
    /// row's lines (it wraps rather than being cut: every key shows) and how
    /// many body rows are visible.
    fn geometry(&self, area: Rect, t: &Theme) -> Geometry {
        let w = self.width_for(area.width);
        let inner_w = w.saturating_sub(4) as usize;
        let rows = self.rows(inner_w, t);
        let keys = self.key_row();
        // borders (2) + body + blank + key lines, capped at the screen.
        let fit = |key_lines: usize| -> (u16, usize) {
            let want = rows.len() + 3 + key_lines;
            let h = want.min(area.height as usize);
            (h as u16, h.saturating_sub(3 + key_lines))
        };
        let plain = pack_keys(&keys, inner_w);
        let (h, visible) = fit(plain.len());
        if rows.len() <= visible {
            return Geometry { w, rows, keys, key_lines: plain, h, visible, scrolls: false };
        }
        // It scrolls: the scroll hint joins the key row (measured with its
        // widest numbers, so the real one never needs another line).
        let mut with_hint = keys.clone();
        with_hint.push(("↑↓".into(), scroll_hint(rows.len(), rows.len())));
        let lines = pack_keys(&with_hint, inner_w);
        let (h, visible) = fit(lines.len());
        Geometry { w, rows, keys, key_lines: lines, h, visible, scrolls: true }
    }

    /// How far the body can scroll in `area`.
    pub fn max_scroll(&self, area: Rect, t: &Theme) -> u16 {
        let g = self.geometry(area, t);
        g.rows.len().saturating_sub(g.visible).min(u16::MAX as usize) as u16
    }

    /// Draws the dialog centred in `area`; returns where its slots landed.
    pub fn render(&self, f: &mut Frame, area: Rect, t: &Theme) -> DialogLayout {
        let Geometry { w, rows, mut keys, key_lines, h, visible, scrolls } = self.geometry(area, t);
        let outer = centered(area, w, h);
        f.render_widget(Clear, outer);
        let title = ellipsize(&self.title, w.saturating_sub(4) as usize);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(format!(" {title} "), t.title()))
            .border_style(t.focused_border());
        let inner = block.inner(outer);
        f.render_widget(block, outer);
        let body = Rect { x: inner.x + 1, width: inner.width.saturating_sub(2), ..inner };
        let max_scroll = rows.len().saturating_sub(visible);
        let scroll = (self.scroll as usize).min(max_scroll);
        let mut layout = DialogLayout { outer, slots: Vec::new(), max_scroll: max_scroll as u16 };
        let mut lines = Vec::with_capacity(visible);
        for row in rows.iter().skip(scroll).take(visible) {
            lines.push(match row {
                Row::Text(l) => l.clone(),
                Row::Slot(..) => Line::default(),
            });
        }
        // A slot is handed to the caller only when wholly visible.
        for (first, row) in rows.iter().enumerate() {
            if let Row::Slot(id, 0) = row {
                let n = rows[first..]
                    .iter()
                    .take_while(|r| matches!(r, Row::Slot(x, _) if x == id))
                    .count();
                if first >= scroll && first + n <= scroll + visible {
                    let y = body.y + (first - scroll) as u16;
                    layout.slots.push((*id, Rect { y, height: n as u16, ..body }));
                }
            }
        }
        f.render_widget(Paragraph::new(lines), Rect { height: visible as u16, ..body });
        // The key row, pinned to the bottom, wrapped between keys.
        if scrolls {
            let below = rows.len() - scroll - visible.min(rows.len() - scroll);
            keys.push(("↑↓".into(), scroll_hint(scroll, below)));
        }
        let n = key_lines.len() as u16;
        if body.height >= n && n > 0 {
            let top = body.y + body.height - n;
            for (i, entries) in key_lines.iter().enumerate() {
                let mut spans = Vec::new();
                for (j, &e) in entries.iter().enumerate() {
                    let Some((k, l)) = keys.get(e) else { continue };
                    if j > 0 {
                        spans.push(Span::styled(" · ", t.dim()));
                    }
                    spans.push(Span::styled(k.clone(), t.key()));
                    spans.push(Span::raw(format!(" {l}")));
                }
                let y = top + i as u16;
                f.render_widget(Paragraph::new(Line::from(spans)), Rect { y, height: 1, ..body });
            }
        }
        layout
    }
}

/// A drawn dialog's measures at one screen size.
struct Geometry {
    w: u16,
    rows: Vec<Row>,
    /// The key row's entries (without the scroll hint).
    keys: Vec<(String, String)>,
    /// The entries (indices into the keys, the scroll hint last) on each line.
    key_lines: Vec<Vec<usize>>,
    h: u16,
    visible: usize,
    scrolls: bool,
}

/// The dialogs' scroll keys on a position `pos` that can go up to `max`:
/// ↑↓ j k, PgUp PgDn, Home g, End G. Returns whether the key was one.
pub fn scroll_by_key(pos: &mut u16, code: ratatui::crossterm::event::KeyCode, max: u16) -> bool {
    use ratatui::crossterm::event::KeyCode;
    let s = (*pos).min(max);
    *pos = match code {
        KeyCode::Up | KeyCode::Char('k') => s.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => (s + 1).min(max),
        KeyCode::PageUp => s.saturating_sub(10),
        KeyCode::PageDown => (s + 10).min(max),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => max,
        _ => return false,
    };
    true
}

fn scroll_hint(above: usize, below: usize) -> String {
    format!("scroll ({above} above, {below} below)")
}

/// Packs key entries (`key label`, joined by ` · `) into lines of `width`
/// columns; an entry is never split (one wider than a line gets its own).
fn pack_keys(entries: &[(String, String)], width: usize) -> Vec<Vec<usize>> {
    let mut lines: Vec<Vec<usize>> = Vec::new();
    let mut used = 0;
    for (i, (k, l)) in entries.iter().enumerate() {
        let w = k.chars().count() + 1 + l.chars().count();
        match lines.last_mut() {
            Some(line) if used + 3 + w <= width => {
                line.push(i);
                used += 3 + w;
            }
            _ => {
                lines.push(vec![i]);
                used = w;
            }
        }
    }
    lines
}

fn push_wrapped(rows: &mut Vec<Row>, lines: Vec<String>, style: Style) {
    for l in lines {
        rows.push(Row::Text(Line::from(Span::styled(l, style))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn draw(d: &Dialog, w: u16, h: u16) -> (String, DialogLayout) {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let mut out = DialogLayout::default();
        term.draw(|f| out = d.render(f, f.area(), &Theme { color: false })).expect("draw");
        (term.backend().to_string(), out)
    }

    #[test]
    fn width_follows_content_then_the_screen_up_to_a_maximum() {
        let short = Dialog::confirm("Quit?");
        assert_eq!(short.width_for(200), MIN_WIDTH);
        let long = Dialog::confirm("t").text("x".repeat(300));
        assert_eq!(long.width_for(80), 78);
        assert_eq!(long.width_for(120), MAX_WIDTH);
        assert_eq!(long.width_for(200), MAX_WIDTH);
        assert_eq!(long.width_for(30), 28);
    }

    #[test]
    fn a_slot_is_handed_to_the_caller_where_it_landed() {
        let d = Dialog::confirm("Approve")
            .consequence("Creates an account.")
            .slot(7, 3)
            .keys(vec![("Ctrl-S".into(), "approve".into()), ("Esc".into(), "cancel".into())]);
        let (text, layout) = draw(&d, 80, 24);
        let (id, r) = layout.slots[0];
        assert_eq!(id, 7);
        assert_eq!(r.height, 3);
        assert!(r.y > layout.outer.y + 1, "below the consequence");
        assert!(text.contains("Ctrl-S approve · Esc cancel"), "{text}");
        // Scrolled past its first row, it is not handed out (half a form is no form).
        let mut d = Dialog::confirm("t").text("x ".repeat(2000)).slot(1, 4);
        d.scroll = 1;
        let (_, layout) = draw(&d, 80, 24);
        assert!(layout.slots.is_empty());
        assert!(layout.max_scroll > 0);
    }

    #[test]
    fn the_key_row_stays_on_a_tiny_screen() {
        let d = Dialog::destructive("Delete", "delete").consequence("It cannot be undone.");
        let d = (0..50).fold(d, |d, i| d.item(format!("item {i}")));
        let (text, layout) = draw(&d, 60, 12);
        assert!(text.contains("y delete · Esc cancel"), "{text}");
        assert!(text.contains("⚠ It cannot be undone."), "{text}");
        assert!(text.contains("scroll"), "{text}");
        assert_eq!(
            layout.max_scroll,
            d.max_scroll(Rect::new(0, 0, 60, 12), &Theme { color: false })
        );
    }

    #[test]
    fn a_long_key_row_wraps_between_keys_and_stays_pinned() {
        let keys: Vec<(String, String)> = [
            ("y/Enter", "approve"),
            ("i", "edit the account name"),
            ("Tab", "next field"),
            ("Ctrl-R", "reveal"),
            ("Esc", "cancel"),
        ]
        .iter()
        .map(|(k, l)| (k.to_string(), l.to_string()))
        .collect();
        let d = (0..60).fold(Dialog::confirm("Approve").keys(keys.clone()), |d, i| {
            d.item(format!("member {i}"))
        });
        for (w, h) in [(80, 24), (60, 16), (200, 60)] {
            let (text, layout) = draw(&d, w, h);
            for (k, l) in &keys {
                assert!(text.contains(&format!("{k} {l}")), "{k} cut at {w}x{h}:\n{text}");
            }
            assert!(text.contains("scroll (0 above"), "{text}");
            assert!(layout.max_scroll > 0);
            // The keys sit on the last rows inside the border, under a blank row.
            let rows: Vec<&str> = text.lines().collect();
            let bottom = (layout.outer.y + layout.outer.height - 2) as usize;
            assert!(rows[bottom].contains("scroll") || rows[bottom].contains("Esc"), "{text}");
        }
        // Scrolled to the end, the last item shows above the keys.
        let mut d = d;
        d.scroll = u16::MAX;
        let (text, _) = draw(&d, 80, 24);
        assert!(text.contains("member 59") && text.contains("0 below"), "{text}");
    }
}
