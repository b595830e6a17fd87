//! Managed objects that depend on what the plan drops, replaces or
//! rewrites are dropped before and created again after.
//!
//! One walk over the graph for every kind: the changes say which objects
//! they hit ([`protect::hit_objects`]), every managed dependant of a hit
//! object (or of a part of it: a view over a column of a dropped table) is
//! rebuilt, and its own drop hits what depends on it in turn, until nothing
//! new is found. What a dependant needs depends on its kind and on how its
//! target is hit: a view is rebuilt whatever happens to what it reads
//! (PostgreSQL refuses to change a column a view uses), while a constraint
//! or an index only when its target goes away (PostgreSQL rebuilds the
//! indexes and constraints over a column whose type changes itself).
//! Unmanaged dependants are not rebuilt: [`protect::check`] refuses them.

use super::{Change, Differ};
use crate::graph::{Kind, ObjectId, protect};
use crate::model::QualifiedName;
use std::collections::{BTreeMap, BTreeSet};

/// A managed dependant to rebuild, by its current (renamed) name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Dependant {
    View(QualifiedName),
    Constraint(QualifiedName, String),
    /// An index by schema and name.
    Index(String, String),
}

/// Names the plan gives objects it renames, from the current ones.
#[derive(Default)]
struct Renamed {
    tables: BTreeMap<QualifiedName, QualifiedName>,
    /// (table, old name) → new name, with the table's new name.
    constraints: BTreeMap<(QualifiedName, String), String>,
    /// (schema, old name) → new name.
    indexes: BTreeMap<(String, String), String>,
}

impl Renamed {
    fn of(changes: &[Change]) -> Renamed {
        let mut r = Renamed::default();
        for c in changes {
            match c {
                Change::RenameTable { from, to } => {
                    r.tables.insert(from.clone(), to.clone());
                }
                Change::RenameConstraint { table, from, to } => {
                    r.constraints
                        .insert((table.clone(), from.clone()), to.clone());
                }
                Change::RenameIndex { table, from, to } => {
                    r.indexes
                        .insert((table.schema.clone(), from.clone()), to.clone());
                }
                _ => {}
            }
        }
        r
    }

    fn table(&self, qn: QualifiedName) -> QualifiedName {
        self.tables.get(&qn).cloned().unwrap_or(qn)
    }

    /// The dependant `id` (current names) as the plan names it.
    fn dependant(&self, id: &ObjectId) -> Option<Dependant> {
        let parent = id.parent.as_deref();
        match (&id.kind, parent) {
            (Kind::View | Kind::MaterializedView, None) => id.qualified().map(Dependant::View),
            (Kind::Constraint, Some(p)) if p.kind == Kind::Table => {
                let table = self.table(p.qualified()?);
                let name = new_name(&self.constraints, table.clone(), &id.name);
                Some(Dependant::Constraint(table, name))
            }
            (Kind::Index, None) => {
                let schema = id.schema.clone()?;
                let name = new_name(&self.indexes, schema.clone(), &id.name);
                Some(Dependant::Index(schema, name))
            }
            _ => None,
        }
    }
}

/// The name `renames` gives `name` within `owner` (itself when none).
fn new_name<K: Ord>(renames: &BTreeMap<(K, String), String>, owner: K, name: &str) -> String {
    renames
        .get(&(owner, name.to_string()))
        .cloned()
        .unwrap_or_else(|| name.to_string())
}

/// Whether a dependant of `kind` must be rebuilt when its target is hit
/// (`rewritten`: changed in place rather than dropped).
fn needs_rebuild(kind: &Kind, rewritten: bool) -> bool {
    match kind {
        Kind::View | Kind::MaterializedView => true,
        Kind::Constraint | Kind::Index => !rewritten,
        _ => false,
    }
}

