//! Members panel state tests.
