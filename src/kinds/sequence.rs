//! Sequences: `sequences:` in `schema.yaml`, `pg_sequence`. The sequences
//! of identity and serial columns belong to their columns (the table kind).

use super::Kind;
use crate::diff::{Change, CommentTarget, Differ};
use crate::model::{ObjectKey, Schema, quote_ident};
use crate::plan::fingerprint::{opt, q, qn, sequence_options};
use crate::plan::steps::{Phase, StepContext, comment_sql, data_loss};
use crate::plan::{Action, Step};
use std::fmt::Write as _;

pub(super) struct Sequences;

impl Kind for Sequences {
    fn diff(&self, d: &mut Differ<'_>) {
        diff_sequences(d);
    }

    fn step(&self, change: &Change, _cx: &mut StepContext<'_>) -> Option<Step> {
        Some(match change {
            Change::CreateSequence(s) => {
                let opts = s.options.clauses(None, true).join(" ");
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
                    to.options.clauses(Some(&from.options), true).join(" ")
                )],
                Phase::Sequence,
            )
            .creates([ObjectKey::Sequence(to.name.clone())]),
            Change::SetSequenceOwner { sequence, from, to } => {
                let target = to.as_ref().map_or_else(
                    || "NONE".to_string(),
                    |o| format!("{}.{}", o.table.sql(), quote_ident(&o.column)),
                );
                let mut step = Step::new(
                    Action::Alter,
                    ObjectKey::Sequence(sequence.clone()),
                    match to {
                        Some(o) => format!("sequence {sequence} owned by {}.{}", o.table, o.column),
                        None => format!("sequence {sequence} owned by no column"),
                    },
                    vec![format!(
                        "ALTER SEQUENCE {} OWNED BY {target}",
                        sequence.sql()
                    )],
                    Phase::SequenceOwner,
                )
                .needs_new([ObjectKey::Sequence(sequence.clone())]);
                if let Some(o) = to {
                    step = step.needs_new([ObjectKey::Column(o.table.clone(), o.column.clone())]);
                }
                if let Some(o) = from {
                    // Before the old owner goes, or it would take the sequence.
                    step = step.needs_old([
                        ObjectKey::Column(o.table.clone(), o.column.clone()),
                        ObjectKey::Relation(o.table.clone()),
                    ]);
                }
                step
            }
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
            _ => return None,
        })
    }

    fn fingerprint(&self, schema: &Schema, lines: &mut Vec<String>) {
        for s in schema.sequences.values() {
            lines.push(format!(
                "sequence {} {} owned by {} comment {}",
                qn(&s.name),
                sequence_options(&s.options),
                s.owned_by.as_ref().map_or_else(
                    || "-".to_string(),
                    |o| format!("{}.{}", qn(&o.table), q(&o.column))
                ),
                opt(s.comment.as_deref())
            ));
        }
    }

    fn export(&self, schema: &Schema, namespace: &str, out: &mut String) {
        use crate::load::export::{scalar, sequence_yaml};
        let mut sequences = schema
            .sequences
            .values()
            .filter(|s| s.name.schema == namespace)
            .peekable();
        if sequences.peek().is_none() {
            return;
        }
        out.push_str("    sequences:\n");
        for s in sequences {
            let _ = writeln!(out, "      {}: {}", scalar(&s.name.name), sequence_yaml(s));
        }
    }
}

fn diff_sequences(d: &mut Differ<'_>) {
    for (qn, want) in &d.desired.sequences {
        let have = d.current.sequences.get(qn);
        match have {
            None => d.changes.push(Change::CreateSequence(want.clone())),
            Some(have) => {
                if have.options != want.options {
                    d.changes.push(Change::AlterSequence {
                        from: have.clone(),
                        to: want.clone(),
                    });
                }
                if have.comment != want.comment {
                    d.changes.push(Change::Comment {
                        target: CommentTarget::Sequence(qn.clone()),
                        comment: want.comment.clone(),
                    });
                }
            }
        }
        let had = have.and_then(|h| h.owned_by.clone());
        if had != want.owned_by {
            d.changes.push(Change::SetSequenceOwner {
                sequence: qn.clone(),
                from: had,
                to: want.owned_by.clone(),
            });
        }
    }
    for (qn, have) in &d.current.sequences {
        if d.desired.sequences.contains_key(qn) {
            continue;
        }
        // A sequence owned by a column this plan drops goes with it.
        let goes_with_owner = have.owned_by.as_ref().is_some_and(|o| {
            d.desired
                .tables
                .get(&o.table)
                .is_none_or(|t| t.column(&o.column).is_none())
        });
        if !goes_with_owner {
            d.changes.push(Change::DropSequence(have.clone()));
        }
    }
}
