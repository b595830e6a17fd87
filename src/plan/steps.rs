//! Turning changes into SQL steps. The only place that writes DDL.
//!
//! Each step also says which objects it creates, drops and needs, so
//! `order` can sort the steps without knowing SQL.

use super::hazard::{Hazard, HazardKind};
use super::{Action, Step};
use crate::diff::{Change, CommentTarget, is_subsequence};
use crate::model::{
    Column, Constraint, ConstraintKind, Deferrable, Enum, Extension, FkAction, Identity, Index,
    IndexKey, ObjectKey, QualifiedName, Schema, Sequence, SqlExpr, SqlType, Table, View,
    quote_ident, quote_literal,
};
use crate::sql::normalize;
use crate::sql::types::{classify_type_change, split_name};

/// Reading order used to break ties between steps with no dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    CreateSchema,
    CreateExtension,
    DropView,
    DropConstraint,
    DropIndex,
    DropTable,
    DropColumn,
    Rename,
    Type,
    Sequence,
    CreateTable,
    AddColumn,
    AlterColumn,
    AddConstraint,
    CreateIndex,
    AddForeignKey,
    CreateView,
    Comment,
    DropSequence,
    DropType,
    DropExtension,
    Validate,
    Concurrent,
}

fn ident_list(cols: &[String]) -> String {
    cols.iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The schema-qualified name of an object named `name` in `table`'s schema.
fn sibling(table: &QualifiedName, name: &str) -> QualifiedName {
    QualifiedName::new(&table.schema, name)
}

/// The type key a column type depends on, if it is a user type.
fn type_key(ty: &SqlType) -> Option<ObjectKey> {
    let base = ty.sql.trim_end_matches("[]");
    let base = base.split('(').next().unwrap_or(base);
    if !base.contains('.') {
        return None;
    }
    match split_name(base).ok()?.as_slice() {
        [s, n] => Some(ObjectKey::Type(QualifiedName::new(s.clone(), n.clone()))),
        _ => None,
    }
}

/// Columns and sequences an expression in `table` reads.
fn expr_needs(expr: &SqlExpr, table: &QualifiedName, columns: &[String], out: &mut Vec<ObjectKey>) {
    if let Ok(refs) = normalize::expr_references(&expr.sql) {
        for c in columns {
            if refs.identifiers.contains(c) {
                out.push(ObjectKey::Column(table.clone(), c.clone()));
            }
        }
        for seq in &refs.sequences {
            if let Ok(parts) = split_name(seq) {
                let qn = match parts.as_slice() {
                    [n] => QualifiedName::new(&table.schema, n),
                    [s, n] => QualifiedName::new(s, n),
                    _ => continue,
                };
                out.push(ObjectKey::Sequence(qn));
            }
        }
    }
}

fn column_needs(col: &Column, table: &QualifiedName, columns: &[String]) -> Vec<ObjectKey> {
    let mut out = vec![ObjectKey::Relation(table.clone())];
    out.extend(type_key(&col.ty));
    for e in col.default.iter().chain(&col.generated) {
        expr_needs(e, table, columns, &mut out);
    }
    out
}

/// `name type [COLLATE] [GENERATED ...] [DEFAULT ...] [NOT NULL]`.
pub(crate) fn column_sql(col: &Column) -> String {
    let mut s = format!("{} {}", quote_ident(&col.name), col.ty.ddl());
    if let Some(c) = &col.collation {
        s.push_str(&format!(" COLLATE {}", quote_ident(c)));
    }
    if let Some(g) = &col.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", g.sql));
    }
    if let Some(i) = col.identity {
        s.push_str(&format!(" GENERATED {} AS IDENTITY", i.sql()));
    }
    if let Some(d) = &col.default {
        s.push_str(&format!(" DEFAULT {}", d.sql));
    }
    if col.not_null && col.identity.is_none() && col.ty.serial.is_none() {
        s.push_str(" NOT NULL");
    }
    s
}

fn action_sql(a: FkAction) -> String {
    if a == FkAction::NoAction {
        String::new()
    } else {
        a.sql().to_string()
    }
}

/// `CONSTRAINT name ...` as used in `CREATE TABLE` and `ADD CONSTRAINT`.
pub(crate) fn constraint_sql(c: &Constraint) -> String {
    let body = match &c.kind {
        ConstraintKind::PrimaryKey { columns } => format!("PRIMARY KEY ({})", ident_list(columns)),
        ConstraintKind::Unique { columns } => format!("UNIQUE ({})", ident_list(columns)),
        ConstraintKind::Check { expr } => format!("CHECK ({})", expr.sql),
        ConstraintKind::ForeignKey(fk) => {
            let mut s = format!(
                "FOREIGN KEY ({}) REFERENCES {} ({})",
                ident_list(&fk.columns),
                fk.ref_table.sql(),
                ident_list(&fk.ref_columns)
            );
            let del = action_sql(fk.on_delete);
            if !del.is_empty() {
                s.push_str(&format!(" ON DELETE {del}"));
            }
            let upd = action_sql(fk.on_update);
            if !upd.is_empty() {
                s.push_str(&format!(" ON UPDATE {upd}"));
            }
            match fk.deferrable {
                Deferrable::No => {}
                Deferrable::Deferrable => s.push_str(" DEFERRABLE"),
                Deferrable::InitiallyDeferred => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
            }
            s
        }
    };
    format!("CONSTRAINT {} {body}", quote_ident(&c.name))
}

