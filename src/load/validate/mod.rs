//! Turns the raw YAML into the model, reporting every problem with its place.

use super::raw::{
    RawAction, RawColumnFull, RawDeferrable, RawFile, RawIndex, RawMethod, RawSequence, RawTable,
};
use super::yaml::Locations;
use super::{IgnoreRules, did_you_mean};
use crate::error::Diagnostic;
use crate::model::{
    Column, Constraint, ConstraintKind, Deferrable, Enum, Extension, FkAction, ForeignKey,
    Identity, Index, IndexKey, QualifiedName, Schema, Sequence, SequenceOptions, SequenceOwner,
    SqlExpr, Table, View,
};
use crate::sql::normalize;
use crate::sql::types::{canonical_type, split_name};
use std::collections::{BTreeMap, BTreeSet};

mod table;

use table::build_table;

/// Types that common extensions add, so columns may use them offline.
pub(crate) const EXTENSION_TYPES: &[(&str, &[&str])] = &[
    ("citext", &["citext"]),
    ("hstore", &["hstore"]),
    ("ltree", &["ltree", "lquery", "ltxtquery"]),
    ("postgis", &["geometry", "geography", "box2d", "box3d"]),
    ("vector", &["vector", "halfvec", "sparsevec"]),
    ("cube", &["cube"]),
    ("seg", &["seg"]),
    (
        "isn",
        &[
            "isbn", "isbn13", "ismn", "ismn13", "issn", "issn13", "ean13", "upc",
        ],
    ),
    ("pg_trgm", &["gtrgm"]),
    ("pgcrypto", &[]),
    ("uuid-ossp", &[]),
    ("btree_gin", &[]),
    ("btree_gist", &[]),
    ("unaccent", &[]),
    ("fuzzystrmatch", &[]),
    ("tablefunc", &[]),
    ("intarray", &["query_int"]),
    ("pg_stat_statements", &[]),
];

/// PostgreSQL truncates longer names, which would make the plan never converge.
const MAX_IDENT_BYTES: usize = 63;

struct Ctx<'a> {
    locations: &'a Locations<'a>,
    file: &'a str,
    errors: Vec<Diagnostic>,
}

fn display_path(path: &[String]) -> String {
    let mut out = String::new();
    for seg in path {
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

impl Ctx<'_> {
    fn err(&mut self, path: &[String], message: impl Into<String>, hint: Option<String>) {
        let (line, column) = self.locations.locate(path).unzip();
        self.errors.push(Diagnostic {
            file: self.file.to_string(),
            path: display_path(path),
            line,
            column,
            message: message.into(),
            hint,
        });
    }

    fn check_name(&mut self, path: &[String], name: &str) {
        if name.is_empty() {
            self.err(path, "empty name", None);
        } else if name.len() > MAX_IDENT_BYTES {
            self.err(
                path,
                format!("name `{name}` is longer than PostgreSQL's {MAX_IDENT_BYTES} bytes"),
                None,
            );
        }
    }
}

fn p(base: &[String], more: &[&str]) -> Vec<String> {
    let mut v = base.to_vec();
    v.extend(more.iter().map(|s| (*s).to_string()));
    v
}

fn action(a: Option<RawAction>) -> FkAction {
    match a {
        None | Some(RawAction::NoAction) => FkAction::NoAction,
        Some(RawAction::Restrict) => FkAction::Restrict,
        Some(RawAction::Cascade) => FkAction::Cascade,
        Some(RawAction::SetNull) => FkAction::SetNull,
        Some(RawAction::SetDefault) => FkAction::SetDefault,
    }
}

fn method_name(m: Option<RawMethod>) -> &'static str {
    match m {
        None | Some(RawMethod::Btree) => "btree",
        Some(RawMethod::Hash) => "hash",
        Some(RawMethod::Gin) => "gin",
        Some(RawMethod::Gist) => "gist",
        Some(RawMethod::Brin) => "brin",
        Some(RawMethod::Spgist) => "spgist",
    }
}

