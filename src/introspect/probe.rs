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
use crate::sql::{normalize, references};
use postgres::{Client, Row, Transaction};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// What one probe result stands for on a table.
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
/// object is called `reconcile_probe_<n>`. Identical definitions over the
/// same columns share one candidate, whatever table declares them.
#[derive(Debug, Clone)]
struct Candidate {
    n: usize,
    shape: Shape,
    /// What follows the probe object's name.
    rest: String,
    /// Whether sqlparser read the desired text (else it is never batched).
    parsed: bool,
}

/// What a candidate adds to its vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shape {
    Column,
    Constraint,
    Index,
}

impl Candidate {
    /// The column or constraint definition, or the `CREATE INDEX`
    /// statement on vehicle `t`.
    fn sql(&self, t: usize) -> String {
        let (n, rest) = (self.n, &self.rest);
        match self.shape {
            Shape::Column => format!("reconcile_probe_{n} {rest}"),
            Shape::Constraint => format!("CONSTRAINT reconcile_probe_{n} {rest}"),
            Shape::Index => {
                format!("CREATE INDEX reconcile_probe_{n} ON pg_temp.reconcile_probe_t{t} {rest}")
            }
        }
    }
}

/// A temporary table `reconcile_probe_t<n>` with the columns its
/// candidates read (as `name type [COLLATE c]`) and the candidates as extra
/// columns, constraints and indexes.
#[derive(Debug)]
struct Vehicle {
    n: usize,
    schema: String,
    columns: Vec<String>,
    candidates: Vec<Candidate>,
    /// Candidates that add a column (PostgreSQL allows 1,600 in all).
    added_columns: usize,
}

impl Vehicle {
    /// Locks the vehicle takes: its table and each index.
    fn weight(&self) -> usize {
        1 + self
            .candidates
            .iter()
            .filter(|c| c.shape == Shape::Index)
            .count()
    }
}

/// Where the server's reading of a candidate goes: `target` of `table`.
#[derive(Debug)]
struct Use {
    table: QualifiedName,
    target: Target,
    candidate: usize,
}

/// Every candidate, grouped into vehicles, and where each result goes.
#[derive(Debug, Default)]
struct Probes {
    vehicles: Vec<Vehicle>,
    uses: Vec<Use>,
    /// (schema, columns) → the vehicle taking more candidates.
    open: HashMap<(String, Vec<String>), usize>,
    /// (vehicle signature, definition) → candidate number.
    seen: HashMap<(String, Vec<String>, Shape, String), usize>,
    next: usize,
}

/// Candidate columns a vehicle takes before another one is started.
const VEHICLE_COLUMNS: usize = 1000;

/// The column names `texts` may read: `None` when one of them does not
/// parse or reads `*` (the vehicle then has every column).
fn reads(texts: &[&SqlExpr]) -> Option<BTreeSet<String>> {
    let mut all = BTreeSet::new();
    for e in texts {
        if !e.parsed() {
            return None;
        }
        let refs = references::expr_references(&e.sql).ok()?;
        if refs.wildcard {
            return None;
        }
        all.extend(refs.identifiers);
    }
    Some(all)
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

impl Probes {
    /// Adds the candidate `definition` of `target` on `table`, whose
    /// expressions are `texts` (and which names the columns `named`).
    fn add(
        &mut self,
        (table, want): (&QualifiedName, &Table),
        target: Target,
        (texts, named): (&[&SqlExpr], &[&str]),
        definition: (Shape, String),
    ) {
        let (shape, rest) = definition;
        let parsed = texts.iter().all(|e| e.parsed());
        // Only the columns the expressions read: a column the text does
        // not name cannot change how PostgreSQL reads it, and tables
        // declaring the same expression over the same columns then share
        // the candidate.
        let reads = reads(texts).map(|mut r| {
            r.extend(named.iter().map(|c| (*c).to_string()));
            r
        });
        let columns: Vec<String> = want
            .columns
            .iter()
            .filter(|c| reads.as_ref().is_none_or(|r| r.contains(&c.name)))
            .map(probe_column)
            .collect();
        let key = (table.schema.clone(), columns, shape, rest);
        let candidate = match self.seen.get(&key) {
            Some(n) => *n,
            None => {
                let (schema, columns, _, rest) = key.clone();
                let signature = (schema, columns);
                let vehicle = match self.open.get(&signature) {
                    Some(&v) if self.vehicles[v].added_columns < VEHICLE_COLUMNS => v,
                    _ => {
                        let v = self.vehicles.len();
                        self.vehicles.push(Vehicle {
                            n: v,
                            schema: signature.0.clone(),
                            columns: signature.1.clone(),
                            candidates: Vec::new(),
                            added_columns: 0,
                        });
                        self.open.insert(signature, v);
                        v
                    }
                };
                let n = self.next;
                self.next += 1;
                let v = &mut self.vehicles[vehicle];
                if shape == Shape::Column {
                    v.added_columns += 1;
                }
                v.candidates.push(Candidate {
                    n,
                    shape,
                    rest,
                    parsed,
                });
                self.seen.insert(key, n);
                n
            }
        };
        self.uses.push(Use {
            table: table.clone(),
            target,
            candidate,
        });
    }
}

/// Collects the candidates: definitions present on both sides whose
/// canonical forms differ. Tables whose shared columns change type are
/// left to the canonical comparison (the probe would use the wrong types).
fn table_probes(desired: &Schema, current: &Schema) -> Probes {
    let mut probes = Probes::default();
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
        collect_candidates(qn, want, live, &mut probes);
    }
    probes
}