fn constraint_needs(table: &QualifiedName, c: &Constraint, model: &Schema) -> Vec<ObjectKey> {
    let mut out = vec![ObjectKey::Relation(table.clone())];
    for col in c.kind.columns() {
        out.push(ObjectKey::Column(table.clone(), col.clone()));
    }
    match &c.kind {
        ConstraintKind::Check { expr } => {
            let columns: Vec<String> = model
                .tables
                .get(table)
                .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
                .unwrap_or_default();
            expr_needs(expr, table, &columns, &mut out);
        }
        ConstraintKind::ForeignKey(fk) => {
            out.push(ObjectKey::Relation(fk.ref_table.clone()));
            for col in &fk.ref_columns {
                out.push(ObjectKey::Column(fk.ref_table.clone(), col.clone()));
            }
            if let Some(target) = model.tables.get(&fk.ref_table) {
                let mut wanted = fk.ref_columns.clone();
                wanted.sort();
                for k in target.constraints.values() {
                    if k.kind.key_columns().as_ref() == Some(&wanted) {
                        out.push(ObjectKey::Constraint(fk.ref_table.clone(), k.name.clone()));
                    }
                }
                for i in target.indexes.values() {
                    if i.key_columns().as_ref() == Some(&wanted) {
                        out.push(ObjectKey::Index(fk.ref_table.clone(), i.name.clone()));
                    }
                }
            }
        }
        ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. } => {}
    }
    out
}

fn index_sql(table: &QualifiedName, index: &Index, concurrently: bool) -> String {
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|k| match k {
            IndexKey::Column(c) => quote_ident(c),
            IndexKey::Expr(e) => format!("({})", e.sql),
        })
        .collect();
    let mut s = format!(
        "CREATE {}INDEX {}{} ON {}",
        if index.unique { "UNIQUE " } else { "" },
        if concurrently {
            "CONCURRENTLY IF NOT EXISTS "
        } else {
            ""
        },
        quote_ident(&index.name),
        table.sql()
    );
    if index.method != "btree" {
        s.push_str(&format!(" USING {}", quote_ident(&index.method)));
    }
    s.push_str(&format!(" ({})", keys.join(", ")));
    if !index.include.is_empty() {
        s.push_str(&format!(" INCLUDE ({})", ident_list(&index.include)));
    }
    if let Some(p) = &index.predicate {
        s.push_str(&format!(" WHERE {}", p.sql));
    }
    s
}

fn index_needs(table: &QualifiedName, index: &Index, model: &Schema) -> Vec<ObjectKey> {
    let mut out = vec![ObjectKey::Relation(table.clone())];
    let columns: Vec<String> = model
        .tables
        .get(table)
        .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    for k in &index.keys {
        match k {
            IndexKey::Column(c) => out.push(ObjectKey::Column(table.clone(), c.clone())),
            IndexKey::Expr(e) => expr_needs(e, table, &columns, &mut out),
        }
    }
    for c in &index.include {
        out.push(ObjectKey::Column(table.clone(), c.clone()));
    }
    if let Some(p) = &index.predicate {
        expr_needs(p, table, &columns, &mut out);
    }
    out
}

fn view_needs(v: &View) -> Vec<ObjectKey> {
    let mut out = vec![ObjectKey::Schema(v.name.schema.clone())];
    out.extend(v.depends_on.iter().map(|r| ObjectKey::Relation(r.clone())));
    out.extend(
        v.column_deps
            .iter()
            .map(|(t, c)| ObjectKey::Column(t.clone(), c.clone())),
    );
    out
}

fn view_kind(materialized: bool) -> &'static str {
    if materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    }
}

fn comment_sql(target: &CommentTarget, comment: Option<&String>) -> String {
    let what = match target {
        CommentTarget::Table(t) => format!("TABLE {}", t.sql()),
        CommentTarget::Column(t, c) => format!("COLUMN {}.{}", t.sql(), quote_ident(c)),
        CommentTarget::View(v, m) => format!("{} {}", view_kind(*m), v.sql()),
        CommentTarget::Sequence(s) => format!("SEQUENCE {}", s.sql()),
        CommentTarget::Type(t) => format!("TYPE {}", t.sql()),
    };
    let value = comment.map_or_else(|| "NULL".to_string(), |c| quote_literal(c));
    format!("COMMENT ON {what} IS {value}")
}

