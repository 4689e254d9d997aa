//! End to end: the real binary in a pseudo-terminal against its embedded sandbox.

mod common;

use common::pty::{CTRL_S, CTRL_T, DOWN, ENTER, ESC, PtyApp};

#[test]
fn sign_up_a_member_and_see_pending_approval() {
    let mut app = PtyApp::spawn(&[], 120, 36);
    app.wait_for("SANDBOX");
    // Settings loads; self sign-up is not ready on a fresh sandbox: fix it.
    app.wait_for("Self sign-up ready");
    app.send(b"s");
    app.wait_for("POST /v2/authentication-realms");
    app.send(b"y");
    app.wait_for("✓ Self sign-up ready");

    // Sign up a member: arriving on the panel does not type; Enter does.
    app.send(b"2");
    app.wait_for("Self sign-up (self_signup)");
    app.send(ENTER);
    app.wait_for("typing ·");
    app.type_text("Leslie Knope");
    app.send(DOWN);
    app.type_text("leslie@pawnee.gov");
    app.send(DOWN);
    app.send(DOWN);
    app.type_text("waffles-123");
    app.send(CTRL_S);
    let screen = app.wait_for("PENDING APPROVAL");
    assert!(screen.contains("leslie@pawnee.gov"), "{screen}");
    assert!(!screen.contains("waffles-123"), "password must stay masked:\n{screen}");

    // Do literally what the result says: press the key it names.
    // The sentence may wrap inside its pane: take the first "(N)" after it.
    let after = screen
        .split("approve it on the Approvals panel")
        .nth(1)
        .unwrap_or_else(|| panic!("no approval hint:\n{screen}"));
    let named = after
        .as_bytes()
        .windows(3)
        .find(|w| w[0] == b'(' && w[1].is_ascii_digit() && w[2] == b')')
        .map(|w| w[1] as char)
        .unwrap_or_else(|| panic!("the result names no key:\n{screen}"));
    let mut b = [0u8; 4];
    app.send(named.encode_utf8(&mut b).as_bytes());
    let screen = app.wait_for("leslie@pawnee.gov");
    assert!(screen.contains("pending"), "on Approvals:\n{screen}");
    assert!(!screen.contains("Self sign-up (self_signup)"), "left Sign up:\n{screen}");
    // Approve her in two keys: `a` opens the one dialog (form and
    // confirmation), `y` approves with the defaults.
    app.wait_for("1 pending");
    app.send(b"a");
    app.wait_for("y/Enter approve");
    app.send(b"y");
    let screen = app.wait_for("approved → Leslie Knope");
    assert!(screen.contains("1 approved"), "{screen}");

    // Back on Sign up: the key was not typed into the (fresh) form.
    app.send(b"2");
    let screen = app.wait_for("Self sign-up (self_signup)");
    assert!(screen.contains("Name      ‹Ron Swanson›"), "form untouched:\n{screen}");

    // Quit (not typing: q is a command).
    app.send(b"q");
    let code = app.wait_exit();
    assert_eq!(code, 0, "exit status; screen:\n{}", app.screen());
    let parser = app.parser.lock().expect("parser");
    let screen = parser.screen();
    assert!(!screen.alternate_screen(), "alternate screen left");
    assert!(!screen.hide_cursor(), "cursor shown again");
    assert!(!screen.bracketed_paste(), "bracketed paste off");
    let _ = ESC;
}

/// The sandbox tour shows by itself on the first start; the data dir then
/// remembers it (a 0600 file), the next start opens without it, and Ctrl-T
/// brings it back.
#[test]
fn the_tour_shows_on_the_first_start_only_and_ctrl_t_brings_it_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut first = PtyApp::spawn_in(&[], 120, 36, dir.path());
    first.wait_for("Tour:");
    first.send(b"q");
    assert_eq!(first.wait_exit(), 0, "screen:\n{}", first.screen());
    let marker = dir.path().join("tour-seen");
    assert!(marker.exists(), "the data dir remembers the tour");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&marker).expect("marker").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let mut second = PtyApp::spawn_in(&[], 120, 36, dir.path());
    let screen = second.wait_for("Self sign-up ready");
    assert!(!screen.contains("Tour:"), "not by itself a second time:\n{screen}");
    second.send(CTRL_T);
    second.wait_for("Tour:");
    second.send(b"q");
    assert_eq!(second.wait_exit(), 0, "screen:\n{}", second.screen());
}
