//! Drawing the console from owned state only: no I/O, no locks, no awaits.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::keys::global_keymap;
use super::{App, Overlay};
use crate::api::TokenState;
use crate::ui::keymap::fit_footer;
use crate::ui::{Bind, Connection, Keymap, PanelId, StepStatus};
use crate::widgets::wrap::wrap_hanging;
use crate::widgets::{SPINNER, centered, ellipsize};

/// Below this size the console shows a message instead of a broken layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    let t = &app.sh.theme;
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = vec![
            Line::styled("Terminal too small", t.error()),
            Line::from(format!(
                "{}×{} — need at least {MIN_WIDTH}×{MIN_HEIGHT}",
                area.width, area.height
            )),
            Line::from(if app.sh.confirm.is_some() {
                "A dialog is open: resize to answer it (Ctrl-C quits now)."
            } else {
                "Resize, or press q to quit."
            }),
        ];
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let error_lines = error_lines(app, area.width);
    let [header, stepper, body, error, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(error_lines.len() as u16),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(app, f, header);
    draw_stepper(app, f, stepper);
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(format!(" {} ", app.focus.title()), t.title()));
    let inner = block.inner(body);
    f.render_widget(block, body);
    app.panel(app.focus).view(f, inner, &app.sh);
    f.render_widget(Paragraph::new(error_lines), error);
    draw_status(app, f, status);
    draw_footer(app, f, footer);
    match app.overlay {
        Some(Overlay::Help) => draw_help(app, f, area),
        Some(Overlay::Log) => app.inspector.draw(&app.request_log, f, body, &app.sh.theme),
        Some(Overlay::Audit) => app.audit_view.draw(&app.audit, f, body, &app.sh.theme),
        None => {}
    }
    if let Some(c) = &app.sh.confirm {
        c.dialog.render(f, area, t);
    }
}

/// Rows the sticky error line takes at most (it wraps, under its mark).
const ERROR_ROWS: usize = 3;

/// The sticky error line, wrapped whole (up to `ERROR_ROWS`; the request log
/// keeps every response).
fn error_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let Some(e) = &app.sh.error else { return Vec::new() };
    let t = &app.sh.theme;
    let text = format!("{e}  (Esc dismisses)");
    let mut rows = wrap_hanging(&text, width.saturating_sub(1) as usize, " ✗ ", "   ");
    if rows.len() > ERROR_ROWS {
        rows.truncate(ERROR_ROWS);
        if let Some(last) = rows.last_mut() {
            *last = format!(
                "{} (L: whole response)",
                ellipsize(last, width.saturating_sub(22) as usize)
            );
        }
    }
    rows.into_iter().map(|r| Line::styled(r, t.error())).collect()
}

fn draw_header(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.sh.theme;
    let mut spans = vec![Span::styled(" onboard ", t.accent())];
    match &app.sh.connection {
        Connection::Connecting { sandbox: true } => {
            spans.push(Span::styled(" SANDBOX ", t.banner()));
            spans.push(Span::styled(" starting the embedded sandbox…", t.dim()));
        }
        Connection::Connecting { sandbox: false } => {
            spans.push(Span::styled(" connecting…", t.dim()));
        }
        Connection::Connected(c) if c.sandbox => {
            spans.push(Span::styled(" SANDBOX ", t.banner()));
            spans.push(Span::styled(format!(" {} ", c.host), t.dim()));
        }
        Connection::Connected(c) => {
            spans.push(Span::raw(format!(" {} ", c.host)));
            spans.push(Span::styled(format!("[{}]", c.profile), t.dim()));
        }
        Connection::Failed(_) => spans.push(Span::styled(" not connected ", t.error())),
    }
    if app.sh.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" READ-ONLY ", t.banner()));
    }
    spans.push(Span::raw("  token "));
    spans.push(match &app.sh.token {
        None => Span::styled("–", t.dim()),
        Some(TokenState::Valid { .. }) => Span::styled("valid", t.ok()),
        Some(TokenState::Renewing) => Span::styled("renewing", t.warn()),
        Some(TokenState::Failed(_)) => Span::styled("failed", t.error()),
    });
    let realm = app.sh.data.settings.as_ref().and_then(|s| s.realm_id());
    spans.push(Span::raw("  realm "));
    // Ellipsized to the room left, so a cut id always shows that it is cut.
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = (area.width as usize).saturating_sub(used).min(36);
    spans.push(Span::styled(realm.map_or("–".to_owned(), |r| ellipsize(r, room)), t.dim()));
    f.render_widget(Line::from(spans), area);
}

