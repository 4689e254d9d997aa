//! A list whose selection and marks belong to items, not to positions.
//! Generic: the owner keeps its items in a slice (its order is the list's
//! order) and hands them in; the list keeps the indices that pass the `/`
//! filter, the cursor, the marks and the scroll offset.
//!
//! # Rules
//! - The cursor stays on the same item (by [`Item::key`]) across a refresh,
//!   a filter, clearing the filter, inserts and removals. When that item is
//!   gone (removed, or hidden by the filter) the cursor goes to the nearest
//!   row: the first surviving item that followed it, else the one before it,
//!   else the row at the item's old place in the owner's order.
//! - Marks are kept by key: a refresh or a filter keeps them (a marked item
//!   hidden by the filter stays marked and is still acted on); an item that
//!   is removed loses its mark.
//! - With marks, actions act on the marked items only ([`List::targets`]);
//!   without, on the cursor row.
//!
//! # Keys
//! `↑↓` `j` `k` move, `PgUp` `PgDn` by a page, `g` `G` `Home` `End` first and
//! last; `Space` marks or unmarks and moves down; `v` starts a range mark at
//! the cursor (moving marks every row between it and the cursor; `v` again
//! ends it, `Esc` undoes it); `*` marks every row the filter shows; `u`
//! unmarks all; `/` edits the filter (`Enter` or an arrow keeps it, `Esc`
//! clears it); `Esc` clears a kept filter.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{TextField, Theme};

/// What the list needs to know about an item.
pub trait Item {
    /// A stable, unique id (a member id, an event id).
    fn key(&self) -> &str;
    /// Whether the item passes the filter; `needle` is lowercase, trimmed and not empty.
    fn matches(&self, needle: &str) -> bool {
        let _ = needle;
        true
    }
    /// Whether the item can be marked (an approved member cannot).
    fn markable(&self) -> bool {
        true
    }
}

/// How many neighbours of the cursor are remembered to find "the nearest row".
const NEIGHBOURS: usize = 16;

#[derive(Debug, Clone)]
struct RangeMark {
    anchor: String,
    /// The marks before the range started (`Esc` goes back to them).
    base: HashSet<String>,
}

/// What a key did to the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Not a list key: the owner handles it (`Enter`, actions…).
    Ignored,
    /// Handled; the filter line opened or closed.
    Handled,
    /// The cursor moved.
    Moved,
    /// The marks changed.
    Marks,
    /// The filter text changed; the list has been refiltered.
    Filter,
}

/// What an action acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// The marked items (indices into the owner's slice, in its order).
    Marked(Vec<usize>),
    /// No marks: the item under the cursor.
    Cursor(usize),
    Nothing,
}

impl Targets {
    pub fn indices(&self) -> Vec<usize> {
        match self {
            Targets::Marked(v) => v.clone(),
            Targets::Cursor(i) => vec![*i],
            Targets::Nothing => Vec::new(),
        }
    }
    pub fn is_marked(&self) -> bool {
        matches!(self, Targets::Marked(_))
    }
}

#[derive(Debug, Clone)]
pub struct List {
    /// Indices into the owner's items that pass the filter, in its order.
    visible: Vec<usize>,
    /// Position in `visible`.
    cursor: usize,
    selected: Option<String>,
    /// Item index of the selection at the last sync or move.
    selected_index: usize,
    /// Keys that followed / preceded the cursor, nearest first.
    after: Vec<String>,
    before: Vec<String>,
    marks: HashSet<String>,
    range: Option<RangeMark>,
    pub filter: TextField,
    filtering: bool,
    /// Stay on the last row when new items are appended below it (a live tail).
    pub follow: bool,
    offset: Cell<usize>,
    page: Cell<usize>,
}

impl Default for List {
    fn default() -> Self {
        Self::new()
    }
}

impl List {
    pub fn new() -> Self {
        Self {
            visible: Vec::new(),
            cursor: 0,
            selected: None,
            selected_index: 0,
            after: Vec::new(),
            before: Vec::new(),
            marks: HashSet::new(),
            range: None,
            filter: TextField::new("Filter"),
            filtering: false,
            follow: false,
            offset: Cell::new(0),
            page: Cell::new(10),
        }
    }

