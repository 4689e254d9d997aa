//! The per-panel halves of `Call`, `Reply` and `Progress`: the protocol
//! between a panel's state (which asks) and its jobs (which answer).

pub mod approvals;
pub mod members;
pub mod otp;