fn draw_stepper(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.sh.theme;
    // The marks explained, when there is room for it.
    const LEGEND: &str = "✓ ready  ! needs attention  · not visited ";
    let width = area.width as usize;
    let legend = LEGEND.chars().count() + 2;
    let spelled = stepper_spans(app, Steps::Spelled);
    let compact = stepper_spans(app, Steps::Compact);
    let len = |spans: &[Span]| spans.iter().map(|s| s.content.chars().count()).sum::<usize>();
    // Spelled out with the legend; else compact with the legend; else
    // spelled out alone if it fits; else compact; else numbers and marks
    // with the focused step's name; else numbers and marks only (help
    // explains the marks): all five steps always show.
    let (mut spans, with_legend) = if len(&spelled) + legend <= width {
        (spelled, true)
    } else if len(&compact) + legend <= width {
        (compact, true)
    } else if len(&spelled) <= width {
        (spelled, false)
    } else if len(&compact) <= width {
        (compact, false)
    } else {
        let focused = stepper_spans(app, Steps::Numbers { focused_title: true });
        if len(&focused) <= width {
            (focused, false)
        } else {
            (stepper_spans(app, Steps::Numbers { focused_title: false }), false)
        }
    };
    if with_legend {
        let used = len(&spans);
        spans.push(Span::raw(" ".repeat(width - used - LEGEND.chars().count())));
        spans.push(Span::styled(LEGEND, t.dim()));
    }
    f.render_widget(Line::from(spans), area);
}

/// How much of the steps the stepper spells out.
#[derive(Clone, Copy, PartialEq)]
enum Steps {
    /// `1 Settings ✓ → 2 Sign up ! → … OTP events …`
    Spelled,
    /// `1 Settings ✓ › … OTP …`
    Compact,
    /// `1 ✓ 2 ! …`: numbers and marks (the focused step's name too, if asked).
    Numbers { focused_title: bool },
}

/// The steps with their marks: spelled out (`→`, "OTP events"), compact, or
/// numbers and marks.
fn stepper_spans(app: &App, level: Steps) -> Vec<Span<'static>> {
    let t = &app.sh.theme;
    let compact = level != Steps::Spelled;
    let mut spans = vec![Span::raw(" ")];
    for (i, p) in PanelId::ALL.iter().enumerate() {
        if i > 0 {
            let sep = match level {
                Steps::Spelled => " → ",
                Steps::Compact => "›",
                Steps::Numbers { .. } => "",
            };
            spans.push(Span::styled(sep, t.dim()));
        }
        let (mark, style) = match app.step_status(*p) {
            StepStatus::NotVisited => ("·", t.dim()),
            StepStatus::Ready => ("✓", t.ok()),
            StepStatus::Attention => ("!", t.warn()),
            StepStatus::Working => ("…", t.dim()),
        };
        let title = if compact && *p == PanelId::Otp { "OTP" } else { p.title() };
        let count = match (*p, app.pending()) {
            // While the scan runs the count so far is a lower bound.
            (PanelId::Approvals, Some(n)) if app.approvals.scan.is_some() => format!(" ({n}…)"),
            (PanelId::Approvals, Some(n)) => format!(" ({n})"),
            _ => String::new(),
        };
        let label = match level {
            Steps::Numbers { focused_title } if !(focused_title && *p == app.focus) => {
                format!("{}{} {}", i + 1, count, mark)
            }
            _ => format!("{} {}{} {}", i + 1, title, count, mark),
        };
        let style = if *p == app.focus { t.selected() } else { style };
        spans.push(Span::styled(format!(" {label} "), style));
    }
    spans
}

