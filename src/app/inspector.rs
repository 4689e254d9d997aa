//! The API call inspector (`L`) and the readable audit log (`A`): overlays
//! over the ring of recorded calls and the audit entries. Selection is by
//! record (a sequence number), so it stays on the chosen call while new ones
//! arrive; filters are computed on keys and arrivals, never per frame.

use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::api::RequestRecord;
use crate::audit::{AuditEntry, Names};
use crate::secret::Secret;
use crate::ui::{Effect, Keymap, Shared};
use crate::widgets::{TextField, Theme, ellipsize};

/// Calls the inspector keeps (oldest dropped first); each body is capped at
/// [`crate::api::inspect::BODY_CAP`].
pub const INSPECTOR_RING: usize = 1000;

/// Bytes the kept calls may hold in all (bodies, headers, URLs, error text):
/// 16 MiB. Without it the worst case is [`INSPECTOR_RING`] calls with two
/// capped bodies each, about 128 MiB; with it, large calls push the oldest
/// out first (about 128 calls of 128 KiB each), small ones are still kept
/// 1 000 at a time.
pub const INSPECTOR_BYTES: usize = 16 * 1024 * 1024;

/// What one kept call costs against [`INSPECTOR_BYTES`]: the text it holds
/// plus the fixed size of its two structs.
pub fn record_bytes(r: &RequestRecord) -> usize {
    let d = &r.detail;
    let headers = |h: &[(String, String)]| h.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    let body =
        |b: &Option<crate::api::inspect::CapturedBody>| b.as_ref().map_or(0, |b| b.text.len());
    std::mem::size_of::<RequestRecord>()
        + std::mem::size_of::<crate::api::RequestDetail>()
        + r.method.len()
        + r.path.len()
        + r.error.as_ref().map_or(0, String::len)
        + d.host.len()
        + d.url.len()
        + d.client_id.len()
        + headers(&d.request_headers)
        + headers(&d.response_headers)
        + body(&d.request_body)
        + body(&d.response_body)
}

/// The calls the inspector shows, oldest first: at most `max_records` of them
/// and `max_bytes` in all ([`record_bytes`]), the oldest dropped first. The
/// newest call is always kept, whatever its size. Reads go through `Deref`.
#[derive(Debug)]
pub struct RequestLog {
    records: VecDeque<RequestRecord>,
    bytes: usize,
    max_records: usize,
    max_bytes: usize,
}

impl Default for RequestLog {
    fn default() -> Self {
        Self::with_limits(INSPECTOR_RING, INSPECTOR_BYTES)
    }
}

impl RequestLog {
    pub fn with_limits(max_records: usize, max_bytes: usize) -> Self {
        RequestLog { records: VecDeque::new(), bytes: 0, max_records, max_bytes }
    }

    /// Appends a call and drops the oldest ones beyond either limit.
    pub fn push(&mut self, r: RequestRecord) {
        self.bytes += record_bytes(&r);
        self.records.push_back(r);
        while self.records.len() > self.max_records.max(1)
            || (self.bytes > self.max_bytes && self.records.len() > 1)
        {
            match self.records.pop_front() {
                Some(old) => self.bytes = self.bytes.saturating_sub(record_bytes(&old)),
                None => break,
            }
        }
    }

    /// The bytes the kept calls hold ([`record_bytes`] summed).
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl std::ops::Deref for RequestLog {
    type Target = VecDeque<RequestRecord>;
    fn deref(&self) -> &Self::Target {
        &self.records
    }
}

/// What an overlay key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Handled,
    Close,
}

/// The state of the `L` overlay.
#[derive(Debug, Default)]
pub struct Inspector {
    /// Records ever pushed (the sequence number of the next one).
    pub pushed: u64,
    /// Sequence numbers of the records that pass the filter, oldest first.
    pub visible: Vec<u64>,
    /// The selected record's sequence number (`None`: follow the newest).
    pub selected: Option<u64>,
    pub filter: TextField,
    pub filtering: bool,
    pub errors_only: bool,
    /// The detail view of one record: its text, formatted once.
    pub detail: Option<Detail>,
}

