//! Writing a model as `schema.yaml` (for `reconcile import`).
//!
//! Uses the column shortcuts where the names follow PostgreSQL's defaults, so
//! the file reads like one written by hand; loading it back gives the same
//! model.

use crate::model::{
    Column, Constraint, ConstraintKind, Deferrable, Enum, FkAction, ForeignKey, Identity, IndexKey,
    QualifiedName, Schema, Sequence, SequenceOptions, Table, quote_ident,
};
use std::collections::BTreeMap;
use std::fmt::Write;

const YAML_WORDS: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
];

/// A YAML scalar: plain when safe, else a double-quoted (JSON) string.
pub(crate) fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && !s.ends_with(' ')
        // Punctuation that means nothing to YAML in block or flow context.
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ' ' | '(' | ')'))
        && !YAML_WORDS.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{}\"", s.replace('"', "\\\"")))
    }
}

pub(crate) fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| scalar(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn action(a: FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "no_action",
        FkAction::Restrict => "restrict",
        FkAction::Cascade => "cascade",
        FkAction::SetNull => "set_null",
        FkAction::SetDefault => "set_default",
    }
}

/// A type as written in the YAML of `schema`: its own schema's prefix
/// dropped for the enums the file declares and the extension types the
/// loader knows by name; any other type of the schema (a domain, a
/// composite type, an extension's domain) keeps it, which is how the loader
/// takes a type defined outside the file.
fn type_text(col: &Column, schema: &str, enums: &BTreeMap<QualifiedName, Enum>) -> String {
    let sql = col.ty.ddl();
    let prefix = format!("{}.", quote_ident(schema));
    let Some(rest) = sql.strip_prefix(&prefix) else {
        return sql;
    };
    let base = rest.trim_end_matches("[]");
    let known = enums.contains_key(&QualifiedName::new(schema, base))
        || crate::load::validate::EXTENSION_TYPES
            .iter()
            .any(|(_, types)| types.contains(&base));
    if known { rest.to_string() } else { sql }
}

fn relation_ref(target: &QualifiedName, schema: &str) -> String {
    if target.schema == schema {
        target.name.clone()
    } else {
        format!("{}.{}", target.schema, target.name)
    }
}

/// Whether `c` is what a column shortcut on `column` would create.
fn shortcut_of<'a>(table: &Table, c: &'a Constraint) -> Option<(&'a str, Option<&'a ForeignKey>)> {
    let t = &table.name.name;
    match &c.kind {
        ConstraintKind::PrimaryKey { columns }
            if columns.len() == 1 && c.name == format!("{t}_pkey") =>
        {
            Some((&columns[0], None))
        }
        ConstraintKind::Unique { columns }
            if columns.len() == 1 && c.name == format!("{t}_{}_key", columns[0]) =>
        {
            Some((&columns[0], None))
        }
        ConstraintKind::ForeignKey(fk)
            if fk.columns.len() == 1
                && fk.ref_columns.len() == 1
                && fk.deferrable == Deferrable::No
                && c.validated
                && c.name == format!("{t}_{}_fkey", fk.columns[0]) =>
        {
            Some((&fk.columns[0], Some(fk)))
        }
        _ => None,
    }
}

