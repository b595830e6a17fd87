//! Reading the live database into the model.
//!
//! One catalog query per object kind, whatever the number of tables. Reads
//! only; never changes the database (the view probe runs in a transaction
//! that is always rolled back). Objects of extensions, system schemas and
//! everything `ignore.yaml` matches are left out of the model; what depends
//! on the managed objects, managed or not, is in [`Catalog::graph`] (from
//! `pg_depend`), so the plan can refuse to break what it does not manage.

use crate::error::{CatalogError, Error, Result};
use crate::graph::{Graph, Kind, Node, ObjectId};
use crate::ignore::IgnoreRules;
use crate::model::{
    Column, Constraint, ConstraintKind, Deferrable, Enum, Extension, FkAction, ForeignKey,
    Identity, Index, IndexKey, QualifiedName, Schema, Sequence, SequenceOptions, SequenceOwner,
    SqlExpr, SqlType, Table, View,
};
use crate::sql::normalize;
use crate::sql::types::canonical_type;
use postgres::types::FromSql;
use postgres::{Client, Row, Transaction};
use std::collections::{BTreeMap, BTreeSet};

mod depend;
mod probe;

use depend::{
    Names, PG_ATTRDEF, PG_CLASS, PG_CONSTRAINT, PG_EXTENSION, PG_NAMESPACE, PG_REWRITE, PG_TYPE,
};

pub use probe::{align_view_queries, align_with_server};

/// The result of introspection.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The managed objects, in the model.
    pub schema: Schema,
    /// Every non-system schema that exists in the database.
    pub existing_schemas: BTreeSet<String>,
    /// What depends on the managed objects (from `pg_depend`), including
    /// every object reconcile does not manage that would break with them.
    pub graph: Graph,
    /// Migration tools' bookkeeping tables found in the managed schemas,
    /// left alone by default (named in the plan header).
    pub migration_tables: Vec<QualifiedName>,
}

/// Every catalog query introspection runs: (name, SQL, whether it takes the
/// managed schemas as `$1`). One per object kind, whatever the schema size.
pub const CATALOG_QUERIES: &[(&str, &str, bool)] = &[
    ("schemas", include_str!("queries/schemas.sql"), false),
    ("extensions", include_str!("queries/extensions.sql"), false),
    ("enums", include_str!("queries/enums.sql"), true),
    ("sequences", include_str!("queries/sequences.sql"), true),
    ("tables", include_str!("queries/tables.sql"), true),
    ("columns", include_str!("queries/columns.sql"), true),
    ("constraints", include_str!("queries/constraints.sql"), true),
    ("indexes", include_str!("queries/indexes.sql"), true),
    ("views", include_str!("queries/views.sql"), true),
    (
        "dependencies",
        include_str!("queries/dependencies.sql"),
        true,
    ),
];

/// Reads column `name` of a row of the catalog query `query`: a missing
/// column or an unexpected type is an error naming both, never a panic.
fn col<'a, T: FromSql<'a>>(row: &'a Row, query: &'static str, name: &str) -> Result<T> {
    crate::error::column(row, query, name)
}

/// A row of the catalog query `query` (a name in [`CATALOG_QUERIES`] or
/// `identify`), read by column name.
struct CatalogRow {
    query: &'static str,
    row: Row,
}

impl CatalogRow {
    fn col<'a, T: FromSql<'a>>(&'a self, name: &str) -> Result<T> {
        col(&self.row, self.query, name)
    }
}

/// Opens a connection (see [`crate::connect`]).
pub fn connect(url: &str) -> Result<Client> {
    crate::connect::connect(url)
}

/// One definition the parser cannot read must not stop introspection: its
/// text is kept and marked, so it never compares equal to a parsed
/// definition by accident (the server probe compares the server's own texts
/// instead; see [`normalize::unparsed`]).
fn from_catalog_expr(text: &str, schema: &str, _what: &str) -> Result<SqlExpr> {
    Ok(normalize::expr(text, schema).unwrap_or_else(|_| normalize::unparsed(text)))
}