#[derive(Debug, Clone)]
pub struct Detail {
    pub seq: u64,
    pub lines: Vec<(Style, String)>,
    pub scroll: u16,
    pub curl: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Title,
    Dim,
    Plain,
    Error,
}

fn service(r: &RequestRecord) -> &'static str {
    if r.path.starts_with("/v1/") { "Beyond Identity" } else { "Commerce" }
}

fn status_text(r: &RequestRecord) -> String {
    match (r.status, &r.error) {
        (Some(s), _) => s.to_string(),
        (None, Some(_)) => "error".to_owned(),
        (None, None) => "–".to_owned(),
    }
}

impl Inspector {
    pub fn new() -> Self {
        Inspector {
            filter: TextField::new("Filter").placeholder("path or status"),
            ..Default::default()
        }
    }

    fn seq_of(&self, log: &VecDeque<RequestRecord>, i: usize) -> u64 {
        self.pushed - log.len() as u64 + i as u64
    }

    fn get<'a>(&self, log: &'a VecDeque<RequestRecord>, seq: u64) -> Option<&'a RequestRecord> {
        let first = self.pushed.checked_sub(log.len() as u64)?;
        log.get(usize::try_from(seq.checked_sub(first)?).ok()?)
    }

    /// A record was pushed (the caller trims the ring).
    pub fn pushed_one(&mut self, log: &VecDeque<RequestRecord>, open: bool) {
        self.pushed += 1;
        if open {
            self.refresh(log);
        }
    }

    fn passes(&self, r: &RequestRecord) -> bool {
        if self.errors_only && !r.is_error() {
            return false;
        }
        let f = self.filter.value().trim().to_lowercase();
        f.is_empty()
            || r.path.to_lowercase().contains(&f)
            || status_text(r).starts_with(&f)
            || r.method.eq_ignore_ascii_case(&f)
    }

    /// Recomputes the visible records.
    pub fn refresh(&mut self, log: &VecDeque<RequestRecord>) {
        self.visible = log
            .iter()
            .enumerate()
            .filter(|(_, r)| self.passes(r))
            .map(|(i, _)| self.seq_of(log, i))
            .collect();
        if let Some(sel) = self.selected
            && !self.visible.contains(&sel)
        {
            self.selected = None;
        }
    }

    /// The selected record (the newest visible one when following).
    pub fn current(&self) -> Option<u64> {
        self.selected.or_else(|| self.visible.last().copied())
    }

    pub fn open(&mut self, log: &VecDeque<RequestRecord>) {
        self.detail = None;
        self.filtering = false;
        self.selected = None;
        self.refresh(log);
    }

    fn move_by(&mut self, delta: isize) {
        let Some(cur) = self.current() else { return };
        let pos = self.visible.iter().position(|s| *s == cur).unwrap_or(0) as isize;
        let last = self.visible.len() as isize - 1;
        let next = (pos + delta).clamp(0, last.max(0)) as usize;
        self.selected = self.visible.get(next).copied();
        if next as isize == last {
            self.selected = None; // back at the newest: follow again
        }
    }

    pub fn on_key(
        &mut self,
        key: KeyEvent,
        log: &VecDeque<RequestRecord>,
        sh: &mut Shared,
    ) -> Outcome {
        if let Some(d) = &mut self.detail {
            match key.code {
                KeyCode::Esc | KeyCode::Enter => self.detail = None,
                KeyCode::Char('q') | KeyCode::Char('L') => return Outcome::Close,
                KeyCode::Up | KeyCode::Char('k') => d.scroll = d.scroll.saturating_sub(1),
                KeyCode::Down | KeyCode::Char('j') => d.scroll = d.scroll.saturating_add(1),
                KeyCode::PageUp => d.scroll = d.scroll.saturating_sub(10),
                KeyCode::PageDown | KeyCode::Char(' ') => d.scroll = d.scroll.saturating_add(10),
                KeyCode::Home | KeyCode::Char('g') => d.scroll = 0,
                KeyCode::Char('c') => copy(sh, d.curl.clone()),
                _ => {}
            }
            return Outcome::Handled;
        }
        if self.filtering {
            match key.code {
                KeyCode::Enter | KeyCode::Up | KeyCode::Down => self.filtering = false,
                KeyCode::Esc => {
                    self.filtering = false;
                    self.filter.set("");
                    self.refresh(log);
                }
                _ => {
                    if self.filter.handle_key(key) {
                        self.refresh(log);
                    }
                }
            }
            return Outcome::Handled;
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('L') => return Outcome::Close,
            KeyCode::Up | KeyCode::Char('k') => self.move_by(-1),
            KeyCode::Down | KeyCode::Char('j') => self.move_by(1),
            KeyCode::PageUp => self.move_by(-10),
            KeyCode::PageDown => self.move_by(10),
            KeyCode::Home | KeyCode::Char('g') => self.selected = self.visible.first().copied(),
            KeyCode::End | KeyCode::Char('G') => self.selected = None,
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Char('e') => {
                self.errors_only = !self.errors_only;
                self.refresh(log);
            }
            KeyCode::Enter => {
                if let Some(seq) = self.current()
                    && let Some(r) = self.get(log, seq)
                {
                    self.detail = Some(detail(seq, r));
                }
            }
            KeyCode::Char('c') => {
                if let Some(r) = self.current().and_then(|s| self.get(log, s)) {
                    copy(sh, r.curl());
                }
            }
            _ => {}
        }
        Outcome::Handled
    }

    /// The overlay's keys (the footer shows them).
    pub fn keymap(&self) -> Keymap {
        Keymap::from_pairs(self.keys())
    }

    /// Footer keys of the overlay.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.detail.is_some() {
            vec![
                ("c", "copy as curl"),
                ("↑↓", "scroll"),
                ("Esc", "back to the list"),
                ("q", "close"),
            ]
        } else if self.filtering {
            vec![("type", "filter by path or status"), ("Enter", "done"), ("Esc", "clear")]
        } else {
            vec![
                ("Enter", "details"),
                ("c", "copy curl"),
                ("/", "filter"),
                ("e", if self.errors_only { "all calls" } else { "errors only" }),
                ("↑↓", "select"),
                ("Esc", "close"),
            ]
        }
    }

    pub fn draw(&self, log: &VecDeque<RequestRecord>, f: &mut Frame, body: Rect, t: &Theme) {
        f.render_widget(Clear, body);
        let title = match &self.detail {
            Some(d) => format!(" API call #{} ", d.seq + 1),
            None => format!(
                " API calls ({} of the last {}, ring of {INSPECTOR_RING}){} ",
                self.visible.len(),
                log.len(),
                if self.errors_only { " · errors only" } else { "" }
            ),
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, t.title()))
            .border_style(t.focused_border());
        let inner = block.inner(body);
        f.render_widget(block, body);
        let main = inner;
        if let Some(d) = &self.detail {
            draw_detail(d, f, main, t);
            return;
        }
        // The filter gets a row of its own: the column header stays.
        let filtered = self.filtering || !self.filter.value().is_empty();
        let [header, filter, list] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(u16::from(filtered)),
            Constraint::Min(1),
        ])
        .areas(main);
        if filtered {
            self.filter.render(f, filter, 7, self.filtering, t);
        }
        f.render_widget(
            Line::styled(
                format!(
                    "{:<9} {:<6} {:<6} {:>6}  {:<8} {}",
                    "time", "method", "status", "ms", "service", "path"
                ),
                t.dim(),
            ),
            header,
        );
        let height = list.height as usize;
        let cur = self.current();
        let pos = cur.and_then(|c| self.visible.iter().position(|s| *s == c)).unwrap_or(0);
        let start = pos
            .saturating_sub(height.saturating_sub(1))
            .min(self.visible.len().saturating_sub(height));
        let w = list.width as usize;
        let mut lines = Vec::new();
        if self.visible.is_empty() {
            lines.push(Line::styled(
                if log.is_empty() { "no calls yet" } else { "no call matches the filter" },
                t.dim(),
            ));
        }
        for seq in self.visible.iter().skip(start).take(height) {
            let Some(r) = self.get(log, *seq) else { continue };
            let sel = Some(*seq) == cur;
            let retry =
                if r.attempt > 1 { format!(" (attempt {})", r.attempt) } else { String::new() };
            let svc = if service(r) == "Commerce" { "EPCC" } else { "BI" };
            let text = format!(
                "{}{:<8} {:<6} {:<6} {:>6}  {:<8} {}{retry}",
                if sel { "▸" } else { " " },
                r.at.format("%H:%M:%S"),
                r.method,
                status_text(r),
                r.duration.as_millis(),
                svc,
                r.path,
            );
            let text = ellipsize(&text, w);
            let style = if sel {
                t.selected()
            } else if r.is_error() {
                t.error()
            } else {
                t.base()
            };
            lines.push(Line::styled(text, style));
        }
        f.render_widget(Paragraph::new(lines), list);
    }
}