fn collect_candidates(qn: &QualifiedName, want: &Table, live: &Table, probes: &mut Probes) {
    for col in &want.columns {
        let Some(l) = live.column(&col.name) else {
            continue;
        };
        // The newline ends a trailing line comment in the user's text.
        if differs(col.default.as_ref(), l.default.as_ref())
            && let Some(d) = &col.default
        {
            let sql = format!("{} DEFAULT ({}\n)", col.ty.sql, d.sql);
            let target = Target::Column {
                column: col.name.clone(),
                generated: false,
            };
            probes.add((qn, want), target, (&[d], &[]), (Shape::Column, sql));
        }
        if differs(col.generated.as_ref(), l.generated.as_ref())
            && let Some(g) = &col.generated
        {
            let sql = format!("{} GENERATED ALWAYS AS ({}\n) STORED", col.ty.sql, g.sql);
            let target = Target::Column {
                column: col.name.clone(),
                generated: true,
            };
            probes.add((qn, want), target, (&[g], &[]), (Shape::Column, sql));
        }
    }
    for (name, c) in &want.constraints {
        if let (ConstraintKind::Check { expr }, Some(ConstraintKind::Check { expr: live_expr })) =
            (&c.kind, live.constraints.get(name).map(|l| &l.kind))
            && expr.canonical != live_expr.canonical
        {
            let sql = format!("CHECK ({}\n)", expr.sql);
            let target = Target::Check(name.clone());
            probes.add((qn, want), target, (&[expr], &[]), (Shape::Constraint, sql));
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
        let mut texts: Vec<&SqlExpr> = Vec::new();
        let keys: Vec<String> = index
            .keys
            .iter()
            .map(|k| match k {
                IndexKey::Column(c) => quote_ident(c),
                IndexKey::Expr(e) => {
                    texts.push(e);
                    format!("({}\n)", e.sql)
                }
            })
            .collect();
        let mut sql = format!("USING {} ({})", quote_ident(&index.method), keys.join(", "));
        if let Some(p) = &index.predicate {
            texts.push(p);
            sql.push_str(&format!(" WHERE ({}\n)", p.sql));
        }
        let named: Vec<&str> = index
            .keys
            .iter()
            .filter_map(|k| match k {
                IndexKey::Column(c) => Some(c.as_str()),
                IndexKey::Expr(_) => None,
            })
            .collect();
        let target = Target::Index(name.clone());
        probes.add((qn, want), target, (&texts, &named), (Shape::Index, sql));
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

/// The vehicle's `CREATE TEMPORARY TABLE` with `candidates` (its columns
/// and checks; indexes are separate statements).
fn create_table_sql(vehicle: &Vehicle, candidates: &[&Candidate]) -> String {
    let mut parts = vehicle.columns.clone();
    for c in candidates {
        if c.shape != Shape::Index {
            parts.push(c.sql(vehicle.n));
        }
    }
    format!(
        "CREATE TEMPORARY TABLE reconcile_probe_t{} ({})",
        vehicle.n,
        parts.join(", ")
    )
}

/// Creates every candidate in one batch; `None` when any of them fails.
fn probe_all_at_once(
    tx: &mut Transaction<'_>,
    desired: &Schema,
    vehicles: &[&Vehicle],
) -> Result<Option<Results>> {
    // Text sqlparser could not read goes alone, through `execute`.
    if vehicles
        .iter()
        .flat_map(|v| &v.candidates)
        .any(|c| !c.parsed)
    {
        return Ok(None);
    }
    let mut batch = String::new();
    for vehicle in vehicles {
        batch.push_str(&format!(
            "SET LOCAL search_path TO {};\n",
            search_path(&vehicle.schema, desired)
        ));
        let all: Vec<&Candidate> = vehicle.candidates.iter().collect();
        batch.push_str(&create_table_sql(vehicle, &all));
        batch.push_str(";\n");
        for c in all.iter().filter(|c| c.shape == Shape::Index) {
            batch.push_str(&c.sql(vehicle.n));
            batch.push_str(";\n");
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
    vehicles: &[&Vehicle],
) -> Result<Results> {
    let mut out = Results::new();
    for vehicle in vehicles {
        for c in &vehicle.candidates {
            let Ok(mut sp) = tx.savepoint("reconcile_probe") else {
                return Ok(out);
            };
            let result = (|| -> std::result::Result<Vec<Row>, postgres::Error> {
                sp.batch_execute(&format!(
                    "SET LOCAL search_path TO {}",
                    search_path(&vehicle.schema, desired)
                ))?;
                sp.execute(&create_table_sql(vehicle, &[c]), &[])?;
                if c.shape == Shape::Index {
                    sp.execute(&c.sql(vehicle.n), &[])?;
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

fn apply_results(desired: &Schema, current: &mut Schema, uses: &[Use], results: &Results) {
    for u in uses {
        let (Some(want), Some(live)) = (
            desired.tables.get(&u.table),
            current.tables.get_mut(&u.table),
        ) else {
            continue;
        };
        let schema = u.table.schema.clone();
        let rows = results.get(&format!("reconcile_probe_{}", u.candidate));
        let at = |k: i32| rows.and_then(|r| r.iter().find(|(p, _)| *p == k).map(|(_, t)| t));
        match &u.target {
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

/// Column defaults, generated columns, checks and index expressions: see
/// [`align_with_server`].
pub fn align_table_expressions(
    client: &mut Client,
    desired: &Schema,
    current: &mut Schema,
) -> Result<()> {
    let probes = table_probes(desired, current);
    if probes.uses.is_empty() {
        return Ok(());
    }
    // Transactions of bounded size: thousands of temporary tables and
    // indexes in one would exceed the lock table (max_locks_per_transaction),
    // fail the batch and leave every candidate to the one-by-one path.
    let mut results = Results::new();
    let mut chunk: Vec<&Vehicle> = Vec::new();
    let mut weight = 0;
    for (i, vehicle) in probes.vehicles.iter().enumerate() {
        chunk.push(vehicle);
        weight += vehicle.weight();
        if weight >= PROBE_LOCKS || i + 1 == probes.vehicles.len() {
            let mut tx = client.transaction()?;
            let found = match probe_all_at_once(&mut tx, desired, &chunk)? {
                Some(r) => r,
                None => {
                    tx.rollback()?;
                    tx = client.transaction()?;
                    probe_one_by_one(&mut tx, desired, &chunk)?
                }
            };
            tx.rollback()?;
            results.extend(found);
            chunk.clear();
            weight = 0;
        }
    }
    apply_results(desired, current, &probes.uses, &results);
    Ok(())
}

/// Temporary tables and indexes created in one transaction.
const PROBE_LOCKS: usize = 400;

/// Views probed in one transaction.
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
