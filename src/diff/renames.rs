//! `renamed_from` hints: renames applied to the working copy of the current
//! schema, so the rest of the diff compares objects under their new names.

use super::{Change, Differ};
use crate::model::{ConstraintKind, IndexKey, QualifiedName, owned_sequence_name};
use std::collections::BTreeMap;

impl Differ<'_> {
    /// Applies `renamed_from` hints of tables and columns to the working copy
    /// of the current schema, recording the renames.
    pub(crate) fn apply_renames(&mut self) {
        // Names before the renames, to recognise sequences named after them.
        let mut old_tables: BTreeMap<QualifiedName, String> = BTreeMap::new();
        let mut old_columns: BTreeMap<(QualifiedName, String), String> = BTreeMap::new();
        for (qn, table) in &self.desired.tables {
            if let Some(old) = &table.renamed_from {
                let old_qn = QualifiedName::new(&qn.schema, old);
                if !self.current.tables.contains_key(qn)
                    && self.current.tables.contains_key(&old_qn)
                    && let Some(mut cur) = self.current.to_mut().tables.remove(&old_qn)
                {
                    cur.name = qn.clone();
                    for c in cur.constraints.values_mut() {
                        if let ConstraintKind::ForeignKey(fk) = &mut c.kind
                            && fk.ref_table == old_qn
                        {
                            fk.ref_table = qn.clone();
                        }
                    }
                    self.current.to_mut().tables.insert(qn.clone(), cur);
                    self.rename_relation_references(&old_qn, qn);
                    old_tables.insert(qn.clone(), old.clone());
                    self.changes.push(Change::RenameTable {
                        from: old_qn,
                        to: qn.clone(),
                    });
                }
            }
        }
        let mut column_renames = Vec::new();
        for (qn, table) in &self.desired.tables {
            let Some(cur) = self.current.tables.get(qn) else {
                continue;
            };
            for col in &table.columns {
                if let Some(old) = &col.renamed_from
                    && cur.column(&col.name).is_none()
                    && cur.column(old).is_some()
                {
                    column_renames.push((qn.clone(), old.clone(), col.name.clone()));
                }
            }
        }
        for (qn, old, new) in column_renames {
            if let Some(cur) = self.current.to_mut().tables.get_mut(&qn) {
                for c in &mut cur.columns {
                    if c.name == old {
                        c.name.clone_from(&new);
                    }
                }
                for c in cur.constraints.values_mut() {
                    rename_in_constraint(&mut c.kind, &old, &new);
                }
                for i in cur.indexes.values_mut() {
                    for k in &mut i.keys {
                        if let IndexKey::Column(c) = k
                            && *c == old
                        {
                            c.clone_from(&new);
                        }
                    }
                    for c in &mut i.include {
                        if *c == old {
                            c.clone_from(&new);
                        }
                    }
                }
            }
            self.rename_column_references(&qn, &old, &new);
            old_columns.insert((qn.clone(), new.clone()), old.clone());
            self.changes.push(Change::RenameColumn {
                table: qn,
                from: old,
                to: new,
            });
        }
        self.rename_owned_sequences(&old_tables, &old_columns);
    }

    /// Sequences of identity and serial columns that carry PostgreSQL's
    /// default name for the old table or column name take the default name
    /// for the new one (a database built from empty would have that name).
    /// Sequences named otherwise are left alone.
    fn rename_owned_sequences(
        &mut self,
        old_tables: &BTreeMap<QualifiedName, String>,
        old_columns: &BTreeMap<(QualifiedName, String), String>,
    ) {
        let mut renames = Vec::new();
        for (qn, table) in &self.current.tables {
            let table_was = old_tables.get(qn);
            for col in &table.columns {
                // An explicit sequence keeps the name schema.yaml gives it.
                if col.ty.serial.is_none() && col.identity.is_none() {
                    continue;
                }
                let Some(seq) = &col.sequence else { continue };
                // A column that is dropped, or loses its identity or serial,
                // takes its sequence with it: nothing to rename.
                let keeps_sequence = self
                    .desired
                    .tables
                    .get(qn)
                    .and_then(|t| t.column(&col.name))
                    .is_some_and(|w| w.identity.is_some() || w.ty.serial.is_some());
                if !keeps_sequence {
                    continue;
                }
                let key = (qn.clone(), col.name.clone());
                let column_was = old_columns.get(&key);
                if table_was.is_none() && column_was.is_none() {
                    continue;
                }
                let was = owned_sequence_name(
                    table_was.unwrap_or(&qn.name),
                    column_was.unwrap_or(&col.name),
                );
                let now = owned_sequence_name(&qn.name, &col.name);
                let taken = {
                    let other = QualifiedName::new(&qn.schema, &now);
                    self.current.has_relation(&other) || self.current.sequences.contains_key(&other)
                };
                if *seq == was && was != now && !taken {
                    renames.push((key, now));
                }
            }
        }
        for ((qn, column), now) in renames {
            if let Some(col) = self
                .current
                .to_mut()
                .tables
                .get_mut(&qn)
                .and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
                && let Some(seq) = col.sequence.replace(now.clone())
            {
                self.changes.push(Change::RenameOwnedSequence {
                    table: qn,
                    from: seq,
                    to: now,
                });
            }
        }
    }

    fn rename_relation_references(&mut self, old: &QualifiedName, new: &QualifiedName) {
        for s in self.current.to_mut().sequences.values_mut() {
            if let Some(o) = &mut s.owned_by
                && o.table == *old
            {
                o.table = new.clone();
            }
        }
        for t in self.current.to_mut().tables.values_mut() {
            for c in t.constraints.values_mut() {
                if let ConstraintKind::ForeignKey(fk) = &mut c.kind
                    && fk.ref_table == *old
                {
                    fk.ref_table = new.clone();
                }
            }
        }
        for v in self.current.to_mut().views.values_mut() {
            if v.depends_on.remove(old) {
                v.depends_on.insert(new.clone());
            }
            v.column_deps = std::mem::take(&mut v.column_deps)
                .into_iter()
                .map(|(t, c)| if t == *old { (new.clone(), c) } else { (t, c) })
                .collect();
        }
    }

    fn rename_column_references(&mut self, table: &QualifiedName, old: &str, new: &str) {
        for s in self.current.to_mut().sequences.values_mut() {
            if let Some(o) = &mut s.owned_by
                && o.table == *table
                && o.column == old
            {
                o.column = new.to_string();
            }
        }
        for t in self.current.to_mut().tables.values_mut() {
            for c in t.constraints.values_mut() {
                if let ConstraintKind::ForeignKey(fk) = &mut c.kind
                    && fk.ref_table == *table
                {
                    for rc in &mut fk.ref_columns {
                        if rc == old {
                            *rc = new.to_string();
                        }
                    }
                }
            }
        }
        for v in self.current.to_mut().views.values_mut() {
            if v.column_deps.remove(&(table.clone(), old.to_string())) {
                v.column_deps.insert((table.clone(), new.to_string()));
            }
        }
    }
}

fn rename_in_constraint(kind: &mut ConstraintKind, old: &str, new: &str) {
    let rename = |cols: &mut Vec<String>| {
        for c in cols {
            if c == old {
                *c = new.to_string();
            }
        }
    };
    match kind {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns } => {
            rename(columns)
        }
        ConstraintKind::ForeignKey(fk) => rename(&mut fk.columns),
        ConstraintKind::Check { .. } => {}
    }
}
