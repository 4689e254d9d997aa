//! The vocabulary the app and the panels share: messages, effects and calls,
//! replies, operation ids, progress, the shared context, panel ids and the
//! `Panel` trait. It imports neither `app` nor `panels`: the app depends on
//! the panels, the panels depend on this module only.

pub mod keymap;
pub mod msg;
pub mod ops;
pub mod panel;
pub mod shared;
pub mod store;

pub use keymap::{Bind, Keymap, Role};
pub use msg::{
    Call, ConnInfo, Effect, Input, LoginRequest, Msg, OpId, Progress, Reply, SignupRequest,
};
pub use panel::{Keys, Panel, PanelId, StepStatus};
pub use shared::{
    ConfirmAction, Connection, InFlight, PendingConfirm, QueueNote, REQUEST_LOG_MAX, Shared,
    StoreData, Toast,
};
pub use store::SecretStore;
