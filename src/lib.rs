//! `onboard`: a terminal console to onboard account members of an Elastic Path
//! Commerce store, with an embedded sandbox that imitates the store's APIs.
//!
//! Everything lives in this library so tests can drive it without a terminal;
//! `main.rs` only parses the command line and picks a subcommand.

pub mod api;
pub mod app;
pub mod audit;
pub mod bi_map;
pub mod check;
pub mod cli;
pub mod config;
pub mod fsutil;
pub mod logging;
pub mod panels;
pub mod readiness;
pub mod sandbox;
pub mod secret;
pub mod store;
pub mod tui;
pub mod ui;
pub mod webhook;
pub mod widgets;
