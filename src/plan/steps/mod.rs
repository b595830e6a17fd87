//! Turning changes into SQL steps. This module and its children are the only place that writes DDL.
//!
//! Each step also says which objects it creates, drops and needs, so
//! `order` can sort the steps without knowing SQL.

use super::hazard::{Hazard, HazardKind};
use super::{Action, Step};
use crate::diff::{Change, CommentTarget};
use crate::error::PlanError;
use crate::model::{
    Column, Constraint, ConstraintKind, Deferrable, Enum, FkAction, Identity, Index, IndexKey,
    ObjectKey, QualifiedName, Schema, SqlExpr, SqlType, Table, View, quote_ident, quote_literal,
};
use crate::sql::normalize;
use crate::sql::types::{classify_type_change, split_name};

mod checks;
mod column;
mod ddl;
mod deps;

use checks::{Before, may_fail};

use column::alter_column;
use ddl::*;
use deps::*;

pub(crate) use ddl::{comment_sql, enum_sql, view_kind};
pub(crate) use deps::view_needs;

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
    SequenceOwner,
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

/// Sequences `OWNED BY` the table (or one column of it) that the desired
/// schema does not keep: PostgreSQL drops them with their owner.
fn owned_sequences(
    current: &Schema,
    desired: &Schema,
    table: &QualifiedName,
    column: Option<&str>,
) -> Vec<QualifiedName> {
    current
        .sequences
        .values()
        .filter(|s| {
            s.owned_by
                .as_ref()
                .is_some_and(|o| o.table == *table && column.is_none_or(|c| o.column == c))
                && !desired.sequences.contains_key(&s.name)
        })
        .map(|s| s.name.clone())
        .collect()
}

fn owned_note(owned: &[QualifiedName]) -> String {
    if owned.is_empty() {
        return String::new();
    }
    let names: Vec<String> = owned.iter().map(ToString::to_string).collect();
    format!(", with the sequence it owns ({})", names.join(", "))
}

pub(crate) fn data_loss(reason: impl Into<String>) -> Hazard {
    Hazard::new(HazardKind::DataLoss, reason)
}

/// What building a step may need besides its change: both models (what a
/// foreign key's target looks like, which columns a table has), the
/// extensions the desired schema declares (expressions may use their
/// functions), the preconditions on existing rows, and the column each
/// table's previous added column was.
pub(crate) struct StepContext<'a> {
    pub(crate) current: &'a Schema,
    pub(crate) desired: &'a Schema,
    pub(crate) extension_keys: Vec<ObjectKey>,
    last_added: std::collections::BTreeMap<QualifiedName, String>,
    before: Before<'a>,
}

/// Builds the steps for all changes: comments here (one change for any
/// object), the rest by the kind that owns the change.
pub(crate) fn build_steps(
    changes: &[Change],
    current: &Schema,
    desired: &Schema,
) -> Result<Vec<Step>, PlanError> {
    let mut steps = Vec::new();
    let mut cx = StepContext {
        current,
        desired,
        extension_keys: desired
            .extensions
            .keys()
            .map(|e| ObjectKey::Extension(e.clone()))
            .collect(),
        last_added: std::collections::BTreeMap::new(),
        before: Before::new(changes, current, desired),
    };
    for change in changes {
        if let Change::Comment { target, comment } = change {
            steps.push(comment_step(target, comment.as_ref()));
            continue;
        }
        if !crate::kinds::KINDS
            .iter()
            .any(|k| k.steps(change, &mut cx, &mut steps))
        {
            return Err(PlanError::Unowned(format!("{change:?}")));
        }
    }
    Ok(steps)
}

/// `COMMENT ON` any object.
fn comment_step(target: &CommentTarget, comment: Option<&String>) -> Step {
    let key = match target {
        CommentTarget::Table(t) | CommentTarget::View(t, _) => ObjectKey::Relation(t.clone()),
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
        vec![comment_sql(target, comment)],
        Phase::Comment,
    )
    .needs_new([key])
}

