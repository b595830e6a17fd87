//! Whether the desired schema uses a new enum label as a value of the enum.
//!
//! PostgreSQL refuses to use a label added by `ALTER TYPE ... ADD VALUE` in
//! the transaction that added it ("unsafe use of new value"), so a plan whose
//! expressions need the new label must swap the type instead (create the new
//! type, convert the columns, drop the old one: a table rewrite). The answer
//! comes from the parsed expressions, not from a text search: `'archived'`
//! as the default of a text column is not a use of `status.archived`.
//!
//! Where a label counts as used:
//! - any literal in the default or generation expression of a column typed
//!   by the enum (or an array of it);
//! - an explicit cast to the enum (or its array), anywhere, views included;
//! - a literal compared (`=`, `<>`, `<`..., `IS [NOT] DISTINCT FROM`, `IN`,
//!   `ANY`/`ALL`) with a column typed by the enum, in a check, an index
//!   expression or predicate of that table, or in a view reading that table.
//!
//! Where the reading is uncertain (the literal sits in a function call, a
//! `CASE`, or is compared with something whose type is not known here) and
//! the expression also reads a column typed by the enum, the label counts as
//! used. Getting it wrong that way costs a table rewrite that works; the
//! other way round the apply fails in PostgreSQL and is rolled back.

use crate::model::{Column, IndexKey, QualifiedName, Schema, Table};
use crate::sql::normalize::{parse_expr, parse_query};
use crate::sql::types::split_name;
use sqlparser::ast::{BinaryOperator, DataType, Expr, InTarget, Value, Visit, Visitor};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// Whether any of `labels` is used as a value of the enum `ty` by an
/// expression or view query of `desired`.
pub(crate) fn uses_any_label(desired: &Schema, ty: &QualifiedName, labels: &[String]) -> bool {
    if labels.is_empty() {
        return false;
    }
    let finder = |schema: &str, enum_columns: BTreeSet<String>, other_columns| Finder {
        ty,
        schema: schema.to_string(),
        labels,
        enum_columns,
        other_columns,
    };
    for table in desired.tables.values() {
        let (enum_cols, other_cols) = split_columns(ty, std::slice::from_ref(&table));
        let f = finder(&table.name.schema, enum_cols, other_cols);
        if table_uses(&f, table) {
            return true;
        }
    }
    for view in desired.views.values() {
        let schema = &view.name.schema;
        // What the view reads, through other views down to tables; a name
        // typed by the enum in any of them counts (an upper view's columns
        // usually keep the names of the columns below).
        let tables = tables_read(desired, &view.name, &view.query.sql);
        let (enum_cols, other_cols) = split_columns(ty, &tables);
        let f = finder(schema, enum_cols, other_cols);
        if let Ok(query) = parse_query(&view.query.sql)
            && f.uses(&query)
        {
            return true;
        }
    }
    false
}

/// Names of the columns typed by the enum, and of the others, among `tables`.
fn split_columns(ty: &QualifiedName, tables: &[&Table]) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut enum_cols = BTreeSet::new();
    let mut others = BTreeSet::new();
    for t in tables {
        for c in &t.columns {
            if typed_by(ty, c) {
                enum_cols.insert(c.name.clone());
            } else {
                others.insert(c.name.clone());
            }
        }
    }
    // A name typed by the enum in one table and not in another is unsure:
    // treat it as the enum's.
    others.retain(|c| !enum_cols.contains(c));
    (enum_cols, others)
}

fn typed_by(ty: &QualifiedName, col: &Column) -> bool {
    let sql = ty.sql();
    col.ty.sql == sql || col.ty.sql == format!("{sql}[]")
}

