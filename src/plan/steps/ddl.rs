//! Definitions as SQL text: columns, constraints, indexes, sequences, enums, comments.

use super::*;

pub(super) fn ident_list(cols: &[String]) -> String {
    cols.iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The schema-qualified name of an object named `name` in `table`'s schema.
pub(super) fn sibling(table: &QualifiedName, name: &str) -> QualifiedName {
    QualifiedName::new(&table.schema, name)
}

/// `name type [COLLATE] [GENERATED ...] [DEFAULT ...] [NOT NULL]`.
pub(super) fn column_sql(col: &Column) -> String {
    let mut s = format!("{} {}", quote_ident(&col.name), col.ty.ddl());
    if let Some(c) = &col.collation {
        s.push_str(&format!(" COLLATE {}", quote_ident(c)));
    }
    if let Some(g) = &col.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", g.sql));
    }
    if let Some(i) = col.identity {
        s.push_str(&format!(" GENERATED {} AS IDENTITY", i.sql()));
        let options = col
            .identity_options
            .as_ref()
            .map(|o| o.clauses(None, false))
            .unwrap_or_default();
        if !options.is_empty() {
            s.push_str(&format!(" ({})", options.join(" ")));
        }
    }
    if let Some(d) = &col.default {
        s.push_str(&format!(" DEFAULT {}", d.sql));
    }
    if col.not_null && col.identity.is_none() && col.ty.serial.is_none() {
        s.push_str(" NOT NULL");
    }
    s
}

pub(super) fn action_sql(a: FkAction) -> String {
    if a == FkAction::NoAction {
        String::new()
    } else {
        a.sql().to_string()
    }
}

/// `CONSTRAINT name ...` as used in `CREATE TABLE` and `ADD CONSTRAINT`.
pub(super) fn constraint_sql(c: &Constraint) -> String {
    let body = match &c.kind {
        ConstraintKind::PrimaryKey { columns } => format!("PRIMARY KEY ({})", ident_list(columns)),
        ConstraintKind::Unique { columns } => format!("UNIQUE ({})", ident_list(columns)),
        ConstraintKind::Check { expr } => format!("CHECK ({})", expr.sql),
        ConstraintKind::ForeignKey(fk) => {
            let mut s = format!(
                "FOREIGN KEY ({}) REFERENCES {} ({})",
                ident_list(&fk.columns),
                fk.ref_table.sql(),
                ident_list(&fk.ref_columns)
            );
            let del = action_sql(fk.on_delete);
            if !del.is_empty() {
                s.push_str(&format!(" ON DELETE {del}"));
            }
            let upd = action_sql(fk.on_update);
            if !upd.is_empty() {
                s.push_str(&format!(" ON UPDATE {upd}"));
            }
            match fk.deferrable {
                Deferrable::No => {}
                Deferrable::Deferrable => s.push_str(" DEFERRABLE"),
                Deferrable::InitiallyDeferred => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
            }
            s
        }
    };
    format!("CONSTRAINT {} {body}", quote_ident(&c.name))
}

pub(super) fn index_sql(table: &QualifiedName, index: &Index, concurrently: bool) -> String {
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|k| match k {
            IndexKey::Column(c) => quote_ident(c),
            IndexKey::Expr(e) => format!("({})", e.sql),
        })
        .collect();
    let mut s = format!(
        "CREATE {}INDEX {}{} ON {}",
        if index.unique { "UNIQUE " } else { "" },
        if concurrently {
            "CONCURRENTLY IF NOT EXISTS "
        } else {
            ""
        },
        quote_ident(&index.name),
        table.sql()
    );
    if index.method != "btree" {
        s.push_str(&format!(" USING {}", quote_ident(&index.method)));
    }
    s.push_str(&format!(" ({})", keys.join(", ")));
    if !index.include.is_empty() {
        s.push_str(&format!(" INCLUDE ({})", ident_list(&index.include)));
    }
    if let Some(p) = &index.predicate {
        s.push_str(&format!(" WHERE {}", p.sql));
    }
    s
}

pub(crate) fn view_kind(materialized: bool) -> &'static str {
    if materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    }
}

pub(crate) fn comment_sql(target: &CommentTarget, comment: Option<&String>) -> String {
    let what = match target {
        CommentTarget::Table(t) => format!("TABLE {}", t.sql()),
        CommentTarget::Column(t, c) => format!("COLUMN {}.{}", t.sql(), quote_ident(c)),
        CommentTarget::View(v, m) => format!("{} {}", view_kind(*m), v.sql()),
        CommentTarget::Sequence(s) => format!("SEQUENCE {}", s.sql()),
        CommentTarget::Type(t) => format!("TYPE {}", t.sql()),
    };
    let value = comment.map_or_else(|| "NULL".to_string(), |c| quote_literal(c));
    format!("COMMENT ON {what} IS {value}")
}

pub(crate) fn enum_sql(e: &Enum) -> String {
    let values: Vec<String> = e.values.iter().map(|v| quote_literal(v)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({})",
        e.name.sql(),
        values.join(", ")
    )
}
