//! Typed async client for the Commerce and Beyond Identity APIs. Knows nothing
//! about the UI: the console, the headless subcommands and tests all use it.
//!
//! * [`Client`]: Commerce (EPCC) endpoints, admin and shopper tokens.
//! * [`BiClient`]: Beyond Identity legacy user management.
//! * [`http`]: retries (which requests and why it is safe), rate limit,
//!   read-only mode, observer. [`decode`]: body parsing, usable on recorded bodies.

pub mod auth;
pub mod beyond;
pub mod commerce;
pub mod decode;
pub mod error;
pub mod http;
pub mod inspect;
pub mod models;
pub mod ratelimit;

pub use auth::clear_token_cache;
pub use beyond::BiClient;
pub use commerce::Client;
pub use error::{ApiError, ErrorObject};
pub use http::{ClientConfig, ClientEvent, Observer, RequestDetail, RequestRecord, TokenState};
pub use models::*;
pub use ratelimit::RateState;
