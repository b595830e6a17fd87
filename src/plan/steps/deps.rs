//! What each step needs to exist (in its old or new state), for ordering.

use super::*;

/// The type key a column type depends on, if it is a user type.
pub(super) fn type_key(ty: &SqlType) -> Option<ObjectKey> {
    let base = ty.sql.trim_end_matches("[]");
    let base = base.split('(').next().unwrap_or(base);
    if !base.contains('.') {
        return None;
    }
    match split_name(base).ok()?.as_slice() {
        [s, n] => Some(ObjectKey::Type(QualifiedName::new(s.clone(), n.clone()))),
        _ => None,
    }
}

/// The user types named in `refs` (an unqualified name is taken in `schema`).
fn type_needs(refs: &crate::sql::references::References, schema: &str, out: &mut Vec<ObjectKey>) {
    for parts in &refs.types {
        match parts.as_slice() {
            [s, n] => out.push(ObjectKey::Type(QualifiedName::new(s, n))),
            [n] => out.push(ObjectKey::Type(QualifiedName::new(schema, n))),
            _ => {}
        }
    }
}

/// Columns, sequences and types an expression in `table` reads.
pub(super) fn expr_needs(
    expr: &SqlExpr,
    table: &QualifiedName,
    columns: &[String],
    out: &mut Vec<ObjectKey>,
) {
    if let Ok(refs) = normalize::expr_references(&expr.sql) {
        type_needs(&refs, &table.schema, out);
        for c in columns {
            if refs.identifiers.contains(c) {
                out.push(ObjectKey::Column(table.clone(), c.clone()));
            }
        }
        for seq in &refs.sequences {
            if let Ok(parts) = split_name(seq) {
                let qn = match parts.as_slice() {
                    [n] => QualifiedName::new(&table.schema, n),
                    [s, n] => QualifiedName::new(s, n),
                    _ => continue,
                };
                out.push(ObjectKey::Sequence(qn));
            }
        }
    }
}

pub(super) fn column_needs(
    col: &Column,
    table: &QualifiedName,
    columns: &[String],
) -> Vec<ObjectKey> {
    let mut out = vec![ObjectKey::Relation(table.clone())];
    out.extend(type_key(&col.ty));
    for e in col.default.iter().chain(&col.generated) {
        expr_needs(e, table, columns, &mut out);
    }
    out
}

pub(super) fn constraint_needs(
    table: &QualifiedName,
    c: &Constraint,
    model: &Schema,
) -> Vec<ObjectKey> {
    let mut out = vec![ObjectKey::Relation(table.clone())];
    for col in c.kind.columns() {
        out.push(ObjectKey::Column(table.clone(), col.clone()));
    }
    match &c.kind {
        ConstraintKind::Check { expr } => {
            let columns: Vec<String> = model
                .tables
                .get(table)
                .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
                .unwrap_or_default();
            expr_needs(expr, table, &columns, &mut out);
        }
        ConstraintKind::ForeignKey(fk) => {
            out.push(ObjectKey::Relation(fk.ref_table.clone()));
            for col in &fk.ref_columns {
                out.push(ObjectKey::Column(fk.ref_table.clone(), col.clone()));
            }
            out.extend(keys_on(model, &fk.ref_table, &fk.ref_columns));
        }
        ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. } => {}
    }
    out
}

/// The keys (primary key, unique constraints, unique indexes) `model` has on
/// exactly these columns of `table`: the ones a foreign key can bind to.
pub(super) fn keys_on(model: &Schema, table: &QualifiedName, columns: &[String]) -> Vec<ObjectKey> {
    let Some(target) = model.tables.get(table) else {
        return Vec::new();
    };
    let mut wanted = columns.to_vec();
    wanted.sort();
    let mut out = Vec::new();
    for k in target.constraints.values() {
        if k.kind.key_columns().as_ref() == Some(&wanted) {
            out.push(ObjectKey::Constraint(table.clone(), k.name.clone()));
        }
    }
    for i in target.indexes.values() {
        if i.key_columns().as_ref() == Some(&wanted) {
            out.push(ObjectKey::Index(table.clone(), i.name.clone()));
        }
    }
    out
}

pub(super) fn index_needs(table: &QualifiedName, index: &Index, model: &Schema) -> Vec<ObjectKey> {
    let mut out = vec![ObjectKey::Relation(table.clone())];
    let columns: Vec<String> = model
        .tables
        .get(table)
        .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    for k in &index.keys {
        match k {
            IndexKey::Column(c) => out.push(ObjectKey::Column(table.clone(), c.clone())),
            IndexKey::Expr(e) => expr_needs(e, table, &columns, &mut out),
        }
    }
    for c in &index.include {
        out.push(ObjectKey::Column(table.clone(), c.clone()));
    }
    if let Some(p) = &index.predicate {
        expr_needs(p, table, &columns, &mut out);
    }
    out
}

pub(crate) fn view_needs(v: &View) -> Vec<ObjectKey> {
    let mut out = vec![ObjectKey::Schema(v.name.schema.clone())];
    // The types it casts to (a recreated enum is dropped after the view).
    if let Ok(refs) = normalize::query_references(&v.query.sql) {
        type_needs(&refs, &v.name.schema, &mut out);
    }
    out.extend(v.depends_on.iter().map(|r| ObjectKey::Relation(r.clone())));
    out.extend(
        v.column_deps
            .iter()
            .map(|(t, c)| ObjectKey::Column(t.clone(), c.clone())),
    );
    out
}
