//! State that outlives a session (design.md): files in the data dir, each
//! 0600 in a 0700 directory, written atomically (temp file + rename, through
//! [`crate::fsutil::write_atomic`]), with a versioned format; a corrupt or
//! foreign file is rebuilt, never trusted.
//!
//! * [`queue`]: the per-store pending-queue cache of the Approvals panel.
//! * [`tour`]: whether this user has seen the sandbox tour.
//!
//! This module knows neither the API client nor the UI.

pub mod queue;
pub mod tour;
