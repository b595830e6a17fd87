//! What must hold on the existing rows for a `may_fail` step to succeed.
//!
//! Steps carry these as data (built with the step, never parsed back out of
//! its SQL) so that `apply` can check them with read-only queries before the
//! transaction starts (see [`crate::preflight`]). Every name here is the
//! name the object has in the database *before* the plan runs.

use crate::model::QualifiedName;

/// A condition on the rows of one table, and how to name offending rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Precondition {
    /// The table as it is named before the plan.
    pub table: QualifiedName,
    /// Columns that identify a row in messages (the primary key); empty:
    /// use `ctid`.
    pub key: Vec<String>,
    /// What must hold.
    pub condition: Condition,
}

/// The kinds of condition a step can depend on.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// No row holds NULL in the column (a new NOT NULL).
    NotNull {
        /// The column.
        column: String,
    },
    /// The table has no rows (a NOT NULL column without a default is added).
    Empty {
        /// The column being added, for the message.
        column: String,
    },
    /// No row makes the expression false (a NULL result passes, as in PostgreSQL).
    Check {
        /// The constraint's name.
        name: String,
        /// The expression, as validated SQL from `schema.yaml`.
        expr: String,
    },
    /// Every row whose key columns are all non-NULL has a match (MATCH SIMPLE).
    ForeignKey {
        /// The constraint's name.
        name: String,
        /// Referencing columns.
        columns: Vec<String>,
        /// The referenced table; `None` when the plan creates it (it is
        /// empty then, so every complete key violates).
        ref_table: Option<QualifiedName>,
        /// Referenced columns.
        ref_columns: Vec<String>,
    },
    /// No two rows share a key; rows with a NULL key part do not count.
    Unique {
        /// The constraint's or index's name.
        name: String,
        /// Key columns or expressions, as SQL (columns already quoted).
        keys: Vec<String>,
        /// A partial index's predicate, as SQL.
        predicate: Option<String>,
    },
}