fn catalog_type(text: &str) -> Result<SqlType> {
    // format_type() prints user types schema-qualified (search_path is empty
    // during introspection), which is the canonical form.
    let resolve = |schema: Option<&str>, name: &str| {
        Some(QualifiedName::new(schema.unwrap_or("pg_catalog"), name))
    };
    canonical_type(text, &resolve).map_err(|reason| {
        Error::Catalog(CatalogError::Type {
            text: text.to_string(),
            reason,
        })
    })
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Reads the managed schemas (`managed`) into the model, skipping what `ignore` matches.
#[allow(clippy::too_many_lines)]
pub fn introspect(
    client: &mut Client,
    managed: &BTreeSet<String>,
    ignore: &IgnoreRules,
) -> Result<Catalog> {
    introspect_with(client, None, managed, ignore)
}

/// Like [`introspect`]; with the database URL, the heaviest catalog queries
/// run at once on extra connections that share the first one's snapshot, so
/// the result is as consistent as one transaction's.
pub fn introspect_with(
    client: &mut Client,
    url: Option<&str>,
    managed: &BTreeSet<String>,
    ignore: &IgnoreRules,
) -> Result<Catalog> {
    let schemas: Vec<String> = managed
        .iter()
        .filter(|s| ignore.schema(s).is_none())
        .cloned()
        .collect();
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    tx.batch_execute(SESSION_SETTINGS)?;
    let rows = match url {
        Some(url) => fetch_concurrently(&mut tx, url, &schemas)?,
        None => fetch(&mut tx, &schemas, &all_queries())?,
    };
    let (mut cat, dependencies, mut names, extra) = build(rows, managed, ignore)?;
    cat.graph = depend::resolve(&mut tx, &dependencies, &mut names, extra)?;
    tx.rollback()?;
    view_dependencies(&mut cat);
    Ok(cat)
}

/// A managed view's dependencies, from the graph: the relations and
/// columns it reads.
fn view_dependencies(cat: &mut Catalog) {
    for e in &cat.graph.edges {
        let from = &e.from.id;
        if !e.from.managed
            || !matches!(from.kind, Kind::View | Kind::MaterializedView)
            || from.parent.is_some()
        {
            continue;
        }
        let Some(view) = from.qualified() else {
            continue;
        };
        let Some(v) = cat.schema.views.get_mut(&view) else {
            continue;
        };
        let to = &e.to.id;
        match (&to.kind, to.parent.as_deref()) {
            (Kind::Column, Some(rel)) => {
                if let Some(rel) = rel.qualified() {
                    v.depends_on.insert(rel.clone());
                    v.column_deps.insert((rel, to.name.clone()));
                }
            }
            (
                Kind::Table
                | Kind::Partition
                | Kind::View
                | Kind::MaterializedView
                | Kind::ForeignTable,
                None,
            ) => {
                if let Some(rel) = to.qualified() {
                    v.depends_on.insert(rel);
                }
            }
            _ => {}
        }
    }
}

fn all_queries() -> Vec<usize> {
    (0..CATALOG_QUERIES.len()).collect()
}

/// How the catalog queries run, on every connection: names resolve in
/// `pg_catalog` only, and without JIT compilation, which the planner's
/// estimates for these joins switch on at a few thousand tables and which
/// then costs more than it saves (at 10,000 tables about 0.6 s of the 2.7 s
/// the columns query takes).
pub const SESSION_SETTINGS: &str = "SET LOCAL search_path TO pg_catalog; SET LOCAL jit TO off";

/// Rows of catalog queries, by query number (in [`CATALOG_QUERIES`]).
type Fetched = Vec<(usize, Vec<Row>)>;

/// Runs the catalog queries numbered `which`; returns rows by query number.
fn fetch(tx: &mut Transaction<'_>, schemas: &[String], which: &[usize]) -> Result<Fetched> {
    let mut out = Vec::with_capacity(which.len());
    for &i in which {
        let (_, sql, takes_schemas) = CATALOG_QUERIES[i];
        let rows = if takes_schemas {
            tx.query(sql, &[&schemas])?
        } else {
            tx.query(sql, &[])?
        };
        out.push((i, rows));
    }
    Ok(out)
}

/// The costliest queries (columns; constraints and indexes) go to two extra
/// connections importing this transaction's snapshot; the rest run here.
///
/// Only a worker that could not start (connect, or import the snapshot)
/// hands its share back to this connection: a catalog query that failed is
/// never run a second time, its error is the result (a lock timeout stays
/// [`Error::Lock`]), and so is a worker that panicked.
fn fetch_concurrently(tx: &mut Transaction<'_>, url: &str, schemas: &[String]) -> Result<Fetched> {
    let row = tx.query_one(
        "SELECT pg_export_snapshot() AS snapshot, current_setting('lock_timeout') AS lock_timeout",
        &[],
    )?;
    let (snapshot, lock_timeout): (String, String) = (
        col(&row, "snapshot", "snapshot")?,
        col(&row, "snapshot", "lock_timeout")?,
    );
    let groups: [&[usize]; 2] = [&[5], &[6, 7, 9]];
    let (main_rows, worker_rows) = std::thread::scope(|scope| {
        let workers: Vec<_> = groups
            .iter()
            .map(|group| {
                let (snapshot, lock_timeout) = (snapshot.as_str(), lock_timeout.as_str());
                scope.spawn(move || -> Result<Option<Fetched>> {
                    // `None`: this worker could not start; its share runs on
                    // the main connection.
                    let Ok(mut client) = connect(url) else {
                        return Ok(None);
                    };
                    let Ok(mut wtx) = start_worker(&mut client, snapshot, lock_timeout) else {
                        return Ok(None);
                    };
                    let rows = fetch(&mut wtx, schemas, group)?;
                    // The rows are read; ending the read-only transaction
                    // cannot change them, and the connection closes next.
                    let _ = wtx.rollback();
                    Ok(Some(rows))
                })
            })
            .collect();
        let rest: Vec<usize> = all_queries()
            .into_iter()
            .filter(|i| !groups.iter().any(|g| g.contains(i)))
            .collect();
        let main_rows = fetch(tx, schemas, &rest);
        let worker_rows: Vec<_> = workers.into_iter().map(|w| w.join()).collect();
        (main_rows, worker_rows)
    });
    let mut rows = main_rows?;
    for (w, group) in worker_rows.into_iter().zip(groups) {
        match w {
            Ok(Ok(Some(r))) => rows.extend(r),
            Ok(Ok(None)) => rows.extend(fetch(tx, schemas, group)?),
            Ok(Err(e)) => return Err(e),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("no message");
                return Err(CatalogError::WorkerPanicked(what.to_string()).into());
            }
        }
    }
    Ok(rows)
}