/// Resolves a possibly qualified relation name written in YAML.
fn relation_name(text: &str, schema: &str) -> Result<QualifiedName, String> {
    let parts = split_name_exact(text)?;
    match parts.as_slice() {
        [name] => Ok(QualifiedName::new(schema, name.clone())),
        [s, name] => Ok(QualifiedName::new(s.clone(), name.clone())),
        _ => Err(format!("`{text}` is not a [schema.]table name")),
    }
}

/// Splits a YAML name on dots; YAML names are exact (no case folding), but
/// double quotes may protect a dot.
fn split_name_exact(text: &str) -> Result<Vec<String>, String> {
    if text.contains('"') {
        return split_name(text);
    }
    let parts: Vec<String> = text.split('.').map(str::to_string).collect();
    if parts.iter().any(String::is_empty) {
        return Err(format!("`{text}` is not a valid name"));
    }
    Ok(parts)
}

struct TypeEnv<'a> {
    schemas: &'a BTreeSet<String>,
    enums: &'a BTreeSet<QualifiedName>,
    extensions: &'a BTreeMap<String, Extension>,
    ignore: &'a IgnoreRules,
}

impl TypeEnv<'_> {
    /// For a type name nothing declares: how to use it when it comes from a
    /// declared extension reconcile knows nothing about.
    fn unknown_extension_hint(&self, ty: &str) -> Option<String> {
        let ext = self
            .extensions
            .values()
            .find(|e| !EXTENSION_TYPES.iter().any(|(n, _)| *n == e.name))?;
        Some(format!(
            "if `{ty}` comes from extension `{}`, write it with its schema: `{}.{ty}`",
            ext.name, ext.schema
        ))
    }

    fn resolve(&self, context: &str, schema: Option<&str>, name: &str) -> Option<QualifiedName> {
        let in_schema = |s: &str| {
            let qn = QualifiedName::new(s, name);
            (self.enums.contains(&qn) || self.ignore.type_(&qn).is_some()).then_some(qn)
        };
        let from_extension = |want_schema: Option<&str>| {
            for ext in self.extensions.values() {
                if want_schema.is_some_and(|s| s != ext.schema) {
                    continue;
                }
                match EXTENSION_TYPES.iter().find(|(e, _)| *e == ext.name) {
                    Some((_, types)) if types.contains(&name) => {
                        return Some(QualifiedName::new(ext.schema.clone(), name));
                    }
                    Some(_) => {}
                    // An extension we know nothing about may define any type,
                    // but only a name qualified with its schema is taken as
                    // one: an unqualified unknown name (a typo, or a built-in
                    // type we did not know) must never move into its schema.
                    None if want_schema.is_some() => {
                        return Some(QualifiedName::new(ext.schema.clone(), name));
                    }
                    None => {}
                }
            }
            None
        };
        match schema {
            Some(s) if !self.schemas.contains(s) => Some(QualifiedName::new(s, name)),
            // A qualified name the file does not declare is a type defined
            // outside it (a domain, composite or range type, or an
            // extension's): the server checks that it exists. Only an
            // unqualified unknown name is an error.
            Some(s) => in_schema(s)
                .or_else(|| from_extension(Some(s)))
                .or_else(|| Some(QualifiedName::new(s, name))),
            None => in_schema(context).or_else(|| from_extension(None)),
        }
    }
}