fn copy(sh: &mut Shared, text: String) {
    sh.effects.push(Effect::Copy(Secret::new(text)));
    sh.toast("copied as curl (secrets are $VARIABLES)");
}

/// The detail text of one record, formatted once when it opens.
pub fn detail(seq: u64, r: &RequestRecord) -> Detail {
    let d = &r.detail;
    let mut lines: Vec<(Style, String)> = Vec::new();
    let mut push = |s: Style, t: String| lines.push((s, t));
    push(Style::Title, format!("{} {}", r.method, d.url));
    push(
        Style::Plain,
        format!(
            "host {} ({})   status {}   {} ms   attempt {}   at {}",
            d.host,
            service(r),
            status_text(r),
            r.duration.as_millis(),
            r.attempt,
            r.at.format("%Y-%m-%d %H:%M:%S%.3f UTC")
        ),
    );
    if let Some(e) = &r.error {
        push(Style::Error, format!("error: {e}"));
    }
    push(Style::Plain, String::new());
    push(Style::Title, "Request headers".into());
    for (k, v) in &d.request_headers {
        push(Style::Plain, format!("  {k}: {v}"));
    }
    let body =
        |b: &Option<crate::api::inspect::CapturedBody>, lines: &mut Vec<(Style, String)>| match b {
            None => lines.push((Style::Dim, "  (empty)".into())),
            Some(b) => {
                for l in b.pretty().lines() {
                    lines.push((Style::Plain, format!("  {l}")));
                }
                if b.truncated {
                    lines.push((Style::Error, format!("  … cut at 64 KiB of {} bytes", b.len)));
                }
            }
        };
    lines.push((Style::Plain, String::new()));
    lines.push((Style::Title, "Request body".into()));
    body(&d.request_body, &mut lines);
    lines.push((Style::Plain, String::new()));
    lines.push((Style::Title, "Response headers".into()));
    if d.response_headers.is_empty() {
        lines.push((Style::Dim, "  (no response)".into()));
    }
    for (k, v) in &d.response_headers {
        lines.push((Style::Plain, format!("  {k}: {v}")));
    }
    lines.push((Style::Plain, String::new()));
    lines.push((Style::Title, "Response body".into()));
    body(&d.response_body, &mut lines);
    lines.push((Style::Plain, String::new()));
    lines.push((
        Style::Dim,
        "«$VAR»: a secret, redacted before it was recorded; the curl copy reads it from $VAR"
            .into(),
    ));
    Detail { seq, lines, scroll: 0, curl: r.curl() }
}

