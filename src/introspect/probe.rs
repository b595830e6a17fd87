//! Asking the server what it makes of a desired definition.
//!
//! The canonicalizer (`sql::normalize`) only merges spellings that mean the
//! same whatever the column types are. Where the desired and the live
//! canonical forms still differ (the catalog adds implicit casts, folds
//! constants, rewrites `IS NOT DISTINCT FROM`), the desired definition is
//! created on the server inside a transaction that is always rolled back
//! and deparsed as introspection deparses the live one; when the two agree,
//! the live object takes the desired canonical text so they compare equal.
//! Nothing here changes the database. Call it after the fingerprint was
//! computed (the fingerprint is the database's, not the alignment's).

use super::col;
use crate::error::Result;
use crate::model::{
    Column, ConstraintKind, IndexKey, QualifiedName, Schema, SqlExpr, Table, quote_ident,
};
use crate::sql::normalize;
use postgres::{Client, Row, Transaction};
use std::collections::BTreeMap;

/// Makes every live definition PostgreSQL reads the same way as the desired
/// one compare equal: views, column defaults, generated columns, checks,
/// index expressions and index predicates.
pub fn align_with_server(
    client: &mut Client,
    desired: &Schema,
    current: &mut Schema,
) -> Result<()> {
    align_view_queries(client, desired, current)?;
    align_table_expressions(client, desired, current)
}

/// What one probe object stands for.
#[derive(Debug, Clone)]
enum Target {
    /// A column default (`generated: false`) or generation expression.
    Column { column: String, generated: bool },
    /// A check constraint.
    Check(String),
    /// An index's expression keys and predicate.
    Index(String),
}

/// One desired definition to create on the server, numbered `n`: the probe
/// object is called `reconcile_probe_<n>`.
#[derive(Debug, Clone)]
struct Candidate {
    n: usize,
    target: Target,
    /// The column definition, constraint or `CREATE INDEX` statement.
    sql: String,
    /// Whether sqlparser read the desired text (else it is never batched).
    parsed: bool,
}

/// The candidates of one table, which get one temporary table
/// `reconcile_probe_t<n>` with the desired table's columns.
#[derive(Debug)]
struct TableProbe {
    name: QualifiedName,
    n: usize,
    /// The desired columns as `name type [COLLATE c]`.
    columns: Vec<String>,
    candidates: Vec<Candidate>,
}

fn differs(a: Option<&SqlExpr>, b: Option<&SqlExpr>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a.canonical != b.canonical)
}

fn probe_column(col: &Column) -> String {
    let mut s = format!("{} {}", quote_ident(&col.name), col.ty.sql);
    if let Some(c) = &col.collation {
        s.push_str(&format!(" COLLATE {}", quote_ident(c)));
    }
    s
}

/// The temporary table's definition with `candidates` (columns and checks).
fn create_table_sql(probe: &TableProbe, candidates: &[&Candidate]) -> String {
    let mut parts = probe.columns.clone();
    for c in candidates {
        if !matches!(c.target, Target::Index(_)) {
            parts.push(c.sql.clone());
        }
    }
    format!(
        "CREATE TEMPORARY TABLE reconcile_probe_t{} ({})",
        probe.n,
        parts.join(", ")
    )
}

/// Collects the candidates: definitions present on both sides whose
/// canonical forms differ. Tables whose shared columns change type are
/// left to the canonical comparison (the probe would use the wrong types).
fn table_probes(desired: &Schema, current: &Schema) -> Vec<TableProbe> {
    let mut probes = Vec::new();
    let mut n = 0usize;
    for (qn, want) in &desired.tables {
        let Some(live) = current.tables.get(qn) else {
            continue;
        };
        let retyped = want.columns.iter().any(|c| {
            live.column(&c.name)
                .is_some_and(|l| l.ty.sql != c.ty.sql || l.collation != c.collation)
        });
        if retyped {
            continue;
        }
        let mut probe = TableProbe {
            name: qn.clone(),
            n: probes.len(),
            columns: want.columns.iter().map(probe_column).collect(),
            candidates: Vec::new(),
        };
        collect_candidates(want, live, &mut probe, &mut n);
        if !probe.candidates.is_empty() {
            probes.push(probe);
        }
    }
    probes
}