/// Parses an expression once: its canonical form, and, when `columns` is
/// given, a check that every name it reads is one of them.
fn checked_expr(
    ctx: &mut Ctx<'_>,
    path: &[String],
    sql: &str,
    schema: &str,
    columns: Option<(&[String], &str)>,
) -> Option<SqlExpr> {
    match normalize::expr_with_references(sql, schema) {
        Ok((e, refs)) => {
            if let Some((columns, what)) = columns {
                for ident in &refs.identifiers {
                    if !columns.iter().any(|c| c == ident) {
                        let hint = did_you_mean(ident, columns.iter().map(String::as_str));
                        ctx.err(
                            path,
                            format!(
                                "{what} names column `{ident}`, which the table does not declare"
                            ),
                            hint,
                        );
                    }
                }
            }
            Some(e)
        }
        // Syntax sqlparser does not know: kept as written when it is one
        // expression; the server reads it (names are not checked offline).
        Err(e) => match crate::sql::tokens::single_statement(sql, false) {
            Ok(_) => Some(normalize::unparsed(sql)),
            Err(why) => {
                ctx.err(
                    path,
                    format!("invalid SQL expression `{sql}`: {e} ({why})"),
                    None,
                );
                None
            }
        },
    }
}

fn parse_expr(ctx: &mut Ctx<'_>, path: &[String], sql: &str, schema: &str) -> Option<SqlExpr> {
    checked_expr(ctx, path, sql, schema, None)
}

/// The sequence options given in `schema.yaml`, resolved as PostgreSQL
/// resolves them for a sequence of type `data_type` (already checked).
struct RawOptions {
    start: Option<i64>,
    increment: Option<i64>,
    min_value: Option<i64>,
    max_value: Option<i64>,
    cache: Option<i64>,
    cycle: bool,
}

fn sequence_options(
    raw: &RawOptions,
    data_type: &str,
    ctx: &mut Ctx<'_>,
    path: &[String],
) -> SequenceOptions {
    let (type_min, type_max) = crate::model::sequence::type_range(data_type);
    let increment = raw.increment.unwrap_or(1);
    if increment == 0 {
        ctx.err(&p(path, &["increment"]), "increment must not be zero", None);
    }
    let (min_value, max_value) = if increment > 0 {
        (
            raw.min_value.unwrap_or(1),
            raw.max_value.unwrap_or(type_max),
        )
    } else {
        (
            raw.min_value.unwrap_or(type_min),
            raw.max_value.unwrap_or(-1),
        )
    };
    let start = raw
        .start
        .unwrap_or(if increment > 0 { min_value } else { max_value });
    if min_value >= max_value || start < min_value || start > max_value {
        ctx.err(
            path,
            format!("start {start} must lie within min {min_value} and max {max_value}, and min below max"),
            None,
        );
    }
    if min_value < type_min || max_value > type_max {
        ctx.err(
            path,
            format!("min {min_value} and max {max_value} must fit in {data_type}"),
            None,
        );
    }
    let cache = raw.cache.unwrap_or(1);
    if cache < 1 {
        ctx.err(&p(path, &["cache"]), "cache must be at least 1", None);
    }
    SequenceOptions {
        data_type: data_type.to_string(),
        start,
        increment,
        min_value,
        max_value,
        cache,
        cycle: raw.cycle,
    }
}

fn sequence(
    name: QualifiedName,
    raw: &RawSequence,
    ctx: &mut Ctx<'_>,
    path: &[String],
) -> Sequence {
    let data_type = raw.data_type.as_deref().unwrap_or("bigint");
    let canon = match data_type.to_ascii_lowercase().as_str() {
        "smallint" | "int2" => "smallint",
        "integer" | "int" | "int4" => "integer",
        "bigint" | "int8" => "bigint",
        other => {
            ctx.err(
                &p(path, &["type"]),
                format!("a sequence type must be smallint, integer or bigint, not `{other}`"),
                None,
            );
            "bigint"
        }
    };
    let options = sequence_options(
        &RawOptions {
            start: raw.start,
            increment: raw.increment,
            min_value: raw.min_value,
            max_value: raw.max_value,
            cache: raw.cache,
            cycle: raw.cycle,
        },
        canon,
        ctx,
        path,
    );
    Sequence {
        name,
        options,
        // Resolved once the tables are known (`owned_by`).
        owned_by: None,
        comment: raw.comment.clone(),
    }
}