fn column_yaml(
    table: &Table,
    col: &Column,
    enums: &BTreeMap<QualifiedName, Enum>,
    out: &mut String,
) {
    let schema = &table.name.schema;
    let mut fields: Vec<String> = vec![format!("type: {}", scalar(&type_text(col, schema, enums)))];
    let mut implied_not_null = col.identity.is_some() || col.ty.serial.is_some();
    for c in table.constraints.values() {
        let Some((name, fk)) = shortcut_of(table, c) else {
            continue;
        };
        if name != col.name {
            continue;
        }
        match (&c.kind, fk) {
            (ConstraintKind::PrimaryKey { .. }, _) => {
                fields.push("primary_key: true".to_string());
                implied_not_null = true;
            }
            (ConstraintKind::Unique { .. }, _) => fields.push("unique: true".to_string()),
            (_, Some(fk)) => {
                fields.push(format!(
                    "references: {}",
                    scalar(&format!(
                        "{}.{}",
                        relation_ref(&fk.ref_table, schema),
                        fk.ref_columns[0]
                    ))
                ));
                if fk.on_delete != FkAction::NoAction {
                    fields.push(format!("on_delete: {}", action(fk.on_delete)));
                }
                if fk.on_update != FkAction::NoAction {
                    fields.push(format!("on_update: {}", action(fk.on_update)));
                }
            }
            _ => {}
        }
    }
    if col.not_null && !implied_not_null {
        fields.push("not_null: true".to_string());
    }
    if let Some(i) = col.identity {
        let kind = if i == Identity::Always {
            "always"
        } else {
            "by_default"
        };
        let options = col
            .identity_options
            .as_ref()
            .map(|o| option_fields(o, false))
            .unwrap_or_default();
        if options.is_empty() {
            fields.push(format!("identity: {kind}"));
        } else {
            fields.push(format!(
                "identity: {{ generated: {kind}, {} }}",
                options.join(", ")
            ));
        }
    }
    if let Some(d) = &col.default {
        fields.push(format!("default: {}", scalar(&d.sql)));
    }
    if let Some(g) = &col.generated {
        fields.push(format!("generated: {}", scalar(&g.sql)));
    }
    if let Some(c) = &col.collation {
        fields.push(format!("collation: {}", scalar(c)));
    }
    if let Some(c) = &col.comment {
        fields.push(format!("comment: {}", scalar(c)));
    }
    let _ = writeln!(
        out,
        "          {}: {{ {} }}",
        scalar(&col.name),
        fields.join(", ")
    );
}

pub(crate) fn table_yaml(table: &Table, enums: &BTreeMap<QualifiedName, Enum>, out: &mut String) {
    let schema = &table.name.schema;
    let _ = writeln!(out, "      {}:", scalar(&table.name.name));
    if let Some(c) = &table.comment {
        let _ = writeln!(out, "        comment: {}", scalar(c));
    }
    if table.columns.is_empty() {
        let _ = writeln!(out, "        columns: {{}}");
    } else {
        let _ = writeln!(out, "        columns:");
        for col in &table.columns {
            column_yaml(table, col, enums, out);
        }
    }
    let rest: Vec<&Constraint> = table
        .constraints
        .values()
        .filter(|c| shortcut_of(table, c).is_none())
        .collect();
    for c in &rest {
        if let ConstraintKind::PrimaryKey { columns } = &c.kind {
            // The name is written only when it is not PostgreSQL's default
            // (ORMs name keys `pk_users`): the list form means `<table>_pkey`.
            if c.name == format!("{}_pkey", table.name.name) {
                let _ = writeln!(out, "        primary_key: {}", list(columns));
            } else {
                let _ = writeln!(
                    out,
                    "        primary_key: {{ name: {}, columns: {} }}",
                    scalar(&c.name),
                    list(columns)
                );
            }
        }
    }
    let section = |out: &mut String, title: &str, items: Vec<String>| {
        if !items.is_empty() {
            let _ = writeln!(out, "        {title}:");
            for i in items {
                out.push_str(&i);
            }
        }
    };
    section(
        out,
        "unique",
        rest.iter()
            .filter_map(|c| match &c.kind {
                ConstraintKind::Unique { columns } => Some(format!(
                    "          {}: {}\n",
                    scalar(&c.name),
                    list(columns)
                )),
                _ => None,
            })
            .collect(),
    );
    section(
        out,
        "checks",
        rest.iter()
            .filter_map(|c| match &c.kind {
                ConstraintKind::Check { expr } if c.validated => Some(format!(
                    "          {}: {}\n",
                    scalar(&c.name),
                    scalar(&expr.sql)
                )),
                ConstraintKind::Check { expr } => Some(format!(
                    "          {}: {{ expression: {}, validated: false }}\n",
                    scalar(&c.name),
                    scalar(&expr.sql)
                )),
                _ => None,
            })
            .collect(),
    );
    section(
        out,
        "foreign_keys",
        rest.iter()
            .filter_map(|c| match &c.kind {
                ConstraintKind::ForeignKey(fk) => {
                    let mut s = format!("          {}:\n", scalar(&c.name));
                    let _ = writeln!(s, "            columns: {}", list(&fk.columns));
                    let _ = writeln!(
                        s,
                        "            references: {{ table: {}, columns: {} }}",
                        scalar(&relation_ref(&fk.ref_table, schema)),
                        list(&fk.ref_columns)
                    );
                    if fk.on_delete != FkAction::NoAction {
                        let _ = writeln!(s, "            on_delete: {}", action(fk.on_delete));
                    }
                    if fk.on_update != FkAction::NoAction {
                        let _ = writeln!(s, "            on_update: {}", action(fk.on_update));
                    }
                    match fk.deferrable {
                        Deferrable::No => {}
                        Deferrable::Deferrable => s.push_str("            deferrable: true\n"),
                        Deferrable::InitiallyDeferred => {
                            s.push_str("            deferrable: initially_deferred\n")
                        }
                    }
                    if !c.validated {
                        s.push_str("            validated: false\n");
                    }
                    Some(s)
                }
                _ => None,
            })
            .collect(),
    );
    section(
        out,
        "indexes",
        table
            .indexes
            .values()
            .map(|i| {
                let mut fields = Vec::new();
                if i.keys.iter().all(|k| matches!(k, IndexKey::Column(_))) {
                    let cols: Vec<String> = i
                        .keys
                        .iter()
                        .filter_map(|k| match k {
                            IndexKey::Column(c) => Some(c.clone()),
                            IndexKey::Expr(_) => None,
                        })
                        .collect();
                    fields.push(format!("columns: {}", list(&cols)));
                } else {
                    let exprs: Vec<String> = i
                        .keys
                        .iter()
                        .map(|k| match k {
                            IndexKey::Column(c) => quote_ident(c),
                            IndexKey::Expr(e) => e.sql.clone(),
                        })
                        .collect();
                    fields.push(format!("expressions: {}", list(&exprs)));
                }
                if i.unique {
                    fields.push("unique: true".to_string());
                }
                if let Some(p) = &i.predicate {
                    fields.push(format!("where: {}", scalar(&p.sql)));
                }
                if i.method != "btree" {
                    fields.push(format!("method: {}", i.method));
                }
                if !i.include.is_empty() {
                    fields.push(format!("include: {}", list(&i.include)));
                }
                format!(
                    "          {}: {{ {} }}\n",
                    scalar(&i.name),
                    fields.join(", ")
                )
            })
            .collect(),
    );
}

