//! Nothing reconcile does not manage is dropped or rewritten by a plan.
//!
//! The plan's changes say which objects go away or are rewritten (a table
//! or view dropped, a column dropped or given a new type, an enum replaced,
//! a key dropped); every unmanaged object that depends on one of them (or on
//! a part of it) refuses the plan. PostgreSQL would either refuse the
//! statement (a view over the column) or, worse, drop the dependant
//! silently (a trigger, policy, rule or partition of a dropped table):
//! reconcile never uses CASCADE and never lets that happen. One error names
//! every such dependant.

use super::{Graph, Kind, ObjectId};
use crate::diff::Change;
use crate::model::{ConstraintKind, QualifiedName};
use std::collections::{BTreeMap, BTreeSet};

/// How a step hits an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    /// The step, in words (`drop table public.users`).
    pub step: String,
    /// The object stays but is rewritten in place (a column given another
    /// type): PostgreSQL rebuilds the indexes and constraints over it
    /// itself, but not the views, rules or generated columns.
    pub rewritten: bool,
}

/// What the plan drops or rewrites, by identity (current names), with the
/// step that does it.
pub(crate) fn hit_objects(changes: &[Change]) -> BTreeMap<ObjectId, Hit> {
    // Renames come first in a plan: map the new names back to the current ones.
    let mut table_from: BTreeMap<QualifiedName, QualifiedName> = BTreeMap::new();
    let mut column_from: BTreeMap<(QualifiedName, String), String> = BTreeMap::new();
    for c in changes {
        match c {
            Change::RenameTable { from, to } => {
                table_from.insert(to.clone(), from.clone());
            }
            Change::RenameColumn { table, from, to } => {
                column_from.insert((table.clone(), to.clone()), from.clone());
            }
            _ => {}
        }
    }
    let table = |qn: &QualifiedName| {
        let current = table_from.get(qn).unwrap_or(qn);
        ObjectId::relation(Kind::Table, current)
    };
    let column = |qn: &QualifiedName, name: &str| {
        let current = column_from
            .get(&(qn.clone(), name.to_string()))
            .map_or(name, String::as_str);
        ObjectId::child(Kind::Column, table(qn), current)
    };
    let (mut dropped, mut rewritten) = (Vec::new(), Vec::new());
    let mut hit = |id: ObjectId, step: String| dropped.push((id, step));
    let mut rewrite = |id: ObjectId, step: String| rewritten.push((id, step));
    for c in changes {
        match c {
            Change::DropTable(t) => hit(table(&t.name), format!("drop table {}", t.name)),
            Change::DropView(v) => {
                let kind = if v.materialized {
                    Kind::MaterializedView
                } else {
                    Kind::View
                };
                let what = if v.materialized {
                    "materialized view"
                } else {
                    "view"
                };
                hit(
                    ObjectId::relation(kind, &v.name),
                    format!("drop {what} {}", v.name),
                );
            }
            Change::DropColumn {
                table: t,
                column: c,
            } => hit(column(t, &c.name), format!("drop column {t}.{}", c.name)),
            Change::AlterColumn { table: t, from, to }
                if from.ty != to.ty || from.collation != to.collation =>
            {
                rewrite(
                    column(t, &to.name),
                    format!("alter column {t}.{} (type)", to.name),
                );
            }
            Change::RecreateEnum { from, columns, .. } => {
                let step = format!("recreate enum {}", from.name);
                for ec in columns {
                    rewrite(column(&ec.table, &ec.column.name), step.clone());
                }
                hit(ObjectId::relation(Kind::Enum, &from.name), step);
            }
            Change::DropEnum(e) => hit(
                ObjectId::relation(Kind::Enum, &e.name),
                format!("drop enum {}", e.name),
            ),
            Change::DropSequence(s) => hit(
                ObjectId::relation(Kind::Sequence, &s.name),
                format!("drop sequence {}", s.name),
            ),
            Change::DropConstraint {
                table: t,
                constraint,
            } => {
                let step = format!("drop constraint {} on {t}", constraint.name);
                if matches!(
                    constraint.kind,
                    ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. }
                ) {
                    // A foreign key depends on the key's index.
                    hit(
                        ObjectId::new(Kind::Index, &t.schema, &constraint.name),
                        step.clone(),
                    );
                }
                hit(
                    ObjectId::child(Kind::Constraint, table(t), &constraint.name),
                    step,
                );
            }
            Change::DropIndex { table: t, index } => hit(
                ObjectId::new(Kind::Index, &t.schema, &index.name),
                format!("drop index {}.{}", t.schema, index.name),
            ),
            Change::DropExtension(e) => hit(
                ObjectId {
                    kind: Kind::Extension,
                    schema: None,
                    name: e.name.clone(),
                    parent: None,
                    args: None,
                },
                format!("drop extension {}", e.name),
            ),
            _ => {}
        }
    }
    let mut hits = BTreeMap::new();
    for (list, rewritten) in [(rewritten, true), (dropped, false)] {
        for (id, step) in list {
            hits.entry(id).or_insert(Hit { step, rewritten });
        }
    }
    hits
}

