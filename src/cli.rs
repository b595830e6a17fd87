//! Command-line arguments (clap derive types only).
//!
//! Exit codes: 0 success or no changes; 1 error; 2 changes present
//! (`plan --check`, `diff --check`); 3 refused (destructive steps without
//! `--allow-destructive`, a lock not obtained, a preflight check failed,
//! the confirmation declined).

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keeps a PostgreSQL database in the shape schema.yaml declares.
#[derive(Debug, Parser)]
#[command(name = "reconcile", version, about)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by all commands.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// The desired schema.
    #[arg(
        long,
        global = true,
        default_value = "schema.yaml",
        value_name = "FILE"
    )]
    pub schema: String,
    /// Objects never to touch (default: ignore.yaml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub ignore: Option<String>,
    /// The database (default: $DATABASE_URL). Passwords are never printed.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,
    /// Schema of reconcile's history table (always ignored by plans).
    #[arg(
        long,
        global = true,
        default_value = "reconcile",
        value_name = "SCHEMA"
    )]
    pub history_schema: String,
}

/// Output formats of a plan.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// A runnable SQL script with a comment header.
    Sql,
    /// A summary for humans.
    Text,
    /// Machine-readable.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the plan (against an empty database when no URL is given).
    Plan(PlanArgs),
    /// Compute the plan, show it and apply it.
    Apply(ApplyArgs),
    /// Plan between two schema files, without a database.
    Diff(DiffArgs),
    /// Check schema.yaml and ignore.yaml without a database.
    Validate,
    /// Print the plan's dependency graph as Graphviz DOT.
    Graph,
    /// Tell whether the database is fresh, managed or not, in sync or drifted.
    Status(StatusArgs),
    /// List the applies recorded in the database, newest first.
    History(HistoryArgs),
    /// Plan (and apply) the way back to the schema of an earlier apply.
    Rollback(RollbackArgs),
    /// Write the database's current schema as schema.yaml.
    Import(ImportArgs),
}

/// `reconcile status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format (`sql` prints the drift as a plan script).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Bound on lock waits while introspecting.
    #[arg(long, default_value = "5s")]
    pub lock_timeout: String,
}

/// `reconcile history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Output format (`text` or `json`).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// `reconcile rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The history entry whose desired schema to return to (default: the
    /// successful apply before the latest one).
    #[arg(long, value_name = "ID")]
    pub to: Option<i64>,
    /// How cautiously to apply.
    #[command(flatten)]
    pub run: RunArgs,
}

/// `reconcile import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
    /// Schemas to import (default: those schema.yaml declares if it exists, else every non-system schema).
    #[arg(long = "schemas", value_delimiter = ',', value_name = "A,B")]
    pub schemas: Vec<String>,
    /// Bound on lock waits while introspecting.
    #[arg(long, default_value = "5s")]
    pub lock_timeout: String,
}

/// `reconcile plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "sql")]
    pub format: Format,
    /// Also write the plan to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
    /// Exit 2 when there are changes, 0 when there are none.
    #[arg(long, alias = "detailed-exitcode")]
    pub check: bool,
    /// Bound on lock waits while introspecting (PostgreSQL duration syntax).
    #[arg(long, default_value = "5s")]
    pub lock_timeout: String,
}

/// `reconcile apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// How cautiously to apply.
    #[command(flatten)]
    pub run: RunArgs,
    /// Apply this saved plan (from `plan --out`) instead of planning; refused
    /// when the database changed since it was made.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<String>,
}

/// `reconcile diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The schema as it is.
    pub old: String,
    /// The schema as it should be.
    pub new: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "sql")]
    pub format: Format,
    /// Exit 2 when there are changes.
    #[arg(long)]
    pub check: bool,
}

/// The options `apply` and `rollback` share.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Allow steps that lose data (drops, narrowing type changes).
    #[arg(long)]
    pub allow_destructive: bool,
    /// Print the plan without applying it.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Bound on every lock wait: advisory lock, introspection, each step.
    #[arg(long, default_value = "5s")]
    pub lock_timeout: String,
    /// After a lock timeout inside the transaction, rerun the whole
    /// transaction up to N times, pausing 1 s, 2 s, 4 s, ... between tries
    /// (default 0: give up at once).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub lock_retries: u32,
    /// Bound on every statement (default: none).
    #[arg(long)]
    pub statement_timeout: Option<String>,
    /// How to show the plan before applying.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}