/// Builds the model from the raw file, or every problem found.
pub(super) fn build(
    raw: &RawFile,
    locations: &Locations<'_>,
    file: &str,
    ignore: &IgnoreRules,
) -> Result<Schema, Vec<Diagnostic>> {
    let mut ctx = Ctx {
        locations,
        file,
        errors: Vec::new(),
    };
    let mut model = Schema::default();
    let empty = super::raw::IndexMap::default();
    let raw_schemas = raw.schemas.as_ref().unwrap_or(&empty);

    for name in raw_schemas.keys() {
        let path = p(&[], &["schemas", name]);
        ctx.check_name(&path, name);
        if name.starts_with("pg_") || name == "information_schema" {
            ctx.err(
                &path,
                format!("`{name}` is a system schema and cannot be managed"),
                None,
            );
        } else if let Some(rule) = ignore.schema(name) {
            ctx.err(
                &path,
                format!("schema `{name}` is declared but also ignored (by `{rule}`)"),
                None,
            );
        }
        model.schemas.insert(name.clone());
    }
    if let Some(exts) = &raw.extensions {
        for (name, ext) in exts {
            let schema = ext
                .as_ref()
                .and_then(|e| e.schema.clone())
                .unwrap_or_else(|| "public".to_string());
            let version = ext
                .as_ref()
                .and_then(|e| e.version.as_ref())
                .map(|v| v.0.clone());
            model.extensions.insert(
                name.clone(),
                Extension {
                    name: name.clone(),
                    schema,
                    version,
                    requires: Vec::new(),
                },
            );
        }
    }

    // Names first, so references can point forwards.
    let mut enum_names = BTreeSet::new();
    let mut declared_tables: BTreeMap<QualifiedName, Vec<String>> = BTreeMap::new();
    let mut declared_views = BTreeSet::new();
    for (schema, body) in raw_schemas {
        let Some(body) = body else { continue };
        for name in body.enums.keys() {
            enum_names.insert(QualifiedName::new(schema, name));
        }
        for (name, table) in &body.tables {
            let cols = table
                .as_ref()
                .map(|t| t.columns.keys().cloned().collect())
                .unwrap_or_default();
            declared_tables.insert(QualifiedName::new(schema, name), cols);
        }
        for name in body.views.keys().chain(body.materialized_views.keys()) {
            declared_views.insert(QualifiedName::new(schema, name));
        }
    }
    let env = TypeEnv {
        schemas: &model.schemas,
        enums: &enum_names,
        extensions: &model.extensions,
        ignore,
    };

    for (schema, body) in raw_schemas {
        let Some(body) = body else { continue };
        let base = p(&[], &["schemas", schema]);
        if body.functions.as_ref().is_some_and(|f| !f.is_empty()) {
            ctx.err(
                &p(&base, &["functions"]),
                "functions are not supported yet; leave `functions: {}` empty or list them in ignore.yaml",
                None,
            );
        }
        for (name, raw_enum) in &body.enums {
            let path = p(&base, &["enums", name]);
            let values = raw_enum.values();
            ctx.check_name(&path, name);
            let qn = QualifiedName::new(schema, name);
            if let Some(rule) = ignore.type_(&qn) {
                ctx.err(
                    &path,
                    format!("enum `{qn}` is declared but also ignored (by `{rule}`)"),
                    None,
                );
            }
            if values.is_empty() {
                ctx.err(&path, "an enum needs at least one value", None);
            }
            let mut seen = BTreeSet::new();
            for (i, v) in values.iter().enumerate() {
                if !seen.insert(v) {
                    ctx.err(
                        &p(&path, &[&i.to_string()]),
                        format!("duplicate enum value `{v}`"),
                        None,
                    );
                }
                if v.is_empty() || v.len() > MAX_IDENT_BYTES {
                    ctx.err(
                        &p(&path, &[&i.to_string()]),
                        "enum values must be 1 to 63 bytes long",
                        None,
                    );
                }
            }
            model.enums.insert(
                qn.clone(),
                Enum {
                    name: qn,
                    values: values.to_vec(),
                    comment: raw_enum.comment().map(str::to_string),
                },
            );
        }
        for (name, raw_seq) in &body.sequences {
            let path = p(&base, &["sequences", name]);
            ctx.check_name(&path, name);
            let qn = QualifiedName::new(schema, name);
            if let Some(rule) = ignore.sequence(&qn) {
                ctx.err(
                    &path,
                    format!("sequence `{qn}` is declared but also ignored (by `{rule}`)"),
                    None,
                );
            }
            let default = RawSequence::default();
            let seq = sequence(
                qn.clone(),
                raw_seq.as_ref().unwrap_or(&default),
                &mut ctx,
                &path,
            );
            model.sequences.insert(qn, seq);
        }
        for (name, raw_table) in &body.tables {
            let path = p(&base, &["tables", name]);
            ctx.check_name(&path, name);
            let qn = QualifiedName::new(schema, name);
            if let Some(rule) = ignore.table(&qn) {
                ctx.err(
                    &path,
                    format!("table `{qn}` is declared but also ignored (by `{rule}`)"),
                    None,
                );
            }
            let default = RawTable::default();
            let table = build_table(
                &mut ctx,
                &env,
                &path,
                qn.clone(),
                raw_table.as_ref().unwrap_or(&default),
                ignore,
            );
            model.tables.insert(qn, table);
        }
        for (materialized, views) in [(false, &body.views), (true, &body.materialized_views)] {
            let key = if materialized {
                "materialized_views"
            } else {
                "views"
            };
            for (name, raw_view) in views {
                let path = p(&base, &[key, name]);
                ctx.check_name(&path, name);
                let qn = QualifiedName::new(schema, name);
                if let Some(rule) = ignore.view(&qn) {
                    ctx.err(
                        &path,
                        format!("view `{qn}` is declared but also ignored (by `{rule}`)"),
                        None,
                    );
                }
                // Syntax sqlparser does not know is kept as written when it is
                // one query; every name it may read counts as a dependency,
                // and undeclared names are left for the server to report.
                let (query, refs, parsed) =
                    match normalize::query_with_references(&raw_view.query, schema) {
                        Ok((q, refs)) => (q, refs, true),
                        Err(e) => match crate::sql::tokens::single_statement(&raw_view.query, true)
                            .and_then(|_| crate::sql::tokens::names(&raw_view.query))
                        {
                            Ok(refs) => (normalize::unparsed(&raw_view.query), refs, false),
                            Err(why) => {
                                ctx.err(
                                    &p(&path, &["query"]),
                                    format!("invalid query: {e} ({why})"),
                                    None,
                                );
                                continue;
                            }
                        },
                    };
                let columns_of = |parts: &[String]| {
                    let target = match parts {
                        [n] => QualifiedName::new(schema, n),
                        [s, n] => QualifiedName::new(s, n),
                        _ => return None,
                    };
                    declared_tables.get(&target).cloned()
                };
                for message in normalize::query_column_errors(&raw_view.query, &columns_of) {
                    ctx.err(&p(&path, &["query"]), message, None);
                }
                let mut view = View {
                    name: qn.clone(),
                    query,
                    materialized,
                    comment: raw_view.comment.clone(),
                    depends_on: BTreeSet::new(),
                    column_deps: BTreeSet::new(),
                };
                {
                    for rel in &refs.relations {
                        let target = match rel.as_slice() {
                            [n] if refs.ctes.contains(n) => continue,
                            [n] => QualifiedName::new(schema, n),
                            [s, n] | [_, s, n] => QualifiedName::new(s, n),
                            _ => continue,
                        };
                        if declared_tables.contains_key(&target) || declared_views.contains(&target)
                        {
                            view.depends_on.insert(target.clone());
                            if let Some(cols) = declared_tables.get(&target) {
                                for c in cols {
                                    if refs.wildcard || refs.identifiers.contains(c) {
                                        view.column_deps.insert((target.clone(), c.clone()));
                                    }
                                }
                            }
                        } else if parsed
                            && model.schemas.contains(&target.schema)
                            && ignore.table(&target).is_none()
                            && ignore.view(&target).is_none()
                        {
                            let candidates: Vec<String> = declared_tables
                                .keys()
                                .chain(declared_views.iter())
                                .filter(|q| q.schema == target.schema)
                                .map(|q| q.name.clone())
                                .collect();
                            let hint =
                                did_you_mean(&target.name, candidates.iter().map(String::as_str));
                            ctx.err(
                                &p(&path, &["query"]),
                                format!("the query reads `{target}`, which is not declared"),
                                hint,
                            );
                        }
                    }
                }
                model.views.insert(qn, view);
            }
        }
    }

    for (schema, body) in raw_schemas {
        let Some(body) = body else { continue };
        let base = p(&[], &["schemas", schema]);
        for (name, raw_seq) in &body.sequences {
            let Some(text) = raw_seq.as_ref().and_then(|r| r.owned_by.as_deref()) else {
                continue;
            };
            let path = p(&base, &["sequences", name, "owned_by"]);
            let owner = owner(text, schema, &model);
            match owner {
                Ok(o) => {
                    if let Some(seq) = model.sequences.get_mut(&QualifiedName::new(schema, name)) {
                        seq.owned_by = Some(o);
                    }
                }
                Err(e) => ctx.err(&path, e, None),
            }
        }
    }
    check_foreign_keys(&mut ctx, &model, ignore);
    check_namespaces(&mut ctx, &model);
    if ctx.errors.is_empty() {
        Ok(model)
    } else {
        Err(ctx.errors)
    }
}