fn style_of(s: Style, t: &Theme) -> ratatui::style::Style {
    match s {
        Style::Title => t.title(),
        Style::Dim => t.dim(),
        Style::Plain => t.base(),
        Style::Error => t.error(),
    }
}

fn draw_detail(d: &Detail, f: &mut Frame, area: Rect, t: &Theme) {
    let lines: Vec<Line> =
        d.lines.iter().map(|(s, text)| Line::styled(text.clone(), style_of(*s, t))).collect();
    let w = area.width.max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(w)).sum();
    let max = (rows as u16).saturating_sub(area.height.max(1));
    let scroll = d.scroll.min(max);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0)), area);
    if max > 0 && area.height > 0 {
        let hint = if scroll < max { " ↓ more (j/k, PgDn) " } else { " ↑ top (g) " };
        let width = (hint.chars().count() as u16).min(area.width);
        let rect =
            Rect { x: area.x + area.width - width, y: area.y + area.height - 1, width, height: 1 };
        f.render_widget(Line::styled(hint, t.key()), rect);
    }
}

// ------------------------------------------------------------------ audit

/// The state of the `A` overlay: one readable line per entry.
#[derive(Debug, Default)]
pub struct AuditView {
    /// Readable lines, one per entry of the app's audit deque (same order).
    pub lines: Vec<String>,
    pub visible: Vec<usize>,
    /// Index into the audit deque; `None` follows the newest.
    pub selected: Option<usize>,
    pub filter: TextField,
    pub filtering: bool,
    pub detail: Option<(Vec<String>, u16)>,
}

