//! Drawing the settings panel: store settings, readiness, password profiles, the profile form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::*;
use crate::api::PasswordProfile;
use crate::widgets::ellipsize;
use crate::widgets::wrap::wrap_lines;

impl Settings {
    pub fn draw(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        let t = &sh.theme;
        let wide = area.width >= 100;
        let [left, right] = if wide {
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area)
        } else {
            // As tall as the readiness lines (up to half the panel).
            let lines = sh
                .readiness()
                .map_or(1, |r| r.items.iter().map(|i| 1 + i.missing.len()).sum::<usize>());
            let ready_h = (lines as u16 + 2).max(8).min(area.height / 2);
            let [a, b] =
                Layout::vertical([Constraint::Min(3), Constraint::Length(ready_h)]).areas(area);
            [a, b]
        };

        // Settings and profiles.
        let mut lines: Vec<Line> = Vec::new();
        lines.push(Line::styled("Account authentication settings", t.title()));
        match &sh.data.settings {
            None => lines.push(load_state(sh.data.settings_error.as_deref(), t)),
            Some(s) => {
                let rows = [
                    ("enable_self_signup", s.enable_self_signup.to_string()),
                    (
                        "auto_create_account_for_account_members",
                        s.auto_create_account_for_account_members.to_string(),
                    ),
                    (
                        "account_member_self_management",
                        crate::panels::self_management_str(s.account_member_self_management)
                            .to_owned(),
                    ),
                ];
                for (i, (k, v)) in rows.into_iter().enumerate() {
                    let sel = self.row == i && self.form.is_none();
                    let style = if sel { t.selected() } else { t.base() };
                    let vstyle = match v.as_str() {
                        "true" | "update_only" => t.ok(),
                        _ => t.dim(),
                    };
                    lines.push(Line::from(vec![
                        Span::styled(format!(" {} {k:<40}", if sel { "▸" } else { " " }), style),
                        Span::styled(v, if sel { style } else { vstyle }),
                    ]));
                }
            }
        }
        lines.push(Line::default());
        lines.push(Line::styled("Password profiles", t.title()));
        match &sh.data.profiles {
            None => lines.push(load_state(sh.data.profiles_error.as_deref(), t)),
            Some(ps) if ps.is_empty() && sh.read_only => {
                lines.push(Line::styled("  none yet", t.dim()))
            }
            Some(ps) if ps.is_empty() => {
                lines.push(Line::styled("  none yet: press n to create one", t.dim()))
            }
            Some(ps) => {
                lines.push(Line::styled(
                    format!("   {:<24} {:<16} {}", "name", "username_format", "OTP"),
                    t.dim(),
                ));
                let visible = left.height.saturating_sub(lines.len() as u16 + 1) as usize;
                let sel_idx = self.row.checked_sub(SETTING_ROWS);
                let start = match sel_idx {
                    Some(i) if i >= visible => i + 1 - visible,
                    _ => 0,
                };
                for (i, p) in ps.iter().enumerate().skip(start).take(visible.max(1)) {
                    let sel = sel_idx == Some(i) && self.form.is_none();
                    let style = if sel { t.selected() } else { t.base() };
                    lines.push(Line::styled(
                        format!(
                            " {} {:<24} {:<16} {}",
                            if sel { "▸" } else { " " },
                            profile_label(p, ps, 24),
                            crate::panels::username_format_str(p.username_format),
                            if p.enable_one_time_password_token { "on" } else { "off" }
                        ),
                        style,
                    ));
                }
            }
        }
        f.render_widget(Paragraph::new(wrap_lines(lines, left.width as usize)), left);

        // Readiness, always visible.
        let block = Block::default().borders(Borders::ALL).title(" Readiness ");
        let inner = block.inner(right);
        let r = match sh.readiness() {
            None => vec![Line::styled("checking…", t.dim())],
            Some(readiness) => {
                readiness_lines(readiness, sh, inner.width as usize, inner.height as usize)
            }
        };
        f.render_widget(Paragraph::new(r).block(block), right);

        if let Some(form) = &self.form {
            self.view_form(f, area, form, sh);
        }
    }

    pub(super) fn view_form(&self, f: &mut Frame, area: Rect, form: &ProfileForm, sh: &Shared) {
        let t = &sh.theme;
        let (title, consequence, request) = match &form.id {
            Some(id) => (
                "Edit password profile",
                "Changes the profile for every member who logs in with it.",
                format!("PUT {PROFILES_PATH}/{id}"),
            ),
            None => (
                "New password profile",
                "Creates a password profile: members can then sign up and log in with it.",
                format!("POST {PROFILES_PATH}"),
            ),
        };
        let mut d = Dialog::confirm(title).consequence(consequence);
        let inner = d.width_for(area.width).saturating_sub(4);
        d = d.slot(1, form.form.height(inner, t)).gap();
        if form.orig.is_some() {
            let changes = form.changes();
            if changes.is_empty() {
                d = d.text("No change yet.");
            } else {
                d = d.text("Saving changes:");
                for c in changes {
                    d = d.item(c);
                }
            }
            d = d.gap();
        }
        d = d.request(request).keys(
            self.form_keys()
                .unwrap_or_default()
                .into_iter()
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect(),
        );
        if form.pending.is_some() {
            d = d.note("saving…");
        }
        let layout = d.render(f, area, t);
        if let Some((_, r)) = layout.slots.first() {
            form.form.render(f, *r, t);
        }
    }
}

