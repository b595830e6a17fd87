//! Who holds the locks reconcile waited for: read-only queries on
//! `pg_locks` and `pg_stat_activity`, for the message of a lock timeout.
//!
//! The wait itself has already ended when the message is written (the
//! statement was cancelled by `lock_timeout`), so `pg_blocking_pids()` of
//! our own backend would be empty. Instead this lists the other sessions
//! that hold granted locks on the relations the failed statement works on,
//! which are the sessions `pg_blocking_pids()` named while we waited.

use crate::error::{Result, column};
use crate::model::{QualifiedName, quote_literal};
use postgres::{Client, Row};

/// A session holding a lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    /// The locked relation, as PostgreSQL names it.
    pub relation: String,
    /// Backend pid.
    pub pid: i32,
    /// `application_name`.
    pub application: String,
    /// `state` (active, idle in transaction, ...).
    pub state: String,
    /// Seconds since its transaction (or query) started.
    pub seconds: f64,
    /// The lock mode it holds.
    pub mode: String,
}

/// Other sessions holding granted locks on `relations`; when `relations`
/// is empty or none of them is locked, those holding an
/// `ACCESS EXCLUSIVE` lock on anything in `schemas` (the only mode that
/// blocks reading the catalog). Errors while asking are ignored: this only
/// improves a message.
pub fn holders(
    client: &mut Client,
    relations: &[QualifiedName],
    schemas: &[String],
) -> Vec<Holder> {
    let names: Vec<String> = relations.iter().map(QualifiedName::sql).collect();
    let by_relation = query(
        client,
        "l.relation IN (SELECT to_regclass(n) FROM unnest($1::text[]) AS n)",
        &names,
    );
    if !by_relation.is_empty() {
        return by_relation;
    }
    query(
        client,
        "l.mode = 'AccessExclusiveLock' AND c.relnamespace IN \
         (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[]))",
        schemas,
    )
}

fn query(client: &mut Client, filter: &str, param: &[String]) -> Vec<Holder> {
    let sql = format!(
        "SELECT format('%I.%I', cn.nspname, c.relname) AS relation, a.pid AS pid, \
                coalesce(a.application_name, '') AS application, coalesce(a.state, '') AS state, \
                coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start))::float8, 0) \
                    AS seconds, \
                l.mode AS mode \
         FROM pg_catalog.pg_locks l \
         JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid \
         JOIN pg_catalog.pg_class c ON c.oid = l.relation \
         JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace \
         WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid() \
           AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) \
           AND {filter} \
         ORDER BY 5 DESC, 2 LIMIT 10"
    );
    // Best effort, for a message: what cannot be read names no one.
    let Ok(rows) = client.query(&sql, &[&param]) else {
        return Vec::new();
    };
    rows.iter()
        .map(holder)
        .collect::<Result<Vec<_>>>()
        .unwrap_or_default()
}

fn holder(r: &Row) -> Result<Holder> {
    const QUERY: &str = "lock holders";
    Ok(Holder {
        relation: column(r, QUERY, "relation")?,
        pid: column(r, QUERY, "pid")?,
        application: column(r, QUERY, "application")?,
        state: column(r, QUERY, "state")?,
        seconds: column(r, QUERY, "seconds")?,
        mode: column(r, QUERY, "mode")?,
    })
}

/// "public.users is locked by pid 42 (application psql, idle in
/// transaction for 3.1 s, AccessExclusiveLock)", or a note that the
/// holder is gone.
pub fn describe(holders: &[Holder]) -> String {
    if holders.is_empty() {
        return "the session holding the lock was no longer found".to_string();
    }
    let mut by_relation: Vec<(String, Vec<String>)> = Vec::new();
    for h in holders {
        let app = if h.application.is_empty() {
            "no application_name".to_string()
        } else {
            format!("application {}", quote_literal(&h.application))
        };
        let text = format!(
            "pid {} ({app}, {} for {:.1} s, {})",
            h.pid,
            if h.state.is_empty() {
                "state unknown"
            } else {
                &h.state
            },
            h.seconds,
            h.mode
        );
        match by_relation.iter_mut().find(|(r, _)| *r == h.relation) {
            Some((_, list)) => list.push(text),
            None => by_relation.push((h.relation.clone(), vec![text])),
        }
    }
    by_relation
        .into_iter()
        .map(|(r, list)| format!("{r} is locked by {}", list.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}