/// The options that differ from what PostgreSQL would choose, as YAML
/// `key: value` fields (`type` only when `with_type`).
fn option_fields(o: &SequenceOptions, with_type: bool) -> Vec<String> {
    let (min_default, max_default, start_default) = o.implied();
    let mut fields = Vec::new();
    if with_type && o.data_type != "bigint" {
        fields.push(format!("type: {}", o.data_type));
    }
    if o.start != start_default {
        fields.push(format!("start: {}", o.start));
    }
    if o.increment != 1 {
        fields.push(format!("increment: {}", o.increment));
    }
    if o.min_value != min_default {
        fields.push(format!("min_value: {}", o.min_value));
    }
    if o.max_value != max_default {
        fields.push(format!("max_value: {}", o.max_value));
    }
    if o.cache != 1 {
        fields.push(format!("cache: {}", o.cache));
    }
    if o.cycle {
        fields.push("cycle: true".to_string());
    }
    fields
}

pub(crate) fn sequence_yaml(s: &Sequence) -> String {
    let mut fields = option_fields(&s.options, true);
    if let Some(o) = &s.owned_by {
        fields.push(format!(
            "owned_by: {}",
            scalar(&format!(
                "{}.{}",
                relation_ref(&o.table, &s.name.schema),
                o.column
            ))
        ));
    }
    if let Some(c) = &s.comment {
        fields.push(format!("comment: {}", scalar(c)));
    }
    format!("{{ {} }}", fields.join(", ")).replace("{  }", "{}")
}

/// The model as `schema.yaml` text: each kind writes its own section.
pub fn to_yaml(schema: &Schema, header: &str) -> String {
    let mut out = String::new();
    for line in header.lines() {
        let _ = writeln!(out, "# {line}");
    }
    for kind in crate::kinds::KINDS {
        kind.export_top(schema, &mut out);
    }
    out.push_str("schemas:\n");
    for s in &schema.schemas {
        let mut sections = String::new();
        for kind in crate::kinds::KINDS {
            kind.export(schema, s, &mut sections);
        }
        if sections.is_empty() {
            let _ = writeln!(out, "  {}: {{}}", scalar(s));
        } else {
            let _ = writeln!(out, "  {}:", scalar(s));
            out.push_str(&sections);
        }
    }
    out
}