fn push(probe: &mut TableProbe, n: &mut usize, target: Target, sql: String, parsed: bool) {
    probe.candidates.push(Candidate {
        n: *n,
        target,
        sql,
        parsed,
    });
    *n += 1;
}

fn collect_candidates(want: &Table, live: &Table, probe: &mut TableProbe, n: &mut usize) {
    for col in &want.columns {
        let Some(l) = live.column(&col.name) else {
            continue;
        };
        // The newline ends a trailing line comment in the user's text.
        if differs(col.default.as_ref(), l.default.as_ref())
            && let Some(d) = &col.default
        {
            let sql = format!(
                "reconcile_probe_{} {} DEFAULT ({}\n)",
                *n, col.ty.sql, d.sql
            );
            push(
                probe,
                n,
                Target::Column {
                    column: col.name.clone(),
                    generated: false,
                },
                sql,
                d.parsed(),
            );
        }
        if differs(col.generated.as_ref(), l.generated.as_ref())
            && let Some(g) = &col.generated
        {
            let sql = format!(
                "reconcile_probe_{} {} GENERATED ALWAYS AS ({}\n) STORED",
                *n, col.ty.sql, g.sql
            );
            push(
                probe,
                n,
                Target::Column {
                    column: col.name.clone(),
                    generated: true,
                },
                sql,
                g.parsed(),
            );
        }
    }
    for (name, c) in &want.constraints {
        if let (ConstraintKind::Check { expr }, Some(ConstraintKind::Check { expr: live_expr })) =
            (&c.kind, live.constraints.get(name).map(|l| &l.kind))
            && expr.canonical != live_expr.canonical
        {
            let sql = format!("CONSTRAINT reconcile_probe_{} CHECK ({}\n)", *n, expr.sql);
            push(probe, n, Target::Check(name.clone()), sql, expr.parsed());
        }
    }
    for (name, index) in &want.indexes {
        let Some(l) = live.indexes.get(name) else {
            continue;
        };
        if index.keys.len() != l.keys.len() {
            continue;
        }
        let keys_differ = index.keys.iter().zip(&l.keys).any(|pair| {
            matches!(pair, (IndexKey::Expr(a), IndexKey::Expr(b)) if a.canonical != b.canonical)
        });
        if !keys_differ && !differs(index.predicate.as_ref(), l.predicate.as_ref()) {
            continue;
        }
        let keys: Vec<String> = index
            .keys
            .iter()
            .map(|k| match k {
                IndexKey::Column(c) => quote_ident(c),
                IndexKey::Expr(e) => format!("({}\n)", e.sql),
            })
            .collect();
        let mut sql = format!(
            "CREATE INDEX reconcile_probe_{} ON pg_temp.reconcile_probe_t{} USING {} ({})",
            *n,
            probe.n,
            quote_ident(&index.method),
            keys.join(", ")
        );
        if let Some(p) = &index.predicate {
            sql.push_str(&format!(" WHERE ({}\n)", p.sql));
        }
        let parsed = index
            .keys
            .iter()
            .all(|k| !matches!(k, IndexKey::Expr(e) if !e.parsed()))
            && index.predicate.as_ref().is_none_or(SqlExpr::parsed);
        push(probe, n, Target::Index(name.clone()), sql, parsed);
    }
}

/// The search path the plan's steps run with: the object's schema, then the
/// schemas of the declared extensions (see `Plan::search_path`).
fn search_path(schema: &str, desired: &Schema) -> String {
    let mut parts = vec![quote_ident(schema)];
    for e in desired.extensions.values() {
        let q = quote_ident(&e.schema);
        if !parts.contains(&q) {
            parts.push(q);
        }
    }
    parts.join(", ")
}

/// Probe results: object name → (position, text).
type Results = BTreeMap<String, Vec<(i32, String)>>;