fn table_uses(f: &Finder<'_>, table: &Table) -> bool {
    for col in &table.columns {
        for e in col.default.iter().chain(&col.generated) {
            let Ok(expr) = parse_expr(&e.sql) else {
                // Unreadable here: assume the worst.
                return f.labels.iter().any(|l| e.sql.contains(l.as_str()));
            };
            if typed_by(f.ty, col) {
                // Every literal of an enum column's default is an enum value.
                if f.any_literal(&expr) {
                    return true;
                }
            } else if f.uses(&expr) {
                return true;
            }
        }
    }
    let mut exprs: Vec<&str> = Vec::new();
    for c in table.constraints.values() {
        if let crate::model::ConstraintKind::Check { expr } = &c.kind {
            exprs.push(&expr.sql);
        }
    }
    for i in table.indexes.values() {
        exprs.extend(i.predicate.iter().map(|e| e.sql.as_str()));
        for k in &i.keys {
            if let IndexKey::Expr(e) = k {
                exprs.push(&e.sql);
            }
        }
    }
    exprs.into_iter().any(|sql| match parse_expr(sql) {
        Ok(expr) => f.uses(&expr),
        Err(_) => f.labels.iter().any(|l| sql.contains(l.as_str())),
    })
}

/// The desired tables a view reads, directly or through other views.
fn tables_read<'a>(desired: &'a Schema, view: &QualifiedName, sql: &str) -> Vec<&'a Table> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut queue = vec![(view.schema.clone(), sql.to_string())];
    seen.insert(view.clone());
    while let Some((schema, sql)) = queue.pop() {
        let Ok(refs) = crate::sql::normalize::query_references(&sql) else {
            continue;
        };
        for rel in &refs.relations {
            let qn = match rel.as_slice() {
                [n] if refs.ctes.contains(n) => continue,
                [n] => QualifiedName::new(&schema, n),
                [s, n] | [_, s, n] => QualifiedName::new(s, n),
                _ => continue,
            };
            if !seen.insert(qn.clone()) {
                continue;
            }
            if let Some(t) = desired.tables.get(&qn) {
                out.push(t);
            } else if let Some(v) = desired.views.get(&qn) {
                queue.push((qn.schema.clone(), v.query.sql.clone()));
            }
        }
    }
    out
}

/// How an operand compared with a literal is typed, as far as can be told.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Enum,
    NotEnum,
    Unknown,
}

struct Finder<'a> {
    ty: &'a QualifiedName,
    /// The schema unqualified type names resolve in.
    schema: String,
    labels: &'a [String],
    /// Column names in scope typed by the enum.
    enum_columns: BTreeSet<String>,
    /// Column names in scope of other types.
    other_columns: BTreeSet<String>,
}