/// Kinds that share PostgreSQL's namespace of relations (`pg_class`).
fn relation_kind(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Table
            | Kind::Partition
            | Kind::View
            | Kind::MaterializedView
            | Kind::ForeignTable
            | Kind::Sequence
            | Kind::Index
            | Kind::CompositeType
    )
}

/// The relation names `changes` create (or rename to), with the step.
fn created_relations(changes: &[Change]) -> Vec<(QualifiedName, String)> {
    let mut out = Vec::new();
    for c in changes {
        match c {
            Change::CreateTable(t) => {
                out.push((t.name.clone(), format!("create table {}", t.name)))
            }
            Change::CreateView(v) => out.push((v.name.clone(), format!("create view {}", v.name))),
            Change::CreateSequence(s) => {
                out.push((s.name.clone(), format!("create sequence {}", s.name)));
            }
            Change::CreateIndex { table, index, .. } => out.push((
                QualifiedName::new(&table.schema, &index.name),
                format!("create index {} on {table}", index.name),
            )),
            Change::RenameTable { from, to } => {
                out.push((to.clone(), format!("rename table {from} to {}", to.name)));
            }
            Change::RenameIndex { table, from, to } => out.push((
                QualifiedName::new(&table.schema, to),
                format!("rename index {from} on {table} to {to}"),
            )),
            _ => {}
        }
    }
    out
}

/// Refuses `changes` when an unmanaged object depends on what they drop or
/// rewrite, or holds a name they create; the message names every such
/// object and the step that hits it.
pub fn check(changes: &[Change], graph: &Graph) -> Result<(), Broken> {
    inheritance(changes, graph)?;
    let taken: BTreeMap<QualifiedName, &ObjectId> = graph
        .unmanaged()
        .into_iter()
        .filter(|id| id.parent.is_none() && relation_kind(&id.kind))
        .filter_map(|id| id.qualified().map(|qn| (qn, id)))
        .collect();
    let clashes: Vec<(String, String)> = created_relations(changes)
        .into_iter()
        .filter_map(|(qn, step)| taken.get(&qn).map(|id| (id.to_string(), step)))
        .collect();
    if !clashes.is_empty() {
        return Err(Broken::NamesTaken(clashes));
    }
    let hits = hit_objects(changes);
    if hits.is_empty() {
        return Ok(());
    }
    // By dependant (a column of a view, a constraint of a domain is that
    // view or domain), with the steps that break it.
    let mut broken: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &graph.edges {
        if e.from.managed {
            continue;
        }
        let dependant = match (&e.from.id.kind, e.from.id.parent.as_deref()) {
            (Kind::Column | Kind::Constraint, Some(whole))
                if matches!(
                    whole.kind,
                    Kind::View | Kind::MaterializedView | Kind::Domain | Kind::CompositeType
                ) =>
            {
                whole
            }
            _ => &e.from.id,
        };
        // The object itself, or what it belongs to (a column of a dropped table).
        let mut target = Some(&e.to.id);
        while let Some(t) = target {
            if let Some(hit) = hits.get(t) {
                broken
                    .entry(dependant.to_string())
                    .or_default()
                    .insert(hit.step.clone());
                break;
            }
            target = t.parent.as_deref();
        }
    }
    if broken.is_empty() {
        return Ok(());
    }
    Err(Broken::Unmanaged(broken))
}