/// Resolves `owned_by: [schema.]table.column` against the declared tables.
fn owner(text: &str, schema: &str, model: &Schema) -> Result<SequenceOwner, String> {
    let parts = split_name_exact(text)?;
    let (table, column) = match parts.as_slice() {
        [t, c] => (QualifiedName::new(schema, t.clone()), c.clone()),
        [s, t, c] => (QualifiedName::new(s.clone(), t.clone()), c.clone()),
        _ => return Err(format!("`{text}` is not a [schema.]table.column name")),
    };
    let Some(t) = model.tables.get(&table) else {
        return Err(format!(
            "`{text}` names table `{table}`, which is not declared"
        ));
    };
    if t.column(&column).is_none() {
        let hint = did_you_mean(&column, t.columns.iter().map(|c| c.name.as_str()));
        return Err(format!(
            "`{text}` names column `{column}`, which table `{table}` does not declare{}",
            hint.map(|h| format!(" ({h})")).unwrap_or_default()
        ));
    }
    Ok(SequenceOwner { table, column })
}

fn yaml_table_path(qn: &QualifiedName) -> Vec<String> {
    vec![
        "schemas".to_string(),
        qn.schema.clone(),
        "tables".to_string(),
        qn.name.clone(),
    ]
}

fn fk_path(qn: &QualifiedName, constraint: &str, fk: &ForeignKey, table: &Table) -> Vec<String> {
    let base = yaml_table_path(qn);
    // Shortcut constraints live under their column.
    if fk.columns.len() == 1
        && constraint == format!("{}_{}_fkey", qn.name, fk.columns[0])
        && table.column(&fk.columns[0]).is_some()
    {
        return p(&base, &["columns", &fk.columns[0], "references"]);
    }
    p(&base, &["foreign_keys", constraint])
}