/// Runs `probe_results.sql`: a failure means a probe did not work out.
fn query_results(tx: &mut Transaction<'_>) -> std::result::Result<Vec<Row>, postgres::Error> {
    tx.batch_execute("SET LOCAL search_path TO pg_catalog")?;
    tx.query(include_str!("queries/probe_results.sql"), &[])
}

/// Reads the rows of `probe_results.sql` (a row that cannot be read is an
/// error, not a failed probe).
fn read_results(rows: &[Row]) -> Result<Results> {
    const QUERY: &str = "probe_results";
    let mut out: Results = BTreeMap::new();
    for row in rows {
        let text: Option<String> = col(row, QUERY, "text")?;
        if let Some(text) = text {
            out.entry(col(row, QUERY, "name")?)
                .or_default()
                .push((col(row, QUERY, "position")?, text));
        }
    }
    Ok(out)
}

/// Creates every candidate in one batch; `None` when any of them fails.
fn probe_all_at_once(
    tx: &mut Transaction<'_>,
    desired: &Schema,
    probes: &[TableProbe],
) -> Result<Option<Results>> {
    // Text sqlparser could not read goes alone, through `execute`.
    if probes.iter().flat_map(|p| &p.candidates).any(|c| !c.parsed) {
        return Ok(None);
    }
    let mut batch = String::new();
    for probe in probes {
        batch.push_str(&format!(
            "SET LOCAL search_path TO {};\n",
            search_path(&probe.name.schema, desired)
        ));
        let all: Vec<&Candidate> = probe.candidates.iter().collect();
        batch.push_str(&create_table_sql(probe, &all));
        batch.push_str(";\n");
        for c in &all {
            if matches!(c.target, Target::Index(_)) {
                batch.push_str(&c.sql);
                batch.push_str(";\n");
            }
        }
    }
    if tx.batch_execute(&batch).is_err() {
        return Ok(None);
    }
    match query_results(tx) {
        Ok(rows) => read_results(&rows).map(Some),
        Err(_) => Ok(None),
    }
}

/// Creates each candidate on its own under a savepoint, so one that fails
/// (a type or function that does not exist yet) does not stop the others.
/// Each statement is sent alone (`execute`), whatever its text holds.
fn probe_one_by_one(
    tx: &mut Transaction<'_>,
    desired: &Schema,
    probes: &[TableProbe],
) -> Result<Results> {
    let mut out = Results::new();
    for probe in probes {
        for c in &probe.candidates {
            let Ok(mut sp) = tx.savepoint("reconcile_probe") else {
                return Ok(out);
            };
            let result = (|| -> std::result::Result<Vec<Row>, postgres::Error> {
                sp.batch_execute(&format!(
                    "SET LOCAL search_path TO {}",
                    search_path(&probe.name.schema, desired)
                ))?;
                sp.execute(&create_table_sql(probe, &[c]), &[])?;
                if matches!(c.target, Target::Index(_)) {
                    sp.execute(&c.sql, &[])?;
                }
                query_results(&mut sp)
            })();
            let _ = sp.rollback();
            if let Ok(rows) = result {
                out.extend(read_results(&rows)?);
            }
        }
    }
    Ok(out)
}

/// The server's reading of `text`, canonical, when it parses.
fn canonical(text: &str, schema: &str) -> Option<String> {
    normalize::expr(text, schema).ok().map(|e| e.canonical)
}

/// Lets `live` take `want`'s canonical text when the server's reading of
/// the desired definition (`text`) is the live one.
fn align(live: &mut SqlExpr, want: &SqlExpr, text: Option<&String>, schema: &str) {
    // The server's own texts first: they also match where the parser
    // cannot read them.
    if let Some(text) = text
        && (text.trim() == live.sql
            || canonical(text, schema).as_deref() == Some(live.canonical.as_str()))
    {
        live.canonical.clone_from(&want.canonical);
    }
}

