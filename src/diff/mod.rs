//! Comparing two models into a list of changes.
//!
//! Pure: no database, no SQL text. Objects are matched by name (after
//! `renamed_from` hints are applied), so the cost is linear in the number of
//! objects. The result is sorted by kind and name.

mod change;
mod dependants;
mod renames;
mod serial;

pub use change::{Change, CommentTarget, EnumColumn, EnumDefault};

use crate::graph::Graph;
use crate::model::{Constraint, ConstraintKind, QualifiedName, Schema, Table};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

pub use crate::graph::protect::Broken;

/// Compares `current` with `desired`. `existing_schemas` are the schemas that
/// exist already; `graph` holds what depends on the managed objects, which
/// the changes must not break where reconcile does not manage it.
pub fn diff(
    current: &Schema,
    desired: &Schema,
    existing_schemas: &BTreeSet<String>,
    graph: &Graph,
) -> Result<Vec<Change>, Broken> {
    let mut d = Differ {
        existing_schemas,
        changes: Vec::new(),
        current: Cow::Borrowed(current),
        desired,
        touched_columns: BTreeSet::new(),
        swapped_columns: BTreeSet::new(),
        graph,
        rebuilt: Rebuilt::default(),
    };
    for kind in crate::kinds::KINDS {
        kind.prepare(&mut d);
    }
    for kind in crate::kinds::KINDS {
        kind.diff(&mut d);
    }
    d.rebuild_dependants();
    crate::graph::protect::check(&d.changes, graph)?;
    Ok(d.changes)
}

/// The comparison in progress: what each kind's `diff` reads and adds to.
pub(crate) struct Differ<'a> {
    /// The schemas that exist already.
    pub(crate) existing_schemas: &'a BTreeSet<String>,
    /// The changes found so far.
    pub(crate) changes: Vec<Change>,
    /// The current schema, with planned renames applied as they are found
    /// (copied only when a rename hint applies).
    pub(crate) current: Cow<'a, Schema>,
    pub(crate) desired: &'a Schema,
    /// Columns whose stored type changes or that are dropped/recreated.
    pub(crate) touched_columns: BTreeSet<(QualifiedName, String)>,
    /// Columns converted by an enum type swap.
    pub(crate) swapped_columns: BTreeSet<(QualifiedName, String)>,
    /// What depends on what in the database.
    pub(crate) graph: &'a Graph,
    /// Managed objects that must be dropped and created again because
    /// something they depend on is replaced.
    pub(crate) rebuilt: Rebuilt,
}

/// Managed dependants of a replaced type that the type's own change
/// handles (the rest are rebuilt by [`Differ::rebuild_dependants`]).
#[derive(Default)]
pub(crate) struct Rebuilt {
    /// Generated columns: dropped and added again.
    pub(crate) columns: BTreeSet<(QualifiedName, String)>,
}

/// Whether `short` appears in `long` in the same order (gaps allowed).
pub(crate) fn is_subsequence(short: &[String], long: &[String]) -> bool {
    let mut it = long.iter();
    short.iter().all(|v| it.any(|l| l == v))
}