/// The steps of the table kind's changes: tables, their columns,
/// constraints and indexes.
#[allow(clippy::too_many_lines)]
pub(crate) fn table_steps(
    change: &Change,
    cx: &mut StepContext<'_>,
    steps: &mut Vec<Step>,
) -> bool {
    let StepContext {
        current,
        desired,
        extension_keys,
        last_added,
        before,
    } = cx;
    let (current, desired, before): (&Schema, &Schema, &Before<'_>) = (current, desired, before);
    let extension_keys: &Vec<ObjectKey> = extension_keys;
    {
        let step = match change {
            Change::CreateTable(t) => create_table(t, extension_keys),
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
                let owned = owned_sequences(current, desired, &t.name, None);
                drops.extend(owned.iter().map(|s| ObjectKey::Sequence(s.clone())));
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
                    "drops table {} and all its rows{}",
                    t.name,
                    owned_note(&owned)
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
                    step.hazards.push(may_fail(format!(
                        "a NOT NULL column without a default cannot be added while {table} has rows"
                    )));
                    step.precondition = before.empty(table, &column.name);
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
                let owned = owned_sequences(current, desired, table, Some(&column.name));
                step = step.drops(owned.iter().map(|s| ObjectKey::Sequence(s.clone())));
                if column.generated.is_none() {
                    step.hazards.push(data_loss(format!(
                        "drops column {table}.{} and its values{}",
                        column.name,
                        owned_note(&owned)
                    )));
                }
                step
            }
            Change::RenameOwnedSequence { table, from, to } => Step::new(
                Action::Rename,
                ObjectKey::Sequence(sibling(table, to)),
                format!(
                    "rename sequence {} to {to} (owned by {table})",
                    sibling(table, from)
                ),
                vec![format!(
                    "ALTER SEQUENCE {} RENAME TO {}",
                    sibling(table, from).sql(),
                    quote_ident(to)
                )],
                Phase::Rename,
            )
            .creates([ObjectKey::Sequence(sibling(table, to))])
            .drops([ObjectKey::Sequence(sibling(table, from))])
            .needs_new([ObjectKey::Relation(table.clone())]),
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
                steps.extend(alter_column(table, from, to, desired, before));
                return true;
            }
            Change::AddConstraint {
                table,
                constraint,
                existing_table,
            } => {
                add_constraint(
                    table,
                    constraint,
                    *existing_table,
                    current,
                    desired,
                    before,
                    steps,
                );
                return true;
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
            Change::ValidateConstraint { table, name } => {
                // A constraint the database already holds NOT VALID: if the
                // rows still violate it, it stays as it was (NOT VALID), and
                // the next plan validates it again.
                let mut step = validate_step(table, name);
                if let Some(c) = desired
                    .tables
                    .get(table)
                    .and_then(|t| t.constraints.get(name))
                {
                    step.precondition = before.constraint(table, c);
                }
                step
            }
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
                    if index.unique {
                        step.hazards.push(may_fail(format!(
                            "fails if existing rows of {table} hold duplicate keys"
                        )));
                        step.precondition = before.unique_index(table, index);
                        // A failed concurrent build leaves an INVALID index
                        // behind; dropping it makes the next plan build it
                        // again from scratch.
                        step.on_failure = vec![format!(
                            "DROP INDEX CONCURRENTLY IF EXISTS {}",
                            sibling(table, &index.name).sql()
                        )];
                    }
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
            _ => return false,
        };
        steps.push(step);
    }
    true
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
    current: &Schema,
    desired: &Schema,
    before: &Before<'_>,
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
    let can_skip_validation = matches!(
        c.kind,
        ConstraintKind::ForeignKey(_) | ConstraintKind::Check { .. }
    );
    let online = existing_table && can_skip_validation;
    // `validated: false` is kept as declared: added NOT VALID and never
    // validated by this plan (on a new table too, so both databases match).
    let keep_not_valid = !c.validated && can_skip_validation;
    let sql = format!(
        "ALTER TABLE {} ADD {}{}",
        table.sql(),
        constraint_sql(c),
        if online || keep_not_valid {
            " NOT VALID"
        } else {
            ""
        }
    );
    let mut step = Step::new(
        Action::Create,
        key.clone(),
        format!(
            "add {kind} {} on {table}{}",
            c.name,
            if keep_not_valid {
                " (NOT VALID, as declared)"
            } else {
                ""
            }
        ),
        vec![sql],
        phase,
    )
    .creates([key.clone()])
    .needs_new(needs)
    .needs_gone(old_keys_of_reference(c, current));
    if existing_table && !online {
        step.hazards.push(Hazard::new(
            HazardKind::LongLock,
            format!("builds the {kind}'s index on {table} while holding a lock that blocks writes"),
        ));
        step.hazards.push(may_fail(format!(
            "fails if existing rows of {table} hold duplicate keys"
        )));
        step.precondition = before.constraint(table, c);
    }
    steps.push(step);
    if online && !keep_not_valid {
        let mut validate = validate_step(table, &c.name);
        validate.precondition = before.constraint(table, c);
        // The constraint was added NOT VALID by this plan. If validation
        // fails (rows written since the preflight), it is dropped again:
        // the table is then as before for this constraint, and the next
        // plan adds and validates it anew, which is exactly the remaining
        // work. Left NOT VALID it would already reject new writes that
        // nobody reviewed as a separate step.
        validate.on_failure = vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
            table.sql(),
            quote_ident(&c.name)
        )];
        steps.push(validate);
    }
}

/// For a foreign key, the keys (constraints and unique indexes) the
/// referenced table has now on the referenced columns: PostgreSQL binds the
/// foreign key to one of them when it is added, so a key the plan drops must
/// be gone by then, or the drop fails with the foreign key depending on it.
fn old_keys_of_reference(c: &Constraint, current: &Schema) -> Vec<ObjectKey> {
    match &c.kind {
        ConstraintKind::ForeignKey(fk) => keys_on(current, &fk.ref_table, &fk.ref_columns),
        _ => Vec::new(),
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
        "runs after the transaction; apply checks the existing rows before the transaction starts",
    ));
    step.hazards.push(may_fail(format!(
        "fails if existing rows of {table} violate the constraint"
    )));
    step
}
