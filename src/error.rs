//! Error types and the exit codes they map to.

use std::fmt;

/// One problem in an input file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as the user named it.
    pub file: String,
    /// YAML path, e.g. `schemas.public.tables.users.columns.email.type`.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// A suggestion ("did you mean `email`?").
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// Everything that can stop a command: one variant per stage, each with
/// its cause (the database's own error where there is one), so callers
/// decide by variant and `source()` walks the chain, never by message text.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid `schema.yaml` or `ignore.yaml`; nothing was done.
    #[error("{}", render_diagnostics(.0))]
    Invalid(Vec<Diagnostic>),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file (`<stdout>` for standard output).
        path: String,
        /// The OS error; its kind tells a closed pipe from a real failure.
        #[source]
        source: std::io::Error,
    },
    /// Bad command-line usage, or a request the inputs cannot meet (a
    /// saved plan that is not one, a history entry that does not exist).
    #[error("{0}")]
    Usage(String),
    /// The database could not be reached.
    #[error("could not connect to the database: {}", describe_pg_error(.0))]
    Connect(#[source] postgres::Error),
    /// A statement reconcile runs to read or record failed.
    #[error("{}", describe_pg_error(.0))]
    Database(#[source] postgres::Error),
    /// Introspection could not read what the catalog returned.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The changes cannot be put in an order.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Running the plan failed.
    #[error(transparent)]
    Apply(Box<ApplyError>),
    /// The command was refused (exit 3): what it would do is not allowed.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A lock was not obtained within `--lock-timeout` (exit 3).
    #[error(transparent)]
    Lock(Box<LockError>),
}

impl From<ApplyError> for Error {
    fn from(e: ApplyError) -> Self {
        Error::Apply(Box::new(e))
    }
}

impl From<LockError> for Error {
    fn from(e: LockError) -> Self {
        Error::Lock(Box::new(e))
    }
}

/// Introspection: a catalog row that is not what the query promises.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A column is missing or has another type.
    #[error("query {query}: column {column}: {source}")]
    Column {
        /// The query (a catalog query's name, `preflight`, `history insert`).
        query: &'static str,
        /// The column.
        column: String,
        /// What the driver said.
        #[source]
        source: postgres::Error,
    },
    /// A type the catalog printed that the type reader does not take.
    #[error("could not read type `{text}` from the catalog: {reason}")]
    Type {
        /// As `format_type` printed it.
        text: String,
        /// What the type reader said.
        reason: String,
    },
    /// A worker connection's thread panicked.
    #[error("a catalog query worker panicked ({0})")]
    WorkerPanicked(String),
}

/// Planning: the steps cannot be ordered.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The steps depend on each other in a cycle (named in order).
    #[error(
        "the changes depend on each other in a cycle and cannot be ordered: {}",
        .0.join(" -> ")
    )]
    Cycle(Vec<String>),
    /// A change no kind builds steps for (a bug in reconcile, never the
    /// input's fault): planning stops rather than leave it out.
    #[error("no kind of object plans this change (a bug in reconcile): {0}")]
    Unowned(String),
}

/// What became of the work when a step failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aftermath {
    /// In the transaction: it was rolled back.
    RolledBack,
    /// After the transaction (a step PostgreSQL runs only outside one): the
    /// transactional part stays, and the failed step was cleaned up.
    Committed(Cleanup),
}

/// The cleanup of a failed step that runs after the transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleanup {
    /// The step leaves nothing behind.
    Nothing,
    /// These statements removed what it left.
    Removed(Vec<String>),
    /// This statement of the cleanup failed too, with this database error.
    Failed {
        /// The statement.
        statement: String,
        /// The database's message.
        error: String,
    },
}

impl fmt::Display for Aftermath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Aftermath::RolledBack => {
                f.write_str("the transaction was rolled back; nothing was changed")
            }
            Aftermath::Committed(cleanup) => {
                f.write_str("the transactional part was committed")?;
                match cleanup {
                    Cleanup::Nothing => Ok(()),
                    Cleanup::Removed(statements) => write!(
                        f,
                        "; removed what the failed step left behind (`{}`), so the next plan holds exactly the remaining work",
                        statements.join("; ")
                    ),
                    Cleanup::Failed { statement, error } => write!(
                        f,
                        "; removing what the failed step left behind (`{statement}`) failed too: {error}; \
                         the next plan removes it and does the step again"
                    ),
                }
            }
        }
    }
}