fn check_foreign_keys(ctx: &mut Ctx<'_>, model: &Schema, ignore: &IgnoreRules) {
    for (qn, table) in &model.tables {
        for c in table.constraints.values() {
            let ConstraintKind::ForeignKey(fk) = &c.kind else {
                continue;
            };
            let path = fk_path(qn, &c.name, fk, table);
            if fk.columns.len() != fk.ref_columns.len() {
                ctx.err(
                    &path,
                    format!(
                        "foreign key `{}` has {} columns but references {}",
                        c.name,
                        fk.columns.len(),
                        fk.ref_columns.len()
                    ),
                    None,
                );
                continue;
            }
            let Some(target) = model.tables.get(&fk.ref_table) else {
                let external = !model.schemas.contains(&fk.ref_table.schema)
                    || ignore.table(&fk.ref_table).is_some();
                if !external {
                    let candidates: Vec<&str> = model
                        .tables
                        .keys()
                        .filter(|q| q.schema == fk.ref_table.schema)
                        .map(|q| q.name.as_str())
                        .collect();
                    ctx.err(
                        &path,
                        format!(
                            "foreign key `{}` references table `{}`, which is not declared",
                            c.name, fk.ref_table
                        ),
                        did_you_mean(&fk.ref_table.name, candidates.into_iter()),
                    );
                }
                continue;
            };
            let mut ok = true;
            for col in &fk.ref_columns {
                if target.column(col).is_none() {
                    ok = false;
                    ctx.err(
                        &path,
                        format!("foreign key `{}` references column `{col}`, which table `{}` does not declare", c.name, fk.ref_table),
                        did_you_mean(col, target.columns.iter().map(|c| c.name.as_str())),
                    );
                }
            }
            let mut wanted = fk.ref_columns.clone();
            wanted.sort();
            let covered = target
                .constraints
                .values()
                .any(|k| k.kind.key_columns().as_ref() == Some(&wanted))
                || target
                    .indexes
                    .values()
                    .any(|i| i.key_columns().as_ref() == Some(&wanted));
            if ok && !covered {
                ctx.err(
                    &path,
                    format!(
                        "foreign key `{}` references ({}) of `{}`, which no primary key or unique constraint covers",
                        c.name,
                        fk.ref_columns.join(", "),
                        fk.ref_table
                    ),
                    None,
                );
            }
        }
    }
}

