//! Keymap tables: one per panel (and one for the app's global keys). The same
//! table decides which keys reach the panel, what the footer offers and what
//! help lists, so the three cannot drift apart.
//!
//! A binding names its keys the way the screen shows them (`"a"`, `"Ctrl-S"`,
//! `"↑↓"`, `"Shift-Tab"`, `"PgUp/PgDn"`, `"g/G"`, `"1–5"`, `"type"`): the label
//! is parsed into the key patterns it matches, so what is shown is what works.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding goes in the footer: primary actions first, moves next;
/// global keys are dropped first when the footer is narrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The panel's main actions (approve, reject, request an OTP…).
    Primary,
    /// Other actions of the panel.
    Secondary,
    /// Moving, scrolling, leaving a sub-view.
    Move,
    /// The app's keys, the same on every panel.
    Global,
}

/// One key (or group of keys) and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// As shown: `"a"`, `"Ctrl-S"`, `"↑↓"`, `"Enter"`…
    pub keys: &'static str,
    /// Short, for the footer: `"approve"`.
    pub label: &'static str,
    /// Longer, for help (empty: the label says it all).
    pub help: &'static str,
    pub role: Role,
    /// Why the key does nothing now (read-only mode…): shown when pressed,
    /// and the key is left out of the footer.
    pub off: Option<&'static str>,
    /// Listed in help only (alternatives such as `Home`/`End`, `PgUp`/`PgDn`).
    pub quiet: bool,
}

impl Bind {
    pub const fn new(keys: &'static str, label: &'static str) -> Self {
        Self { keys, label, help: "", role: Role::Secondary, off: None, quiet: false }
    }
    pub const fn primary(keys: &'static str, label: &'static str) -> Self {
        Self { role: Role::Primary, ..Self::new(keys, label) }
    }
    pub const fn moves(keys: &'static str, label: &'static str) -> Self {
        Self { role: Role::Move, ..Self::new(keys, label) }
    }
    pub const fn global(keys: &'static str, label: &'static str) -> Self {
        Self { role: Role::Global, ..Self::new(keys, label) }
    }
    pub const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }
    /// In help, not in the footer.
    pub const fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }
    /// Disabled, with the reason, when `cond` holds.
    pub const fn off_if(mut self, cond: bool, why: &'static str) -> Self {
        if cond {
            self.off = Some(why);
        }
        self
    }

    /// Whether `key` is one of this binding's keys.
    pub fn matches(&self, key: &KeyEvent) -> bool {
        patterns(self.keys).iter().any(|p| p.matches(key))
    }

    /// The key events this binding stands for (one per pattern; `type` gives `x`).
    pub fn examples(&self) -> Vec<KeyEvent> {
        patterns(self.keys).iter().map(Pat::example).collect()
    }
}

/// Footer/help pairs (the older shape) become bindings; arrows are moves.
impl From<(&'static str, &'static str)> for Bind {
    fn from((keys, label): (&'static str, &'static str)) -> Self {
        let moves = keys.contains(['↑', '↓', '←', '→']) || keys == "Esc";
        if moves { Bind::moves(keys, label) } else { Bind::new(keys, label) }
    }
}

/// A panel's keys right now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keymap {
    pub binds: Vec<Bind>,
}

impl Keymap {
    pub fn new(binds: Vec<Bind>) -> Self {
        Self { binds }
    }

    pub fn from_pairs(pairs: impl IntoIterator<Item = (&'static str, &'static str)>) -> Self {
        Self { binds: pairs.into_iter().map(Bind::from).collect() }
    }

    pub fn push(&mut self, b: Bind) {
        self.binds.push(b);
    }

    /// The first binding `key` belongs to.
    pub fn find(&self, key: &KeyEvent) -> Option<&Bind> {
        self.binds.iter().find(|b| b.matches(key))
    }

    /// The footer's entries in the order they are offered, enabled keys only.
    pub fn footer(&self) -> Vec<&Bind> {
        let mut v: Vec<&Bind> = self.binds.iter().filter(|b| b.off.is_none() && !b.quiet).collect();
        v.sort_by_key(|b| b.role); // stable: the table's order within a role
        v
    }
}

/// Columns a footer entry takes (` key label `).
pub fn footer_cost(b: &Bind) -> usize {
    b.keys.chars().count() + b.label.chars().count() + 3
}

