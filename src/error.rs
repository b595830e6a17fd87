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

/// Everything that can stop a command.
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
    /// The database refused or failed a statement, or could not be reached.
    #[error("{0}")]
    Database(String),
    /// The plan cannot be made (e.g. it would touch an ignored object).
    #[error("{0}")]
    Plan(String),
    /// The command was refused: destructive steps without `--allow-destructive`,
    /// a lock not obtained, a changed fingerprint.
    #[error("{0}")]
    Refused(String),
    /// A lock was not obtained within `--lock-timeout`; the message names
    /// the object and the sessions holding it.
    #[error("{0}")]
    LockNotObtained(String),
    /// Bad command-line usage.
    #[error("{0}")]
    Usage(String),
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
            Error::Refused(_) | Error::LockNotObtained(_) => 3,
            _ => 1,
        }
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        if is_lock_timeout(&e) {
            Error::LockNotObtained(describe_pg_error(&e))
        } else {
            Error::Database(describe_pg_error(&e))
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
    query: &str,
    name: &str,
) -> Result<T> {
    row.try_get(name)
        .map_err(|e| Error::Database(format!("query {query}: column {name}: {e}")))
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
