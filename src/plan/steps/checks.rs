//! The `may_fail` hazard and the preconditions `apply` checks before the
//! transaction: what the existing rows must satisfy for a new NOT NULL,
//! check, foreign key or unique key.
//!
//! A precondition is written against the database as it is before the plan
//! runs. Where the plan renames or retypes something the condition reads,
//! the old names are used when that is certain (plain columns) and the
//! condition is left out otherwise (expressions over such columns): the step
//! still carries `may_fail`, and a failure is handled by the transaction
//! (inside it) or by the step's cleanup (after it).

use super::*;
use crate::plan::precondition::{Condition, Precondition};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn may_fail(reason: impl Into<String>) -> Hazard {
    Hazard::new(HazardKind::MayFail, reason)
}

/// The database before the plan, seen through the plan's renames.
pub(super) struct Before<'a> {
    current: &'a Schema,
    desired: &'a Schema,
    /// New table name → old name.
    tables: BTreeMap<QualifiedName, QualifiedName>,
    /// (new table name, new column name) → old column name.
    columns: BTreeMap<(QualifiedName, String), String>,
    /// Columns (new names) whose type or collation the plan changes: a
    /// condition evaluated on the old type could answer differently.
    retyped: BTreeSet<(QualifiedName, String)>,
}

impl<'a> Before<'a> {
    pub(super) fn new(changes: &[Change], current: &'a Schema, desired: &'a Schema) -> Before<'a> {
        let mut before = Before {
            current,
            desired,
            tables: BTreeMap::new(),
            columns: BTreeMap::new(),
            retyped: BTreeSet::new(),
        };
        for c in changes {
            match c {
                Change::RenameTable { from, to } => {
                    before.tables.insert(to.clone(), from.clone());
                }
                Change::RenameColumn { table, from, to } => {
                    before
                        .columns
                        .insert((table.clone(), to.clone()), from.clone());
                }
                Change::AlterColumn { table, from, to }
                    if from.ty.sql != to.ty.sql || from.collation != to.collation =>
                {
                    before.retyped.insert((table.clone(), to.name.clone()));
                }
                _ => {}
            }
        }
        before
    }

    /// The table's old name and definition, if it exists before the plan.
    fn table(&self, table: &QualifiedName) -> Option<(QualifiedName, &'a Table)> {
        let old = self.tables.get(table).unwrap_or(table).clone();
        let t = self.current.tables.get(&old)?;
        Some((old, t))
    }

    /// The old name of a column that exists before the plan with the same
    /// type; `None` when the condition cannot be checked on it beforehand.
    fn column(&self, table: &QualifiedName, column: &str) -> Option<String> {
        if self.retyped.contains(&(table.clone(), column.to_string())) {
            return None;
        }
        let old = self
            .columns
            .get(&(table.clone(), column.to_string()))
            .map_or(column, String::as_str);
        let (_, t) = self.table(table)?;
        t.column(old).map(|c| c.name.clone())
    }

    /// Whether an expression over `table` reads only columns that keep
    /// their name and type, on a table that keeps its name.
    fn expr_unchanged(&self, table: &QualifiedName, expr: &str) -> bool {
        if self.tables.contains_key(table) {
            return false;
        }
        let Some((_, t)) = self.table(table) else {
            return false;
        };
        let Ok(refs) = normalize::expr_references(expr) else {
            return false;
        };
        // Identifiers that are not columns of the table (functions, types)
        // do not matter. A column of the desired table must exist before
        // the plan under the same name and with the same type.
        let desired_columns = self
            .desired
            .tables
            .get(table)
            .map(|d| d.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>())
            .unwrap_or_default();
        refs.identifiers
            .iter()
            .filter(|n| desired_columns.contains(n) || t.column(n).is_some())
            .all(|n| {
                t.column(n).is_some()
                    && !self.retyped.contains(&(table.clone(), n.clone()))
                    && !self
                        .columns
                        .iter()
                        .any(|((tq, new), old)| tq == table && (new == n || old == n))
            })
    }

    fn precondition(&self, table: &QualifiedName, condition: Condition) -> Option<Precondition> {
        let (old, t) = self.table(table)?;
        let key = t
            .constraints
            .values()
            .find_map(|c| match &c.kind {
                ConstraintKind::PrimaryKey { columns } => Some(columns.clone()),
                _ => None,
            })
            .unwrap_or_default();
        Some(Precondition {
            table: old,
            key,
            condition,
        })
    }

    /// No NULL in `column` (a new NOT NULL on an existing column).
    pub(super) fn not_null(&self, table: &QualifiedName, column: &str) -> Option<Precondition> {
        let column = self.column(table, column)?;
        self.precondition(table, Condition::NotNull { column })
    }

    /// Like [`Before::not_null`], also for a column whose type the plan
    /// changes: a cast keeps NULL NULL and a value a value.
    pub(super) fn not_null_any_type(
        &self,
        table: &QualifiedName,
        column: &str,
    ) -> Option<Precondition> {
        let old = self
            .columns
            .get(&(table.clone(), column.to_string()))
            .map_or(column, String::as_str);
        let (_, t) = self.table(table)?;
        let column = t.column(old)?.name.clone();
        self.precondition(table, Condition::NotNull { column })
    }

    /// No rows at all (a NOT NULL column without a default is added).
    pub(super) fn empty(&self, table: &QualifiedName, column: &str) -> Option<Precondition> {
        self.precondition(
            table,
            Condition::Empty {
                column: column.to_string(),
            },
        )
    }

    /// The existing rows satisfy constraint `c` of `table`.
    pub(super) fn constraint(&self, table: &QualifiedName, c: &Constraint) -> Option<Precondition> {
        let columns = |cols: &[String]| -> Option<Vec<String>> {
            cols.iter().map(|col| self.column(table, col)).collect()
        };
        let condition = match &c.kind {
            ConstraintKind::Check { expr } => {
                if !self.expr_unchanged(table, &expr.sql) {
                    return None;
                }
                Condition::Check {
                    name: c.name.clone(),
                    expr: expr.sql.clone(),
                }
            }
            ConstraintKind::PrimaryKey { columns: cols }
            | ConstraintKind::Unique { columns: cols } => Condition::Unique {
                name: c.name.clone(),
                keys: columns(cols)?.iter().map(|k| quote_ident(k)).collect(),
                predicate: None,
            },
            ConstraintKind::ForeignKey(fk) => {
                let own = columns(&fk.columns)?;
                // The referenced table as it is before the plan; one the
                // plan creates is empty.
                let (ref_table, ref_columns) = if self.desired.tables.contains_key(&fk.ref_table)
                    && self.table(&fk.ref_table).is_none()
                {
                    (None, fk.ref_columns.clone())
                } else {
                    let (old, _) = self.table(&fk.ref_table)?;
                    let cols: Option<Vec<String>> = fk
                        .ref_columns
                        .iter()
                        .map(|col| self.column(&fk.ref_table, col))
                        .collect();
                    (Some(old), cols?)
                };
                Condition::ForeignKey {
                    name: c.name.clone(),
                    columns: own,
                    ref_table,
                    ref_columns,
                }
            }
        };
        self.precondition(table, condition)
    }

    /// No duplicate keys for a new unique index.
    pub(super) fn unique_index(
        &self,
        table: &QualifiedName,
        index: &Index,
    ) -> Option<Precondition> {
        let mut keys = Vec::new();
        for k in &index.keys {
            match k {
                IndexKey::Column(c) => keys.push(quote_ident(&self.column(table, c)?)),
                IndexKey::Expr(e) => {
                    if !self.expr_unchanged(table, &e.sql) {
                        return None;
                    }
                    keys.push(format!("({})", e.sql));
                }
            }
        }
        let predicate = match &index.predicate {
            Some(p) if !self.expr_unchanged(table, &p.sql) => return None,
            Some(p) => Some(p.sql.clone()),
            None => None,
        };
        self.precondition(
            table,
            Condition::Unique {
                name: index.name.clone(),
                keys,
                predicate,
            },
        )
    }
}
