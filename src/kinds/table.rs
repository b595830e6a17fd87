//! Tables with their columns, constraints and indexes: `tables:` in
//! `schema.yaml`, `pg_class`, `pg_attribute`, `pg_constraint`, `pg_index`.
//!
//! The table kind's comparison (`diff::Differ::tables`, with renames and
//! serial columns) and DDL (`plan::steps::table_steps`) still live in the
//! engine's modules; what the engine asks of a kind goes through here.

use super::Kind;
use crate::diff::{Change, Differ};
use crate::model::{ConstraintKind, Deferrable, Identity, IndexKey, Schema};
use crate::plan::Step;
use crate::plan::fingerprint::{expr, list, opt, q, qn, sequence_options};
use crate::plan::steps::{StepContext, table_steps};

pub(super) struct Tables;

impl Kind for Tables {
    fn prepare(&self, d: &mut Differ<'_>) {
        d.apply_renames();
        d.align_serials();
    }

    fn diff(&self, d: &mut Differ<'_>) {
        d.tables();
    }

    fn steps(&self, change: &Change, cx: &mut StepContext<'_>, out: &mut Vec<Step>) -> bool {
        table_steps(change, cx, out)
    }

    #[allow(clippy::too_many_lines)]
    fn fingerprint(&self, schema: &Schema, lines: &mut Vec<String>) {
        for t in schema.tables.values() {
            let table = qn(&t.name);
            lines.push(format!(
                "table {table} comment {}",
                opt(t.comment.as_deref())
            ));
            for (position, c) in t.columns.iter().enumerate() {
                lines.push(format!(
                "column {table} {position} {} type {}{} {} default {} identity {} {} generated {} collation {} sequence {} comment {}",
                q(&c.name),
                q(&c.ty.sql),
                if c.ty.serial.is_some() { " serial" } else { "" },
                if c.not_null { "not null" } else { "null" },
                expr(c.default.as_ref()),
                match c.identity {
                    Some(Identity::Always) => "always",
                    Some(Identity::ByDefault) => "by default",
                    None => "-",
                },
                c.identity_options
                    .as_ref()
                    .map_or_else(|| "-".to_string(), |o| sequence_options(o)),
                expr(c.generated.as_ref()),
                opt(c.collation.as_deref()),
                opt(c.sequence.as_deref()),
                opt(c.comment.as_deref())
            ));
            }
            for c in t.constraints.values() {
                let body = match &c.kind {
                    ConstraintKind::PrimaryKey { columns } => {
                        format!("primary key ({})", list(columns))
                    }
                    ConstraintKind::Unique { columns } => format!("unique ({})", list(columns)),
                    ConstraintKind::Check { expr: e } => format!("check {}", q(&e.sql)),
                    ConstraintKind::ForeignKey(fk) => format!(
                        "foreign key ({}) references {} ({}) on delete {} on update {} {}",
                        list(&fk.columns),
                        qn(&fk.ref_table),
                        list(&fk.ref_columns),
                        fk.on_delete.sql(),
                        fk.on_update.sql(),
                        match fk.deferrable {
                            Deferrable::No => "not deferrable",
                            Deferrable::Deferrable => "deferrable",
                            Deferrable::InitiallyDeferred => "initially deferred",
                        }
                    ),
                };
                lines.push(format!(
                    "constraint {table} {} {body} {}",
                    q(&c.name),
                    if c.validated { "valid" } else { "not valid" }
                ));
            }
            for i in t.indexes.values() {
                let keys: Vec<String> = i
                    .keys
                    .iter()
                    .map(|k| match k {
                        IndexKey::Column(c) => format!("column {}", q(c)),
                        IndexKey::Expr(e) => format!("expression {}", q(&e.sql)),
                    })
                    .collect();
                lines.push(format!(
                    "index {table} {} {}using {} keys ({}) include ({}) where {} {}",
                    q(&i.name),
                    if i.unique { "unique " } else { "" },
                    q(&i.method),
                    keys.join(","),
                    list(&i.include),
                    expr(i.predicate.as_ref()),
                    if i.valid { "valid" } else { "invalid" }
                ));
            }
        }
    }

    fn export(&self, schema: &Schema, namespace: &str, out: &mut String) {
        let mut tables = schema
            .tables
            .values()
            .filter(|t| t.name.schema == namespace)
            .peekable();
        if tables.peek().is_none() {
            return;
        }
        out.push_str("    tables:\n");
        for t in tables {
            crate::load::export::table_yaml(t, &schema.enums, out);
        }
    }
}