fn sequence_defaults(s: &Sequence) -> (i64, i64, i64) {
    let (type_min, type_max) = match s.data_type.as_str() {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    if s.increment > 0 {
        (1, type_max, s.min_value)
    } else {
        (type_min, -1, s.max_value)
    }
}

fn sequence_options(s: &Sequence, from: Option<&Sequence>) -> String {
    let (min_default, max_default, start_default) = sequence_defaults(s);
    let mut opts = Vec::new();
    let changed = |f: &dyn Fn(&Sequence) -> String| from.is_none_or(|old| f(old) != f(s));
    if (from.is_none() && s.data_type != "bigint")
        || (from.is_some() && changed(&|x| x.data_type.clone()))
    {
        opts.push(format!("AS {}", s.data_type));
    }
    if (from.is_none() && s.increment != 1)
        || (from.is_some() && changed(&|x| x.increment.to_string()))
    {
        opts.push(format!("INCREMENT BY {}", s.increment));
    }
    if (from.is_none() && s.min_value != min_default)
        || (from.is_some() && changed(&|x| x.min_value.to_string()))
    {
        opts.push(format!("MINVALUE {}", s.min_value));
    }
    if (from.is_none() && s.max_value != max_default)
        || (from.is_some() && changed(&|x| x.max_value.to_string()))
    {
        opts.push(format!("MAXVALUE {}", s.max_value));
    }
    if (from.is_none() && s.start != start_default)
        || (from.is_some() && changed(&|x| x.start.to_string()))
    {
        opts.push(format!("START WITH {}", s.start));
    }
    if (from.is_none() && s.cache != 1) || (from.is_some() && changed(&|x| x.cache.to_string())) {
        opts.push(format!("CACHE {}", s.cache));
    }
    if (from.is_none() && s.cycle) || (from.is_some() && changed(&|x| x.cycle.to_string())) {
        opts.push(if s.cycle {
            "CYCLE".to_string()
        } else {
            "NO CYCLE".to_string()
        });
    }
    opts.join(" ")
}

fn enum_sql(e: &Enum) -> String {
    let values: Vec<String> = e.values.iter().map(|v| quote_literal(v)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({})",
        e.name.sql(),
        values.join(", ")
    )
}

fn data_loss(reason: impl Into<String>) -> Hazard {
    Hazard::new(HazardKind::DataLoss, reason)
}

/// Builds the steps for all changes. `current` and `desired` give context
/// (what a foreign key's target looks like, which columns a table has).
#[allow(clippy::too_many_lines)]
pub(crate) fn build_steps(changes: &[Change], current: &Schema, desired: &Schema) -> Vec<Step> {
    let mut steps = Vec::new();
    let extension_keys: Vec<ObjectKey> = desired
        .extensions
        .keys()
        .map(|e| ObjectKey::Extension(e.clone()))
        .collect();
    let mut last_added: std::collections::BTreeMap<QualifiedName, String> =
        std::collections::BTreeMap::new();
    for change in changes {
        let step = match change {
            Change::CreateSchema(s) => Step::new(
                Action::Create,
                ObjectKey::Schema(s.clone()),
                format!("create schema {s}"),
                vec![format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(s))],
                Phase::CreateSchema,
            )
            .creates([ObjectKey::Schema(s.clone())]),
            Change::CreateExtension(Extension {
                name,
                schema,
                version,
            }) => {
                let mut sql = format!(
                    "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}",
                    quote_ident(name),
                    quote_ident(schema)
                );
                if let Some(v) = version {
                    sql.push_str(&format!(" VERSION {}", quote_literal(v)));
                }
                Step::new(
                    Action::Create,
                    ObjectKey::Extension(name.clone()),
                    format!("create extension {name}"),
                    vec![sql],
                    Phase::CreateExtension,
                )
                .creates([ObjectKey::Extension(name.clone())])
                .needs_new([ObjectKey::Schema(schema.clone())])
            }
            Change::UpdateExtension(e) => Step::new(
                Action::Alter,
                ObjectKey::Extension(e.name.clone()),
                format!("update extension {}", e.name),
                vec![format!(
                    "ALTER EXTENSION {} UPDATE TO {}",
                    quote_ident(&e.name),
                    quote_literal(e.version.as_deref().unwrap_or_default())
                )],
                Phase::CreateExtension,
            )
            .creates([ObjectKey::Extension(e.name.clone())]),
            Change::DropExtension(e) => Step::new(
                Action::Drop,
                ObjectKey::Extension(e.name.clone()),
                format!("drop extension {}", e.name),
                vec![format!("DROP EXTENSION {}", quote_ident(&e.name))],
                Phase::DropExtension,
            )
            .drops([ObjectKey::Extension(e.name.clone())]),
            Change::CreateEnum(e) => Step::new(
                Action::Create,
                ObjectKey::Type(e.name.clone()),
                format!("create enum {}", e.name),
                std::iter::once(enum_sql(e))
                    .chain(
                        e.comment
                            .as_ref()
                            .map(|c| comment_sql(&CommentTarget::Type(e.name.clone()), Some(c))),
                    )
                    .collect(),
                Phase::Type,
            )
            .creates([ObjectKey::Type(e.name.clone())])
            .needs_new([ObjectKey::Schema(e.name.schema.clone())]),
            Change::DropEnum(e) => Step::new(
                Action::Drop,
                ObjectKey::Type(e.name.clone()),
                format!("drop enum {}", e.name),
                vec![format!("DROP TYPE {}", e.name.sql())],
                Phase::DropType,
            )
            .drops([ObjectKey::Type(e.name.clone())]),
            Change::AddEnumValue {
                name,
                value,
                before,
            } => {
                let mut sql = format!(
                    "ALTER TYPE {} ADD VALUE {}",
                    name.sql(),
                    quote_literal(value)
                );
                if let Some(b) = before {
                    sql.push_str(&format!(" BEFORE {}", quote_literal(b)));
                }
                Step::new(
                    Action::Alter,
                    ObjectKey::Type(name.clone()),
                    format!("add value {value:?} to enum {name}"),
                    vec![sql],
                    Phase::Type,
                )
                .creates([ObjectKey::Type(name.clone())])
            }
            Change::RecreateEnum { from, to, columns } => {
                let mut old_name = format!("{}__reconcile_old", to.name.name);
                while old_name.len() > 63 {
                    old_name.remove(0);
                }
                let old = QualifiedName::new(&to.name.schema, &old_name);
                let mut sql = vec![
                    format!(
                        "ALTER TYPE {} RENAME TO {}",
                        to.name.sql(),
                        quote_ident(&old_name)
                    ),
                    enum_sql(to),
                ];
                let mut hazards = Vec::new();
                let removed: Vec<&String> = from
                    .values
                    .iter()
                    .filter(|v| !to.values.contains(v))
                    .collect();
                if !removed.is_empty() {
                    hazards.push(data_loss(format!(
                        "removes enum value(s) {}; rows holding them make the step fail",
                        removed
                            .iter()
                            .map(|v| quote_literal(v))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                let mut keys = vec![ObjectKey::Type(to.name.clone())];
                for c in columns {
                    let col = quote_ident(&c.column.name);
                    let suffix = if c.array { "[]" } else { "" };
                    if c.column.default.is_some() {
                        sql.push(format!(
                            "ALTER TABLE {} ALTER COLUMN {col} DROP DEFAULT",
                            c.table.sql()
                        ));
                    }
                    sql.push(format!(
                        "ALTER TABLE {} ALTER COLUMN {col} TYPE {}{suffix} USING {col}::text{suffix}::{}{suffix}",
                        c.table.sql(),
                        to.name.sql(),
                        to.name.sql()
                    ));
                    if let Some(d) = &c.default {
                        sql.push(format!(
                            "ALTER TABLE {} ALTER COLUMN {col} SET DEFAULT {}",
                            c.table.sql(),
                            d.sql
                        ));
                    }
                    hazards.push(Hazard::new(
                        HazardKind::TableRewrite,
                        format!("rewrites {} to convert column {}", c.table, c.column.name),
                    ));
                    keys.push(ObjectKey::Column(c.table.clone(), c.column.name.clone()));
                }
                sql.push(format!("DROP TYPE {}", old.sql()));
                if to.comment.is_some() {
                    sql.push(comment_sql(
                        &CommentTarget::Type(to.name.clone()),
                        to.comment.as_ref(),
                    ));
                }
                let mut step = Step::new(
                    Action::Alter,
                    ObjectKey::Type(to.name.clone()),
                    format!(
                        "recreate enum {} ({})",
                        to.name,
                        if removed.is_empty() && is_subsequence(&from.values, &to.values) {
                            "new values are used in this plan, which ADD VALUE would not allow"
                        } else if removed.is_empty() {
                            "values reordered"
                        } else {
                            "values removed"
                        }
                    ),
                    sql,
                    Phase::Type,
                )
                .creates(keys.clone())
                .drops(keys);
                step.hazards = hazards;
                step
            }
            Change::CreateSequence(s) => {
                let opts = sequence_options(s, None);
                let mut sql = vec![format!(
                    "CREATE SEQUENCE {}{}{}",
                    s.name.sql(),
                    if opts.is_empty() { "" } else { " " },
                    opts
                )];
                if s.comment.is_some() {
                    sql.push(comment_sql(
                        &CommentTarget::Sequence(s.name.clone()),
                        s.comment.as_ref(),
                    ));
                }
                Step::new(
                    Action::Create,
                    ObjectKey::Sequence(s.name.clone()),
                    format!("create sequence {}", s.name),
                    sql,
                    Phase::Sequence,
                )
                .creates([ObjectKey::Sequence(s.name.clone())])
                .needs_new([ObjectKey::Schema(s.name.schema.clone())])
            }
            Change::AlterSequence { from, to } => Step::new(
                Action::Alter,
                ObjectKey::Sequence(to.name.clone()),
                format!("alter sequence {}", to.name),
                vec![format!(
                    "ALTER SEQUENCE {} {}",
                    to.name.sql(),
                    sequence_options(to, Some(from))
                )],
                Phase::Sequence,
            )
            .creates([ObjectKey::Sequence(to.name.clone())]),
            Change::DropSequence(s) => {
                let mut step = Step::new(
                    Action::Drop,
                    ObjectKey::Sequence(s.name.clone()),
                    format!("drop sequence {}", s.name),
                    vec![format!("DROP SEQUENCE {}", s.name.sql())],
                    Phase::DropSequence,
                )
                .drops([ObjectKey::Sequence(s.name.clone())]);
                step.hazards.push(data_loss(format!(
                    "drops sequence {} and its current value",
                    s.name
                )));
                step
            }
            Change::CreateTable(t) => create_table(t, &extension_keys),
            Change::DropTable(t) => {
                let mut drops = vec![ObjectKey::Relation(t.name.clone())];
                let mut needs = Vec::new();
                let names: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
                for c in &t.columns {
                    drops.push(ObjectKey::Column(t.name.clone(), c.name.clone()));
                    needs.extend(
                        column_needs(c, &t.name, &names).into_iter().filter(|k| {
                            !matches!(k, ObjectKey::Relation(_) | ObjectKey::Column(..))
                        }),
                    );
                }
                for c in t.constraints.values() {
                    drops.push(ObjectKey::Constraint(t.name.clone(), c.name.clone()));
                }
                for i in t.indexes.values() {
                    drops.push(ObjectKey::Index(t.name.clone(), i.name.clone()));
                }
                let mut step = Step::new(
                    Action::Drop,
                    ObjectKey::Relation(t.name.clone()),
                    format!("drop table {}", t.name),
                    vec![format!("DROP TABLE {}", t.name.sql())],
                    Phase::DropTable,
                )
                .drops(drops)
                .needs_old(needs);
                step.hazards.push(data_loss(format!(
                    "drops table {} and all its rows",
                    t.name
                )));
                step
            }
            Change::RenameTable { from, to } => Step::new(
                Action::Rename,
                ObjectKey::Relation(to.clone()),
                format!("rename table {from} to {}", to.name),
                vec![format!(
                    "ALTER TABLE {} RENAME TO {}",
                    from.sql(),
                    quote_ident(&to.name)
                )],
                Phase::Rename,
            )
            .creates([ObjectKey::Relation(to.clone())])
            .drops([ObjectKey::Relation(from.clone())]),
            Change::AddColumn { table, column } => {
                let names = table_columns(desired, table);
                // Columns are appended in YAML order: each waits for the one
                // before. Generated columns wait only for what they read.
                let previous = if column.generated.is_some() {
                    None
                } else {
                    last_added.insert(table.clone(), column.name.clone())
                };
                let mut step = Step::new(
                    Action::Create,
                    ObjectKey::Column(table.clone(), column.name.clone()),
                    format!("add column {table}.{}", column.name),
                    std::iter::once(format!(
                        "ALTER TABLE {} ADD COLUMN {}",
                        table.sql(),
                        column_sql(column)
                    ))
                    .chain(column.comment.as_ref().map(|c| {
                        comment_sql(
                            &CommentTarget::Column(table.clone(), column.name.clone()),
                            Some(c),
                        )
                    }))
                    .collect(),
                    Phase::AddColumn,
                )
                .creates([ObjectKey::Column(table.clone(), column.name.clone())])
                .needs_new(column_needs(column, table, &names))
                .needs_new(previous.map(|p| ObjectKey::Column(table.clone(), p)))
                .needs_new(extension_keys.clone());
                if column.generated.is_some() {
                    step.hazards.push(Hazard::new(
                        HazardKind::TableRewrite,
                        format!("computes the generated column for every row of {table}"),
                    ));
                } else if column.not_null
                    && column.default.is_none()
                    && column.identity.is_none()
                    && column.ty.serial.is_none()
                {
                    step.hazards.push(Hazard::new(
                        HazardKind::LongLock,
                        "a NOT NULL column without a default fails if the table has rows",
                    ));
                }
                step
            }
            Change::DropColumn { table, column } => {
                let names = table_columns(current, table);
                let mut step = Step::new(
                    Action::Drop,
                    ObjectKey::Column(table.clone(), column.name.clone()),
                    format!("drop column {table}.{}", column.name),
                    vec![format!(
                        "ALTER TABLE {} DROP COLUMN {}",
                        table.sql(),
                        quote_ident(&column.name)
                    )],
                    Phase::DropColumn,
                )
                .drops([ObjectKey::Column(table.clone(), column.name.clone())])
                // A generated column goes before the columns it reads.
                .needs_old(column_needs(column, table, &names).into_iter().filter(
                    |k| !matches!(k, ObjectKey::Column(t, c) if t == table && *c == column.name),
                ));
                if column.generated.is_none() {
                    step.hazards.push(data_loss(format!(
                        "drops column {table}.{} and its values",
                        column.name
                    )));
                }
                step
            }
            Change::RenameColumn { table, from, to } => Step::new(
                Action::Rename,
                ObjectKey::Column(table.clone(), to.clone()),
                format!("rename column {table}.{from} to {to}"),
                vec![format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    table.sql(),
                    quote_ident(from),
                    quote_ident(to)
                )],
                Phase::Rename,
            )
            .creates([ObjectKey::Column(table.clone(), to.clone())])
            .needs_new([ObjectKey::Relation(table.clone())]),
            Change::AlterColumn { table, from, to } => {
                steps.extend(alter_column(table, from, to, desired));
                continue;
            }
            Change::AddConstraint {
                table,
                constraint,
                existing_table,
            } => {
                add_constraint(table, constraint, *existing_table, desired, &mut steps);
                continue;
            }
            Change::DropConstraint { table, constraint } => Step::new(
                Action::Drop,
                ObjectKey::Constraint(table.clone(), constraint.name.clone()),
                format!("drop constraint {} on {table}", constraint.name),
                vec![format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    table.sql(),
                    quote_ident(&constraint.name)
                )],
                Phase::DropConstraint,
            )
            .drops([ObjectKey::Constraint(
                table.clone(),
                constraint.name.clone(),
            )])
            .needs_old(constraint_needs(table, constraint, current)),
            Change::ValidateConstraint { table, name } => validate_step(table, name),
            Change::RenameConstraint { table, from, to } => Step::new(
                Action::Rename,
                ObjectKey::Constraint(table.clone(), to.clone()),
                format!("rename constraint {from} on {table} to {to}"),
                vec![format!(
                    "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                    table.sql(),
                    quote_ident(from),
                    quote_ident(to)
                )],
                Phase::Rename,
            )
            .creates([ObjectKey::Constraint(table.clone(), to.clone())])
            .drops([ObjectKey::Constraint(table.clone(), from.clone())])
            .needs_new([ObjectKey::Relation(table.clone())]),
            Change::CreateIndex {
                table,
                index,
                existing_table,
            } => {
                let mut step = Step::new(
                    Action::Create,
                    ObjectKey::Index(table.clone(), index.name.clone()),
                    format!("create index {} on {table}", index.name),
                    vec![index_sql(table, index, *existing_table)],
                    Phase::CreateIndex,
                )
                .creates([ObjectKey::Index(table.clone(), index.name.clone())])
                .needs_new(index_needs(table, index, desired))
                .needs_new(extension_keys.clone());
                if *existing_table {
                    step.transactional = false;
                    step.phase = Phase::Concurrent;
                    step.hazards.push(Hazard::new(
                        HazardKind::NotTransactional,
                        "built with CONCURRENTLY after the transaction; an interrupted build is rebuilt on the next run",
                    ));
                }
                step
            }
            Change::DropIndex { table, index } => Step::new(
                Action::Drop,
                ObjectKey::Index(table.clone(), index.name.clone()),
                format!("drop index {} on {table}", index.name),
                vec![format!("DROP INDEX {}", sibling(table, &index.name).sql())],
                Phase::DropIndex,
            )
            .drops([ObjectKey::Index(table.clone(), index.name.clone())])
            .needs_old(index_needs(table, index, current)),
            Change::RenameIndex { table, from, to } => Step::new(
                Action::Rename,
                ObjectKey::Index(table.clone(), to.clone()),
                format!("rename index {from} on {table} to {to}"),
                vec![format!(
                    "ALTER INDEX {} RENAME TO {}",
                    sibling(table, from).sql(),
                    quote_ident(to)
                )],
                Phase::Rename,
            )
            .creates([ObjectKey::Index(table.clone(), to.clone())])
            .drops([ObjectKey::Index(table.clone(), from.clone())])
            .needs_new([ObjectKey::Relation(table.clone())]),
            Change::CreateView(v) => {
                let mut sql = vec![format!(
                    "CREATE {} {} AS {}",
                    view_kind(v.materialized),
                    v.name.sql(),
                    v.query.sql
                )];
                if v.comment.is_some() {
                    sql.push(comment_sql(
                        &CommentTarget::View(v.name.clone(), v.materialized),
                        v.comment.as_ref(),
                    ));
                }
                let kind = if v.materialized {
                    "materialized view"
                } else {
                    "view"
                };
                Step::new(
                    Action::Create,
                    ObjectKey::Relation(v.name.clone()),
                    format!("create {kind} {}", v.name),
                    sql,
                    Phase::CreateView,
                )
                .creates([ObjectKey::Relation(v.name.clone())])
                .needs_new(view_needs(v))
                .needs_new(extension_keys.clone())
            }
            Change::DropView(v) => {
                let kind = if v.materialized {
                    "materialized view"
                } else {
                    "view"
                };
                Step::new(
                    Action::Drop,
                    ObjectKey::Relation(v.name.clone()),
                    format!("drop {kind} {}", v.name),
                    vec![format!(
                        "DROP {} {}",
                        view_kind(v.materialized),
                        v.name.sql()
                    )],
                    Phase::DropView,
                )
                .drops([ObjectKey::Relation(v.name.clone())])
                .needs_old(view_needs(v))
            }
            Change::Comment { target, comment } => {
                let key = match target {
                    CommentTarget::Table(t) | CommentTarget::View(t, _) => {
                        ObjectKey::Relation(t.clone())
                    }
                    CommentTarget::Column(t, c) => ObjectKey::Column(t.clone(), c.clone()),
                    CommentTarget::Sequence(s) => ObjectKey::Sequence(s.clone()),
                    CommentTarget::Type(t) => ObjectKey::Type(t.clone()),
                };
                Step::new(
                    Action::Alter,
                    key.clone(),
                    format!(
                        "{} comment on {key}",
                        if comment.is_some() { "set" } else { "remove" }
                    ),
                    vec![comment_sql(target, comment.as_ref())],
                    Phase::Comment,
                )
                .needs_new([key])
            }
        };
        steps.push(step);
    }
    steps
}

fn table_columns(model: &Schema, table: &QualifiedName) -> Vec<String> {
    model
        .tables
        .get(table)
        .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default()
}

fn create_table(t: &Table, extension_keys: &[ObjectKey]) -> Step {
    let mut lines: Vec<String> = t.columns.iter().map(column_sql).collect();
    lines.extend(t.constraints.values().map(constraint_sql));
    let mut sql = vec![format!(
        "CREATE TABLE {} (\n    {}\n)",
        t.name.sql(),
        lines.join(",\n    ")
    )];
    if t.comment.is_some() {
        sql.push(comment_sql(
            &CommentTarget::Table(t.name.clone()),
            t.comment.as_ref(),
        ));
    }
    for c in &t.columns {
        if c.comment.is_some() {
            sql.push(comment_sql(
                &CommentTarget::Column(t.name.clone(), c.name.clone()),
                c.comment.as_ref(),
            ));
        }
    }
    let names: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
    let mut creates = vec![ObjectKey::Relation(t.name.clone())];
    let mut needs = vec![ObjectKey::Schema(t.name.schema.clone())];
    for c in &t.columns {
        creates.push(ObjectKey::Column(t.name.clone(), c.name.clone()));
        needs.extend(column_needs(c, &t.name, &names));
    }
    for c in t.constraints.values() {
        creates.push(ObjectKey::Constraint(t.name.clone(), c.name.clone()));
    }
    Step::new(
        Action::Create,
        ObjectKey::Relation(t.name.clone()),
        format!("create table {}", t.name),
        sql,
        Phase::CreateTable,
    )
    .creates(creates)
    .needs_new(needs)
    .needs_new(extension_keys.iter().cloned())
}

fn add_constraint(
    table: &QualifiedName,
    c: &Constraint,
    existing_table: bool,
    desired: &Schema,
    steps: &mut Vec<Step>,
) {
    let key = ObjectKey::Constraint(table.clone(), c.name.clone());
    let is_fk = matches!(c.kind, ConstraintKind::ForeignKey(_));
    let phase = if is_fk {
        Phase::AddForeignKey
    } else {
        Phase::AddConstraint
    };
    let kind = match &c.kind {
        ConstraintKind::PrimaryKey { .. } => "primary key",
        ConstraintKind::Unique { .. } => "unique constraint",
        ConstraintKind::Check { .. } => "check",
        ConstraintKind::ForeignKey(_) => "foreign key",
    };
    let needs = constraint_needs(table, c, desired);
    let online = existing_table
        && matches!(
            c.kind,
            ConstraintKind::ForeignKey(_) | ConstraintKind::Check { .. }
        );
    let sql = format!(
        "ALTER TABLE {} ADD {}{}",
        table.sql(),
        constraint_sql(c),
        if online { " NOT VALID" } else { "" }
    );
    let mut step = Step::new(
        Action::Create,
        key.clone(),
        format!("add {kind} {} on {table}", c.name),
        vec![sql],
        phase,
    )
    .creates([key.clone()])
    .needs_new(needs);
    if existing_table && !online {
        step.hazards.push(Hazard::new(
            HazardKind::LongLock,
            format!("builds the {kind}'s index on {table} while holding a lock that blocks writes"),
        ));
    }
    steps.push(step);
    if online {
        steps.push(validate_step(table, &c.name));
    }
}

/// `VALIDATE CONSTRAINT` after the transaction, so the scan holds only a
/// SHARE UPDATE EXCLUSIVE lock.
pub(crate) fn validate_step(table: &QualifiedName, name: &str) -> Step {
    let key = ObjectKey::Constraint(table.clone(), name.to_string());
    let mut step = Step::new(
        Action::Alter,
        key.clone(),
        format!("validate constraint {name} on {table}"),
        vec![format!(
            "ALTER TABLE {} VALIDATE CONSTRAINT {}",
            table.sql(),
            quote_ident(name)
        )],
        Phase::Validate,
    )
    .needs_new([key]);
    step.transactional = false;
    step.hazards.push(Hazard::new(
        HazardKind::LongLock,
        format!("scans {table} to check existing rows (writes continue)"),
    ));
    step.hazards.push(Hazard::new(
        HazardKind::NotTransactional,
        "runs after the transaction; if it fails the constraint stays NOT VALID and the next plan validates it again",
    ));
    step
}

/// Name of the temporary check that proves a column has no NULLs.
fn not_null_check_name(table: &QualifiedName, column: &str) -> String {
    let mut name = format!("{}_{column}_not_null", table.name);
    while name.len() > 63 {
        name.remove(0);
    }
    name
}

#[allow(clippy::too_many_lines)]
fn alter_column(table: &QualifiedName, from: &Column, to: &Column, desired: &Schema) -> Vec<Step> {
    let t = table.sql();
    let col = quote_ident(&to.name);
    let mut sql = Vec::new();
    let mut hazards = Vec::new();
    let type_changed = from.ty.sql != to.ty.sql || from.collation != to.collation;
    let identity_changed = from.identity != to.identity;
    if from.default.is_some() && (to.default.is_none() || type_changed) {
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP DEFAULT"));
    }
    if from.identity.is_some() && to.identity.is_none() {
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP IDENTITY"));
    }
    if type_changed {
        let collate = to
            .collation
            .as_ref()
            .map(|c| format!(" COLLATE {}", quote_ident(c)))
            .unwrap_or_default();
        // A generated column is recomputed; PostgreSQL refuses USING for it.
        let using = if to.generated.is_some() {
            String::new()
        } else {
            format!(" USING {col}::{}", to.ty.sql)
        };
        sql.push(format!(
            "ALTER TABLE {t} ALTER COLUMN {col} TYPE {}{collate}{using}",
            to.ty.sql
        ));
        let change = classify_type_change(&from.ty.sql, &to.ty.sql);
        if change.may_lose_data {
            hazards.push(data_loss(format!(
                "changes {table}.{} from {} to {}, which can cut or refuse values",
                to.name, from.ty.sql, to.ty.sql
            )));
        }
        if change.rewrites {
            hazards.push(Hazard::new(
                HazardKind::TableRewrite,
                format!("rewrites {table} (and its indexes) to change the column type"),
            ));
        } else if from.collation != to.collation {
            hazards.push(Hazard::new(
                HazardKind::LongLock,
                format!(
                    "rebuilds the indexes of {table} that use the column, under an exclusive lock"
                ),
            ));
        }
    }
    if from.not_null && !to.not_null && to.identity.is_none() {
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP NOT NULL"));
    }
    // SET NOT NULL scans the table under an exclusive lock. Unless the table
    // is rewritten anyway, prove it with a NOT VALID check validated after
    // the transaction (writes continue); SET NOT NULL then skips the scan.
    // A new primary key over the column scans the table anyway.
    let in_primary_key = desired.tables.get(table).is_some_and(|t| {
        t.constraints.values().any(|c| {
            matches!(&c.kind, ConstraintKind::PrimaryKey { columns } if columns.contains(&to.name))
        })
    });
    let online_not_null =
        !from.not_null && to.not_null && !type_changed && to.identity.is_none() && !in_primary_key;
    let check_name = not_null_check_name(table, &to.name);
    if online_not_null {
        sql.push(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({col} IS NOT NULL) NOT VALID",
            quote_ident(&check_name)
        ));
    } else if !from.not_null && to.not_null {
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL"));
        hazards.push(Hazard::new(
            HazardKind::LongLock,
            format!("scans {table} under an exclusive lock to check for NULLs"),
        ));
    }
    if let Some(d) = &to.default
        && (from.default.as_ref() != Some(d) || type_changed)
    {
        sql.push(format!(
            "ALTER TABLE {t} ALTER COLUMN {col} SET DEFAULT {}",
            d.sql
        ));
    }
    match (from.identity, to.identity) {
        (None, Some(i)) => {
            sql.push(format!(
                "ALTER TABLE {t} ALTER COLUMN {col} ADD GENERATED {} AS IDENTITY",
                i.sql()
            ));
            // Start after the values already stored, so inserts do not collide.
            sql.push(format!(
                "SELECT setval(pg_get_serial_sequence({}, {}), coalesce(max({col}), 0) + 1, false) FROM {t}",
                quote_literal(&t),
                quote_literal(&to.name)
            ));
        }
        (Some(a), Some(b)) if a != b => {
            sql.push(format!(
                "ALTER TABLE {t} ALTER COLUMN {col} SET GENERATED {}",
                if b == Identity::Always {
                    "ALWAYS"
                } else {
                    "BY DEFAULT"
                }
            ));
        }
        _ => {}
    }
    let _ = identity_changed;
    match (from.ty.serial, to.ty.serial) {
        (Some(_), None) if to.default.is_none() && from.default.is_none() => {
            sql.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP DEFAULT"));
        }
        (None, Some(_)) => {
            let seq = sibling(table, &format!("{}_{}_seq", table.name, to.name));
            sql.push(format!(
                "CREATE SEQUENCE {} AS {} OWNED BY {t}.{col}",
                seq.sql(),
                to.ty.sql
            ));
            sql.push(format!(
                "ALTER TABLE {t} ALTER COLUMN {col} SET DEFAULT nextval({}::regclass)",
                quote_literal(&seq.sql())
            ));
            sql.push(format!(
                "SELECT setval({}, coalesce(max({col}), 0) + 1, false) FROM {t}",
                quote_literal(&seq.sql())
            ));
        }
        _ => {}
    }
    let names = table_columns(desired, table);
    let key = ObjectKey::Column(table.clone(), to.name.clone());
    let mut step = Step::new(
        Action::Alter,
        key.clone(),
        format!("alter column {table}.{}", to.name),
        sql,
        Phase::AlterColumn,
    )
    .creates([key.clone()])
    .needs_new(
        column_needs(to, table, &names)
            .into_iter()
            .filter(|k| *k != key),
    );
    if type_changed {
        step = step.drops([key.clone()]);
        // Off a user type: before that type is dropped or swapped.
        let old_type = type_key(&from.ty);
        if old_type != type_key(&to.ty) {
            step = step.needs_old(old_type);
        }
    }
    step.hazards = hazards;
    if online_not_null {
        step = step.creates([ObjectKey::Constraint(table.clone(), check_name.clone())]);
    }
    let mut steps = vec![step];
    if online_not_null {
        let mut finish = Step::new(
            Action::Alter,
            key.clone(),
            format!("set not null on {table}.{} (validated check)", to.name),
            vec![
                format!(
                    "ALTER TABLE {t} VALIDATE CONSTRAINT {}",
                    quote_ident(&check_name)
                ),
                format!("ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL"),
                format!(
                    "ALTER TABLE {t} DROP CONSTRAINT {}",
                    quote_ident(&check_name)
                ),
            ],
            Phase::Validate,
        )
        .needs_new([key]);
        finish.transactional = false;
        finish.hazards = vec![
            Hazard::new(
                HazardKind::LongLock,
                format!("scans {table} to check for NULLs (writes continue)"),
            ),
            Hazard::new(
                HazardKind::NotTransactional,
                "runs after the transaction; if rows hold NULLs it fails and the column stays nullable",
            ),
        ];
        steps.push(finish);
    }
    steps
}
