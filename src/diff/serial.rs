//! A `serial` column and an explicit sequence `OWNED BY` its column are the
//! same objects written two ways. When `schema.yaml` writes a column one
//! way and the database holds it the other way, the working copy of the
//! current schema is rewritten in the file's form first, so the diff plans
//! only what really differs (an `ALTER SEQUENCE` of the options), never a
//! new sequence over the existing one.

use super::{Change, CommentTarget, Differ};
use crate::model::{
    QualifiedName, Sequence, SequenceOptions, SequenceOwner, SqlExpr, quote_literal,
};
use crate::sql::normalize;

/// `nextval('seq'::regclass)` as introspection reads it.
fn nextval(seq: &QualifiedName) -> Option<SqlExpr> {
    normalize::expr(
        &format!("nextval({}::regclass)", quote_literal(&seq.sql())),
        &seq.schema,
    )
    .ok()
}

impl Differ<'_> {
    pub(crate) fn align_serials(&mut self) {
        let mut to_serial = Vec::new();
        let mut to_explicit = Vec::new();
        for (tq, want_table) in &self.desired.tables {
            let Some(have_table) = self.current.tables.get(tq) else {
                continue;
            };
            for want in &want_table.columns {
                let Some(have) = have_table.column(&want.name) else {
                    continue;
                };
                let Some(seq) = have
                    .sequence
                    .as_ref()
                    .map(|s| QualifiedName::new(&tq.schema, s))
                else {
                    continue;
                };
                let owner = SequenceOwner {
                    table: tq.clone(),
                    column: want.name.clone(),
                };
                match (want.ty.serial, have.ty.serial) {
                    (Some(_), None) => {
                        let owned = self
                            .current
                            .sequences
                            .get(&seq)
                            .is_some_and(|s| s.owned_by.as_ref() == Some(&owner));
                        let uses_it = have.default.is_some() && have.default == nextval(&seq);
                        if owned
                            && uses_it
                            && have.ty.sql == want.ty.sql
                            && !self.desired.sequences.contains_key(&seq)
                        {
                            to_serial.push((owner, seq, want.ty.serial));
                        }
                    }
                    (None, Some(_)) => {
                        let declared = self
                            .desired
                            .sequences
                            .get(&seq)
                            .is_some_and(|s| s.owned_by.as_ref() == Some(&owner));
                        if declared && !self.current.sequences.contains_key(&seq) {
                            to_explicit.push((owner, seq, have.ty.sql.clone()));
                        }
                    }
                    _ => {}
                }
            }
        }
        for (owner, seq, serial) in to_serial {
            let current = self.current.to_mut();
            let Some(have) = current.sequences.remove(&seq) else {
                continue;
            };
            let Some(col) = current
                .tables
                .get_mut(&owner.table)
                .and_then(|t| t.columns.iter_mut().find(|c| c.name == owner.column))
            else {
                continue;
            };
            col.ty.serial = serial;
            col.default = None;
            let wanted = SequenceOptions::defaults(&col.ty.sql);
            if have.options != wanted {
                let to = Sequence {
                    options: wanted,
                    ..have.clone()
                };
                self.changes.push(Change::AlterSequence {
                    from: have.clone(),
                    to,
                });
            }
            if have.comment.is_some() {
                self.changes.push(Change::Comment {
                    target: CommentTarget::Sequence(seq),
                    comment: None,
                });
            }
        }
        for (owner, seq, data_type) in to_explicit {
            let current = self.current.to_mut();
            if let Some(col) = current
                .tables
                .get_mut(&owner.table)
                .and_then(|t| t.columns.iter_mut().find(|c| c.name == owner.column))
            {
                col.ty.serial = None;
                col.default = nextval(&seq);
            }
            current.sequences.insert(
                seq.clone(),
                Sequence {
                    name: seq,
                    options: SequenceOptions::defaults(&data_type),
                    owned_by: Some(owner),
                    comment: None,
                },
            );
        }
    }
}
