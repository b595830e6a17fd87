//! `reconcile` keeps a PostgreSQL database in the shape a YAML file declares.
//!
//! The pipeline: [`load`] reads `schema.yaml` and `ignore.yaml` into the
//! neutral [`model`]; [`introspect`] reads the live database into the same
//! model, and what depends on what into the [`graph`]; [`diff`] compares
//! the two into a list of changes; [`plan`] turns the
//! changes into ordered SQL steps with hazards; [`preflight`] checks what
//! existing rows must satisfy for them; [`apply`] runs them.
//! [`ignore`] holds the compiled rules of `ignore.yaml` that every stage asks.
//! Around it: [`connect`] opens connections (TLS, `sslmode`), [`history`]
//! records applies, [`locks`] names the sessions a lock wait gave up on,
//! [`commands`] and [`cli`] are the command line.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod apply;
pub mod cli;
pub mod commands;
pub mod connect;
pub mod diff;
pub mod error;
pub mod graph;
pub mod history;
pub mod ignore;
pub mod introspect;
pub(crate) mod kinds;
pub mod load;
pub mod locks;
pub mod model;
pub mod plan;
pub mod preflight;
pub mod sql;