fn fold(ident: &sqlparser::ast::Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

fn peel(mut e: &Expr) -> &Expr {
    while let Expr::Nested(inner) = e {
        e = inner;
    }
    e
}

fn string_literal(e: &Expr) -> Option<&str> {
    match peel(e) {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s)
            | Value::EscapedStringLiteral(s)
            | Value::DoubleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

impl Finder<'_> {
    /// Whether a literal's text is one of the labels, or an array literal
    /// (`'{a,b}'`) holding one.
    fn names_label(&self, text: &str) -> bool {
        let elements: Vec<&str> = match text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            Some(inner) => inner
                .split(',')
                .map(|e| e.trim().trim_matches('"'))
                .collect(),
            None => vec![text],
        };
        elements.iter().any(|e| self.labels.iter().any(|l| l == e))
    }

    /// Whether a cast target is the enum or an array of it.
    fn is_enum_type(&self, ty: &DataType) -> bool {
        let text = ty.to_string();
        let base = text.trim_end_matches("[]").trim();
        let Ok(parts) = split_name(base) else {
            return false;
        };
        match parts.as_slice() {
            [n] => *n == self.ty.name && self.schema == self.ty.schema,
            [s, n] => *s == self.ty.schema && *n == self.ty.name,
            _ => false,
        }
    }

    fn side(&self, e: &Expr) -> Side {
        let name = match peel(e) {
            Expr::Identifier(i) => fold(i),
            Expr::CompoundIdentifier(parts) => match parts.last() {
                Some(i) => fold(i),
                None => return Side::Unknown,
            },
            Expr::Cast { data_type, .. } => {
                return if self.is_enum_type(data_type) {
                    Side::Enum
                } else {
                    Side::NotEnum
                };
            }
            _ => return Side::Unknown,
        };
        if self.enum_columns.contains(&name) {
            Side::Enum
        } else if self.other_columns.contains(&name) {
            Side::NotEnum
        } else {
            Side::Unknown
        }
    }

    /// Whether any literal of `node` names a label.
    fn any_literal<V: Visit>(&self, node: &V) -> bool {
        let mut hit = false;
        let _ = node.visit(&mut ExprVisitor(|e: &Expr| {
            if string_literal(e).is_some_and(|s| self.names_label(s)) {
                hit = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }));
        hit
    }

    /// Whether `node` (an expression or a query) uses a label as an enum value.
    fn uses<V: Visit>(&self, node: &V) -> bool {
        if !self.any_literal(node) {
            return false;
        }
        // Literals whose reading is settled (by a cast or the operand they
        // are compared with), by node address; the others are uncertain.
        let mut settled: BTreeSet<usize> = BTreeSet::new();
        let mut used = false;
        let mut mentions_enum = false;
        let addr = |e: &Expr| std::ptr::from_ref(peel(e)).addr();
        let classify =
            |literal: &Expr, side: Side, settled: &mut BTreeSet<usize>, used: &mut bool| {
                if !string_literal(literal).is_some_and(|s| self.names_label(s)) {
                    return;
                }
                match side {
                    Side::Enum => *used = true,
                    Side::NotEnum => {
                        settled.insert(addr(literal));
                    }
                    Side::Unknown => {}
                }
            };
        let _ = node.visit(&mut ExprVisitor(|e: &Expr| {
            match e {
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) if self.side(e) == Side::Enum => {
                    mentions_enum = true;
                }
                Expr::Cast {
                    expr, data_type, ..
                } => {
                    let is_enum = self.is_enum_type(data_type);
                    mentions_enum |= is_enum;
                    let side = if is_enum { Side::Enum } else { Side::NotEnum };
                    classify(expr, side, &mut settled, &mut used);
                    if let Expr::Array(a) = peel(expr) {
                        for el in &a.elem {
                            classify(el, side, &mut settled, &mut used);
                        }
                    }
                }
                Expr::BinaryOp { left, op, right } if comparison(op) => {
                    classify(right, self.side(left), &mut settled, &mut used);
                    classify(left, self.side(right), &mut settled, &mut used);
                }
                Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                    classify(b, self.side(a), &mut settled, &mut used);
                    classify(a, self.side(b), &mut settled, &mut used);
                }
                Expr::In {
                    expr,
                    target: InTarget::List(list),
                    ..
                } => {
                    let side = self.side(expr);
                    for item in list {
                        classify(item, side, &mut settled, &mut used);
                    }
                }
                Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => {
                    let side = self.side(left);
                    classify(right, side, &mut settled, &mut used);
                    if let Expr::Array(a) = peel(right) {
                        for el in &a.elem {
                            classify(el, side, &mut settled, &mut used);
                        }
                    }
                }
                _ => {}
            }
            if used {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }));
        if used {
            return true;
        }
        if !mentions_enum {
            return false;
        }
        // Uncertain literals in an expression that reads the enum: used.
        let mut uncertain = false;
        let _ = node.visit(&mut ExprVisitor(|e: &Expr| {
            if let Expr::Value(_) = e
                && string_literal(e).is_some_and(|s| self.names_label(s))
                && !settled.contains(&std::ptr::from_ref(e).addr())
            {
                uncertain = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }));
        uncertain
    }
}

fn comparison(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
            | BinaryOperator::PGCustomBinaryOperator(_)
            | BinaryOperator::AtArrow
            | BinaryOperator::ArrowAt
    )
}

/// Calls a closure on every expression node.
struct ExprVisitor<F>(F);