/// Relations, indexes and key constraints share one namespace per schema;
/// types share one with tables and views (their row types).
fn check_namespaces(ctx: &mut Ctx<'_>, model: &Schema) {
    let mut relations: BTreeMap<QualifiedName, Vec<String>> = BTreeMap::new();
    let mut add = |qn: QualifiedName, path: Vec<String>| {
        relations.entry(qn).or_default().push(display_path(&path))
    };
    for qn in model.tables.keys() {
        add(qn.clone(), yaml_table_path(qn));
    }
    for (qn, v) in &model.views {
        let key = if v.materialized {
            "materialized_views"
        } else {
            "views"
        };
        add(
            qn.clone(),
            vec![
                "schemas".into(),
                qn.schema.clone(),
                key.into(),
                qn.name.clone(),
            ],
        );
    }
    for qn in model.sequences.keys() {
        add(
            qn.clone(),
            vec![
                "schemas".into(),
                qn.schema.clone(),
                "sequences".into(),
                qn.name.clone(),
            ],
        );
    }
    for qn in model.enums.keys() {
        add(
            qn.clone(),
            vec![
                "schemas".into(),
                qn.schema.clone(),
                "enums".into(),
                qn.name.clone(),
            ],
        );
    }
    for (qn, table) in &model.tables {
        for name in table.indexes.keys() {
            add(
                QualifiedName::new(&qn.schema, name),
                p(&yaml_table_path(qn), &["indexes", name]),
            );
        }
        for c in table.constraints.values() {
            if matches!(
                c.kind,
                ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. }
            ) {
                add(
                    QualifiedName::new(&qn.schema, &c.name),
                    p(&yaml_table_path(qn), &["constraints", &c.name]),
                );
            }
        }
    }
    for (qn, paths) in relations {
        if paths.len() > 1 {
            let segs: Vec<String> = paths[1].split('.').map(str::to_string).collect();
            ctx.err(
                &segs,
                format!(
                    "name `{qn}` is used by more than one object: {}",
                    paths.join(", ")
                ),
                None,
            );
        }
    }
}