/// Applying: a step, the commit or the history record failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// A step failed.
    #[error("{at} failed: {}; {after}{}", describe_pg_error(.source), next_after_failure(.after, .source))]
    Step {
        /// "step 3/7 (add column ...)".
        at: String,
        /// The database's error.
        #[source]
        source: postgres::Error,
        /// What became of the rest.
        after: Aftermath,
    },
    /// The transaction's commit failed.
    #[error("commit failed: {}", describe_pg_error(.0))]
    Commit(#[source] postgres::Error),
    /// Ctrl-C or SIGTERM.
    #[error("interrupted; {}", if *.in_transaction {
        "the transaction was rolled back; nothing was changed"
    } else {
        "the transactional part was committed; rerun apply to finish"
    })]
    Interrupted {
        /// Whether it came before the commit.
        in_transaction: bool,
    },
    /// The statement timeout cancelled a preflight query.
    #[error("preflight check for `{step}` was cancelled: {}; nothing was changed", describe_pg_error(.source))]
    PreflightCancelled {
        /// The step whose condition was being checked.
        step: String,
        /// The cancellation.
        #[source]
        source: postgres::Error,
    },
    /// The history table could not be created.
    #[error("could not create the history table: {}", describe_pg_error(.0))]
    HistoryTable(#[source] postgres::Error),
    /// After the apply, the database still differs from the schema.
    #[error(
        "applied {steps} step(s), but the database still differs from {file}; remaining plan:\n{remaining}"
    )]
    NotConverged {
        /// Steps applied.
        steps: usize,
        /// The schema file.
        file: String,
        /// The plan that remains, as text.
        remaining: String,
    },
}

/// What a failed step after the transaction leaves the user to do.
fn next_after_failure(after: &Aftermath, e: &postgres::Error) -> &'static str {
    if *after == Aftermath::RolledBack {
        return "";
    }
    // Class 23: the rows break the new rule. Rows written since the
    // preflight, or a condition it could not check: a rerun fails the
    // same way until they are fixed.
    if e.as_db_error()
        .is_some_and(|d| d.code().code().starts_with("23"))
    {
        "; existing rows violate the new rule (written since the preflight checked them): fix them, then apply again"
    } else {
        "; `reconcile plan` shows the remaining work"
    }
}

/// A lock not obtained within `--lock-timeout`, with the sessions holding it.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// A statement hit the lock timeout (not yet placed in a step).
    #[error("{}", describe_pg_error(.0))]
    Timeout(#[source] postgres::Error),
    /// A step of the plan.
    #[error("could not lock {what} within the lock timeout ({timeout}) at {at}; {}; {after}{}",
        crate::locks::describe(.holders),
        if matches!(.after, Aftermath::Committed(_)) { "; apply again to finish once the lock is free" } else { "" })]
    Step {
        /// The relations the step works on ("public.users", "a table").
        what: String,
        /// The session's `lock_timeout`.
        timeout: String,
        /// "step 3/7 (...)".
        at: String,
        /// Who holds the locks.
        holders: Vec<crate::locks::Holder>,
        /// What became of the rest.
        after: Aftermath,
        /// The timeout itself.
        #[source]
        source: postgres::Error,
    },
    /// The commit (a deferred constraint's lock).
    #[error("commit failed: {}", describe_pg_error(.0))]
    Commit(#[source] postgres::Error),
    /// A preflight query.
    #[error("could not lock {table} within the lock timeout to check its existing rows ({step}); {}; nothing was changed", crate::locks::describe(.holders))]
    Preflight {
        /// The table whose rows were to be checked.
        table: crate::model::QualifiedName,
        /// The step.
        step: String,
        /// Who holds the lock.
        holders: Vec<crate::locks::Holder>,
        /// The timeout itself.
        #[source]
        source: postgres::Error,
    },
    /// Reading the catalog before planning.
    #[error("could not read the schema within the lock timeout ({source}); {}; nothing was changed", crate::locks::describe(.holders))]
    Catalog {
        /// Who holds an exclusive lock in the managed schemas.
        holders: Vec<crate::locks::Holder>,
        /// The lock timeout as it came.
        #[source]
        source: Box<LockError>,
    },
}

/// Why a command refuses to go on (exit 3); nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The plan would break what reconcile does not manage.
    #[error(transparent)]
    Plan(#[from] crate::graph::protect::Broken),
    /// Steps that lose data, without `--allow-destructive`.
    #[error("refusing to apply: {} step(s) lose data; rerun with --allow-destructive to allow them:\n{}\nnothing was changed", .0.len(), bullet_list(.0))]
    Destructive(Vec<String>),
    /// Existing rows break a new rule (found by the preflight).
    #[error("refusing to apply: a preflight check failed; existing rows violate {} new rule(s):\n{}\n\
             fix these rows (or change schema.yaml) and apply again; nothing was changed",
        .0.len(),
        .0.iter().map(|v| format!("  - {}: {}", v.step, v.message)).collect::<Vec<_>>().join("\n"))]
    Preflight(Vec<crate::preflight::Violation>),
    /// Another apply holds the advisory lock.
    #[error(
        "another reconcile apply holds the advisory lock on this database \
             (pg_advisory_lock {key}); waited {waited_ms} ms; nothing was changed"
    )]
    AdvisoryLock {
        /// The lock key.
        key: i64,
        /// How long reconcile waited.
        waited_ms: u128,
    },
    /// The database changed since a saved plan was made.
    #[error("refusing to apply {file}: the database changed since the plan was made \
             (fingerprint {} now, {} when planned); make a new plan. Nothing was changed",
        short(.now), short(.planned))]
    FingerprintChanged {
        /// The saved plan.
        file: String,
        /// The fingerprint now.
        now: String,
        /// The fingerprint the plan was made against.
        planned: String,
    },
}