/// The readiness box's rows, wrapped to `width`, in at most `height` rows.
/// All items with their reasons when they fit; else the unmet (✗) items
/// first with their reasons and the met ones on one line ("✓ 2 ready: …");
/// if even that is too tall, what fits and a last row naming what is below,
/// so nothing is dropped silently and the item a fix key acts on shows first.
fn readiness_lines(
    readiness: &crate::readiness::Readiness,
    sh: &Shared,
    width: usize,
    height: usize,
) -> Vec<Line<'static>> {
    let t = &sh.theme;
    // Each item's rows (wrapped), tagged with what they belong to.
    let block = |item: &crate::readiness::Item| -> Vec<Line<'static>> {
        let (mark, style) = if item.ready { ("✓", t.ok()) } else { ("✗", t.warn()) };
        let fix_key = fix_key(item.id);
        let mut spans =
            vec![Span::styled(format!("{mark} "), style), Span::styled(item.title, t.title())];
        if !item.ready && !sh.read_only {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(format!("[{fix_key}]"), t.key()));
            spans.push(Span::raw(" fix"));
        }
        let mut lines = vec![Line::from(spans)];
        for m in &item.missing {
            lines.push(Line::styled(format!("    {m}"), t.dim()));
        }
        wrap_lines(lines, width)
    };
    let extra: Vec<(String, Vec<Line<'static>>)> = sh
        .data
        .integrations_error
        .iter()
        .map(|e| {
            let l = Line::styled(format!("integrations: {e}"), t.warn());
            ("integrations error".to_owned(), wrap_lines(vec![l], width))
        })
        .collect();
    let flatten = |groups: Vec<(String, Vec<Line<'static>>)>| -> Vec<(String, Line<'static>)> {
        groups.into_iter().flat_map(|(k, ls)| ls.into_iter().map(move |l| (k.clone(), l))).collect()
    };
    let all: Vec<_> = readiness.items.iter().map(|i| (i.title.to_owned(), block(i))).collect();
    let full = flatten(all.into_iter().chain(extra.clone()).collect());
    if full.len() <= height {
        return full.into_iter().map(|(_, l)| l).collect();
    }
    // Short of room: ✗ items with their reasons first, the ✓ ones on one row.
    let mut groups: Vec<_> = readiness
        .items
        .iter()
        .filter(|i| !i.ready)
        .map(|i| (i.title.to_owned(), block(i)))
        .collect();
    let ready: Vec<&str> = readiness.items.iter().filter(|i| i.ready).map(|i| i.title).collect();
    if !ready.is_empty() {
        let label = format!("✓ {} ready", ready.len());
        let row = Line::from(vec![
            Span::styled("✓ ", t.ok()),
            Span::styled(format!("{} ready: {}", ready.len(), ready.join(", ")), t.dim()),
        ]);
        groups.push((label, wrap_lines(vec![row], width)));
    }
    groups.extend(extra);
    let rows = flatten(groups);
    if rows.len() <= height {
        return rows.into_iter().map(|(_, l)| l).collect();
    }
    // Still too tall: the ✗ items' titles (their fix keys), then a row
    // naming what is below.
    let unmet: Vec<&crate::readiness::Item> = readiness.items.iter().filter(|i| !i.ready).collect();
    let keep = unmet.len().min(height.saturating_sub(1));
    let mut out: Vec<Line<'static>> =
        unmet[..keep].iter().filter_map(|i| block(i).into_iter().next()).collect();
    let mut below: Vec<String> = unmet[keep..].iter().map(|i| i.title.to_owned()).collect();
    if unmet.iter().any(|i| !i.missing.is_empty()) {
        below.push("the reasons".to_owned());
    }
    if !ready.is_empty() {
        below.push(format!("✓ {} ready", ready.len()));
    }
    if sh.data.integrations_error.is_some() {
        below.push("integrations error".to_owned());
    }
    let more = format!("↓ {} more (w shows all): {}", rows.len() - out.len(), below.join(", "));
    if height > 0 {
        out.push(Line::styled(ellipsize(&more, width), t.dim()));
    }
    out
}

