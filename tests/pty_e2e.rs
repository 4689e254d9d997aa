//! End to end: the real binary in a pseudo-terminal against its embedded sandbox.

mod common;

use common::pty::{CTRL_S, DOWN, ENTER, ESC, PtyApp};

#[test]
fn sign_up_a_member_and_see_pending_approval() {
    let mut app = PtyApp::spawn(&[], 120, 40);
    app.wait_for("SANDBOX");
    // Settings loads; self sign-up is not ready on a fresh sandbox: fix it.
    app.wait_for("Self sign-up ready");
    app.send(b"s");
    app.wait_for("POST /v2/authentication-realms");
    app.send(b"y");
    app.wait_for("✓ Self sign-up ready");

    // Sign up a member.
    app.send(b"2");
    app.wait_for("Self sign-up (self_signup)");
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

    // Quit: leave the form, then q.
    app.send(ESC);
    app.send(b"q");
    let code = app.wait_exit();
    assert_eq!(code, 0, "exit status; screen:\n{}", app.screen());
    let parser = app.parser.lock().expect("parser");
    let screen = parser.screen();
    assert!(!screen.alternate_screen(), "alternate screen left");
    assert!(!screen.hide_cursor(), "cursor shown again");
    assert!(!screen.bracketed_paste(), "bracketed paste off");
    let _ = ENTER;
}