impl AuditView {
    pub fn new() -> Self {
        AuditView {
            filter: TextField::new("Filter").placeholder("e-mail, account, action"),
            ..Default::default()
        }
    }

    /// Rebuilds the readable lines (on open and when entries arrive while open).
    pub fn refresh(&mut self, audit: &VecDeque<AuditEntry>, names: &Names) {
        self.lines = audit.iter().map(|e| crate::audit::readable(e, names)).collect();
        let f = self.filter.value().trim().to_lowercase();
        self.visible = (0..self.lines.len())
            .filter(|i| {
                f.is_empty()
                    || self.lines[*i].to_lowercase().contains(&f)
                    || audit.get(*i).is_some_and(|e| e.action.contains(&f))
            })
            .collect();
        if let Some(s) = self.selected
            && !self.visible.contains(&s)
        {
            self.selected = None;
        }
    }

    pub fn open(&mut self, audit: &VecDeque<AuditEntry>, names: &Names) {
        self.detail = None;
        self.filtering = false;
        self.selected = None;
        self.refresh(audit, names);
    }

    fn current(&self) -> Option<usize> {
        self.selected.or_else(|| self.visible.last().copied())
    }

    pub fn on_key(
        &mut self,
        key: KeyEvent,
        audit: &VecDeque<AuditEntry>,
        names: &Names,
    ) -> Outcome {
        if let Some((_, scroll)) = &mut self.detail {
            match key.code {
                KeyCode::Esc | KeyCode::Enter => self.detail = None,
                KeyCode::Char('q') | KeyCode::Char('A') => return Outcome::Close,
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                KeyCode::Down | KeyCode::Char('j') => *scroll = scroll.saturating_add(1),
                _ => {}
            }
            return Outcome::Handled;
        }
        if self.filtering {
            match key.code {
                KeyCode::Enter | KeyCode::Up | KeyCode::Down => self.filtering = false,
                KeyCode::Esc => {
                    self.filtering = false;
                    self.filter.set("");
                    self.refresh(audit, names);
                }
                _ => {
                    if self.filter.handle_key(key) {
                        self.refresh(audit, names);
                    }
                }
            }
            return Outcome::Handled;
        }
        let pos = self.current().and_then(|c| self.visible.iter().position(|i| *i == c));
        let mv = |s: &mut Self, d: isize| {
            let Some(p) = pos else { return };
            let last = s.visible.len() as isize - 1;
            let n = (p as isize + d).clamp(0, last.max(0)) as usize;
            s.selected = if n as isize == last { None } else { s.visible.get(n).copied() };
        };
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('A') => return Outcome::Close,
            KeyCode::Up | KeyCode::Char('k') => mv(self, -1),
            KeyCode::Down | KeyCode::Char('j') => mv(self, 1),
            KeyCode::PageUp => mv(self, -10),
            KeyCode::PageDown => mv(self, 10),
            KeyCode::End | KeyCode::Char('G') => self.selected = None,
            KeyCode::Home | KeyCode::Char('g') => self.selected = self.visible.first().copied(),
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Enter => {
                if let Some(e) = self.current().and_then(|i| audit.get(i)) {
                    self.detail = Some((audit_detail(e), 0));
                }
            }
            _ => {}
        }
        Outcome::Handled
    }

    /// The overlay's keys (the footer shows them).
    pub fn keymap(&self) -> Keymap {
        Keymap::from_pairs(if self.detail.is_some() {
            vec![("↑↓", "scroll"), ("Esc", "back to the list"), ("q", "close")]
        } else if self.filtering {
            vec![("type", "filter"), ("Enter", "done"), ("Esc", "clear")]
        } else {
            vec![("Enter", "full entry"), ("/", "filter"), ("↑↓", "select"), ("Esc", "close")]
        })
    }

    pub fn draw(&self, audit: &VecDeque<AuditEntry>, f: &mut Frame, body: Rect, t: &Theme) {
        f.render_widget(Clear, body);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(
                format!(" Audit log ({} of {}) ", self.visible.len(), audit.len()),
                t.title(),
            ))
            .border_style(t.focused_border());
        let inner = block.inner(body);
        f.render_widget(block, body);
        let main = inner;
        if let Some((lines, scroll)) = &self.detail {
            let lines: Vec<Line> = lines.iter().map(|l| Line::raw(l.clone())).collect();
            f.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((*scroll, 0)),
                main,
            );
            return;
        }
        let filtered = self.filtering || !self.filter.value().is_empty();
        let [header, filter, list] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(u16::from(filtered)),
            Constraint::Min(1),
        ])
        .areas(main);
        if filtered {
            self.filter.render(f, filter, 7, self.filtering, t);
        }
        f.render_widget(Line::styled("what · when (UTC) · result", t.dim()), header);
        let height = list.height as usize;
        let cur = self.current();
        let pos = cur.and_then(|c| self.visible.iter().position(|i| *i == c)).unwrap_or(0);
        let start = pos
            .saturating_sub(height.saturating_sub(1))
            .min(self.visible.len().saturating_sub(height));
        let mut lines = Vec::new();
        if self.visible.is_empty() {
            lines.push(Line::styled(
                if audit.is_empty() { "no writes yet" } else { "nothing matches" },
                t.dim(),
            ));
        }
        for i in self.visible.iter().skip(start).take(height) {
            let (Some(text), Some(e)) = (self.lines.get(*i), audit.get(*i)) else { continue };
            let sel = Some(*i) == cur;
            let ok =
                e.result == "ok" || e.result.starts_with("ok:") || e.result == "already exists";
            let style = if sel {
                t.selected()
            } else if ok {
                t.base()
            } else {
                t.error()
            };
            lines.push(Line::styled(
                ellipsize(&format!("{}{text}", if sel { "▸ " } else { "  " }), list.width as usize),
                style,
            ));
        }
        f.render_widget(Paragraph::new(lines), list);
    }
}