    /// A list that follows new items appended at the end while its cursor is on the last row.
    pub fn following() -> Self {
        Self { follow: true, ..Self::new() }
    }

    // ---- reading -----------------------------------------------------------

    pub fn visible(&self) -> &[usize] {
        &self.visible
    }
    pub fn len(&self) -> usize {
        self.visible.len()
    }
    pub fn is_empty(&self) -> bool {
        self.visible.is_empty()
    }
    /// Position of the cursor among the visible rows.
    pub fn cursor(&self) -> usize {
        self.cursor
    }
    /// The owner's index of the item under the cursor.
    pub fn cursor_index(&self) -> Option<usize> {
        self.visible.get(self.cursor).copied()
    }
    pub fn selected_key(&self) -> Option<&str> {
        self.selected.as_deref()
    }
    pub fn is_filtering(&self) -> bool {
        self.filtering
    }
    pub fn filter_text(&self) -> &str {
        self.filter.value()
    }
    pub fn marks(&self) -> &HashSet<String> {
        &self.marks
    }
    pub fn mark_count(&self) -> usize {
        self.marks.len()
    }
    pub fn is_marked(&self, key: &str) -> bool {
        self.marks.contains(key)
    }
    /// A range mark is being extended by the cursor.
    pub fn in_range(&self) -> bool {
        self.range.is_some()
    }

    /// The lowercase, trimmed filter ("" when none).
    pub fn needle(&self) -> String {
        self.filter.value().trim().to_lowercase()
    }

    /// What an action acts on: the marked items if there are any (even ones
    /// the filter hides), else the cursor row.
    pub fn targets<T: Item>(&self, items: &[T]) -> Targets {
        if !self.marks.is_empty() {
            let v: Vec<usize> = items
                .iter()
                .enumerate()
                .filter(|(_, it)| self.marks.contains(it.key()))
                .map(|(i, _)| i)
                .collect();
            return Targets::Marked(v);
        }
        match self.cursor_index() {
            Some(i) if i < items.len() => Targets::Cursor(i),
            _ => Targets::Nothing,
        }
    }

    // ---- writing -----------------------------------------------------------

    pub fn clear_marks(&mut self) {
        self.marks.clear();
        self.range = None;
    }
    pub fn unmark(&mut self, key: &str) {
        self.marks.remove(key);
    }
    pub fn mark(&mut self, key: impl Into<String>) {
        self.marks.insert(key.into());
    }

    /// Replaces the filter text and refilters.
    pub fn set_filter<T: Item>(&mut self, text: &str, items: &[T]) {
        self.filter.set(text);
        self.sync(items);
    }

    /// Moves the cursor to an item by key, when it is visible.
    pub fn select_key<T: Item>(&mut self, key: &str, items: &[T]) -> bool {
        match self.visible.iter().position(|&i| items.get(i).is_some_and(|it| it.key() == key)) {
            Some(pos) => {
                self.cursor = pos;
                self.remember(items);
                true
            }
            None => false,
        }
    }

    /// Recomputes the rows after the items or the filter changed, keeping the
    /// selection on its item (else the nearest row) and the marks of the
    /// items still present.
    pub fn sync<T: Item>(&mut self, items: &[T]) {
        let was_last = self.cursor + 1 >= self.visible.len();
        let needle = self.needle();
        self.visible = if needle.is_empty() {
            (0..items.len()).collect()
        } else {
            items.iter().enumerate().filter(|(_, it)| it.matches(&needle)).map(|(i, _)| i).collect()
        };
        if !self.marks.is_empty() || self.range.is_some() {
            let base = self.range.as_ref().map(|r| &r.base);
            let present: HashSet<&str> = items
                .iter()
                .map(Item::key)
                .filter(|k| self.marks.contains(*k) || base.is_some_and(|b| b.contains(*k)))
                .collect();
            self.marks.retain(|m| present.contains(m.as_str()));
            if let Some(r) = &mut self.range {
                r.base.retain(|m| present.contains(m.as_str()));
                if !present.contains(r.anchor.as_str())
                    && !items.iter().any(|it| it.key() == r.anchor)
                {
                    self.range = None;
                }
            }
        }
        self.cursor = if self.follow && was_last {
            self.visible.len().saturating_sub(1)
        } else {
            self.find_selection(items)
        };
        self.remember(items);
    }

