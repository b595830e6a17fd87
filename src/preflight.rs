//! Preflight: before the transaction starts, every `may_fail` step's
//! condition is checked against the existing rows (SPEC §5).
//!
//! Read-only: all queries run in one `READ ONLY` transaction that is rolled
//! back, each bounded by the session's `lock_timeout` and
//! `statement_timeout`. Each is one prepared statement (`query`), never a
//! batch, so an expression from `schema.yaml` cannot carry a second
//! statement; identifiers are quoted with the model's helpers.

use crate::error::{ApplyError, LockError, Refusal, Result, column, describe_pg_error};
use crate::model::quote_ident;
use crate::plan::Plan;
use crate::plan::precondition::{Condition, Precondition};
use postgres::Client;

/// How many offending rows a message names.
const EXAMPLES: i64 = 5;

/// One condition that the existing rows break.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The step's description.
    pub step: String,
    /// What is wrong, with counts and examples.
    pub message: String,
}

/// What the preflight found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Conditions the existing rows break.
    pub violations: Vec<Violation>,
    /// Conditions that could not be checked (the query failed, e.g. it
    /// calls a function the plan creates); their steps rely on the
    /// transaction or on their cleanup.
    pub unchecked: Vec<Violation>,
}

/// Checks every step's precondition; `Err(Refused)` listing the violations
/// when any fails (nothing has been changed then). Returns the conditions
/// that could not be checked, for a warning.
pub fn check(client: &mut Client, plan: &Plan) -> Result<Vec<Violation>> {
    let Report {
        violations,
        unchecked,
    } = run(client, plan)?;
    if violations.is_empty() {
        return Ok(unchecked);
    }
    Err(Refusal::Preflight(violations).into())
}

/// Checks the preconditions of `plan`, in step order.
pub fn run(client: &mut Client, plan: &Plan) -> Result<Report> {
    let checks: Vec<(&str, &Precondition, Option<String>)> = plan
        .steps
        .iter()
        .filter_map(|s| {
            s.precondition.as_ref().map(|p| {
                // A saved plan's steps carry their search path as SQL, not
                // as a schema; their object is in the table's schema.
                let schema = s.schema.clone().or_else(|| Some(p.table.schema.clone()));
                (s.description.as_str(), p, schema)
            })
        })
        .collect();
    let mut out = Report::default();
    if checks.is_empty() {
        return Ok(out);
    }
    let mut tx = client.build_transaction().read_only(true).start()?;
    for (step, p, schema) in checks {
        // Unqualified names in an expression resolve in the table's schema,
        // as they do when the step runs.
        if let Some(schema) = &schema {
            tx.query(
                "SELECT set_config('search_path', $1, true)",
                &[&quote_ident(schema)],
            )?;
        }
        let sql = query_sql(p);
        // A savepoint, so that a check that cannot run does not end the others.
        let mut sp = tx.savepoint("reconcile_preflight")?;
        let result = sp.query_one(sql.as_str(), &[]);
        let row = match result {
            Ok(row) => {
                sp.commit()?;
                row
            }
            Err(e) => {
                let lock = e
                    .as_db_error()
                    .is_some_and(|d| d.code() == &postgres::error::SqlState::LOCK_NOT_AVAILABLE);
                let cancelled = e
                    .as_db_error()
                    .is_some_and(|d| d.code() == &postgres::error::SqlState::QUERY_CANCELED);
                if !lock && !cancelled {
                    sp.rollback()?;
                    out.unchecked.push(Violation {
                        step: step.to_string(),
                        message: describe_pg_error(&e),
                    });
                    continue;
                }
                drop(sp);
                let _ = tx.rollback();
                if cancelled {
                    return Err(ApplyError::PreflightCancelled {
                        step: step.to_string(),
                        source: e,
                    }
                    .into());
                }
                let holders = crate::locks::holders(client, std::slice::from_ref(&p.table), &[]);
                return Err(LockError::Preflight {
                    table: p.table.clone(),
                    step: step.to_string(),
                    holders,
                    source: e,
                }
                .into());
            }
        };
        let count: i64 = column(&row, "preflight", "count")?;
        if count == 0 {
            continue;
        }
        let examples: Vec<String> = column(&row, "preflight", "examples")?;
        let rows: i64 = column(&row, "preflight", "rows")?;
        out.violations.push(Violation {
            step: step.to_string(),
            message: message(p, count, rows, &examples),
        });
    }
    let _ = tx.rollback();
    Ok(out)
}