/// Table inheritance is not managed yet: PostgreSQL passes a parent's
/// column changes on to its children (dropping a column drops the child's
/// copy and its values), so a plan that adds, drops, renames or retypes a
/// column of a table other tables inherit from, or drops that table, is
/// refused naming the children.
fn inheritance(changes: &[Change], graph: &Graph) -> Result<(), Broken> {
    // The plan names tables by their new names; the graph by current ones.
    let mut current: BTreeMap<&QualifiedName, &QualifiedName> = BTreeMap::new();
    for c in changes {
        if let Change::RenameTable { from, to } = c {
            current.insert(to, from);
        }
    }
    let mut children: BTreeMap<QualifiedName, Vec<String>> = BTreeMap::new();
    for e in &graph.edges {
        let (from, to) = (&e.from.id, &e.to.id);
        if from.kind == Kind::Table
            && to.kind == Kind::Table
            && from.parent.is_none()
            && to.parent.is_none()
            && let Some(parent) = to.qualified()
        {
            children.entry(parent).or_default().push(from.to_string());
        }
    }
    if children.is_empty() {
        return Ok(());
    }
    let mut broken: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in changes {
        let (table, step) = match c {
            Change::DropTable(t) => (&t.name, format!("drop table {}", t.name)),
            Change::AddColumn { table, column } => {
                (table, format!("add column {table}.{}", column.name))
            }
            Change::DropColumn { table, column } => {
                (table, format!("drop column {table}.{}", column.name))
            }
            Change::RenameColumn { table, from, to } => {
                (table, format!("rename column {table}.{from} to {to}"))
            }
            Change::AlterColumn { table, from, to }
                if from.ty != to.ty || from.collation != to.collation =>
            {
                (table, format!("alter column {table}.{} (type)", to.name))
            }
            _ => continue,
        };
        let table = current.get(table).copied().unwrap_or(table);
        for child in children.get(table).into_iter().flatten() {
            broken
                .entry(child.clone())
                .or_default()
                .insert(step.clone());
        }
    }
    if broken.is_empty() {
        return Ok(());
    }
    Err(Broken::Inheritance(broken))
}

/// Why a plan would break what reconcile does not manage; nothing runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// Unmanaged objects hold names the plan creates: (object, step).
    NamesTaken(Vec<(String, String)>),
    /// Unmanaged, ignored or undeclared objects depend on what the plan
    /// drops or rewrites: each with the steps that break it.
    Unmanaged(BTreeMap<String, BTreeSet<String>>),
    /// Tables inherit from tables the plan changes: each child with the
    /// steps PostgreSQL would pass on to it.
    Inheritance(BTreeMap<String, BTreeSet<String>>),
}

impl std::error::Error for Broken {}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Broken::NamesTaken(clashes) => {
                let list: Vec<String> = clashes
                    .iter()
                    .map(|(id, step)| format!("  - {id} holds the name `{step}` needs"))
                    .collect();
                write!(
                    f,
                    "refusing to plan: objects reconcile does not manage hold names the plan would create \
                     (an index with key options reconcile does not read yet, a partition, a foreign table \
                     or an ignored relation):\n{}\nrename or drop them by hand first, or leave the names \
                     out of schema.yaml",
                    list.join("\n")
                )
            }
            Broken::Unmanaged(broken) => {
                let one = broken.len() == 1;
                let them = if one { "it" } else { "them" };
                write!(
                    f,
                    "refusing to plan: {} reconcile does not manage depend{} on what the plan drops or \
                     rewrites, and reconcile never drops or rewrites what it does not manage (no CASCADE):\n{}\n\
                     change or drop {them} first, declare {them} in schema.yaml, or stop ignoring {them}",
                    if one { "1 object" } else { "these objects" },
                    if one { "s" } else { "" },
                    bullets(broken, ", broken by"),
                )
            }
            Broken::Inheritance(broken) => write!(
                f,
                "refusing to plan: reconcile does not manage table inheritance yet, and PostgreSQL would \
                 pass these changes on to the tables that inherit (dropping a column drops their copy \
                 and its values):\n{}\nmake the change by hand, or detach the children first \
                 (ALTER TABLE ... NO INHERIT)",
                bullets(broken, " inherits from the table of")
            ),
        }
    }
}

/// One line per object: `  - <object><link> <steps>`, the steps quoted.
fn bullets<S: AsRef<str>>(broken: &BTreeMap<String, BTreeSet<S>>, link: &str) -> String {
    broken
        .iter()
        .map(|(what, steps)| {
            let steps: Vec<String> = steps.iter().map(|s| format!("`{}`", s.as_ref())).collect();
            format!("  - {what}{link} {}", steps.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}