/// Starts a worker's transaction on `client`: read only, in the snapshot
/// `snapshot` and with the main connection's `lock_timeout`.
fn start_worker<'c>(
    client: &'c mut Client,
    snapshot: &str,
    lock_timeout: &str,
) -> std::result::Result<Transaction<'c>, postgres::Error> {
    let mut wtx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    // Importing the snapshot must come before any query.
    wtx.batch_execute(&format!(
        "SET TRANSACTION SNAPSHOT {}; {SESSION_SETTINGS}; SET LOCAL lock_timeout TO {}",
        crate::model::quote_literal(snapshot),
        crate::model::quote_literal(lock_timeout)
    ))?;
    Ok(wtx)
}

/// What [`build`] gives: the model, the dependency rows, the names of the
/// objects it read, and dependencies it found itself (ignored columns and
/// sequences, objects of kinds not managed yet).
type Built = (
    Catalog,
    Vec<depend::Dependency>,
    Names,
    Vec<(Node, Node, bool)>,
);

fn unmanaged(id: ObjectId) -> Node {
    Node { id, managed: false }
}

fn managed_node(id: ObjectId) -> Node {
    Node { id, managed: true }
}

/// Builds the model from the rows of every catalog query.
#[allow(clippy::too_many_lines)]
fn build(
    fetched: Vec<(usize, Vec<Row>)>,
    managed: &BTreeSet<String>,
    ignore: &IgnoreRules,
) -> Result<Built> {
    let mut rows: Vec<Vec<CatalogRow>> = (0..CATALOG_QUERIES.len()).map(|_| Vec::new()).collect();
    for (i, r) in fetched {
        let query = CATALOG_QUERIES[i].0;
        rows[i] = r.into_iter().map(|row| CatalogRow { query, row }).collect();
    }
    // The dependencies (the last query) first: only the objects they name
    // are kept by address, not every column of every table.
    let dependencies = rows
        .pop()
        .unwrap_or_default()
        .iter()
        .map(depend::Dependency::read)
        .collect::<Result<Vec<_>>>()?;
    let mut rows = rows.into_iter();
    let mut next = move || rows.next().unwrap_or_default();
    let mut cat = Catalog::default();
    let mut names = Names::for_dependencies(&dependencies);
    let mut extra: Vec<(Node, Node, bool)> = Vec::new();
    for row in next() {
        let name: String = row.col("name")?;
        if managed.contains(&name) {
            names.managed((PG_NAMESPACE, row.col("oid")?, 0), ObjectId::schema(&name));
        }
        cat.existing_schemas.insert(name);
    }
    cat.schema.schemas = managed.clone();

    for row in next() {
        let name: String = row.col("name")?;
        if name == "plpgsql" {
            continue;
        }
        names.managed(
            (PG_EXTENSION, row.col("oid")?, 0),
            ObjectId {
                kind: Kind::Extension,
                schema: None,
                name: name.clone(),
                parent: None,
                args: None,
            },
        );
        cat.schema.extensions.insert(
            name.clone(),
            Extension {
                name,
                schema: row.col("schema")?,
                version: row.col("version")?,
                requires: row.col("requires")?,
            },
        );
    }
    for row in next() {
        let qn = QualifiedName::new(row.col::<String>("schema")?, row.col::<String>("name")?);
        if ignore.type_(&qn).is_some() {
            continue;
        }
        let id = ObjectId::relation(Kind::Enum, &qn);
        names.managed((PG_TYPE, row.col("oid")?, 0), id.clone());
        names.managed((PG_TYPE, row.col("array_oid")?, 0), id);
        cat.schema.enums.insert(
            qn.clone(),
            Enum {
                name: qn,
                values: row.col("labels")?,
                comment: row.col("comment")?,
            },
        );
    }
    // Held back until the columns are read: a `serial` column takes its own.
    let mut sequences: BTreeMap<QualifiedName, Sequence> = BTreeMap::new();
    let mut sequence_oids: BTreeMap<QualifiedName, i64> = BTreeMap::new();
    // Ignored sequences owned by a column: they go when the column goes.
    let mut ignored_owned: Vec<(QualifiedName, SequenceOwner)> = Vec::new();
    for row in next() {
        let qn = QualifiedName::new(row.col::<String>("schema")?, row.col::<String>("name")?);
        let owned_by = match (
            row.col::<Option<String>>("owner_schema")?,
            row.col::<Option<String>>("owner_table")?,
            row.col::<Option<String>>("owner_column")?,
        ) {
            (Some(s), Some(t), Some(column)) => Some(SequenceOwner {
                table: QualifiedName::new(s, t),
                column,
            }),
            _ => None,
        };
        if ignore.sequence(&qn).is_some() {
            if let Some(owner) = owned_by {
                ignored_owned.push((qn, owner));
            }
            continue;
        }
        sequence_oids.insert(qn.clone(), row.col("oid")?);
        sequences.insert(
            qn.clone(),
            Sequence {
                name: qn,
                options: SequenceOptions {
                    data_type: row.col("data_type")?,
                    start: row.col("start")?,
                    increment: row.col("increment")?,
                    min_value: row.col("min_value")?,
                    max_value: row.col("max_value")?,
                    cache: row.col("cache")?,
                    cycle: row.col("cycle")?,
                },
                owned_by,
                comment: row.col("comment")?,
            },
        );
    }
    let mut by_oid: BTreeMap<i64, QualifiedName> = BTreeMap::new();
    for row in next() {
        let qn = QualifiedName::new(row.col::<String>("schema")?, row.col::<String>("name")?);
        if ignore.table(&qn).is_some() {
            if ignore.is_migration_table(&qn) {
                cat.migration_tables.push(qn);
            }
            continue;
        }
        let relkind: String = row.col("relkind")?;
        let partition: bool = row.col("is_partition")?;
        if partition || relkind == "f" {
            // Not managed (yet): listed, and kept from being dropped.
            extra.push((
                unmanaged(ObjectId::relation(
                    Kind::from_relkind(&relkind, partition),
                    &qn,
                )),
                managed_node(ObjectId::schema(&qn.schema)),
                false,
            ));
            continue;
        }
        let id = ObjectId::relation(Kind::Table, &qn);
        let oid: i64 = row.col("oid")?;
        names.managed((PG_CLASS, oid, 0), id.clone());
        names.managed((PG_TYPE, row.col("type_oid")?, 0), id);
        by_oid.insert(oid, qn.clone());
        cat.schema.tables.insert(
            qn.clone(),
            Table {
                name: qn,
                columns: Vec::new(),
                constraints: BTreeMap::new(),
                indexes: BTreeMap::new(),
                comment: row.col("comment")?,
                renamed_from: None,
            },
        );
    }
    for row in next() {
        let table_oid: i64 = row.col("table_oid")?;
        let Some(qn) = by_oid.get(&table_oid) else {
            continue;
        };
        let name: String = row.col("name")?;
        let table_id = ObjectId::relation(Kind::Table, qn);
        let column_id = ObjectId::child(Kind::Column, table_id.clone(), &name);
        let address = (PG_CLASS, table_oid, row.col::<i32>("attnum")?);
        if ignore.column(qn, &name).is_some() {
            // Dropping the managed table would take the ignored column with it.
            names.unmanaged(address, column_id.clone());
            extra.push((unmanaged(column_id), managed_node(table_id), true));
            continue;
        }
        names.managed(address, column_id.clone());
        if let Some(default_oid) = row.col::<Option<i64>>("default_oid")? {
            names.managed((PG_ATTRDEF, default_oid, 0), column_id);
        }
        let mut ty = catalog_type(&row.col::<String>("type")?)?;
        let default_text: Option<String> = row.col("default_expr")?;
        let identity = match row.col::<String>("identity")?.as_str() {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        };
        let is_generated = row.col::<String>("generated")? == "s";
        // nextval() of a sequence the column owns is a `serial` when the
        // sequence is exactly what `serial` creates (name, type, options);
        // otherwise the sequence stays a sequence of its own, `OWNED BY`
        // the column, so that import keeps all of it.
        let sequence: Option<String> = row.col("sequence")?;
        let serial_sequence = sequence
            .as_ref()
            .map(|s| QualifiedName::new(&qn.schema, s))
            .filter(|s| {
                s.name == crate::model::owned_sequence_name(&qn.name, &name)
                    && sequences.get(s).is_some_and(|seq| {
                        seq.comment.is_none() && seq.options == SequenceOptions::defaults(&ty.sql)
                    })
            });
        let is_serial = row.col::<bool>("is_serial")? && serial_sequence.is_some();
        if is_serial && let Some(s) = &serial_sequence {
            sequences.remove(s);
        }
        let identity_options = match identity {
            Some(_) => Some(Box::new(SequenceOptions {
                data_type: ty.sql.clone(),
                start: row.col::<Option<i64>>("identity_start")?.unwrap_or(1),
                increment: row.col::<Option<i64>>("identity_increment")?.unwrap_or(1),
                min_value: row.col::<Option<i64>>("identity_min")?.unwrap_or(1),
                max_value: row.col::<Option<i64>>("identity_max")?.unwrap_or(i64::MAX),
                cache: row.col::<Option<i64>>("identity_cache")?.unwrap_or(1),
                cycle: row.col::<Option<bool>>("identity_cycle")?.unwrap_or(false),
            })),
            None => None,
        };
        let (mut default, mut generated) = (None, None);
        if is_serial {
            ty.serial = Some(match ty.sql.as_str() {
                "smallint" => crate::model::Serial::Small,
                "bigint" => crate::model::Serial::Big,
                _ => crate::model::Serial::Regular,
            });
        } else if let Some(text) = default_text {
            let e = from_catalog_expr(&text, &qn.schema, "a column default")?;
            if is_generated {
                generated = Some(e);
            } else {
                default = Some(e);
            }
        }
        if let Some(table) = cat.schema.tables.get_mut(qn) {
            table.columns.push(Column {
                sequence,
                name,
                ty,
                not_null: row.col("not_null")?,
                default,
                identity,
                identity_options,
                generated,
                collation: row.col("collation")?,
                comment: row.col("comment")?,
                renamed_from: None,
            });
        }
    }
    // A sequence owned by a column reconcile does not manage (an ignored
    // table or column, another schema) belongs to that column, as before.
    for (qn, seq) in sequences {
        let managed_owner = seq.owned_by.as_ref().is_none_or(|o| {
            cat.schema
                .tables
                .get(&o.table)
                .is_some_and(|t| t.column(&o.column).is_some())
        });
        if managed_owner {
            if let Some(oid) = sequence_oids.get(&qn) {
                names.managed((PG_CLASS, *oid, 0), ObjectId::relation(Kind::Sequence, &qn));
            }
            cat.schema.sequences.insert(qn, seq);
        }
    }
    // The sequence a serial column owns is part of the column.
    for table in cat.schema.tables.values() {
        for c in &table.columns {
            if c.ty.serial.is_some()
                && let Some(seq) = &c.sequence
                && let Some(oid) = sequence_oids.get(&QualifiedName::new(&table.name.schema, seq))
            {
                names.managed(
                    (PG_CLASS, *oid, 0),
                    ObjectId::child(
                        Kind::Column,
                        ObjectId::relation(Kind::Table, &table.name),
                        &c.name,
                    ),
                );
            }
        }
    }
    for (qn, owner) in ignored_owned {
        if cat
            .schema
            .tables
            .get(&owner.table)
            .is_some_and(|t| t.column(&owner.column).is_some())
        {
            extra.push((
                unmanaged(ObjectId::relation(Kind::Sequence, &qn)),
                managed_node(ObjectId::child(
                    Kind::Column,
                    ObjectId::relation(Kind::Table, &owner.table),
                    &owner.column,
                )),
                true,
            ));
        }
    }
    for row in next() {
        let table = QualifiedName::new(
            row.col::<String>("schema")?,
            row.col::<String>("table_name")?,
        );
        let name: String = row.col("name")?;
        let contype: String = row.col("contype")?;
        let columns: Vec<String> = row.col("columns")?;
        let ref_table = match (
            row.col::<Option<String>>("ref_schema")?,
            row.col::<Option<String>>("ref_table")?,
        ) {
            (Some(s), Some(n)) => Some(QualifiedName::new(s, n)),
            _ => None,
        };
        if !cat.schema.tables.contains_key(&table) {
            // An ignored table's: named (and protected) through the graph.
            continue;
        }
        let table_id = ObjectId::relation(Kind::Table, &table);
        let constraint_id = ObjectId::child(Kind::Constraint, table_id.clone(), &name);
        let address = (PG_CONSTRAINT, row.col::<i64>("oid")?, 0);
        if contype == "x" {
            // Exclusion constraints are not managed yet: listed and protected
            // (with their table and with each column: DROP COLUMN would take
            // them along).
            names.unmanaged(address, constraint_id.clone());
            for c in &columns {
                extra.push((
                    unmanaged(constraint_id.clone()),
                    managed_node(ObjectId::child(Kind::Column, table_id.clone(), c)),
                    true,
                ));
            }
            extra.push((unmanaged(constraint_id), managed_node(table_id), true));
            continue;
        }
        names.managed(address, constraint_id);
        if matches!(contype.as_str(), "p" | "u") {
            names.managed(
                (PG_CLASS, row.col::<i64>("index_oid")?, 0),
                ObjectId::new(Kind::Index, &table.schema, &name),
            );
        }
        let kind = match contype.as_str() {
            "p" => ConstraintKind::PrimaryKey { columns },
            "u" => ConstraintKind::Unique { columns },
            "c" => {
                let text: String = row.col::<Option<String>>("check_expr")?.unwrap_or_default();
                ConstraintKind::Check {
                    expr: from_catalog_expr(&text, &table.schema, "a check constraint")?,
                }
            }
            _ => {
                let Some(ref_table) = ref_table else { continue };
                ConstraintKind::ForeignKey(ForeignKey {
                    columns,
                    ref_table,
                    ref_columns: row.col("ref_columns")?,
                    on_delete: action(&row.col::<String>("on_delete")?),
                    on_update: action(&row.col::<String>("on_update")?),
                    deferrable: match (row.col::<bool>("deferrable")?, row.col::<bool>("deferred")?)
                    {
                        (false, _) => Deferrable::No,
                        (true, false) => Deferrable::Deferrable,
                        (true, true) => Deferrable::InitiallyDeferred,
                    },
                })
            }
        };
        if let Some(t) = cat.schema.tables.get_mut(&table) {
            t.constraints.insert(
                name.clone(),
                Constraint {
                    name,
                    kind,
                    validated: row.col("validated")?,
                },
            );
        }
    }
    for row in next() {
        let Some(qn) = by_oid.get(&row.col::<i64>("table_oid")?).cloned() else {
            continue;
        };
        let name: String = row.col("name")?;
        if !row.col::<bool>("plain_keys")? {
            // Key options the model cannot hold yet: never compared as if
            // they were not there, never lost by import; listed and kept.
            let id = ObjectId::new(Kind::Index, &qn.schema, &name);
            names.unmanaged((PG_CLASS, row.col("oid")?, 0), id.clone());
            let table_id = ObjectId::relation(Kind::Table, &qn);
            // The columns it reads, by name or in its expressions and
            // predicate: DROP COLUMN or a new type would take it along.
            let mut read: BTreeSet<String> = row
                .col::<Vec<Option<String>>>("attnames")?
                .into_iter()
                .flatten()
                .collect();
            let texts: Vec<Option<String>> = row.col("key_exprs")?;
            let predicate: Option<String> = row.col("predicate")?;
            for text in texts.into_iter().flatten().chain(predicate) {
                if let Ok(refs) = normalize::expr_references(&text) {
                    read.extend(refs.identifiers);
                }
            }
            if let Some(table) = cat.schema.tables.get(&qn) {
                for c in table.columns.iter().filter(|c| read.contains(&c.name)) {
                    extra.push((
                        unmanaged(id.clone()),
                        managed_node(ObjectId::child(Kind::Column, table_id.clone(), &c.name)),
                        true,
                    ));
                }
            }
            extra.push((unmanaged(id), managed_node(table_id), true));
            continue;
        }
        let key_count = usize::try_from(row.col::<i32>("key_count")?).unwrap_or(0);
        let attnums: Vec<i16> = row.col("attnums")?;
        let defs: Vec<Option<String>> = row.col("key_exprs")?;
        let attnames: Vec<Option<String>> = row.col("attnames")?;
        let mut keys = Vec::new();
        let mut include = Vec::new();
        for (i, def) in defs.iter().enumerate() {
            let plain = attnums.get(i).is_some_and(|n| *n != 0);
            let column = attnames.get(i).cloned().flatten();
            if i < key_count {
                match (plain, column) {
                    (true, Some(c)) => keys.push(IndexKey::Column(c)),
                    _ => keys.push(IndexKey::Expr(from_catalog_expr(
                        def.as_deref().unwrap_or_default(),
                        &qn.schema,
                        "an index expression",
                    )?)),
                }
            } else if let Some(c) = column {
                include.push(c);
            }
        }
        let predicate = match row.col::<Option<String>>("predicate")? {
            Some(text) => Some(from_catalog_expr(&text, &qn.schema, "an index predicate")?),
            None => None,
        };
        names.managed(
            (PG_CLASS, row.col::<i64>("oid")?, 0),
            ObjectId::new(Kind::Index, &qn.schema, &name),
        );
        if let Some(t) = cat.schema.tables.get_mut(&qn) {
            t.indexes.insert(
                name.clone(),
                Index {
                    name,
                    unique: row.col("is_unique")?,
                    method: row.col("method")?,
                    keys,
                    include,
                    predicate,
                    valid: row.col("valid")?,
                },
            );
        }
    }
    for row in next() {
        let qn = QualifiedName::new(row.col::<String>("schema")?, row.col::<String>("name")?);
        if ignore.view(&qn).is_some() {
            continue;
        }
        let text: String = row.col("definition")?;
        // XMLTABLE and other syntax sqlparser does not know: keep the text.
        let query =
            normalize::query(&text, &qn.schema).unwrap_or_else(|_| normalize::unparsed(&text));
        let materialized: bool = row.col("materialized")?;
        let view_id = ObjectId::relation(
            if materialized {
                Kind::MaterializedView
            } else {
                Kind::View
            },
            &qn,
        );
        let oid: i64 = row.col("oid")?;
        names.managed((PG_CLASS, oid, 0), view_id.clone());
        if let Some(rule) = row.col::<Option<i64>>("rule_oid")? {
            names.managed((PG_REWRITE, rule, 0), view_id.clone());
        }
        names.managed((PG_TYPE, row.col("type_oid")?, 0), view_id.clone());
        let attnums: Vec<i32> = row.col("attnums")?;
        let attnames: Vec<String> = row.col("attnames")?;
        for (num, name) in attnums.into_iter().zip(attnames) {
            names.managed(
                (PG_CLASS, oid, num),
                ObjectId::child(Kind::Column, view_id.clone(), &name),
            );
        }
        cat.schema.views.insert(
            qn.clone(),
            View {
                name: qn,
                query,
                materialized,
                comment: row.col("comment")?,
                depends_on: BTreeSet::new(),
                column_deps: BTreeSet::new(),
            },
        );
    }
    Ok((cat, dependencies, names, extra))
}
