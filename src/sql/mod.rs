//! SQL text handling: canonical forms for comparison.
//!
//! Never talks to a database and never writes DDL (that is `plan::steps`).

pub mod builtin_types;
pub mod normalize;
pub mod references;
pub mod tokens;
pub mod types;
