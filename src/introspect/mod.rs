//! Reading the live database into the model.
//!
//! One catalog query per object kind, whatever the number of tables. Reads
//! only; never changes the database (the view probe runs in a transaction
//! that is always rolled back). Objects of extensions, system schemas and
//! everything `ignore.yaml` matches are left out of the model; what depends
//! on the managed objects, managed or not, is in [`Catalog::graph`] (from
//! `pg_depend`), so the plan can refuse to break what it does not manage.

use crate::error::{Error, Result};
use crate::graph::{Graph, Kind, Node, ObjectId};
use crate::load::IgnoreRules;
use crate::model::{
    Column, Constraint, ConstraintKind, Deferrable, Enum, Extension, FkAction, ForeignKey,
    Identity, Index, IndexKey, QualifiedName, Schema, Sequence, SequenceOptions, SequenceOwner,
    SqlExpr, SqlType, Table, View,
};
use crate::sql::normalize;
use crate::sql::types::canonical_type;
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
    canonical_type(text, &resolve).map_err(|e| {
        Error::Database(format!(
            "could not read type `{text}` from the catalog: {e}"
        ))
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
    tx.batch_execute("SET LOCAL search_path TO pg_catalog")?;
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

/// Runs the catalog queries numbered `which`; returns rows by query number.
fn fetch(
    tx: &mut Transaction<'_>,
    schemas: &[String],
    which: &[usize],
) -> Result<Vec<(usize, Vec<Row>)>> {
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
fn fetch_concurrently(
    tx: &mut Transaction<'_>,
    url: &str,
    schemas: &[String],
) -> Result<Vec<(usize, Vec<Row>)>> {
    let row = tx.query_one(
        "SELECT pg_export_snapshot(), current_setting('lock_timeout')",
        &[],
    )?;
    let (snapshot, lock_timeout): (String, String) = (row.get(0), row.get(1));
    let groups: [&[usize]; 2] = [&[5], &[6, 7, 9]];
    let (main_rows, worker_rows) = std::thread::scope(|scope| {
        let workers: Vec<_> = groups
            .iter()
            .map(|group| {
                let (snapshot, lock_timeout) = (snapshot.clone(), lock_timeout.clone());
                scope.spawn(move || -> Result<Vec<(usize, Vec<Row>)>> {
                    let mut client = connect(url)?;
                    let mut wtx = client
                        .build_transaction()
                        .isolation_level(postgres::IsolationLevel::RepeatableRead)
                        .read_only(true)
                        .start()?;
                    // Importing the snapshot must come before any query.
                    wtx.batch_execute(&format!(
                        "SET TRANSACTION SNAPSHOT {}; SET LOCAL search_path TO pg_catalog; SET LOCAL lock_timeout TO {}",
                        crate::model::quote_literal(&snapshot),
                        crate::model::quote_literal(&lock_timeout)
                    ))?;
                    let rows = fetch(&mut wtx, schemas, group)?;
                    wtx.rollback()?;
                    Ok(rows)
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
            Ok(Ok(r)) => rows.extend(r),
            // A worker that could not connect or failed: run its share here.
            _ => rows.extend(fetch(tx, schemas, group)?),
        }
    }
    Ok(rows)
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
    let mut rows: Vec<Vec<Row>> = (0..CATALOG_QUERIES.len()).map(|_| Vec::new()).collect();
    for (i, r) in fetched {
        rows[i] = r;
    }
    let mut rows = rows.into_iter();
    let mut next = move || rows.next().unwrap_or_default();
    let mut cat = Catalog::default();
    let mut names = Names::default();
    let mut extra: Vec<(Node, Node, bool)> = Vec::new();
    for row in next() {
        let name: String = row.get(0);
        if managed.contains(&name) {
            names.managed((PG_NAMESPACE, row.get(1), 0), ObjectId::schema(&name));
        }
        cat.existing_schemas.insert(name);
    }
    cat.schema.schemas = managed.clone();

    for row in next() {
        let name: String = row.get(0);
        if name == "plpgsql" {
            continue;
        }
        names.managed(
            (PG_EXTENSION, row.get(3), 0),
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
                schema: row.get(1),
                version: row.get(2),
            },
        );
    }
    for row in next() {
        let qn = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        if ignore.type_(&qn).is_some() {
            continue;
        }
        let id = ObjectId::relation(Kind::Enum, &qn);
        names.managed((PG_TYPE, row.get(4), 0), id.clone());
        names.managed((PG_TYPE, row.get(5), 0), id);
        cat.schema.enums.insert(
            qn.clone(),
            Enum {
                name: qn,
                values: row.get(2),
                comment: row.get(3),
            },
        );
    }
    // Held back until the columns are read: a `serial` column takes its own.
    let mut sequences: BTreeMap<QualifiedName, Sequence> = BTreeMap::new();
    let mut sequence_oids: BTreeMap<QualifiedName, i64> = BTreeMap::new();
    // Ignored sequences owned by a column: they go when the column goes.
    let mut ignored_owned: Vec<(QualifiedName, SequenceOwner)> = Vec::new();
    for row in next() {
        let qn = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let owned_by = match (
            row.get::<_, Option<String>>(10),
            row.get::<_, Option<String>>(11),
            row.get::<_, Option<String>>(12),
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
        sequence_oids.insert(qn.clone(), row.get(13));
        sequences.insert(
            qn.clone(),
            Sequence {
                name: qn,
                options: SequenceOptions {
                    data_type: row.get(2),
                    start: row.get(3),
                    increment: row.get(4),
                    min_value: row.get(5),
                    max_value: row.get(6),
                    cache: row.get(7),
                    cycle: row.get(8),
                },
                owned_by,
                comment: row.get(9),
            },
        );
    }
    let mut by_oid: BTreeMap<i64, QualifiedName> = BTreeMap::new();
    for row in next() {
        let qn = QualifiedName::new(row.get::<_, String>(1), row.get::<_, String>(2));
        if ignore.table(&qn).is_some() {
            if ignore.is_migration_table(&qn) {
                cat.migration_tables.push(qn);
            }
            continue;
        }
        let relkind: String = row.get(5);
        let partition: bool = row.get(6);
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
        names.managed((PG_CLASS, row.get(0), 0), id.clone());
        names.managed((PG_TYPE, row.get(4), 0), id);
        by_oid.insert(row.get(0), qn.clone());
        cat.schema.tables.insert(
            qn.clone(),
            Table {
                name: qn,
                columns: Vec::new(),
                constraints: BTreeMap::new(),
                indexes: BTreeMap::new(),
                comment: row.get(3),
                renamed_from: None,
            },
        );
    }
    for row in next() {
        let Some(qn) = by_oid.get(&row.get::<_, i64>(0)) else {
            continue;
        };
        let name: String = row.get(1);
        let table_id = ObjectId::relation(Kind::Table, qn);
        let column_id = ObjectId::child(Kind::Column, table_id.clone(), &name);
        let address = (PG_CLASS, row.get::<_, i64>(0), row.get::<_, i32>(17));
        if ignore.column(qn, &name).is_some() {
            // Dropping the managed table would take the ignored column with it.
            names.unmanaged(address, column_id.clone());
            extra.push((unmanaged(column_id), managed_node(table_id), true));
            continue;
        }
        names.managed(address, column_id.clone());
        if let Some(default_oid) = row.get::<_, Option<i64>>(18) {
            names.managed((PG_ATTRDEF, default_oid, 0), column_id);
        }
        let mut ty = catalog_type(&row.get::<_, String>(2))?;
        let default_text: Option<String> = row.get(4);
        let identity = match row.get::<_, String>(5).as_str() {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        };
        let is_generated = row.get::<_, String>(6) == "s";
        // nextval() of a sequence the column owns is a `serial` when the
        // sequence is exactly what `serial` creates (name, type, options);
        // otherwise the sequence stays a sequence of its own, `OWNED BY`
        // the column, so that import keeps all of it.
        let sequence: Option<String> = row.get(10);
        let serial_sequence = sequence
            .as_ref()
            .map(|s| QualifiedName::new(&qn.schema, s))
            .filter(|s| {
                s.name == crate::model::owned_sequence_name(&qn.name, &name)
                    && sequences.get(s).is_some_and(|seq| {
                        seq.comment.is_none() && seq.options == SequenceOptions::defaults(&ty.sql)
                    })
            });
        let is_serial = row.get::<_, bool>(9) && serial_sequence.is_some();
        if is_serial && let Some(s) = &serial_sequence {
            sequences.remove(s);
        }
        let identity_options = identity.map(|_| SequenceOptions {
            data_type: ty.sql.clone(),
            start: row.get::<_, Option<i64>>(11).unwrap_or(1),
            increment: row.get::<_, Option<i64>>(12).unwrap_or(1),
            min_value: row.get::<_, Option<i64>>(13).unwrap_or(1),
            max_value: row.get::<_, Option<i64>>(14).unwrap_or(i64::MAX),
            cache: row.get::<_, Option<i64>>(15).unwrap_or(1),
            cycle: row.get::<_, Option<bool>>(16).unwrap_or(false),
        });
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
                not_null: row.get(3),
                default,
                identity,
                identity_options,
                generated,
                collation: row.get(7),
                comment: row.get(8),
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
        let table = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let name: String = row.get(2);
        let contype: String = row.get(3);
        let columns: Vec<String> = row.get(4);
        let ref_table = match (
            row.get::<_, Option<String>>(5),
            row.get::<_, Option<String>>(6),
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
        let address = (PG_CONSTRAINT, row.get::<_, i64>(14), 0);
        if contype == "x" {
            // Exclusion constraints are not managed yet: listed and protected.
            names.unmanaged(address, constraint_id.clone());
            extra.push((unmanaged(constraint_id), managed_node(table_id), true));
            continue;
        }
        names.managed(address, constraint_id);
        if matches!(contype.as_str(), "p" | "u") {
            names.managed(
                (PG_CLASS, row.get::<_, i64>(15), 0),
                ObjectId::new(Kind::Index, &table.schema, &name),
            );
        }
        let kind = match contype.as_str() {
            "p" => ConstraintKind::PrimaryKey { columns },
            "u" => ConstraintKind::Unique { columns },
            "c" => {
                let text: String = row.get::<_, Option<String>>(12).unwrap_or_default();
                ConstraintKind::Check {
                    expr: from_catalog_expr(&text, &table.schema, "a check constraint")?,
                }
            }
            _ => {
                let Some(ref_table) = ref_table else { continue };
                ConstraintKind::ForeignKey(ForeignKey {
                    columns,
                    ref_table,
                    ref_columns: row.get(7),
                    on_delete: action(&row.get::<_, String>(8)),
                    on_update: action(&row.get::<_, String>(9)),
                    deferrable: match (row.get::<_, bool>(10), row.get::<_, bool>(11)) {
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
                    validated: row.get(13),
                },
            );
        }
    }
    for row in next() {
        let Some(qn) = by_oid.get(&row.get::<_, i64>(0)).cloned() else {
            continue;
        };
        let name: String = row.get(1);
        let key_count = usize::try_from(row.get::<_, i32>(4)).unwrap_or(0);
        let attnums: Vec<i16> = row.get(5);
        let defs: Vec<Option<String>> = row.get(6);
        let attnames: Vec<Option<String>> = row.get(7);
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
        let predicate = match row.get::<_, Option<String>>(8) {
            Some(text) => Some(from_catalog_expr(&text, &qn.schema, "an index predicate")?),
            None => None,
        };
        names.managed(
            (PG_CLASS, row.get::<_, i64>(10), 0),
            ObjectId::new(Kind::Index, &qn.schema, &name),
        );
        if let Some(t) = cat.schema.tables.get_mut(&qn) {
            t.indexes.insert(
                name.clone(),
                Index {
                    name,
                    unique: row.get(3),
                    method: row.get(2),
                    keys,
                    include,
                    predicate,
                    valid: row.get(9),
                },
            );
        }
    }
    for row in next() {
        let qn = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        if ignore.view(&qn).is_some() {
            continue;
        }
        let text: String = row.get(3);
        // XMLTABLE and other syntax sqlparser does not know: keep the text.
        let query =
            normalize::query(&text, &qn.schema).unwrap_or_else(|_| normalize::unparsed(&text));
        let materialized: bool = row.get(2);
        let view_id = ObjectId::relation(
            if materialized {
                Kind::MaterializedView
            } else {
                Kind::View
            },
            &qn,
        );
        let oid: i64 = row.get(5);
        names.managed((PG_CLASS, oid, 0), view_id.clone());
        if let Some(rule) = row.get::<_, Option<i64>>(6) {
            names.managed((PG_REWRITE, rule, 0), view_id.clone());
        }
        names.managed((PG_TYPE, row.get(7), 0), view_id.clone());
        let attnums: Vec<i32> = row.get(8);
        let attnames: Vec<String> = row.get(9);
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
                comment: row.get(4),
                depends_on: BTreeSet::new(),
                column_deps: BTreeSet::new(),
            },
        );
    }
    let dependencies = next()
        .iter()
        .map(depend::Dependency::read)
        .collect::<Result<Vec<_>>>()?;
    Ok((cat, dependencies, names, extra))
}
