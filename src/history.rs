//! reconcile's own record of applies, in `<history schema>.history`.
//!
//! Created on the first apply. The history schema is always ignored by plans,
//! so recording an apply never shows up as drift.

use crate::error::{Result, column};
use crate::model::quote_ident;
use postgres::{Client, Row};
use serde::Serialize;

/// One recorded apply.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Sequential id.
    pub id: i64,
    /// When it finished (RFC 3339, UTC).
    pub applied_at: String,
    /// The database user that applied it.
    pub db_user: String,
    /// `apply`, `apply --plan` or `rollback`.
    pub kind: String,
    /// `success` or `failed`.
    pub outcome: String,
    /// SHA-256 of the desired schema file.
    pub schema_hash: String,
    /// The desired schema file's full text.
    pub schema_text: String,
    /// The plan that ran, as SQL.
    pub plan_sql: String,
    /// Number of steps.
    pub steps: i32,
    /// Wall time of the steps in milliseconds.
    pub duration_ms: i64,
    /// Fingerprint of the managed schema before the apply.
    pub fingerprint_before: Option<String>,
    /// Fingerprint after (for successful applies).
    pub fingerprint_after: Option<String>,
    /// The error, for failed applies.
    pub error: Option<String>,
}

/// What to record about an apply.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// `apply`, `apply --plan` or `rollback`.
    pub kind: &'a str,
    /// Whether it succeeded.
    pub success: bool,
    /// SHA-256 of the desired schema.
    pub schema_hash: &'a str,
    /// Full text of the desired schema (empty when unknown).
    pub schema_text: &'a str,
    /// The plan as SQL.
    pub plan_sql: &'a str,
    /// Number of steps.
    pub steps: usize,
    /// Duration of the steps.
    pub duration_ms: u128,
    /// Fingerprint before.
    pub fingerprint_before: Option<&'a str>,
    /// Fingerprint after.
    pub fingerprint_after: Option<&'a str>,
    /// Error text for failures.
    pub error: Option<&'a str>,
}

fn table(schema: &str) -> String {
    format!("{}.history", quote_ident(schema))
}

/// Creates the history schema and table if they do not exist.
pub fn ensure(client: &mut Client, schema: &str) -> Result<()> {
    client
        .batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {s};
             CREATE TABLE IF NOT EXISTS {t} (
                 id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now(),
                 db_user text NOT NULL DEFAULT current_user,
                 kind text NOT NULL,
                 outcome text NOT NULL CHECK (outcome IN ('success', 'failed')),
                 schema_hash text NOT NULL,
                 schema_text text NOT NULL,
                 plan_sql text NOT NULL,
                 steps integer NOT NULL,
                 duration_ms bigint NOT NULL,
                 fingerprint_before text,
                 fingerprint_after text,
                 error text,
                 reconcile_version text NOT NULL
             )",
            s = quote_ident(schema),
            t = table(schema)
        ))
        .map_err(|e| crate::error::ApplyError::HistoryTable(e).into())
}

/// Appends a record; returns its id.
pub fn record(client: &mut Client, schema: &str, r: &Record<'_>) -> Result<i64> {
    ensure(client, schema)?;
    let steps = i32::try_from(r.steps).unwrap_or(i32::MAX);
    let duration = i64::try_from(r.duration_ms).unwrap_or(i64::MAX);
    let row = client.query_one(
        &format!(
            "INSERT INTO {} (kind, outcome, schema_hash, schema_text, plan_sql, steps, duration_ms,
                             fingerprint_before, fingerprint_after, error, reconcile_version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            table(schema)
        ),
        &[
            &r.kind,
            &if r.success { "success" } else { "failed" },
            &r.schema_hash,
            &r.schema_text,
            &r.plan_sql,
            &steps,
            &duration,
            &r.fingerprint_before,
            &r.fingerprint_after,
            &r.error,
            &env!("CARGO_PKG_VERSION"),
        ],
    )?;
    column(&row, "history insert", "id")
}

/// Whether the history table exists.
pub fn exists(client: &mut Client, schema: &str) -> Result<bool> {
    let row = client.query_one(
        "SELECT to_regclass(format('%I.history', $1::text)) IS NOT NULL AS exists",
        &[&schema],
    )?;
    column(&row, "history exists", "exists")
}

/// All entries, newest first (none when the table does not exist).
pub fn list(client: &mut Client, schema: &str) -> Result<Vec<Entry>> {
    if !exists(client, schema)? {
        return Ok(Vec::new());
    }
    let rows = client.query(
        &format!(
            "SELECT id, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS applied_at,
                    db_user, kind, outcome,
                    schema_hash, schema_text, plan_sql, steps, duration_ms, fingerprint_before,
                    fingerprint_after, error
             FROM {} ORDER BY id DESC",
            table(schema)
        ),
        &[],
    )?;
    rows.iter().map(entry).collect()
}

fn entry(r: &Row) -> Result<Entry> {
    const QUERY: &str = "history";
    Ok(Entry {
        id: column(r, QUERY, "id")?,
        applied_at: column(r, QUERY, "applied_at")?,
        db_user: column(r, QUERY, "db_user")?,
        kind: column(r, QUERY, "kind")?,
        outcome: column(r, QUERY, "outcome")?,
        schema_hash: column(r, QUERY, "schema_hash")?,
        schema_text: column(r, QUERY, "schema_text")?,
        plan_sql: column(r, QUERY, "plan_sql")?,
        steps: column(r, QUERY, "steps")?,
        duration_ms: column(r, QUERY, "duration_ms")?,
        fingerprint_before: column(r, QUERY, "fingerprint_before")?,
        fingerprint_after: column(r, QUERY, "fingerprint_after")?,
        error: column(r, QUERY, "error")?,
    })
}
