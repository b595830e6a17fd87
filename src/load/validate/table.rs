//! Tables: columns, the column shortcuts, keys, checks, foreign keys and indexes.

use super::*;
use crate::load::raw::RawIdentityKind;

#[allow(clippy::too_many_lines)]
pub(super) fn build_table(
    ctx: &mut Ctx<'_>,
    env: &TypeEnv<'_>,
    path: &[String],
    qn: QualifiedName,
    raw: &RawTable,
    ignore: &IgnoreRules,
) -> Table {
    let schema = qn.schema.clone();
    let names: Vec<String> = raw.columns.keys().cloned().collect();
    let mut table = Table {
        name: qn.clone(),
        columns: Vec::new(),
        constraints: BTreeMap::new(),
        indexes: BTreeMap::new(),
        comment: raw.comment.clone(),
        renamed_from: raw.renamed_from.clone(),
    };
    let mut pk_from_columns = Vec::new();
    let add_constraint = |ctx: &mut Ctx<'_>, table: &mut Table, cpath: &[String], c: Constraint| {
        ctx.check_name(cpath, &c.name);
        if table.constraints.contains_key(&c.name) {
            ctx.err(
                cpath,
                format!("constraint name `{}` is used twice in table `{qn}`", c.name),
                None,
            );
        }
        table.constraints.insert(c.name.clone(), c);
    };
    let check_columns = |ctx: &mut Ctx<'_>, cpath: &[String], cols: &[String]| {
        for (i, c) in cols.iter().enumerate() {
            if !names.contains(c) {
                let hint = did_you_mean(c, names.iter().map(String::as_str));
                ctx.err(
                    &p(cpath, &[&i.to_string()]),
                    format!("column `{c}` is not declared in table `{qn}`"),
                    hint,
                );
            }
        }
    };

    for (col_name, raw_col) in &raw.columns {
        let cpath = p(path, &["columns", col_name]);
        ctx.check_name(&cpath, col_name);
        if let Some(rule) = ignore.column(&qn, col_name) {
            ctx.err(
                &cpath,
                format!("column `{col_name}` is declared but also ignored (by `{rule}`)"),
                None,
            );
        }
        let RawColumnFull {
            ty,
            not_null,
            default,
            identity,
            generated,
            collation,
            comment,
            renamed_from,
            primary_key,
            unique,
            references,
            on_delete,
            on_update,
        } = &raw_col.0;
        let Some(ty_text) = ty else {
            ctx.err(&cpath, "missing `type`", None);
            continue;
        };
        let resolve = |s: Option<&str>, n: &str| env.resolve(&schema, s, n);
        let ty = match canonical_type(ty_text, &resolve) {
            Ok(t) => t,
            Err(e) => {
                let mut candidates: Vec<String> = env
                    .enums
                    .iter()
                    .filter(|q| q.schema == schema)
                    .map(|q| q.name.clone())
                    .collect();
                candidates.extend(
                    [
                        "integer",
                        "bigint",
                        "text",
                        "boolean",
                        "timestamptz",
                        "uuid",
                        "jsonb",
                        "numeric",
                        "varchar",
                        "date",
                    ]
                    .iter()
                    .map(|s| (*s).to_string()),
                );
                let hint = did_you_mean(ty_text, candidates.iter().map(String::as_str))
                    .or_else(|| env.unknown_extension_hint(ty_text));
                ctx.err(&p(&cpath, &["type"]), e, hint);
                continue;
            }
        };
        let kind = identity.as_ref().map(|i| match i.generated {
            RawIdentityKind::Always => Identity::Always,
            RawIdentityKind::ByDefault => Identity::ByDefault,
        });
        let integral = matches!(ty.sql.as_str(), "smallint" | "integer" | "bigint");
        let identity_options = identity.as_ref().map(|i| {
            Box::new(super::sequence_options(
                &super::RawOptions {
                    start: i.start,
                    increment: i.increment,
                    min_value: i.min_value,
                    max_value: i.max_value,
                    cache: i.cache,
                    cycle: i.cycle,
                },
                if integral { &ty.sql } else { "bigint" },
                ctx,
                &p(&cpath, &["identity"]),
            ))
        });
        let identity = kind;
        if identity.is_some() {
            if !integral || ty.serial.is_some() {
                ctx.err(
                    &p(&cpath, &["identity"]),
                    format!(
                        "an identity column must be smallint, integer or bigint, not `{ty_text}`"
                    ),
                    None,
                );
            }
            if default.is_some() {
                ctx.err(
                    &p(&cpath, &["default"]),
                    "an identity column cannot also have a default",
                    None,
                );
            }
        }
        if ty.serial.is_some() && default.is_some() {
            ctx.err(
                &p(&cpath, &["default"]),
                "a serial column cannot also have a default",
                None,
            );
        }
        let generated = match generated {
            Some(g) => {
                if default.is_some() {
                    ctx.err(
                        &p(&cpath, &["default"]),
                        "a generated column cannot also have a default",
                        None,
                    );
                }
                if identity.is_some() {
                    ctx.err(
                        &p(&cpath, &["identity"]),
                        "a generated column cannot also be an identity",
                        None,
                    );
                }
                let gpath = p(&cpath, &["generated"]);
                checked_expr(
                    ctx,
                    &gpath,
                    g,
                    &schema,
                    Some((&names, "the generation expression")),
                )
            }
            None => None,
        };
        let default = default
            .as_ref()
            .and_then(|d| parse_expr(ctx, &p(&cpath, &["default"]), &d.0, &schema));
        if *primary_key {
            pk_from_columns.push(col_name.clone());
        }
        if *unique {
            let name = format!("{}_{col_name}_key", qn.name);
            add_constraint(
                ctx,
                &mut table,
                &p(&cpath, &["unique"]),
                Constraint {
                    validated: true,
                    name,
                    kind: ConstraintKind::Unique {
                        columns: vec![col_name.clone()],
                    },
                },
            );
        }
        if let Some(target) = references {
            let rpath = p(&cpath, &["references"]);
            match split_name_exact(target) {
                Ok(parts) if parts.len() == 2 || parts.len() == 3 => {
                    let (ref_table, ref_col) = if parts.len() == 2 {
                        (QualifiedName::new(&schema, &parts[0]), parts[1].clone())
                    } else {
                        (QualifiedName::new(&parts[0], &parts[1]), parts[2].clone())
                    };
                    add_constraint(
                        ctx,
                        &mut table,
                        &rpath,
                        Constraint {
                            validated: true,
                            name: format!("{}_{col_name}_fkey", qn.name),
                            kind: ConstraintKind::ForeignKey(ForeignKey {
                                columns: vec![col_name.clone()],
                                ref_table,
                                ref_columns: vec![ref_col],
                                on_delete: action(*on_delete),
                                on_update: action(*on_update),
                                deferrable: Deferrable::No,
                            }),
                        },
                    );
                }
                Ok(_) | Err(_) => ctx.err(
                    &rpath,
                    format!("`{target}` is not a [schema.]table.column reference"),
                    None,
                ),
            }
        } else if on_delete.is_some() || on_update.is_some() {
            ctx.err(&cpath, "`on_delete`/`on_update` need `references`", None);
        }
        let is_pk = *primary_key;
        table.columns.push(Column {
            sequence: None,
            name: col_name.clone(),
            not_null: *not_null || is_pk || identity.is_some() || ty.serial.is_some(),
            ty,
            default,
            identity,
            identity_options,
            generated,
            collation: collation.clone(),
            comment: comment.clone(),
            renamed_from: renamed_from.clone(),
        });
    }

    // A list keeps PostgreSQL's default name; the map form may name the key
    // (ORMs name it `pk_users`), so import can round-trip either.
    let pk_name = raw
        .primary_key
        .as_ref()
        .and_then(|k| k.name())
        .map_or_else(|| format!("{}_pkey", qn.name), str::to_string);
    match (&raw.primary_key, pk_from_columns.is_empty()) {
        (Some(_), false) => ctx.err(
            &p(path, &["primary_key"]),
            "the primary key is declared both here and with `primary_key: true` on a column",
            None,
        ),
        (Some(key), true) => {
            let kpath = p(path, &["primary_key"]);
            let cols = key.columns();
            let cpath = if key.name().is_some() {
                p(&kpath, &["columns"])
            } else {
                kpath.clone()
            };
            check_columns(ctx, &cpath, cols);
            if cols.is_empty() {
                ctx.err(&kpath, "a primary key needs at least one column", None);
            }
            add_constraint(
                ctx,
                &mut table,
                &kpath,
                Constraint {
                    validated: true,
                    name: pk_name,
                    kind: ConstraintKind::PrimaryKey {
                        columns: cols.to_vec(),
                    },
                },
            );
        }
        (None, false) => add_constraint(
            ctx,
            &mut table,
            path,
            Constraint {
                validated: true,
                name: pk_name,
                kind: ConstraintKind::PrimaryKey {
                    columns: pk_from_columns,
                },
            },
        ),
        (None, true) => {}
    }
    if let Some(ConstraintKind::PrimaryKey { columns }) = table
        .constraints
        .values()
        .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey { .. }))
        .map(|c| c.kind.clone())
    {
        for col in &mut table.columns {
            if columns.contains(&col.name) {
                col.not_null = true;
            }
        }
    }
    for (name, cols) in &raw.unique {
        let upath = p(path, &["unique", name]);
        check_columns(ctx, &upath, cols);
        add_constraint(
            ctx,
            &mut table,
            &upath,
            Constraint {
                validated: true,
                name: name.clone(),
                kind: ConstraintKind::Unique {
                    columns: cols.clone(),
                },
            },
        );
    }
    for (name, check) in &raw.checks {
        let cpath = p(path, &["checks", name]);
        let sql = check.expression();
        if let Some(expr) = checked_expr(ctx, &cpath, sql, &schema, Some((&names, "the check"))) {
            add_constraint(
                ctx,
                &mut table,
                &cpath,
                Constraint {
                    validated: check.validated(),
                    name: name.clone(),
                    kind: ConstraintKind::Check { expr },
                },
            );
        }
    }
    for (name, fk) in &raw.foreign_keys {
        let fpath = p(path, &["foreign_keys", name]);
        check_columns(ctx, &p(&fpath, &["columns"]), &fk.columns);
        let ref_table = match relation_name(&fk.references.table, &schema) {
            Ok(q) => q,
            Err(e) => {
                ctx.err(&p(&fpath, &["references", "table"]), e, None);
                continue;
            }
        };
        add_constraint(
            ctx,
            &mut table,
            &fpath,
            Constraint {
                validated: fk.validated,
                name: name.clone(),
                kind: ConstraintKind::ForeignKey(ForeignKey {
                    columns: fk.columns.clone(),
                    ref_table,
                    ref_columns: fk.references.columns.clone(),
                    on_delete: action(fk.on_delete),
                    on_update: action(fk.on_update),
                    deferrable: match fk.deferrable {
                        RawDeferrable::No => Deferrable::No,
                        RawDeferrable::Yes => Deferrable::Deferrable,
                        RawDeferrable::InitiallyDeferred => Deferrable::InitiallyDeferred,
                    },
                }),
            },
        );
    }
    for (name, raw_index) in &raw.indexes {
        let ipath = p(path, &["indexes", name]);
        ctx.check_name(&ipath, name);
        if let Some(index) = build_index(
            ctx,
            &ipath,
            name,
            raw_index,
            &schema,
            &names,
            &check_columns,
        ) {
            table.indexes.insert(name.clone(), index);
        }
    }
    table
}