    /// Where the selection went: its item, else the nearest surviving neighbour.
    fn find_selection<T: Item>(&self, items: &[T]) -> usize {
        let key_at = |pos: usize| items.get(self.visible[pos]).map(Item::key);
        if let Some(sel) = self.selected.as_deref()
            && let Some(pos) = (0..self.visible.len()).find(|&p| key_at(p) == Some(sel))
        {
            return pos;
        }
        if self.visible.is_empty() {
            return 0;
        }
        // One pass over the rows with the remembered neighbours ranked:
        // followers first (nearest first), then predecessors.
        if !self.after.is_empty() || !self.before.is_empty() {
            let rank: HashMap<&str, usize> = self
                .after
                .iter()
                .chain(self.before.iter())
                .enumerate()
                .map(|(r, k)| (k.as_str(), r))
                .collect();
            let best = (0..self.visible.len())
                .filter_map(|p| key_at(p).and_then(|k| rank.get(k)).map(|r| (*r, p)))
                .min();
            if let Some((_, pos)) = best {
                return pos;
            }
        }
        // The row at the item's old place in the owner's order.
        let pos = self.visible.partition_point(|&i| i < self.selected_index);
        pos.min(self.visible.len() - 1)
    }

    /// Records the item under the cursor and its neighbours.
    fn remember<T: Item>(&mut self, items: &[T]) {
        self.cursor = self.cursor.min(self.visible.len().saturating_sub(1));
        let key = |pos: usize| items.get(self.visible[pos]).map(|it| it.key().to_owned());
        match self.visible.get(self.cursor) {
            Some(&i) => {
                self.selected = key(self.cursor);
                self.selected_index = i;
                let end = (self.cursor + 1 + NEIGHBOURS).min(self.visible.len());
                self.after = (self.cursor + 1..end).filter_map(key).collect();
                let start = self.cursor.saturating_sub(NEIGHBOURS);
                self.before = (start..self.cursor).rev().filter_map(key).collect();
            }
            None => {
                self.after.clear();
                self.before.clear();
            }
        }
    }

    fn move_to<T: Item>(&mut self, pos: usize, items: &[T]) -> Event {
        if self.visible.is_empty() {
            return Event::Handled;
        }
        self.cursor = pos.min(self.visible.len() - 1);
        self.remember(items);
        if self.range.is_some() {
            self.apply_range(items);
            return Event::Marks;
        }
        Event::Moved
    }

    fn apply_range<T: Item>(&mut self, items: &[T]) {
        let Some(r) = &self.range else { return };
        let Some(anchor) =
            self.visible.iter().position(|&i| items.get(i).is_some_and(|it| it.key() == r.anchor))
        else {
            return;
        };
        let (a, b) = (anchor.min(self.cursor), anchor.max(self.cursor));
        let mut marks = r.base.clone();
        for &i in &self.visible[a..=b] {
            if let Some(it) = items.get(i).filter(|it| it.markable()) {
                marks.insert(it.key().to_owned());
            }
        }
        self.marks = marks;
    }