/// What the changes already drop, so nothing is dropped twice.
fn dropped(changes: &[Change]) -> BTreeSet<Dependant> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::DropView(v) => Some(Dependant::View(v.name.clone())),
            Change::DropConstraint { table, constraint } => Some(Dependant::Constraint(
                table.clone(),
                constraint.name.clone(),
            )),
            Change::DropIndex { table, index } => {
                Some(Dependant::Index(table.schema.clone(), index.name.clone()))
            }
            _ => None,
        })
        .collect()
}

impl Differ<'_> {
    /// Rebuilds every managed dependant of what the changes hit (see the
    /// module documentation), until no new one is found.
    pub(super) fn rebuild_dependants(&mut self) {
        let renamed = Renamed::of(&self.changes);
        loop {
            let hits = protect::hit_objects(&self.changes);
            let mut done = dropped(&self.changes);
            let mut found: Vec<Dependant> = Vec::new();
            for e in &self.graph.edges {
                if !e.from.managed {
                    continue;
                }
                // The object itself, or what it belongs to.
                let mut target = Some(&e.to.id);
                let mut hit = None;
                while let Some(t) = target {
                    if let Some(h) = hits.get(t) {
                        hit = Some(h);
                        break;
                    }
                    target = t.parent.as_deref();
                }
                let Some(hit) = hit else {
                    continue;
                };
                if !needs_rebuild(&e.from.id.kind, hit.rewritten) {
                    continue;
                }
                if let Some(d) = renamed.dependant(&e.from.id)
                    && !done.contains(&d)
                    && !self.goes_with_its_table(&d)
                {
                    done.insert(d.clone());
                    found.push(d);
                }
            }
            if found.is_empty() {
                return;
            }
            for d in found {
                self.rebuild(&d);
            }
        }
    }

    /// Whether the dependant's table is dropped (it goes with it).
    fn goes_with_its_table(&self, d: &Dependant) -> bool {
        match d {
            Dependant::View(_) => false,
            Dependant::Constraint(table, _) => !self.desired.tables.contains_key(table),
            Dependant::Index(schema, name) => !self
                .desired
                .tables
                .iter()
                .any(|(qn, t)| qn.schema == *schema && t.indexes.contains_key(name)),
        }
    }

    /// Drops the dependant and creates it again as the desired schema
    /// declares it (when it still does).
    fn rebuild(&mut self, d: &Dependant) {
        match d {
            Dependant::View(qn) => {
                let Some(have) = self.current.views.get(qn) else {
                    return;
                };
                self.changes.push(Change::DropView(have.clone()));
                // A comment change is part of the new view.
                self.changes.retain(|c| {
                    !matches!(c, Change::Comment { target: super::CommentTarget::View(v, _), .. } if v == qn)
                });
                if let Some(want) = self.desired.views.get(qn) {
                    self.changes.push(Change::CreateView(want.clone()));
                }
            }
            Dependant::Constraint(table, name) => {
                let Some(have) = self
                    .current
                    .tables
                    .get(table)
                    .and_then(|t| t.constraints.get(name))
                else {
                    return;
                };
                self.changes.push(Change::DropConstraint {
                    table: table.clone(),
                    constraint: have.clone(),
                });
                if let Some(want) = self
                    .desired
                    .tables
                    .get(table)
                    .and_then(|t| t.constraints.get(name))
                {
                    self.changes.push(Change::AddConstraint {
                        table: table.clone(),
                        constraint: want.clone(),
                        existing_table: true,
                    });
                }
            }
            Dependant::Index(schema, name) => {
                let Some((table, have)) = self
                    .current
                    .tables
                    .iter()
                    .filter(|(qn, _)| qn.schema == *schema)
                    .find_map(|(qn, t)| t.indexes.get(name).map(|i| (qn.clone(), i.clone())))
                else {
                    return;
                };
                self.changes.push(Change::DropIndex {
                    table: table.clone(),
                    index: have,
                });
                if let Some(want) = self
                    .desired
                    .tables
                    .get(&table)
                    .and_then(|t| t.indexes.get(name))
                {
                    self.changes.push(Change::CreateIndex {
                        table,
                        index: want.clone(),
                        existing_table: true,
                    });
                }
            }
        }
    }
}