/// Reports each listed column the table does not declare.
pub(super) type ColumnCheck<'a> = dyn Fn(&mut Ctx<'_>, &[String], &[String]) + 'a;

pub(super) fn build_index(
    ctx: &mut Ctx<'_>,
    path: &[String],
    name: &str,
    raw: &RawIndex,
    schema: &str,
    names: &[String],
    check_columns: &ColumnCheck<'_>,
) -> Option<Index> {
    check_columns(ctx, &p(path, &["columns"]), &raw.columns);
    check_columns(ctx, &p(path, &["include"]), &raw.include);
    let mut keys: Vec<IndexKey> = raw.columns.iter().cloned().map(IndexKey::Column).collect();
    for (i, e) in raw.expressions.iter().enumerate() {
        let epath = p(path, &["expressions", &i.to_string()]);
        // A bare column name is a plain key, as the catalog reports it.
        if let Ok(sqlparser::ast::Expr::Identifier(ident)) = normalize::parse_expr(e) {
            let name = if ident.quote_style.is_some() {
                ident.value.clone()
            } else {
                ident.value.to_lowercase()
            };
            if names.contains(&name) {
                keys.push(IndexKey::Column(name));
                continue;
            }
        }
        if let Some(expr) = checked_expr(
            ctx,
            &epath,
            e,
            schema,
            Some((names, "the index expression")),
        ) {
            keys.push(IndexKey::Expr(expr));
        }
    }
    if raw.columns.is_empty() && raw.expressions.is_empty() {
        ctx.err(path, "an index needs `columns` or `expressions`", None);
        return None;
    }
    let predicate = match &raw.predicate {
        Some(w) => {
            let wpath = p(path, &["where"]);
            checked_expr(ctx, &wpath, w, schema, Some((names, "the index predicate")))
        }
        None => None,
    };
    Some(Index {
        name: name.to_string(),
        unique: raw.unique,
        method: method_name(raw.method).to_string(),
        keys,
        include: raw.include.clone(),
        predicate,
        valid: true,
    })
}