    /// Handles a list key (see the module docs).
    pub fn handle_key<T: Item>(&mut self, key: KeyEvent, items: &[T]) -> Event {
        if key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
            return Event::Ignored;
        }
        if self.filtering {
            return match key.code {
                KeyCode::Esc => {
                    self.filtering = false;
                    self.filter.set("");
                    self.sync(items);
                    Event::Filter
                }
                KeyCode::Enter | KeyCode::Up | KeyCode::Down => {
                    self.filtering = false;
                    Event::Handled
                }
                KeyCode::Tab | KeyCode::BackTab => Event::Ignored,
                _ => {
                    if self.filter.handle_key(key) {
                        self.sync(items);
                        Event::Filter
                    } else {
                        Event::Handled
                    }
                }
            };
        }
        let page = self.page.get().max(1);
        let last = self.visible.len().saturating_sub(1);
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.move_to(self.cursor.saturating_sub(1), items),
            KeyCode::Down | KeyCode::Char('j') => self.move_to(self.cursor + 1, items),
            KeyCode::PageUp => self.move_to(self.cursor.saturating_sub(page), items),
            KeyCode::PageDown => self.move_to(self.cursor + page, items),
            KeyCode::Home | KeyCode::Char('g') => self.move_to(0, items),
            KeyCode::End | KeyCode::Char('G') => self.move_to(last, items),
            KeyCode::Char('/') => {
                self.filtering = true;
                Event::Handled
            }
            KeyCode::Char(' ') => {
                let Some(it) = self.cursor_index().and_then(|i| items.get(i)) else {
                    return Event::Handled;
                };
                let k = it.key().to_owned();
                if !self.marks.remove(&k) && it.markable() {
                    self.marks.insert(k);
                }
                self.range = None;
                if self.cursor < last {
                    self.cursor += 1;
                    self.remember(items);
                }
                Event::Marks
            }
            KeyCode::Char('v') => {
                if self.range.take().is_none()
                    && let Some(k) = self.selected.clone()
                {
                    self.range = Some(RangeMark { anchor: k, base: self.marks.clone() });
                    self.apply_range(items);
                }
                Event::Marks
            }
            KeyCode::Char('*') => {
                self.range = None;
                for &i in &self.visible {
                    if let Some(it) = items.get(i).filter(|it| it.markable()) {
                        self.marks.insert(it.key().to_owned());
                    }
                }
                Event::Marks
            }
            KeyCode::Char('u') => {
                self.clear_marks();
                Event::Marks
            }
            KeyCode::Esc if self.range.is_some() => {
                if let Some(r) = self.range.take() {
                    self.marks = r.base;
                }
                Event::Marks
            }
            KeyCode::Esc if !self.filter.value().is_empty() => {
                self.filter.set("");
                self.sync(items);
                Event::Filter
            }
            _ => Event::Ignored,
        }
    }

    /// Pasted text goes into the filter line while it is open.
    pub fn paste<T: Item>(&mut self, text: &str, items: &[T]) -> Event {
        if !self.filtering {
            return Event::Ignored;
        }
        self.filter.paste(text);
        self.sync(items);
        Event::Filter
    }

    /// The list's keys, for the footer and help.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.filtering {
            return vec![("Enter", "keep filter"), ("Esc", "clear filter")];
        }
        let mut k = vec![("↑↓", "move"), ("/", "filter")];
        if self.range.is_some() {
            k.insert(0, ("v", "end range"));
            k.insert(1, ("Esc", "undo range"));
        } else {
            k.extend([("Space", "mark"), ("v", "range"), ("*", "mark shown")]);
        }
        if !self.marks.is_empty() {
            k.push(("u", "unmark all"));
        }
        k
    }

    /// The positions (into [`List::visible`]) of the rows that fit in
    /// `height`, scrolled so the cursor shows; the offset only moves when the
    /// cursor leaves the window.
    pub fn window(&self, height: usize) -> std::ops::Range<usize> {
        self.page.set(height.max(1));
        let len = self.visible.len();
        let mut off = self.offset.get();
        if self.cursor < off {
            off = self.cursor;
        } else if height > 0 && self.cursor >= off + height {
            off = self.cursor + 1 - height;
        }
        off = off.min(len.saturating_sub(height));
        self.offset.set(off);
        off..(off + height).min(len)
    }

    /// Draws a header and the rows that fit (only those are built), each as
    /// cursor marker, mark, then the cells fitted to `columns`.
    pub fn render<T: Item>(
        &self,
        f: &mut Frame,
        area: Rect,
        items: &[T],
        table: &Table,
        row: impl Fn(&T) -> Row,
        theme: &Theme,
    ) {
        let (columns, empty) = (table.columns, table.empty);
        if area.height == 0 || area.width == 0 {
            return;
        }
        let widths = layout_columns(columns, area.width.saturating_sub(PREFIX) as usize);
        let mut lines = Vec::with_capacity(area.height as usize);
        let header: Vec<String> = columns.iter().map(|c| c.title.to_owned()).collect();
        lines.push(Line::styled(
            format!("{:w$}{}", "", join_cells(&header, columns, &widths), w = PREFIX as usize),
            theme.dim(),
        ));
        let height = area.height.saturating_sub(1) as usize;
        if self.visible.is_empty() {
            lines.push(Line::styled(format!("   {empty}"), theme.dim()));
        }
        for pos in self.window(height) {
            let Some(it) = items.get(self.visible[pos]) else { continue };
            let r = row(it);
            let sel = pos == self.cursor;
            let mark = if self.marks.contains(it.key()) { "●" } else { " " };
            let text = format!(
                "{}{mark} {}",
                if sel { "▸" } else { " " },
                join_cells(&r.cells, columns, &widths)
            );
            let text = truncate_width(&text, area.width as usize);
            let style = if sel && !self.filtering { theme.selected() } else { r.style };
            lines.push(Line::from(Span::styled(text, style)));
        }
        f.render_widget(Paragraph::new(lines), area);
    }
}