impl<F: FnMut(&Expr) -> ControlFlow<()>> Visitor for ExprVisitor<F> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        (self.0)(expr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{IgnoreRules, load_schema_text};

    fn used(yaml: &str, label: &str) -> bool {
        let desired =
            load_schema_text(yaml, "schema.yaml", &IgnoreRules::default()).expect("valid schema");
        uses_any_label(
            &desired.schema,
            &QualifiedName::new("public", "status"),
            &[label.to_string()],
        )
    }

    const HEAD: &str =
        "schemas:\n  public:\n    enums:\n      status: [open, closed, archived]\n    tables:\n";

    #[test]
    fn a_text_default_with_the_same_word_is_not_a_use() {
        let yaml = format!(
            "{HEAD}      notes:\n        columns:\n          kind: {{ type: text, default: \"'archived'\" }}\n          s: status\n"
        );
        assert!(!used(&yaml, "archived"));
    }

    #[test]
    fn an_enum_default_is_a_use() {
        let yaml = format!(
            "{HEAD}      t:\n        columns:\n          s: {{ type: status, default: \"'archived'\" }}\n"
        );
        assert!(used(&yaml, "archived"));
        let arrays = format!(
            "{HEAD}      t:\n        columns:\n          s: {{ type: \"status[]\", default: \"'{{open,archived}}'\" }}\n"
        );
        assert!(used(&arrays, "archived"));
    }

    #[test]
    fn comparisons_with_enum_columns_are_uses() {
        for check in [
            "s <> 'archived'",
            "s IN ('open', 'archived')",
            "s = ANY (ARRAY['archived'])",
            "'archived' = s",
            "s IS DISTINCT FROM 'archived'",
        ] {
            let yaml = format!(
                "{HEAD}      t:\n        columns:\n          s: status\n          note: text\n        checks:\n          c: \"{check}\"\n"
            );
            assert!(used(&yaml, "archived"), "{check}");
        }
    }

    #[test]
    fn comparisons_with_other_columns_are_not_uses() {
        for check in [
            "note <> 'archived'",
            "note IN ('archived')",
            "s::text = 'archived'",
            "'archived'::text <> note",
        ] {
            let yaml = format!(
                "{HEAD}      t:\n        columns:\n          s: status\n          note: text\n        checks:\n          c: \"{check}\"\n"
            );
            assert!(!used(&yaml, "archived"), "{check}");
        }
    }

    #[test]
    fn casts_to_the_enum_are_uses_anywhere() {
        let yaml = format!(
            "{HEAD}      t:\n        columns:\n          note: {{ type: text, default: \"('archived'::status)::text\" }}\n"
        );
        assert!(used(&yaml, "archived"));
        let view = format!(
            "{HEAD}      t:\n        columns:\n          note: text\n    views:\n      v:\n        query: \"SELECT 'archived'::public.status AS s\"\n"
        );
        assert!(used(&view, "archived"));
    }

    #[test]
    fn views_comparing_enum_columns_of_tables_they_read() {
        let yaml = format!(
            "{HEAD}      t:\n        columns:\n          s: status\n          note: text\n    views:\n      live:\n        query: \"SELECT * FROM t WHERE t.s <> 'archived'\"\n      notes:\n        query: \"SELECT note FROM t WHERE note = 'archived'\"\n      upper:\n        query: \"SELECT * FROM live WHERE s = 'open'\"\n"
        );
        assert!(used(&yaml, "archived"));
        assert!(used(&yaml, "open"), "through a view");
        let only_text = format!(
            "{HEAD}      t:\n        columns:\n          s: status\n          note: text\n    views:\n      notes:\n        query: \"SELECT note FROM t WHERE note = 'archived'\"\n"
        );
        assert!(!used(&only_text, "archived"));
    }

    #[test]
    fn uncertain_positions_next_to_the_enum_count_as_uses() {
        let yaml = format!(
            "{HEAD}      t:\n        columns:\n          s: status\n        checks:\n          c: \"coalesce(s, 'archived') <> 'open'\"\n"
        );
        assert!(used(&yaml, "archived"));
        // Without the enum in sight, a literal in a function is not a use.
        let text_only = format!(
            "{HEAD}      t:\n        columns:\n          note: text\n        checks:\n          c: \"coalesce(note, 'archived') <> ''\"\n"
        );
        assert!(!used(&text_only, "archived"));
    }
}