/// Fits footer entries into `width` columns, dropping from the end: global
/// keys first, then moves, then secondary actions, then primary actions but
/// the first; `? help` goes only after those, since it is the way to every
/// key the footer had no room for; the first primary action goes last.
/// Which footer entry a fitting stage may drop: (index in the offer, entry).
type DropRule<'r> = dyn Fn(usize, &Bind) -> bool + 'r;

pub fn fit_footer<'a>(binds: &[&'a Bind], width: usize) -> Vec<&'a Bind> {
    let mut keep: Vec<&Bind> = binds.to_vec();
    let total = |k: &[&Bind]| k.iter().map(|b| footer_cost(b)).sum::<usize>();
    let is_help = |b: &Bind| b.role == Role::Global && b.label == "help";
    let first_primary = binds.iter().position(|b| b.role == Role::Primary);
    // Which entry a stage may drop, by its index in `binds`.
    let stages: [&DropRule<'_>; 6] = [
        &|_, b| b.role == Role::Global && !is_help(b),
        &|_, b| b.role == Role::Move,
        &|_, b| b.role == Role::Secondary,
        &|i, b| b.role == Role::Primary && Some(i) != first_primary,
        &|_, b| is_help(b),
        &|_, b| b.role == Role::Primary,
    ];
    let mut idx: Vec<usize> = (0..binds.len()).collect();
    for stage in stages {
        while total(&keep) > width {
            match idx.iter().zip(&keep).rposition(|(&i, b)| stage(i, b)) {
                Some(at) => {
                    keep.remove(at);
                    idx.remove(at);
                }
                None => break,
            }
        }
    }
    keep
}

/// One key pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pat {
    /// Exactly this code with exactly these modifiers (Shift is ignored for chars).
    Key(KeyCode, KeyModifiers),
    /// Any printable character without Ctrl/Alt (`type`).
    Printable,
}

impl Pat {
    fn matches(&self, key: &KeyEvent) -> bool {
        let mods = key.modifiers - KeyModifiers::SHIFT;
        match *self {
            Pat::Printable => {
                matches!(key.code, KeyCode::Char(_))
                    && !mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
            }
            Pat::Key(code, want) => {
                let code_ok = match (code, key.code) {
                    (KeyCode::Char(a), KeyCode::Char(b))
                        if want.contains(KeyModifiers::CONTROL) =>
                    {
                        a.eq_ignore_ascii_case(&b)
                    }
                    (a, b) => a == b,
                };
                code_ok && mods == want
            }
        }
    }

    fn example(&self) -> KeyEvent {
        match *self {
            Pat::Printable => KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE),
            Pat::Key(code, mods) => KeyEvent::new(code, mods),
        }
    }
}

fn named(s: &str) -> Option<KeyCode> {
    Some(match s {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "Shift-Tab" => KeyCode::BackTab,
        "Space" => KeyCode::Char(' '),
        "Backspace" => KeyCode::Backspace,
        "Del" | "Delete" => KeyCode::Delete,
        "PgUp" => KeyCode::PageUp,
        "PgDn" => KeyCode::PageDown,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "↑" => KeyCode::Up,
        "↓" => KeyCode::Down,
        "←" => KeyCode::Left,
        "→" => KeyCode::Right,
        _ => {
            let n = s.strip_prefix('F')?.parse::<u8>().ok()?;
            KeyCode::F(n)
        }
    })
}

/// Parses a key label: alternatives separated by `/` or ` / ` (`"Enter/e"`),
/// glued arrows (`"↑↓"`), ranges (`"1–5"`), `Ctrl-`/`Alt-` prefixes.
fn patterns(spec: &str) -> Vec<Pat> {
    let mut out = Vec::new();
    if spec == "/" {
        return vec![Pat::Key(KeyCode::Char('/'), KeyModifiers::NONE)];
    }
    for alt in spec.split('/').map(str::trim).filter(|s| !s.is_empty()) {
        for word in alt.split(' ').filter(|s| !s.is_empty()) {
            out.extend(word_patterns(word));
        }
    }
    out
}

