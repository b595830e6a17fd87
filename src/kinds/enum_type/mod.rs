//! Enum types: `enums:` in `schema.yaml`, `pg_enum`.
//!
//! New labels are added in place (`ADD VALUE`) unless the plan itself uses
//! them ([`usage`]); any other change replaces the type: the columns of the
//! type are converted by the swap, the defaults naming it are dropped and
//! set again, and the graph's walk rebuilds the rest of its dependants.

pub(crate) mod usage;

use super::Kind;
use crate::diff::{Change, CommentTarget, Differ, EnumColumn, EnumDefault, is_subsequence};
use crate::model::{ObjectKey, QualifiedName, Schema, quote_ident, quote_literal};
use crate::plan::fingerprint::{list as fp_list, opt, qn as fp_qn};
use crate::plan::hazard::{Hazard, HazardKind};
use crate::plan::steps::{Phase, StepContext, comment_sql, data_loss, enum_sql};
use crate::plan::{Action, Step};
use std::fmt::Write as _;

pub(super) struct Enums;

impl Kind for Enums {
    fn diff(&self, d: &mut Differ<'_>) {
        diff_enums(d);
    }

    fn step(&self, change: &Change, _cx: &mut StepContext<'_>) -> Option<Step> {
        Some(match change {
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
            Change::RecreateEnum {
                from,
                to,
                columns,
                defaults,
            } => {
                let mut old_name = format!("{}__reconcile_old", to.name.name);
                while old_name.len() > 63 {
                    old_name.remove(0);
                }
                let old = QualifiedName::new(&to.name.schema, &old_name);
                // Defaults that name the type go first and come back last,
                // naming the new type.
                let mut sql: Vec<String> = defaults
                    .iter()
                    .map(|d| {
                        format!(
                            "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                            d.table.sql(),
                            quote_ident(&d.column)
                        )
                    })
                    .collect();
                sql.push(format!(
                    "ALTER TYPE {} RENAME TO {}",
                    to.name.sql(),
                    quote_ident(&old_name)
                ));
                sql.push(enum_sql(to));
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
                for d in defaults {
                    if let Some(e) = &d.default {
                        sql.push(format!(
                            "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}",
                            d.table.sql(),
                            quote_ident(&d.column),
                            e.sql
                        ));
                    }
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
            _ => return None,
        })
    }

    fn fingerprint(&self, schema: &Schema, lines: &mut Vec<String>) {
        for e in schema.enums.values() {
            lines.push(format!(
                "enum {} values {} comment {}",
                fp_qn(&e.name),
                fp_list(&e.values),
                opt(e.comment.as_deref())
            ));
        }
    }

    fn export(&self, schema: &Schema, namespace: &str, out: &mut String) {
        use crate::load::export::{list, scalar};
        let mut enums = schema
            .enums
            .values()
            .filter(|e| e.name.schema == namespace)
            .peekable();
        if enums.peek().is_none() {
            return;
        }
        out.push_str("    enums:\n");
        for e in enums {
            match &e.comment {
                None => {
                    let _ = writeln!(out, "      {}: {}", scalar(&e.name.name), list(&e.values));
                }
                Some(c) => {
                    let _ = writeln!(
                        out,
                        "      {}: {{ values: {}, comment: {} }}",
                        scalar(&e.name.name),
                        list(&e.values),
                        scalar(c)
                    );
                }
            }
        }
    }
}

fn diff_enums(d: &mut Differ<'_>) {
    for (qn, want) in &d.desired.enums {
        match d.current.enums.get(qn) {
            None => d.changes.push(Change::CreateEnum(want.clone())),
            Some(have) if have.values == want.values => {}
            Some(have)
                if is_subsequence(&have.values, &want.values)
                    && !usage::uses_any_label(
                        d.desired,
                        qn,
                        &want
                            .values
                            .iter()
                            .filter(|v| !have.values.contains(v))
                            .cloned()
                            .collect::<Vec<_>>(),
                    ) =>
            {
                for (i, v) in want.values.iter().enumerate() {
                    if !have.values.contains(v) {
                        let before = want.values[i + 1..]
                            .iter()
                            .find(|n| have.values.contains(n))
                            .cloned();
                        d.changes.push(Change::AddEnumValue {
                            name: qn.clone(),
                            value: v.clone(),
                            before,
                        });
                    }
                }
            }
            Some(have) => {
                let columns = enum_columns(d, qn);
                for c in &columns {
                    d.touched_columns
                        .insert((c.table.clone(), c.column.name.clone()));
                    d.swapped_columns
                        .insert((c.table.clone(), c.column.name.clone()));
                }
                let from = have.clone();
                let defaults = rebuild_dependants_of_type(d, qn);
                d.changes.push(Change::RecreateEnum {
                    from,
                    to: want.clone(),
                    columns,
                    defaults,
                });
            }
        }
        if let Some(have) = d.current.enums.get(qn)
            && have.comment != want.comment
        {
            d.changes.push(Change::Comment {
                target: CommentTarget::Type(qn.clone()),
                comment: want.comment.clone(),
            });
        }
    }
    for (qn, have) in &d.current.enums {
        if !d.desired.enums.contains_key(qn) {
            d.changes.push(Change::DropEnum(have.clone()));
        }
    }
}

/// The managed columns the catalog records as depending on the type
/// `qn`, which is replaced: generated columns are dropped and added
/// again; columns of that type are converted by the swap itself, and
/// the defaults that name it are returned, to be dropped before and set
/// again after by the swap. (Views, constraints and indexes over the
/// type are rebuilt by `Differ::rebuild_dependants`.)
fn rebuild_dependants_of_type(d: &mut Differ<'_>, qn: &QualifiedName) -> Vec<EnumDefault> {
    use crate::graph::{Kind, ObjectId};
    let target = ObjectId::relation(Kind::Enum, qn);
    let (sql, array_sql) = (qn.sql(), format!("{}[]", qn.sql()));
    let mut defaults = Vec::new();
    for e in &d.graph.edges {
        if !e.from.managed || e.to.id != target {
            continue;
        }
        let from = &e.from.id;
        let parent = from.parent.as_deref().and_then(ObjectId::qualified);
        if from.kind != Kind::Column {
            continue;
        }
        let Some(table) = parent else {
            continue;
        };
        let Some(col) = d
            .current
            .tables
            .get(&table)
            .and_then(|t| t.column(&from.name))
        else {
            continue;
        };
        if col.ty.sql == sql || col.ty.sql == array_sql {
            continue;
        }
        if col.generated.is_some() {
            d.rebuilt.columns.insert((table, from.name.clone()));
        } else if col.default.is_some() {
            let default = d
                .desired
                .tables
                .get(&table)
                .and_then(|t| t.column(&from.name))
                .and_then(|c| c.default.clone());
            d.swapped_columns.insert((table.clone(), from.name.clone()));
            defaults.push(EnumDefault {
                table,
                column: from.name.clone(),
                default,
            });
        }
    }
    defaults.sort_by(|a, b| (&a.table, &a.column).cmp(&(&b.table, &b.column)));
    defaults
}

/// Managed columns (current, kept in desired) whose type is the enum `qn`.
fn enum_columns(d: &Differ<'_>, qn: &QualifiedName) -> Vec<EnumColumn> {
    let sql = qn.sql();
    let array_sql = format!("{sql}[]");
    let mut out = Vec::new();
    for (tq, table) in &d.current.tables {
        let Some(want_table) = d.desired.tables.get(tq) else {
            continue;
        };
        for col in &table.columns {
            let array = col.ty.sql == array_sql;
            if col.ty.sql != sql && !array {
                continue;
            }
            let Some(want) = want_table.column(&col.name) else {
                continue;
            };
            if want.ty != col.ty || want.generated.is_some() != col.generated.is_some() {
                continue;
            }
            out.push(EnumColumn {
                table: tq.clone(),
                column: col.clone(),
                array,
                default: want.default.clone(),
            });
        }
    }
    out
}
