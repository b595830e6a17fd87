//! Hazards: what can go wrong when a step runs on a live database.

use serde::Serialize;
use std::fmt;

/// The kind of risk a step carries (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// ## What
    /// The step deletes stored data: a table, a column, a sequence, an enum
    /// value, or values a narrower type cannot hold.
    /// ## Why it is risky
    /// It cannot be undone by another plan.
    /// ## How to avoid
    /// Keep the object, or copy the data out first; `apply` refuses these
    /// steps without `--allow-destructive`.
    DataLoss,
    /// ## What
    /// PostgreSQL rewrites the whole table (a type change that is not
    /// binary-coercible).
    /// ## Why it is risky
    /// The table is locked against reads and writes for the duration.
    /// ## How to avoid
    /// Add a new column and backfill it in batches instead.
    TableRewrite,
    /// ## What
    /// The step holds a lock while it scans the table (validation, a
    /// non-concurrent index build, `SET NOT NULL`).
    /// ## Why it is risky
    /// Writes (and sometimes reads) wait for the scan on large tables.
    /// ## How to avoid
    /// Run it at a quiet time; reconcile already builds new indexes on
    /// existing tables concurrently and adds constraints `NOT VALID` first.
    LongLock,
    /// ## What
    /// The step cannot run inside a transaction (`CREATE INDEX CONCURRENTLY`).
    /// ## Why it is risky
    /// If it fails, nothing rolls it back; an invalid index may be left.
    /// ## How to avoid
    /// Nothing to do: reconcile runs it after the transaction, idempotently,
    /// and rebuilds an invalid index on the next run.
    NotTransactional,
    /// ## What
    /// The step fails if existing rows break a new rule: a new NOT NULL,
    /// check, foreign key or unique key, or a NOT NULL column added without
    /// a default to a table with rows.
    /// ## Why it is risky
    /// A failure after the transaction would leave the database between the
    /// old and the new schema.
    /// ## How to avoid
    /// Nothing to do by hand: `apply` checks these conditions with read-only
    /// queries before the transaction starts and refuses (exit 3, nothing
    /// changed) naming the rows that violate them; fix those rows first.
    MayFail,
}

impl fmt::Display for HazardKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HazardKind::DataLoss => "data_loss",
            HazardKind::TableRewrite => "table_rewrite",
            HazardKind::LongLock => "long_lock",
            HazardKind::NotTransactional => "not_transactional",
            HazardKind::MayFail => "may_fail",
        })
    }
}

/// A hazard with its one-line reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Hazard {
    /// The kind.
    pub kind: HazardKind,
    /// Why this step carries it.
    pub reason: String,
}

impl Hazard {
    /// Builds a hazard.
    pub fn new(kind: HazardKind, reason: impl Into<String>) -> Hazard {
        Hazard {
            kind,
            reason: reason.into(),
        }
    }
}