fn key_label(p: &Precondition) -> String {
    if p.key.is_empty() {
        "ctid".to_string()
    } else {
        p.key.join(", ")
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn message(p: &Precondition, count: i64, rows: i64, examples: &[String]) -> String {
    let shown = examples.join(", ");
    let by_key = format!("e.g. {} {shown}", key_label(p));
    let table = &p.table;
    // "1 row of t holds", "3 rows of t hold".
    let subject = |n: i64, one: &str, many: &str| {
        if n == 1 {
            format!("1 row of {table} {one}")
        } else {
            format!("{n} rows of {table} {many}")
        }
    };
    match &p.condition {
        Condition::NotNull { column } => format!(
            "{} NULL in {column} ({by_key})",
            subject(count, "holds", "hold")
        ),
        Condition::Empty { column } => format!(
            "{table} has {}; a NOT NULL column {column} without a default can only be added \
             to an empty table (give it a default) ({by_key})",
            plural(count, "row", "rows")
        ),
        Condition::Check { name, expr } => format!(
            "{} check {name} ({expr}) ({by_key})",
            subject(count, "violates", "violate")
        ),
        Condition::ForeignKey {
            name,
            columns,
            ref_table,
            ..
        } => format!(
            "{} foreign key {name} ({}) with no matching row in {} ({by_key})",
            subject(count, "violates", "violate"),
            columns.join(", "),
            ref_table.as_ref().map_or_else(
                || "the table this plan creates (empty)".to_string(),
                ToString::to_string
            )
        ),
        Condition::Unique { name, keys, .. } => format!(
            "{} {} of {name} ({}) (e.g. {shown})",
            subject(rows, "shares", "share"),
            plural(count, "duplicated key", "duplicated keys"),
            keys.join(", ")
        ),
    }
}

/// `SELECT count, examples[], rows` for one precondition, so named.
fn query_sql(p: &Precondition) -> String {
    let table = p.table.sql();
    let key = if p.key.is_empty() {
        "ctid::text".to_string()
    } else if p.key.len() == 1 {
        format!("{}::text", quote_ident(&p.key[0]))
    } else {
        let cols: Vec<String> = p.key.iter().map(|k| quote_ident(k)).collect();
        format!("ROW({})::text", cols.join(", "))
    };
    // No alias on the table: a check may name it (`t.col`).
    let rows_where = |cond: &str| {
        format!(
            "SELECT (SELECT count(*) FROM {table} WHERE {cond}) AS count, \
             ARRAY(SELECT {key} FROM {table} WHERE {cond} LIMIT {EXAMPLES}) AS examples, \
             0::bigint AS rows"
        )
    };
    match &p.condition {
        Condition::NotNull { column } => rows_where(&format!("{} IS NULL", quote_ident(column))),
        Condition::Empty { .. } => rows_where("true"),
        // A check passes when its expression is NULL, so only false counts.
        Condition::Check { expr, .. } => rows_where(&format!("({expr}) IS FALSE")),
        Condition::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            ..
        } => {
            // MATCH SIMPLE: a key with any NULL column is not checked.
            let complete: Vec<String> = columns
                .iter()
                .map(|c| format!("{table}.{} IS NOT NULL", quote_ident(c)))
                .collect();
            let mut cond = complete.join(" AND ");
            if let Some(r) = ref_table {
                let matches: Vec<String> = columns
                    .iter()
                    .zip(ref_columns)
                    .map(|(c, rc)| format!("r.{} = {table}.{}", quote_ident(rc), quote_ident(c)))
                    .collect();
                cond.push_str(&format!(
                    " AND NOT EXISTS (SELECT 1 FROM {} AS r WHERE {})",
                    r.sql(),
                    matches.join(" AND ")
                ));
            }
            rows_where(&cond)
        }
        Condition::Unique {
            keys, predicate, ..
        } => unique_sql(&table, keys, predicate.as_deref()),
    }
}

/// Duplicate groups: their number, up to five of them with their sizes,
/// and the rows they hold. Rows with a NULL key part never collide.
fn unique_sql(table: &str, keys: &[String], predicate: Option<&str>) -> String {
    let mut filters: Vec<String> = keys.iter().map(|k| format!("{k} IS NOT NULL")).collect();
    if let Some(p) = predicate {
        filters.push(format!("({p})"));
    }
    let group = keys.join(", ");
    let shown = if keys.len() == 1 {
        format!("{}::text", keys[0])
    } else {
        format!("ROW({group})::text")
    };
    let dups = format!(
        "SELECT {shown} AS k, count(*) AS n FROM {table} WHERE {} GROUP BY {group} HAVING count(*) > 1",
        filters.join(" AND ")
    );
    format!(
        "WITH d AS ({dups}) SELECT (SELECT count(*) FROM d) AS count, \
         ARRAY(SELECT k || ' (' || n || ' rows)' FROM d ORDER BY n DESC, k LIMIT {EXAMPLES}) AS examples, \
         (SELECT coalesce(sum(n), 0)::bigint FROM d) AS rows"
    )
}