/// The status line: work in flight on the left, the toast (one at a time) on
/// the right. Nothing else draws there, so a toast never covers a row.
fn draw_status(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.sh.theme;
    let toast = app.sh.toasts.back().map(|toast| {
        let style = if toast.error { t.error() } else { t.ok() };
        let mark = if toast.error { "✗" } else { "✓" };
        (format!(" {mark} {} ", toast.text), style)
    });
    let toast_w = toast.as_ref().map_or(0, |(s, _)| s.chars().count() as u16).min(area.width);
    // The slowed rate (below) takes the place of the hint; a toast shows
    // alone rather than beside a cut hint (the hint is back once it expires);
    // an overlay (help, inspector, audit) is not about the panel's next step.
    if app.sh.inflight.is_empty()
        && app.sh.rate.is_none()
        && toast.is_none()
        && app.overlay.is_none()
        && let Some(hint) = app.next_hint()
    {
        let hint = ellipsize(&hint, (area.width as usize).saturating_sub(1));
        f.render_widget(Line::styled(format!(" {hint}"), t.accent()), area);
    }
    let mut text = String::new();
    if let Some(flight) = app.sh.inflight.values().next() {
        let more = app.sh.inflight.len() - 1;
        text = format!(" {} {}", SPINNER[app.sh.spinner % SPINNER.len()], flight.label);
        if more > 0 {
            text.push_str(&format!(" (+{more})"));
        }
    }
    if let Some(r) = &app.sh.rate {
        // The store answered 429: the client slowed down and is growing back.
        text.push_str(&format!(
            "  · store rate limit: {:.0} of {:.0} req/s",
            r.effective.floor(),
            r.configured
        ));
    }
    if !text.is_empty() {
        let room = area.width.saturating_sub(toast_w + 1) as usize;
        f.render_widget(Line::styled(ellipsize(&text, room), t.warn()), area);
    }
    if let Some((text, style)) = toast {
        let rect = Rect { x: area.x + area.width - toast_w, width: toast_w, ..area };
        f.render_widget(Line::styled(ellipsize(&text, toast_w as usize), style), rect);
    }
}

/// The footer: the focused panel's keymap (primary actions first), then the
/// global keys; when narrow, global keys go first.
fn draw_footer(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.sh.theme;
    if let Some(c) = &app.sh.confirm {
        // A dialog has the keys: the same row it shows at its bottom.
        let mut spans = Vec::new();
        for (k, l) in c.dialog.key_row() {
            spans.push(Span::styled(format!(" {k}"), t.key()));
            spans.push(Span::raw(format!(" {l} ")));
        }
        f.render_widget(Line::from(spans), area);
        return;
    }
    let (panel, global) = if app.overlay == Some(Overlay::Help) {
        (
            Keymap::new(vec![
                Bind::moves("↑↓", "scroll"),
                Bind::moves("PgUp/PgDn", "page"),
                Bind::moves("Esc", "close"),
            ]),
            Keymap::default(),
        )
    } else if app.overlay == Some(Overlay::Log) {
        (app.inspector.keymap(), Keymap::default())
    } else if app.overlay == Some(Overlay::Audit) {
        (app.audit_view.keymap(), Keymap::default())
    } else {
        (app.panel(app.focus).keymap(&app.sh), global_keymap(app.editing()))
    };
    let mut all = panel.footer();
    // A global key the panel takes itself (Tab in a form, any letter in a
    // dialog) is not offered: it would not do what the footer says.
    all.extend(
        global
            .footer()
            .into_iter()
            .filter(|g| !g.examples().iter().any(|e| panel.find(e).is_some())),
    );
    let mut spans = Vec::new();
    for b in fit_footer(&all, area.width as usize) {
        spans.push(Span::styled(format!(" {}", b.keys), t.key()));
        spans.push(Span::raw(format!(" {} ", b.label)));
    }
    f.render_widget(Line::from(spans), area);
}

/// Help: the focused panel's keymap, the global keys, and how the console
/// behaves (typing, dialogs, Esc, the stepper's marks). `width`: text columns.
/// One help entry: the keys in a column `key_w` wide, the text wrapped
/// beside them. Keys too long for the column get a row of their own (the
/// text starts under the column), so they never run into the text.
pub(super) fn help_row(
    lines: &mut Vec<Line<'static>>,
    keys: &str,
    text: &str,
    key_style: ratatui::style::Style,
    key_w: usize,
    width: usize,
) {
    let pad = " ".repeat(key_w + 2);
    let own_row = Span::raw(keys).width() >= key_w;
    if own_row {
        for k in wrap_hanging(keys, width.saturating_sub(2).max(10), "", "") {
            lines.push(Line::styled(format!("  {k}"), key_style));
        }
    }
    let rows = wrap_hanging(text, width.saturating_sub(key_w + 2).max(10), "", "");
    for (i, r) in rows.into_iter().enumerate() {
        let k = if i == 0 && !own_row { format!("  {keys:<key_w$}") } else { pad.clone() };
        lines.push(Line::from(vec![Span::styled(k, key_style), Span::raw(r)]));
    }
}