/// The full entry, one field a line.
pub fn audit_detail(e: &AuditEntry) -> Vec<String> {
    let mut out = vec![
        format!("time       {}", e.time.format("%Y-%m-%d %H:%M:%S UTC")),
        format!("store      {}", e.store),
        format!("client id  {}", e.client_id),
        format!("action     {}", e.action),
        format!("result     {}", e.result),
        String::new(),
        "target".to_owned(),
    ];
    let pretty = serde_json::to_string_pretty(&e.target).unwrap_or_default();
    out.extend(pretty.lines().map(|l| format!("  {l}")));
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::api::RequestDetail;
    use crate::api::inspect::{BODY_CAP, BodyKind, CapturedBody};

    /// A call with both bodies at their cap (the worst case per call).
    fn big(path: &str) -> RequestRecord {
        let body = |c: &str| {
            Some(CapturedBody {
                kind: BodyKind::Json,
                text: c.repeat(BODY_CAP),
                len: 2 * BODY_CAP,
                truncated: true,
            })
        };
        let detail = RequestDetail {
            url: format!("http://127.0.0.1:1{path}"),
            request_body: body("q"),
            response_body: body("r"),
            ..Default::default()
        };
        RequestRecord {
            method: "POST".into(),
            path: path.into(),
            status: Some(200),
            attempt: 1,
            detail: Arc::new(detail),
            ..Default::default()
        }
    }

    fn small(path: &str) -> RequestRecord {
        RequestRecord { method: "GET".into(), path: path.into(), ..Default::default() }
    }

    #[test]
    fn large_calls_are_kept_within_the_byte_budget_oldest_out_first() {
        let mut log = RequestLog::default();
        for i in 0..INSPECTOR_RING {
            log.push(big(&format!("/v2/big/{i:04}")));
        }
        let per = record_bytes(&big("/v2/big/0000"));
        assert!(per > 2 * BODY_CAP);
        // 1 000 such calls would be ~128 MiB: the budget holds far fewer.
        assert!(log.bytes() <= INSPECTOR_BYTES, "{}", log.bytes());
        assert!(log.bytes() > INSPECTOR_BYTES - per, "no more was dropped than needed");
        assert_eq!(log.len(), INSPECTOR_BYTES / per);
        assert_eq!(log.bytes(), log.iter().map(record_bytes).sum::<usize>());
        // The newest are kept, in order; the oldest went first.
        let first = INSPECTOR_RING - log.len();
        assert_eq!(log.front().map(|r| r.path.clone()), Some(format!("/v2/big/{first:04}")));
        assert_eq!(log.back().map(|r| r.path.as_str()), Some("/v2/big/0999"));

        // Small calls push the large ones out and are kept 1 000 at a time.
        for i in 0..INSPECTOR_RING {
            log.push(small(&format!("/v2/small/{i}")));
        }
        assert_eq!(log.len(), INSPECTOR_RING);
        assert!(log.iter().all(|r| r.path.starts_with("/v2/small/")));
        assert_eq!(log.bytes(), log.iter().map(record_bytes).sum::<usize>());
    }

    #[test]
    fn the_newest_call_is_kept_even_when_it_alone_is_over_the_budget() {
        let mut log = RequestLog::with_limits(10, 100);
        log.push(big("/a"));
        log.push(big("/b"));
        assert_eq!(log.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(), ["/b"]);
        assert_eq!(log.bytes(), record_bytes(&big("/b")));
    }

    #[test]
    fn the_inspector_follows_records_dropped_for_bytes() {
        let per = record_bytes(&big("/v2/big/0"));
        let mut log = RequestLog::with_limits(INSPECTOR_RING, 3 * per);
        let mut ins = Inspector::new();
        for i in 0..5 {
            log.push(big(&format!("/v2/big/{i}")));
            ins.pushed_one(&log, true);
        }
        assert_eq!(log.len(), 3);
        let paths: Vec<&str> =
            ins.visible.iter().filter_map(|s| ins.get(&log, *s)).map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/v2/big/2", "/v2/big/3", "/v2/big/4"]);
        // A selected call stays selected until it is dropped.
        ins.selected = ins.visible.first().copied();
        log.push(big("/v2/big/5"));
        ins.pushed_one(&log, true);
        assert_eq!(ins.selected, None, "the selected call was dropped: back to following");
        let sel = ins.current().and_then(|s| ins.get(&log, s)).map(|r| r.path.as_str());
        assert_eq!(sel, Some("/v2/big/5"));
    }
}
