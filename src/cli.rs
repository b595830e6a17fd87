//! Command-line arguments (clap derive types only).
//!
//! Exit codes: 0 success or no changes; 1 error; 2 changes present
//! (`plan --check`, `diff --check`); 3 refused (destructive steps without
//! `--allow-destructive`, a lock not obtained).

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
    /// Bound on every statement (default: none).
    #[arg(long)]
    pub statement_timeout: Option<String>,
    /// How to show the plan before applying.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
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