fn apply_results(desired: &Schema, current: &mut Schema, probes: &[TableProbe], results: &Results) {
    for probe in probes {
        let (Some(want), Some(live)) = (
            desired.tables.get(&probe.name),
            current.tables.get_mut(&probe.name),
        ) else {
            continue;
        };
        let schema = probe.name.schema.clone();
        for c in &probe.candidates {
            let rows = results.get(&format!("reconcile_probe_{}", c.n));
            let at = |k: i32| rows.and_then(|r| r.iter().find(|(p, _)| *p == k).map(|(_, t)| t));
            match &c.target {
                Target::Column { column, generated } => {
                    let (Some(w), Some(l)) = (
                        want.column(column),
                        live.columns.iter_mut().find(|l| &l.name == column),
                    ) else {
                        continue;
                    };
                    let (w, l) = if *generated {
                        (w.generated.as_ref(), l.generated.as_mut())
                    } else {
                        (w.default.as_ref(), l.default.as_mut())
                    };
                    if let (Some(w), Some(l)) = (w, l) {
                        align(l, w, at(0), &schema);
                    }
                }
                Target::Check(name) => {
                    if let (
                        Some(ConstraintKind::Check { expr: w }),
                        Some(ConstraintKind::Check { expr: l }),
                    ) = (
                        want.constraints.get(name).map(|c| &c.kind),
                        live.constraints.get_mut(name).map(|c| &mut c.kind),
                    ) {
                        align(l, w, at(0), &schema);
                    }
                }
                Target::Index(name) => {
                    let (Some(w), Some(l)) = (want.indexes.get(name), live.indexes.get_mut(name))
                    else {
                        continue;
                    };
                    for (k, (wk, lk)) in w.keys.iter().zip(l.keys.iter_mut()).enumerate() {
                        if let (IndexKey::Expr(we), IndexKey::Expr(le)) = (wk, lk) {
                            let pos = i32::try_from(k + 1).unwrap_or(i32::MAX);
                            align(le, we, at(pos), &schema);
                        }
                    }
                    if let (Some(wp), Some(lp)) = (&w.predicate, l.predicate.as_mut()) {
                        align(lp, wp, at(-1), &schema);
                    }
                }
            }
        }
    }
}

/// Column defaults, generated columns, checks and index expressions: see
/// [`align_with_server`].
pub fn align_table_expressions(
    client: &mut Client,
    desired: &Schema,
    current: &mut Schema,
) -> Result<()> {
    let probes = table_probes(desired, current);
    if probes.is_empty() {
        return Ok(());
    }
    // A transaction per chunk: thousands of temporary tables in one would
    // exceed the lock table (max_locks_per_transaction), fail the batch and
    // leave every candidate to the one-by-one path.
    let mut results = Results::new();
    for chunk in probes.chunks(PROBE_CHUNK) {
        let mut tx = client.transaction()?;
        let found = match probe_all_at_once(&mut tx, desired, chunk)? {
            Some(r) => r,
            None => {
                tx.rollback()?;
                tx = client.transaction()?;
                probe_one_by_one(&mut tx, desired, chunk)?
            }
        };
        tx.rollback()?;
        results.extend(found);
    }
    apply_results(desired, current, &probes, &results);
    Ok(())
}

/// Tables (or views) probed in one transaction.
const PROBE_CHUNK: usize = 200;