fn short(fingerprint: &str) -> &str {
    fingerprint.get(..12).unwrap_or(fingerprint)
}

fn bullet_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("  - {s}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn render_diagnostics(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&d.to_string());
    }
    if diags.len() > 1 {
        out.push_str(&format!("\n{} problems found", diags.len()));
    }
    out
}

impl Error {
    /// The process exit code for this error (SPEC §3).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Refused(_) | Error::Lock(_) => 3,
            _ => 1,
        }
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        if is_lock_timeout(&e) {
            LockError::Timeout(e).into()
        } else {
            Error::Database(e)
        }
    }
}

/// Whether the statement was cancelled by `lock_timeout`.
pub fn is_lock_timeout(e: &postgres::Error) -> bool {
    e.as_db_error()
        .is_some_and(|d| d.code() == &postgres::error::SqlState::LOCK_NOT_AVAILABLE)
}

/// A one-line description of a database error, with SQLSTATE and detail.
pub fn describe_pg_error(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{} (SQLSTATE {})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                s.push_str(&format!("; {detail}"));
            }
            if let Some(hint) = db.hint() {
                s.push_str(&format!("; hint: {hint}"));
            }
            s
        }
        None => {
            let text = e.to_string();
            match std::error::Error::source(e) {
                Some(src) => format!("{text}: {src}"),
                None => text,
            }
        }
    }
}

/// Reads column `name` of a row of `query` (named for the message): a
/// missing column or an unexpected type is an error naming both, never a
/// panic.
pub fn column<'a, T: postgres::types::FromSql<'a>>(
    row: &'a postgres::Row,
    query: &'static str,
    name: &str,
) -> Result<T> {
    row.try_get(name).map_err(|source| {
        Error::Catalog(CatalogError::Column {
            query,
            column: name.to_string(),
            source,
        })
    })
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn messages_say_what_became_of_the_work() {
        assert_eq!(
            Aftermath::RolledBack.to_string(),
            "the transaction was rolled back; nothing was changed"
        );
        assert_eq!(
            Aftermath::Committed(Cleanup::Removed(vec!["DROP INDEX i".into()])).to_string(),
            "the transactional part was committed; removed what the failed step left behind \
             (`DROP INDEX i`), so the next plan holds exactly the remaining work"
        );
        let refused = Error::from(Refusal::Destructive(vec!["drop table t".into()]));
        assert_eq!(refused.exit_code(), 3);
        assert_eq!(
            refused.to_string(),
            "refusing to apply: 1 step(s) lose data; rerun with --allow-destructive to allow \
             them:\n  - drop table t\nnothing was changed"
        );
        let cycle = Error::from(PlanError::Cycle(vec!["a".into(), "b".into(), "a".into()]));
        assert_eq!(cycle.exit_code(), 1);
        assert!(cycle.to_string().ends_with(": a -> b -> a"));
    }

    #[test]
    fn causes_stay_reachable() {
        let inner = LockError::Catalog {
            holders: Vec::new(),
            source: Box::new(LockError::Catalog {
                holders: Vec::new(),
                source: Box::new(LockError::Preflight {
                    table: crate::model::QualifiedName::new("public", "t"),
                    step: "add check".into(),
                    holders: Vec::new(),
                    source: postgres_error(),
                }),
            }),
        };
        let e = Error::from(inner);
        assert_eq!(e.exit_code(), 3);
        // Error -> Catalog -> Catalog -> Preflight -> the driver's error.
        let mut depth = 0;
        let mut cause: Option<&dyn std::error::Error> = e.source();
        while let Some(c) = cause {
            depth += 1;
            cause = c.source();
        }
        assert!(depth >= 3, "{depth}");
    }

    /// A driver error without a server: connecting to a closed port.
    fn postgres_error() -> postgres::Error {
        match postgres::Client::connect("host=127.0.0.1 port=1 connect_timeout=1", postgres::NoTls)
        {
            Err(e) => e,
            Ok(_) => panic!("port 1 accepted a PostgreSQL connection"),
        }
    }
}