pub fn help_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = &app.sh.theme;
    let mut lines = Vec::new();
    let key_w = 16;
    let section = |lines: &mut Vec<Line<'static>>, title: String, binds: Vec<Bind>| {
        lines.push(Line::styled(title, t.title()));
        for b in binds {
            let mut text = if b.help.is_empty() { b.label.to_owned() } else { b.help.to_owned() };
            if let Some(why) = b.off {
                text.push_str(&format!(" — off: {why}"));
            }
            let ks = if b.off.is_some() { t.dim() } else { t.key() };
            help_row(lines, b.keys, &text, ks, key_w, width);
        }
        lines.push(Line::default());
    };
    section(&mut lines, app.focus.title().to_owned(), app.panel(app.focus).keymap(&app.sh).binds);
    section(&mut lines, "Everywhere".to_owned(), global_keymap(false).binds);
    let prose: [(&str, &[(&str, &str)]); 4] = [
        (
            "Typing",
            &[
                (
                    "Enter / i",
                    "start typing in the field under the cursor (arriving on a panel never types)",
                ),
                ("Tab / ↑↓", "next / previous field (Shift-Tab back)"),
                ("Enter", "next field; on the last field it submits"),
                ("Ctrl-S", "submit the form (also in a dialog's form)"),
                ("Ctrl-R", "reveal or hide a masked field"),
                ("Esc", "stop typing: keys are commands again"),
                ("F1 / Alt-1…", "help and panel switching work while typing"),
            ],
        ),
        (
            "Dialogs",
            &[
                ("y", "confirm (destructive ones name the act: y delete, y reject)"),
                ("Enter", "confirm, except destructive dialogs (there only y)"),
                ("Esc / n", "cancel"),
                ("↑↓ PgUp PgDn", "scroll a dialog taller than the screen (g/G: top/bottom)"),
                (
                    "Esc / Enter",
                    "close a dialog that only shows something (w: readiness, results); a key \
                     its key row names (a fix key) closes it and acts",
                ),
            ],
        ),
        (
            "Esc closes the innermost thing first",
            &[
                ("1", "a dialog"),
                ("2", "a list's filter"),
                ("3", "typing in a field, or a sub-view (details, a form)"),
                ("4", "a running bulk job (stops at once; started members finish)"),
                ("5", "the error line"),
            ],
        ),
        (
            "Stepper",
            &[
                (
                    "✓",
                    "ready: the step's setup is in place (its readiness items are met) — not \"done\"",
                ),
                ("!", "needs attention: an item is unmet, or the store is not loaded yet"),
                ("·", "not visited yet"),
                ("…", "still checking (the Approvals scan is running)"),
                ("(n)", "after Approvals: members waiting for approval (n… while scanning)"),
            ],
        ),
    ];
    for (title, rows) in prose {
        lines.push(Line::styled(title.to_owned(), t.title()));
        for (k, v) in rows {
            help_row(&mut lines, k, v, t.key(), key_w, width);
        }
        lines.push(Line::default());
    }
    lines
}

/// The help box in `area` (the whole screen), above the footer row: the
/// footer (help's own keys) stays whole beside a box narrower than the screen.
fn help_rect(area: Rect) -> Rect {
    let above_footer = Rect { height: area.height.saturating_sub(1), ..area };
    centered(above_footer, 90, above_footer.height)
}

/// How far help can scroll at the current size.
pub fn help_max_scroll(app: &App) -> u16 {
    let rect = help_rect(app.screen());
    let lines = help_lines(app, rect.width.saturating_sub(2) as usize).len();
    lines.saturating_sub(rect.height.saturating_sub(3) as usize) as u16
}

fn draw_help(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.sh.theme;
    let rect = help_rect(area);
    f.render_widget(Clear, rect);
    let lines = help_lines(app, rect.width.saturating_sub(2) as usize);
    let visible = rect.height.saturating_sub(3) as usize;
    let max = lines.len().saturating_sub(visible);
    let scroll = (app.help_scroll as usize).min(max);
    let more = if max > 0 {
        format!(" ↑↓ scroll ({scroll}/{max}) · Esc closes ")
    } else {
        " Esc closes ".to_owned()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" Help — {} ", app.focus.title()), t.title()))
        .title_bottom(Line::styled(more, t.dim()))
        .border_style(t.focused_border());
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(inner.height as usize).collect();
    f.render_widget(Paragraph::new(shown), inner);
}