/// Every readiness item's fix: its key and what it does (help). The key
/// handler, the keymap (footer and help) and the readiness box all read this
/// one table, so a fix key shown in the box is always bound and offered.
pub(super) const FIXES: [(ItemId, &str, &str); 4] = [
    (ItemId::SelfSignup, "s", "fix self sign-up (asks first)"),
    (ItemId::Approvals, "a", "fix approvals (asks first)"),
    (ItemId::Otp, "o", "fix OTP: profile, self management, webhook (asks first)"),
    (ItemId::LiveQueue, "l", "fix the live queue: member events to this console (asks first)"),
];

/// The key that fixes a readiness item (the panel's keymap binds the same).
pub(super) fn fix_key(id: ItemId) -> char {
    FIXES.iter().find(|(i, _, _)| *i == id).and_then(|(_, k, _)| k.chars().next()).unwrap_or('?')
}

/// The readiness item a fix key acts on.
pub(super) fn fix_item(key: char) -> Option<ItemId> {
    FIXES.iter().find(|(_, k, _)| k.chars().eq([key])).map(|(i, _, _)| *i)
}

impl Settings {
    /// `w`: every readiness item whole, each with its reasons and its fix
    /// key, in a dialog (it scrolls; its key row stays). The fix keys work
    /// from it: they close it and open the fix's confirmation.
    pub(super) fn show_readiness(&self, sh: &mut Shared) {
        let Some(r) = sh.readiness().cloned() else {
            sh.toast_error("settings are not loaded yet: nothing to show");
            return;
        };
        let ready = r.items.iter().filter(|i| i.ready).count();
        let mut d = Dialog::confirm(format!("Readiness: {ready} of {} ready", r.items.len()));
        let mut pass = Vec::new();
        for item in &r.items {
            let head = if item.ready {
                format!("✓ {}", item.title)
            } else if sh.read_only {
                format!("✗ {} — needs a store admin (read-only)", item.title)
            } else {
                let k = fix_key(item.id);
                pass.push(k);
                format!("✗ {} — {k} fixes it (asks first)", item.title)
            };
            d = d.text(head);
            for m in &item.missing {
                d = d.item(m.clone());
            }
            d = d.gap();
        }
        if let Some(e) = &sh.data.integrations_error {
            d = d.text(format!("✗ integrations could not be read: {e}")).gap();
        }
        if r.get(ItemId::LiveQueue).is_some() {
            d = d.note("The live queue is optional: `onboard check` does not require it.");
        }
        if let Some(realm) = sh.data.settings.as_ref().and_then(|s| s.realm_id()) {
            d = d.note(format!("authentication realm {realm}"));
        }
        let mut keys = Vec::new();
        if !pass.is_empty() {
            let list: Vec<String> = pass.iter().map(char::to_string).collect();
            keys.push((list.join("/"), "fix".to_owned()));
        }
        keys.push(("Esc".to_owned(), "close".to_owned()));
        sh.show(d.keys(keys), pass);
    }
}

/// "loading…" while a load runs; its error and the retry key once it failed.
fn load_state(error: Option<&str>, t: &crate::widgets::Theme) -> Line<'static> {
    match error {
        None => Line::styled("  loading…", t.dim()),
        Some(e) => Line::from(vec![
            Span::styled(format!("  ✗ {e}  "), t.error()),
            Span::styled("r", t.key()),
            Span::raw(" retries"),
        ]),
    }
}

/// A profile's name in `width` columns; when another profile has the same
/// name (the API allows it), the start of its id follows, so two rows never
/// read the same.
fn profile_label(p: &PasswordProfile, all: &[PasswordProfile], width: usize) -> String {
    if all.iter().filter(|q| q.name == p.name).count() < 2 {
        return ellipsize(&p.name, width);
    }
    let short = p.id.get(..8).unwrap_or(&p.id);
    let room = width.saturating_sub(short.chars().count() + 3).max(1);
    format!("{} · {short}", ellipsize(&p.name, room))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(id: &str, name: &str) -> PasswordProfile {
        PasswordProfile {
            id: id.to_owned(),
            name: name.to_owned(),
            username_format: crate::api::UsernameFormat::Email,
            enable_one_time_password_token: true,
            meta: Default::default(),
        }
    }

    #[test]
    fn profiles_of_the_same_name_read_apart() {
        let all = [
            profile("1c6d4dfe-8e5d-4ec7", "Email"),
            profile("9a0b7c2e-1111-2222", "Email"),
            profile("77777777-0000-0000", "Username"),
        ];
        assert_eq!(profile_label(&all[0], &all, 24), "Email · 1c6d4dfe");
        assert_eq!(profile_label(&all[1], &all, 24), "Email · 9a0b7c2e");
        assert_eq!(profile_label(&all[2], &all, 24), "Username");
        let long = [
            profile("aaaaaaaa-1", "A very long profile name"),
            profile("bbbbbbbb-2", "A very long profile name"),
        ];
        let l = profile_label(&long[0], &long, 24);
        assert!(l.ends_with(" · aaaaaaaa") && l.chars().count() <= 24, "{l}");
    }
}