impl Differ<'_> {
    pub(crate) fn tables(&mut self) {
        // Moved out (not copied) while the table diffs push changes.
        let current = std::mem::replace(&mut self.current, Cow::Owned(Schema::default()));
        for (qn, want) in &self.desired.tables {
            match current.tables.get(qn) {
                None => self.create_table(want),
                Some(have) => self.alter_table(have, want),
            }
        }
        for (qn, have) in &current.tables {
            if self.desired.tables.contains_key(qn) {
                continue;
            }
            // Foreign keys to other tables go first, so tables that reference
            // each other can be dropped in any order.
            for c in have.constraints.values() {
                if let ConstraintKind::ForeignKey(fk) = &c.kind
                    && fk.ref_table != *qn
                {
                    self.changes.push(Change::DropConstraint {
                        table: qn.clone(),
                        constraint: c.clone(),
                    });
                }
            }
            self.changes.push(Change::DropTable(Box::new(have.clone())));
        }
        self.current = current;
    }

    fn create_table(&mut self, want: &Table) {
        let mut inline = want.clone();
        // Foreign keys come after every table exists; a check declared
        // `validated: false` is added NOT VALID after the table (PostgreSQL
        // ignores NOT VALID inside CREATE TABLE).
        let separate =
            |c: &Constraint| matches!(c.kind, ConstraintKind::ForeignKey(_)) || !c.validated;
        inline.constraints.retain(|_, c| !separate(c));
        inline.indexes.clear();
        self.changes.push(Change::CreateTable(Box::new(inline)));
        for c in want.constraints.values() {
            if separate(c) {
                self.changes.push(Change::AddConstraint {
                    table: want.name.clone(),
                    constraint: c.clone(),
                    existing_table: false,
                });
            }
        }
        for index in want.indexes.values() {
            self.changes.push(Change::CreateIndex {
                table: want.name.clone(),
                index: index.clone(),
                existing_table: false,
            });
        }
    }

    #[allow(clippy::too_many_lines)]
    fn alter_table(&mut self, have: &Table, want: &Table) {
        let qn = &want.name;
        for col in &want.columns {
            let Some(cur) = have.column(&col.name) else {
                self.changes.push(Change::AddColumn {
                    table: qn.clone(),
                    column: col.clone(),
                });
                continue;
            };
            // PostgreSQL cannot change a generation expression in place, nor
            // one whose type it names is replaced.
            let generation_changed = cur.generated != col.generated
                || self
                    .rebuilt
                    .columns
                    .contains(&(qn.clone(), col.name.clone()));
            if generation_changed {
                // PostgreSQL cannot change a generation expression in place.
                self.touched_columns.insert((qn.clone(), col.name.clone()));
                self.changes.push(Change::DropColumn {
                    table: qn.clone(),
                    column: cur.clone(),
                });
                self.changes.push(Change::AddColumn {
                    table: qn.clone(),
                    column: col.clone(),
                });
                continue;
            }
            let mut from = cur.clone();
            if self
                .swapped_columns
                .contains(&(qn.clone(), col.name.clone()))
            {
                // The enum swap sets the desired default itself.
                from.default.clone_from(&col.default);
            }
            let mut a = from.clone();
            a.comment.clone_from(&col.comment);
            a.renamed_from.clone_from(&col.renamed_from);
            // The desired model leaves the owned sequence's name to PostgreSQL.
            a.sequence.clone_from(&col.sequence);
            if a != *col {
                if from.ty != col.ty || from.collation != col.collation {
                    self.touched_columns.insert((qn.clone(), col.name.clone()));
                }
                self.changes.push(Change::AlterColumn {
                    table: qn.clone(),
                    from,
                    to: col.clone(),
                });
            }
            if cur.comment != col.comment {
                self.changes.push(Change::Comment {
                    target: CommentTarget::Column(qn.clone(), col.name.clone()),
                    comment: col.comment.clone(),
                });
            }
        }
        // PostgreSQL cannot change the type of a column a generated column
        // reads: such generated columns are dropped before and added after.
        for col in &want.columns {
            let Some(gen_expr) = &col.generated else {
                continue;
            };
            let Some(cur) = have.column(&col.name) else {
                continue;
            };
            if cur.generated.as_ref() != Some(gen_expr)
                || self
                    .rebuilt
                    .columns
                    .contains(&(qn.clone(), col.name.clone()))
            {
                continue;
            }
            let reads_changed =
                crate::sql::normalize::expr_references(&gen_expr.sql).is_ok_and(|refs| {
                    refs.identifiers.iter().any(|i| {
                        self.touched_columns.contains(&(qn.clone(), i.clone())) && i != &col.name
                    })
                });
            if reads_changed {
                self.touched_columns.insert((qn.clone(), col.name.clone()));
                self.changes.retain(|c| {
                    !matches!(c, Change::AlterColumn { table, to, .. } if table == qn && to.name == col.name)
                });
                self.changes.push(Change::DropColumn {
                    table: qn.clone(),
                    column: cur.clone(),
                });
                self.changes.push(Change::AddColumn {
                    table: qn.clone(),
                    column: col.clone(),
                });
            }
        }
        for cur in &have.columns {
            if want.column(&cur.name).is_none() {
                self.touched_columns.insert((qn.clone(), cur.name.clone()));
                self.changes.push(Change::DropColumn {
                    table: qn.clone(),
                    column: cur.clone(),
                });
            }
        }
        // Constraints and indexes: a dropped one and an added one with the
        // same definition is a rename (e.g. `customers_pkey` after the table
        // became `clients`).
        let constraints = match_by_name(
            &have.constraints,
            &want.constraints,
            constraint_satisfies,
            |a, b| a.kind == b.kind,
        );
        for (from, to) in constraints.renamed {
            self.changes.push(Change::RenameConstraint {
                table: qn.clone(),
                from: from.name.clone(),
                to: to.name.clone(),
            });
            if !from.validated && to.validated {
                self.changes.push(Change::ValidateConstraint {
                    table: qn.clone(),
                    name: to.name.clone(),
                });
            }
        }
        for (old, new) in constraints.changed {
            if old.kind == new.kind && !old.validated {
                // Same definition, left NOT VALID: only validate it.
                self.changes.push(Change::ValidateConstraint {
                    table: qn.clone(),
                    name: new.name.clone(),
                });
            } else {
                self.changes.push(Change::DropConstraint {
                    table: qn.clone(),
                    constraint: old.clone(),
                });
                self.changes.push(Change::AddConstraint {
                    table: qn.clone(),
                    constraint: new.clone(),
                    existing_table: true,
                });
            }
        }
        for c in constraints.added {
            self.changes.push(Change::AddConstraint {
                table: qn.clone(),
                constraint: c.clone(),
                existing_table: true,
            });
        }
        for c in constraints.dropped {
            self.changes.push(Change::DropConstraint {
                table: qn.clone(),
                constraint: c.clone(),
            });
        }
        let indexes = match_by_name(&have.indexes, &want.indexes, PartialEq::eq, |a, b| {
            let mut same = a.clone();
            same.name.clone_from(&b.name);
            same == *b
        });
        for (from, to) in indexes.renamed {
            self.changes.push(Change::RenameIndex {
                table: qn.clone(),
                from: from.name.clone(),
                to: to.name.clone(),
            });
        }
        for (old, new) in indexes.changed {
            self.changes.push(Change::DropIndex {
                table: qn.clone(),
                index: old.clone(),
            });
            self.changes.push(Change::CreateIndex {
                table: qn.clone(),
                index: new.clone(),
                existing_table: true,
            });
        }
        for i in indexes.added {
            self.changes.push(Change::CreateIndex {
                table: qn.clone(),
                index: i.clone(),
                existing_table: true,
            });
        }
        for i in indexes.dropped {
            self.changes.push(Change::DropIndex {
                table: qn.clone(),
                index: i.clone(),
            });
        }
        if have.comment != want.comment {
            self.changes.push(Change::Comment {
                target: CommentTarget::Table(qn.clone()),
                comment: want.comment.clone(),
            });
        }
    }
}