fn word_patterns(w: &str) -> Vec<Pat> {
    let none = KeyModifiers::NONE;
    if w == "type" {
        return vec![Pat::Printable];
    }
    for (prefix, m) in [("Ctrl-", KeyModifiers::CONTROL), ("Alt-", KeyModifiers::ALT)] {
        if let Some(rest) = w.strip_prefix(prefix) {
            return word_patterns(rest)
                .into_iter()
                .filter_map(|p| match p {
                    Pat::Key(c, mods) => Some(Pat::Key(c, mods | m)),
                    Pat::Printable => None,
                })
                .collect();
        }
    }
    if let Some(code) = named(w) {
        return vec![Pat::Key(code, none)];
    }
    let chars: Vec<char> = w.chars().collect();
    // A range: 1–5 (en dash) or 1-5.
    if chars.len() == 3 && (chars[1] == '–' || chars[1] == '-') && chars[0] < chars[2] {
        return (chars[0]..=chars[2]).map(|c| Pat::Key(KeyCode::Char(c), none)).collect();
    }
    // Glued single keys: "↑↓", "←→", "jk".
    chars
        .iter()
        .filter_map(|c| {
            let s = c.to_string();
            named(&s).map(|k| Pat::Key(k, none)).or(Some(Pat::Key(KeyCode::Char(*c), none)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn labels_parse_into_the_keys_they_show() {
        assert!(Bind::new("a", "").matches(&k(KeyCode::Char('a'))));
        assert!(!Bind::new("a", "").matches(&k(KeyCode::Char('A'))));
        assert!(
            Bind::new("R", "").matches(&KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT))
        );
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert!(Bind::new("Ctrl-S", "").matches(&ctrl_s));
        assert!(!Bind::new("s", "").matches(&ctrl_s));
        let b = Bind::new("↑↓", "");
        assert!(b.matches(&k(KeyCode::Up)) && b.matches(&k(KeyCode::Down)));
        let b = Bind::new("Enter/e", "");
        assert!(b.matches(&k(KeyCode::Enter)) && b.matches(&k(KeyCode::Char('e'))));
        assert!(Bind::new("/", "").matches(&k(KeyCode::Char('/'))));
        let b = Bind::new("1–5", "");
        assert!(b.matches(&k(KeyCode::Char('3'))) && !b.matches(&k(KeyCode::Char('6'))));
        let alt2 = KeyEvent::new(KeyCode::Char('2'), KeyModifiers::ALT);
        assert!(Bind::new("Alt-1–5", "").matches(&alt2));
        assert!(Bind::new("F1", "").matches(&k(KeyCode::F(1))));
        assert!(Bind::new("Shift-Tab", "").matches(&k(KeyCode::BackTab)));
        assert!(Bind::new("Space", "").matches(&k(KeyCode::Char(' '))));
        assert!(Bind::new("g/G", "").matches(&k(KeyCode::Char('G'))));
        assert!(Bind::new("PgUp/PgDn", "").matches(&k(KeyCode::PageDown)));
        assert!(Bind::new("type", "").matches(&k(KeyCode::Char('z'))));
        assert!(!Bind::new("type", "").matches(&ctrl_s));
    }

    #[test]
    fn every_example_matches_its_binding() {
        for spec in ["a", "Ctrl-S", "↑↓", "Enter/e", "1–5", "Alt-1–5", "g/G", "type", "Esc"]
        {
            let b = Bind::new(spec, "");
            assert!(!b.examples().is_empty(), "{spec}");
            for e in b.examples() {
                assert!(b.matches(&e), "{spec}: {e:?}");
            }
        }
    }

    #[test]
    fn the_footer_puts_primary_first_drops_global_keys_first_and_keeps_help() {
        let km = Keymap::new(vec![
            Bind::moves("↑↓", "move"),
            Bind::primary("a", "approve"),
            Bind::new("r", "refresh"),
            Bind::global("L", "log"),
            Bind::global("?", "help"),
            Bind::primary("x", "reject").off_if(true, "read-only"),
        ]);
        let all = km.footer();
        let keys: Vec<_> = all.iter().map(|b| b.keys).collect();
        assert_eq!(keys, ["a", "r", "↑↓", "L", "?"]);
        let narrow: Vec<_> = fit_footer(&all, 40).iter().map(|b| b.keys).collect();
        assert_eq!(narrow, ["a", "r", "↑↓", "?"]);
        // Short of room, help outlives every other key but the main action.
        let short: Vec<_> = fit_footer(&all, 20).iter().map(|b| b.keys).collect();
        assert_eq!(short, ["a", "?"]);
        let tiny: Vec<_> = fit_footer(&all, 12).iter().map(|b| b.keys).collect();
        assert_eq!(tiny, ["a"]);
    }
}