/// Makes live view queries that PostgreSQL reads the same way as the desired
/// ones compare equal: each differing desired query is created as a
/// temporary view in a transaction that is rolled back, and its
/// `pg_get_viewdef()` compared with the live view's; where they match, the
/// live view takes the desired canonical text. Compute the fingerprint first.
pub fn align_view_queries(
    client: &mut Client,
    desired: &Schema,
    current: &mut Schema,
) -> Result<()> {
    let candidates: Vec<QualifiedName> = desired
        .views
        .iter()
        .filter(|(qn, v)| current.views.get(*qn).is_some_and(|c| c.query != v.query))
        .map(|(qn, _)| qn.clone())
        .collect();
    if candidates.is_empty() {
        return Ok(());
    }
    // All probes of a chunk in one round trip; if any query fails to create,
    // that chunk is probed one by one so the others still count.
    let mut texts = Vec::with_capacity(candidates.len());
    for chunk in candidates.chunks(PROBE_CHUNK) {
        let mut tx = client.transaction()?;
        match probe_views_at_once(&mut tx, desired, chunk)? {
            Some(found) => texts.extend(found),
            None => {
                tx.rollback()?;
                tx = client.transaction()?;
                for qn in chunk {
                    let sql = desired
                        .views
                        .get(qn)
                        .map(|v| v.query.sql.clone())
                        .unwrap_or_default();
                    texts.push(probe_view(&mut tx, &qn.schema, &sql)?);
                }
            }
        }
        tx.rollback()?;
    }
    for (qn, text) in candidates.iter().zip(texts) {
        let (Some(view), Some(live)) = (desired.views.get(qn), current.views.get_mut(qn)) else {
            continue;
        };
        if let Some(text) = text
            && (text.trim().trim_end_matches(';') == live.query.sql
                || normalize::query(&text, &qn.schema)
                    .is_ok_and(|canon| canon.canonical == live.query.canonical))
        {
            // PostgreSQL reads both the same way: let them compare equal.
            live.query.canonical.clone_from(&view.query.canonical);
        }
    }
    Ok(())
}

/// Creates every candidate as a temporary view in one batch and reads their
/// definitions back in one query; `None` when any of them fails.
fn probe_views_at_once(
    tx: &mut Transaction<'_>,
    desired: &Schema,
    candidates: &[QualifiedName],
) -> Result<Option<Vec<Option<String>>>> {
    let mut batch = String::new();
    for (i, qn) in candidates.iter().enumerate() {
        // Text sqlparser could not read goes alone, through `execute`.
        let Some(view) = desired.views.get(qn).filter(|v| v.query.parsed()) else {
            return Ok(None);
        };
        // The newline ends a trailing line comment in the user's query.
        batch.push_str(&format!(
            "SET LOCAL search_path TO {}, pg_catalog;\nCREATE TEMPORARY VIEW reconcile_probe_{i} AS {}\n;\n",
            crate::model::quote_ident(&qn.schema),
            view.query.sql
        ));
    }
    batch.push_str("SET LOCAL search_path TO pg_catalog;");
    if tx.batch_execute(&batch).is_err() {
        return Ok(None);
    }
    let Ok(rows) = tx.query(
        "SELECT c.relname::text AS name, pg_get_viewdef(c.oid, true) AS definition
         FROM pg_catalog.pg_class c
         WHERE c.relnamespace = pg_my_temp_schema() AND c.relname LIKE 'reconcile\\_probe\\_%'",
        &[],
    ) else {
        return Ok(None);
    };
    let mut texts = vec![None; candidates.len()];
    for row in &rows {
        let name: String = col(row, "probe views", "name")?;
        if let Some(i) = name
            .strip_prefix("reconcile_probe_")
            .and_then(|n| n.parse::<usize>().ok())
            && i < texts.len()
        {
            texts[i] = Some(col(row, "probe views", "definition")?);
        }
    }
    Ok(Some(texts))
}

fn probe_view(tx: &mut Transaction<'_>, schema: &str, query: &str) -> Result<Option<String>> {
    let Ok(mut sp) = tx.savepoint("reconcile_probe") else {
        return Ok(None);
    };
    let result = (|| -> std::result::Result<Row, postgres::Error> {
        sp.batch_execute(&format!(
            "SET LOCAL search_path TO {}, pg_catalog",
            crate::model::quote_ident(schema)
        ))?;
        // `execute` sends one statement only, whatever the text holds.
        sp.execute(
            &format!("CREATE TEMPORARY VIEW reconcile_probe AS {query}"),
            &[],
        )?;
        sp.batch_execute("SET LOCAL search_path TO pg_catalog")?;
        sp.query_one(
            "SELECT pg_get_viewdef('pg_temp.reconcile_probe'::regclass, true) AS definition",
            &[],
        )
    })();
    let _ = sp.rollback();
    match result {
        Ok(row) => col(&row, "probe view", "definition").map(Some),
        Err(_) => Ok(None),
    }
}