/// Columns before the cells: cursor marker, mark, space.
const PREFIX: u16 = 3;

/// How a cell is shortened when it does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Ellipsis at the end.
    Text,
    /// Keeps the domain; the local part is shortened (`luca.ha…@example.com`).
    Email,
    /// Never shortened (a UUID, a time): the column is dropped instead when
    /// the screen is too narrow.
    Whole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    pub min: u16,
    /// The widest it grows (`u16::MAX`: takes what is left).
    pub max: u16,
    pub fit: Fit,
    /// When even the minimum widths do not fit, the column with the highest
    /// number is dropped first; 0 is never dropped.
    pub priority: u8,
}

impl Column {
    pub const fn new(title: &'static str, min: u16, max: u16, fit: Fit, priority: u8) -> Self {
        Self { title, min, max, fit, priority }
    }
}

/// The columns of a list and what it says when no row shows.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    pub columns: &'a [Column],
    pub empty: &'a str,
}

/// The cells of one row and its style.
#[derive(Debug, Clone)]
pub struct Row {
    pub cells: Vec<String>,
    pub style: Style,
}

/// Widths of the columns at `width` (one space between columns); a dropped
/// column gets 0. Minimums first, then the rest spread evenly up to each
/// maximum.
pub fn layout_columns(cols: &[Column], width: usize) -> Vec<usize> {
    let mut shown: Vec<bool> = vec![true; cols.len()];
    let need = |shown: &[bool]| -> usize {
        let n = shown.iter().filter(|s| **s).count();
        cols.iter().zip(shown).filter(|(_, s)| **s).map(|(c, _)| c.min as usize).sum::<usize>()
            + n.saturating_sub(1)
    };
    while need(&shown) > width {
        let drop = cols
            .iter()
            .enumerate()
            .filter(|(i, c)| shown[*i] && c.priority > 0)
            .max_by_key(|(i, c)| (c.priority, *i));
        match drop {
            Some((i, _)) => shown[i] = false,
            None => break,
        }
    }
    let mut w: Vec<usize> =
        cols.iter().zip(&shown).map(|(c, s)| if *s { c.min as usize } else { 0 }).collect();
    let mut spare = width.saturating_sub(need(&shown));
    while spare > 0 {
        let growable: Vec<usize> =
            (0..cols.len()).filter(|&i| shown[i] && w[i] < cols[i].max as usize).collect();
        if growable.is_empty() {
            break;
        }
        let share = (spare / growable.len()).max(1);
        for i in growable {
            if spare == 0 {
                break;
            }
            let add = share.min(cols[i].max as usize - w[i]).min(spare);
            w[i] += add;
            spare -= add;
        }
    }
    w
}

fn join_cells(cells: &[String], cols: &[Column], widths: &[usize]) -> String {
    let mut out = String::new();
    for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
        if *w == 0 {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        let text = cells.get(i).map_or("", String::as_str);
        let fitted = fit(text, *w, c.fit);
        let pad = w.saturating_sub(str_width(&fitted));
        out.push_str(&fitted);
        // The last shown column is not padded.
        if widths[i + 1..].iter().any(|w| *w > 0) {
            out.extend(std::iter::repeat_n(' ', pad));
        }
    }
    out
}

/// Shortens `text` to `width` columns the way its column says.
pub fn fit(text: &str, width: usize, how: Fit) -> String {
    match how {
        Fit::Email => fit_email(text, width),
        Fit::Text | Fit::Whole => truncate_width(text, width),
    }
}