/// How two name-keyed maps differ.
struct Matched<'a, T> {
    added: Vec<&'a T>,
    dropped: Vec<&'a T>,
    /// Same name, different definition: (current, desired).
    changed: Vec<(&'a T, &'a T)>,
    /// A dropped one and an added one that `same` calls equal: (current, desired).
    renamed: Vec<(&'a T, &'a T)>,
}

/// Whether the live constraint `have` already is what `want` declares.
/// `validated: false` means "may be NOT VALID": a constraint the database
/// has validated satisfies it (un-validating is not a thing), while one that
/// is NOT VALID where `validated: true` is declared still needs a VALIDATE.
fn constraint_satisfies(have: &Constraint, want: &Constraint) -> bool {
    have.name == want.name && have.kind == want.kind && (have.validated || !want.validated)
}

/// Matches objects by name (`equal` says whether a pair needs no change); an
/// unmatched current object that is the same as an unmatched desired one
/// (apart from the name) is a rename.
fn match_by_name<'a, T>(
    have: &'a BTreeMap<String, T>,
    want: &'a BTreeMap<String, T>,
    equal: impl Fn(&T, &T) -> bool,
    same: impl Fn(&T, &T) -> bool,
) -> Matched<'a, T> {
    let mut m = Matched {
        added: Vec::new(),
        dropped: have
            .iter()
            .filter(|(k, _)| !want.contains_key(*k))
            .map(|(_, v)| v)
            .collect(),
        changed: Vec::new(),
        renamed: Vec::new(),
    };
    for (name, w) in want {
        match have.get(name) {
            Some(h) if equal(h, w) => {}
            Some(h) => m.changed.push((h, w)),
            None => match m.dropped.iter().position(|d| same(d, w)) {
                Some(pos) => m.renamed.push((m.dropped.remove(pos), w)),
                None => m.added.push(w),
            },
        }
    }
    m
}
