//! Typed async client for the Commerce and Beyond Identity APIs. Knows nothing
//! about the UI: the console, the headless subcommands and tests all use it.