/// Display width of a string in terminal columns.
pub fn str_width(s: &str) -> usize {
    Span::raw(s).width()
}

/// Cuts to `width` columns with an ellipsis when it does not fit.
pub fn truncate_width(s: &str, width: usize) -> String {
    if str_width(s) <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = str_width(c.encode_utf8(&mut [0; 4]));
        if w + cw > width - 1 {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Fits an e-mail address in `width` columns keeping its domain whole:
/// `luca.hansen@example.com` at 20 → `luca.han…@example.com`. When not even
/// one letter of the local part fits, the local part becomes `…` and the
/// domain is cut at its end if it must be (`…@a-very-…`).
pub fn fit_email(s: &str, width: usize) -> String {
    if str_width(s) <= width {
        return s.to_owned();
    }
    let Some(at) = s.rfind('@') else { return truncate_width(s, width) };
    let (local, domain) = (&s[..at], &s[at..]);
    let room = width.saturating_sub(str_width(domain));
    if local.is_empty() || width < 3 {
        return truncate_width(s, width);
    }
    if room < 2 {
        // Not one letter of the local part fits: `…@domain`, the domain cut
        // at its end when even it is too wide (the `@` always shows).
        let mut out = "…".to_owned();
        out.push_str(&truncate_width(domain, width - 1));
        return out;
    }
    let mut out = truncate_width(local, room);
    if !out.ends_with('…') {
        out.push('…');
    }
    out.push_str(domain);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[derive(Debug, Clone)]
    struct It {
        id: String,
        name: String,
        open: bool,
    }
    impl Item for It {
        fn key(&self) -> &str {
            &self.id
        }
        fn matches(&self, needle: &str) -> bool {
            self.name.to_lowercase().contains(needle)
        }
        fn markable(&self) -> bool {
            self.open
        }
    }
    fn items(names: &[&str]) -> Vec<It> {
        names
            .iter()
            .map(|n| It { id: format!("id-{n}"), name: n.to_string(), open: true })
            .collect()
    }
    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }
    fn ch(c: char) -> KeyEvent {
        key(KeyCode::Char(c))
    }
    fn sel<'a>(l: &List, v: &'a [It]) -> &'a str {
        l.cursor_index().map_or("-", |i| v[i].name.as_str())
    }

    #[test]
    fn selection_survives_refresh_insert_and_remove() {
        let mut v = items(&["ann", "bob", "cat", "dan", "eve"]);
        let mut l = List::new();
        l.sync(&v);
        l.handle_key(ch('j'), &v);
        l.handle_key(ch('j'), &v);
        assert_eq!(sel(&l, &v), "cat");
        // Refresh with the same items.
        l.sync(&v);
        assert_eq!(sel(&l, &v), "cat");
        // Inserts above move the row, not the selection.
        v.insert(0, items(&["aaa"]).remove(0));
        v.insert(1, items(&["abe"]).remove(0));
        l.sync(&v);
        assert_eq!(sel(&l, &v), "cat");
        assert_eq!(l.cursor(), 4);
        // Rows above removed (approved members leave the queue).
        v.retain(|x| !["aaa", "ann", "bob"].contains(&x.name.as_str()));
        l.sync(&v);
        assert_eq!(sel(&l, &v), "cat");
        // The selected item removed: the one that followed it.
        v.retain(|x| x.name != "cat");
        l.sync(&v);
        assert_eq!(sel(&l, &v), "dan");
        // The last one removed: the one before.
        l.handle_key(ch('G'), &v);
        assert_eq!(sel(&l, &v), "eve");
        v.retain(|x| x.name != "eve");
        l.sync(&v);
        assert_eq!(sel(&l, &v), "dan");
    }

    #[test]
    fn selection_survives_filter_and_clearing_it() {
        let v = items(&["ann", "bob", "bea", "cat", "dan"]);
        let mut l = List::new();
        l.sync(&v);
        l.handle_key(ch('j'), &v);
        l.handle_key(ch('j'), &v);
        assert_eq!(sel(&l, &v), "bea");
        l.handle_key(ch('/'), &v);
        assert!(l.is_filtering());
        assert_eq!(l.handle_key(ch('b'), &v), Event::Filter);
        assert_eq!(l.len(), 2);
        assert_eq!(sel(&l, &v), "bea");
        l.handle_key(key(KeyCode::Enter), &v);
        assert!(!l.is_filtering());
        l.handle_key(ch('k'), &v);
        assert_eq!(sel(&l, &v), "bob");
        // Clearing the filter keeps bob, not the row at bob's filtered position.
        assert_eq!(l.handle_key(key(KeyCode::Esc), &v), Event::Filter);
        assert_eq!(l.len(), 5);
        assert_eq!(sel(&l, &v), "bob");
        // A filter that hides the selection lands on the nearest row after it.
        l.set_filter("an", &v);
        assert_eq!(sel(&l, &v), "dan");
        l.set_filter("", &v);
        assert_eq!(sel(&l, &v), "dan");
    }

    #[test]
    fn marks_survive_refresh_and_filter_and_drop_with_their_item() {
        let mut v = items(&["ann", "bob", "cat", "dan"]);
        let mut l = List::new();
        l.sync(&v);
        l.handle_key(ch(' '), &v); // ann, moves to bob
        l.handle_key(ch('j'), &v);
        l.handle_key(ch(' '), &v); // cat
        assert_eq!(l.mark_count(), 2);
        // A refresh reorders the items: marks follow the ids.
        v.reverse();
        l.sync(&v);
        assert!(l.is_marked("id-ann") && l.is_marked("id-cat"));
        // Hidden by a filter: still marked, still a target.
        l.set_filter("bob", &v);
        let t = l.targets(&v);
        let names: Vec<&str> = t.indices().iter().map(|i| v[*i].name.as_str()).collect();
        assert_eq!(names, ["cat", "ann"]);
        assert!(t.is_marked());
        l.set_filter("", &v);
        // Removed: the mark goes with it.
        v.retain(|x| x.name != "cat");
        l.sync(&v);
        assert_eq!(l.mark_count(), 1);
    }

    #[test]
    fn with_marks_the_cursor_row_is_never_a_target() {
        let v = items(&["ann", "bob", "cat"]);
        let mut l = List::new();
        l.sync(&v);
        assert_eq!(l.targets(&v), Targets::Cursor(0));
        l.handle_key(ch(' '), &v);
        // The cursor is on bob now, unmarked.
        assert_eq!(sel(&l, &v), "bob");
        assert_eq!(l.targets(&v), Targets::Marked(vec![0]));
        l.handle_key(ch('u'), &v);
        assert_eq!(l.targets(&v), Targets::Cursor(1));
        assert_eq!(List::new().targets(&v), Targets::Nothing);
    }

    #[test]
    fn range_marking_with_v() {
        let mut v = items(&["ann", "bob", "cat", "dan", "eve"]);
        v[2].open = false; // cat cannot be marked
        let mut l = List::new();
        l.sync(&v);
        l.handle_key(ch('j'), &v);
        assert_eq!(l.handle_key(ch('v'), &v), Event::Marks);
        assert!(l.in_range());
        l.handle_key(ch('j'), &v);
        l.handle_key(ch('j'), &v);
        let mut m: Vec<&String> = l.marks().iter().collect();
        m.sort();
        assert_eq!(m, ["id-bob", "id-dan"]);
        // Moving back shrinks the range.
        l.handle_key(ch('k'), &v);
        l.handle_key(ch('k'), &v);
        assert_eq!(l.mark_count(), 1);
        l.handle_key(ch('j'), &v);
        l.handle_key(ch('j'), &v);
        l.handle_key(ch('j'), &v);
        l.handle_key(ch('v'), &v);
        assert!(!l.in_range());
        assert_eq!(l.mark_count(), 3); // bob, dan, eve
        // Moving after the range ended keeps the marks.
        l.handle_key(ch('g'), &v);
        assert_eq!(l.mark_count(), 3);
        // Esc undoes a range in progress, back to the marks before it.
        l.handle_key(ch('v'), &v);
        l.handle_key(ch('G'), &v);
        assert_eq!(l.mark_count(), 4);
        l.handle_key(key(KeyCode::Esc), &v);
        assert_eq!(l.mark_count(), 3);
        assert!(!l.is_marked("id-ann"));
    }

    #[test]
    fn star_marks_what_the_filter_shows() {
        let v = items(&["ann", "bob", "bea", "cat"]);
        let mut l = List::new();
        l.sync(&v);
        l.set_filter("b", &v);
        l.handle_key(ch('*'), &v);
        assert_eq!(l.mark_count(), 2);
        assert!(l.is_marked("id-bob") && l.is_marked("id-bea"));
    }

    #[test]
    fn following_stays_on_the_newest() {
        let mut v = items(&["a", "b"]);
        let mut l = List::following();
        l.sync(&v);
        assert_eq!(sel(&l, &v), "b");
        v.push(items(&["c"]).remove(0));
        l.sync(&v);
        assert_eq!(sel(&l, &v), "c");
        l.handle_key(ch('k'), &v);
        v.push(items(&["d"]).remove(0));
        l.sync(&v);
        assert_eq!(sel(&l, &v), "b", "moved up: no longer follows");
    }

    #[test]
    fn email_keeps_its_domain() {
        assert_eq!(fit_email("luca.hansen@example.com", 30), "luca.hansen@example.com");
        assert_eq!(fit_email("luca.hansen@example.com", 20), "luca.ha…@example.com");
        assert_eq!(str_width(&fit_email("luca.hansen@example.com", 20)), 20);
        assert_eq!(fit_email("luca.hansen@example.com", 14), "l…@example.com");
        // No room for the local part: cut at the end.
        assert_eq!(fit_email("luca.hansen@example.com", 13), "…@example.com");
        assert_eq!(fit_email("luca@a-very-long-domain.example", 10), "…@a-very-…");
        assert_eq!(str_width(&fit_email("luca@a-very-long-domain.example", 10)), 10);
        assert_eq!(fit_email("luca@example.com", 2), "l…");
        assert_eq!(fit_email("no-at-sign-here", 8), "no-at-s…");
    }

    #[test]
    fn columns_adapt_to_the_width() {
        let cols = [
            Column::new("name", 10, 28, Fit::Text, 0),
            Column::new("email", 12, 34, Fit::Email, 0),
            Column::new("signed up", 16, 16, Fit::Whole, 2),
            Column::new("id", 36, u16::MAX, Fit::Whole, 1),
        ];
        let w = layout_columns(&cols, 200);
        assert_eq!(w[..3], [28, 34, 16]);
        assert_eq!(w.iter().sum::<usize>() + 3, 200);
        // Narrow: the lowest priority goes first.
        let w = layout_columns(&cols, 76);
        assert_eq!(w[2], 0);
        assert!(w[3] >= 36);
        let w = layout_columns(&cols, 40);
        assert_eq!((w[2], w[3]), (0, 0));
        assert_eq!(w[0] + w[1] + 1, 40);
    }

    #[test]
    fn only_visible_rows_are_built_and_the_cursor_shows() {
        let v: Vec<It> = (0..100_000)
            .map(|i| It { id: format!("{i}"), name: format!("member {i}"), open: true })
            .collect();
        let mut l = List::new();
        l.sync(&v);
        l.handle_key(ch('G'), &v);
        let built = std::cell::Cell::new(0);
        let cols = [
            Column::new("name", 10, 30, Fit::Text, 0),
            Column::new("email", 10, u16::MAX, Fit::Email, 0),
        ];
        let mut t = Terminal::new(TestBackend::new(60, 10)).expect("backend");
        t.draw(|f| {
            l.render(
                f,
                f.area(),
                &v,
                &Table { columns: &cols, empty: "none" },
                |it| {
                    built.set(built.get() + 1);
                    Row {
                        cells: vec![it.name.clone(), format!("{}@example.com", it.id)],
                        style: Style::new(),
                    }
                },
                &Theme { color: false },
            )
        })
        .expect("draw");
        assert_eq!(built.get(), 9);
        let buf = t.backend().buffer().clone();
        let last: String = (0..60).map(|x| buf[(x, 9)].symbol().to_owned()).collect();
        assert!(last.starts_with("▸  member 99999"), "{last}");
    }
}
