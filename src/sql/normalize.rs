//! Canonical forms of SQL expressions and view queries.
//!
//! An expression is parsed with sqlparser (PostgreSQL dialect) and rewritten
//! so that spellings PostgreSQL treats as the same meaning print the same:
//! unquoted identifiers fold to lower case, redundant parentheses go, casts of
//! literals go (the catalog adds `'member'::user_role` where the user wrote
//! `'member'`), `IN (...)` becomes `= ANY (ARRAY[...])` and `BETWEEN` becomes
//! two comparisons, as PostgreSQL stores them. Operands that are themselves
//! operations are then parenthesised, so the printed form is unambiguous.

use crate::model::{SqlExpr, quote_ident};
use crate::sql::references::Collector;
pub use crate::sql::references::{
    References, expr_references, query_column_errors, query_references,
};
use crate::sql::tokens;
use crate::sql::types::canonical_cast_type;
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    Ident, InTarget, ObjectName, ObjectNamePart, Query, UnaryOperator, Value, ValueWithSpan,
    VisitMut, VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;
use std::ops::ControlFlow;

/// Parses an SQL expression, rejecting trailing text.
pub fn parse_expr(sql: &str) -> Result<Expr, String> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(sql)
        .map_err(|e| e.to_string())?;
    let expr = parser.parse_expr().map_err(|e| e.to_string())?;
    if parser.peek_token().token != Token::EOF {
        return Err(format!(
            "unexpected `{}` after the expression",
            parser.peek_token().token
        ));
    }
    Ok(expr)
}

/// Parses a `SELECT` (or `WITH ... SELECT`, `VALUES`) query; one trailing `;` is allowed.
pub fn parse_query(sql: &str) -> Result<Query, String> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(sql)
        .map_err(|e| e.to_string())?;
    let query = parser.parse_query().map_err(|e| e.to_string())?;
    while parser.peek_token().token == Token::SemiColon {
        parser.next_token();
    }
    if parser.peek_token().token != Token::EOF {
        return Err(format!(
            "unexpected `{}` after the query",
            parser.peek_token().token
        ));
    }
    Ok(*query)
}

/// Builds an [`SqlExpr`] from user or catalog text; `schema` is the schema the
/// expression belongs to (its own qualifier is dropped when comparing).
pub fn expr(sql: &str, schema: &str) -> Result<SqlExpr, String> {
    expr_with_references(sql, schema).map(|(e, _)| e)
}

/// A canonical form with the names it reads, or why the text does not parse.
type Reading = Result<(SqlExpr, References), String>;

thread_local! {
    /// Readings of expression texts already seen, by (text, schema): the
    /// same default, check or predicate recurs on many tables (`now()`,
    /// `''::text`, `(amount >= (0)::numeric)`), and parsing is the costly
    /// part of loading and introspection. The reading is a pure function
    /// of the two, so a repeat is never read differently.
    static READINGS: std::cell::RefCell<std::collections::HashMap<(String, String), Reading>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Like [`expr`], also returning the names the expression reads (one parse).
pub fn expr_with_references(sql: &str, schema: &str) -> Reading {
    let key = (sql.to_string(), schema.to_string());
    if let Some(hit) = READINGS.with(|r| r.borrow().get(&key).cloned()) {
        return hit;
    }
    let reading = read_expr(sql, schema);
    READINGS.with(|r| r.borrow_mut().insert(key, reading.clone()));
    reading
}

fn read_expr(sql: &str, schema: &str) -> Reading {
    let mut parsed = parse_expr(sql)?;
    let mut refs = References::default();
    let _ = sqlparser::ast::Visit::visit(&parsed, &mut Collector::new(&mut refs));
    let _ = parsed.visit(&mut Canonicalizer { schema });
    Ok((
        SqlExpr {
            sql: tokens::embeddable(sql),
            canonical: parsed.to_string(),
        },
        refs,
    ))
}

/// Like [`query`], also returning the names the query reads (one parse).
pub fn query_with_references(sql: &str, schema: &str) -> Result<(SqlExpr, References), String> {
    let mut parsed = parse_query(sql)?;
    let mut refs = References::default();
    let _ = sqlparser::ast::Visit::visit(&parsed, &mut Collector::new(&mut refs));
    let _ = parsed.visit(&mut Canonicalizer { schema });
    let text = tokens::embeddable(sql);
    Ok((
        SqlExpr {
            sql: text,
            canonical: parsed.to_string(),
        },
        refs,
    ))
}

/// Builds an [`SqlExpr`] for a view query.
pub fn query(sql: &str, schema: &str) -> Result<SqlExpr, String> {
    let mut parsed = parse_query(sql)?;
    let _ = parsed.visit(&mut Canonicalizer { schema });
    let text = tokens::embeddable(sql);
    Ok(SqlExpr {
        sql: text,
        canonical: parsed.to_string(),
    })
}

/// Text sqlparser cannot parse, kept as written: it compares by its text
/// (and, against a database, by the server's reading of it).
pub fn unparsed(text: &str) -> SqlExpr {
    let sql = tokens::embeddable(text);
    SqlExpr {
        canonical: format!("{}{}", SqlExpr::NOT_PARSED, sql.trim_end()),
        sql,
    }
}

/// Like [`expr`]; text sqlparser cannot parse is kept as written when it is
/// one expression (see [`tokens::single_statement`]). The flag says whether
/// it was parsed.
pub fn expr_or_text(sql: &str, schema: &str) -> Result<(SqlExpr, bool), String> {
    match expr(sql, schema) {
        Ok(e) => Ok((e, true)),
        Err(parse_error) => match tokens::single_statement(sql, false) {
            Ok(_) => Ok((unparsed(sql), false)),
            Err(e) => Err(format!("{parse_error} ({e})")),
        },
    }
}

/// Like [`query`], for queries; see [`expr_or_text`].
pub fn query_or_text(sql: &str, schema: &str) -> Result<(SqlExpr, bool), String> {
    match query(sql, schema) {
        Ok(q) => Ok((q, true)),
        Err(parse_error) => match tokens::single_statement(sql, true) {
            Ok(_) => Ok((unparsed(sql), false)),
            Err(e) => Err(format!("{parse_error} ({e})")),
        },
    }
}

/// An identifier as PostgreSQL resolves it: unquoted folds to lower case.
pub(crate) fn fold(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

struct Canonicalizer<'a> {
    schema: &'a str,
}

/// The identifier as PostgreSQL resolves it, quoted only where it must be,
/// so the canonical text reads back to the same names.
fn folded(ident: &Ident) -> Ident {
    let value = fold(ident);
    if quote_ident(&value).starts_with('"') {
        Ident::with_quote('"', value)
    } else {
        Ident::new(value)
    }
}

fn is_atomic(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Identifier(_)
            | Expr::CompoundIdentifier(_)
            | Expr::Value(_)
            | Expr::Function(_)
            | Expr::Nested(_)
            | Expr::Array(_)
            | Expr::Case { .. }
            | Expr::Subquery(_)
            | Expr::Exists { .. }
            | Expr::Tuple(_)
            | Expr::TypedString(_)
            | Expr::Cast {
                kind: CastKind::Cast,
                ..
            }
    )
}

fn paren(expr: &mut Expr) {
    if !is_atomic(expr) {
        let inner = std::mem::replace(expr, Expr::value(Value::Null));
        *expr = Expr::Nested(Box::new(inner));
    }
}

/// The literal's text when it is an integer PostgreSQL reads as `integer`
/// (an `int4` constant): digits with an optional minus, within 32 bits.
fn int4_text(s: &str) -> Option<String> {
    let t = s.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let digits = !body.is_empty() && body.chars().all(|c| c.is_ascii_digit());
    (digits && t.parse::<i32>().is_ok()).then(|| t.to_string())
}

/// The literal's text when PostgreSQL reads it as a `numeric` constant with
/// exactly these digits: digits, one point with digits on both sides.
fn decimal_text(s: &str) -> Option<String> {
    let t = s.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let (whole, frac) = body.split_once('.')?;
    let digits = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    (digits(whole) && digits(frac)).then(|| t.to_string())
}

fn data_type_text(dt: &DataType) -> String {
    dt.to_string()
}

/// Whether a canonical cast type is one PostgreSQL knows without a schema
/// (a built-in type), as opposed to a user type such as an enum.
fn is_builtin_cast_type(ty: &str) -> bool {
    crate::sql::types::canonical_type(ty, &|_, _| None).is_ok()
}

fn bare_string(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(_),
            ..
        })
    )
}

/// Drops `"schema".` or `schema.` of the context schema from a regclass literal.
fn strip_schema_from_regclass(text: &str, schema: &str) -> String {
    for prefix in [format!("{}.", quote_ident(schema)), format!("{schema}.")] {
        if let Some(rest) = text.strip_prefix(&prefix) {
            return rest.to_string();
        }
    }
    text.to_string()
}

impl Canonicalizer<'_> {
    /// A cast in canonical form. A cast goes only where it cannot change
    /// the value or the type PostgreSQL would give the operand anyway (a
    /// string literal read as `text`, `'7'::integer` as `7`, a string cast
    /// to a user type such as an enum, which only accepts its labels as
    /// written). Every other cast stays: `1.5::integer` rounds,
    /// `'abc'::varchar(2)` cuts, `c::text` compares as text. Where the
    /// catalog adds a cast the user did not write, the server probe
    /// (`introspect::probe`) decides.
    fn cast(
        &self,
        kind: CastKind,
        inner: Expr,
        ty: String,
        format: Option<sqlparser::ast::CastFormat>,
    ) -> Expr {
        let plain_text = ty == "text" || ty == "character varying";
        let keep = |inner: Expr, ty: String| Expr::Cast {
            kind: if kind == CastKind::DoubleColon {
                CastKind::Cast
            } else {
                kind
            },
            expr: Box::new(inner),
            data_type: DataType::Custom(
                ObjectName(vec![ObjectNamePart::Identifier(Ident::new(ty))]),
                vec![],
            ),
            format: format.clone(),
        };
        if format.is_some() {
            return keep(inner, ty);
        }
        match inner {
            Expr::Value(ValueWithSpan {
                value: Value::SingleQuotedString(s),
                span,
            }) => {
                let string = Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(s.clone()),
                    span,
                });
                if plain_text || (!ty.contains('(') && !is_builtin_cast_type(&ty)) {
                    string
                } else if ty == "integer"
                    && let Some(n) = int4_text(&s)
                {
                    Expr::value(Value::Number(n, false))
                } else if ty == "numeric"
                    && let Some(n) = decimal_text(&s)
                {
                    Expr::value(Value::Number(n, false))
                } else if let Some(n) = int4_text(&s)
                    && matches!(ty.as_str(), "smallint" | "bigint" | "numeric")
                {
                    // `'7'::bigint` and `7::bigint` are one value of one type.
                    keep(Expr::value(Value::Number(n, false)), ty)
                } else {
                    keep(string, ty)
                }
            }
            Expr::Value(ValueWithSpan {
                value: Value::Number(n, long),
                span,
            }) => {
                if (ty == "integer" && int4_text(&n).is_some())
                    || (ty == "numeric" && decimal_text(&n).is_some())
                {
                    Expr::Value(ValueWithSpan {
                        value: Value::Number(n, long),
                        span,
                    })
                } else {
                    keep(
                        Expr::Value(ValueWithSpan {
                            value: Value::Number(n, long),
                            span,
                        }),
                        ty,
                    )
                }
            }
            // `ARRAY['a', 'b']` is a text[] already.
            Expr::Array(a)
                if (ty == "text[]" || ty == "character varying[]")
                    && !a.elem.is_empty()
                    && a.elem.iter().all(bare_string) =>
            {
                Expr::Array(a)
            }
            other => keep(other, ty),
        }
    }

    fn rewrite(&self, expr: &mut Expr) {
        let taken = std::mem::replace(expr, Expr::value(Value::Null));
        *expr = match taken {
            Expr::Nested(inner) => *inner,
            Expr::Identifier(i) => Expr::Identifier(folded(&i)),
            Expr::CompoundIdentifier(parts) => {
                let mut parts: Vec<Ident> = parts.iter().map(folded).collect();
                if parts.len() == 3 && parts[0].value == self.schema {
                    parts.remove(0);
                }
                Expr::CompoundIdentifier(parts)
            }
            Expr::TypedString(ts) => {
                // `date '2020-01-01'` is the literal cast to the type, as
                // the catalog prints it (`'2020-01-01'::date`).
                let ty = canonical_cast_type(&data_type_text(&ts.data_type), self.schema);
                self.cast(CastKind::Cast, Expr::Value(ts.value), ty, None)
            }
            Expr::Interval(iv)
                if iv.leading_field.is_none()
                    && iv.last_field.is_none()
                    && iv.leading_precision.is_none()
                    && iv.fractional_seconds_precision.is_none() =>
            {
                self.cast(CastKind::Cast, *iv.value, "interval".to_string(), None)
            }
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr: inner,
            } => match *inner {
                Expr::Value(ValueWithSpan {
                    value: Value::Number(n, long),
                    ..
                }) => Expr::value(Value::Number(format!("-{n}"), long)),
                other => Expr::UnaryOp {
                    op: UnaryOperator::Minus,
                    expr: Box::new(other),
                },
            },
            // `a IS NOT DISTINCT FROM b` is stored as `NOT (a IS DISTINCT FROM b)`.
            Expr::IsNotDistinctFrom(a, b) => Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr: Box::new(Expr::IsDistinctFrom(a, b)),
            },
            Expr::Cast {
                kind,
                expr: inner,
                data_type,
                format,
            } => {
                let ty = canonical_cast_type(&data_type_text(&data_type), self.schema);
                self.cast(kind, *inner, ty, format)
            }
            Expr::In {
                expr: left,
                target: InTarget::List(list),
                negated,
                global: false,
            } => {
                let array = Expr::Array(sqlparser::ast::Array {
                    elem: list,
                    named: true,
                });
                if negated {
                    Expr::AllOp {
                        left,
                        compare_op: BinaryOperator::NotEq,
                        right: Box::new(array),
                    }
                } else {
                    Expr::AnyOp {
                        left,
                        compare_op: BinaryOperator::Eq,
                        right: Box::new(array),
                        is_some: false,
                    }
                }
            }
            Expr::AnyOp {
                left,
                compare_op,
                right,
                ..
            } => Expr::AnyOp {
                left,
                compare_op,
                right,
                is_some: false,
            },
            Expr::Between {
                expr: e,
                negated,
                low,
                high,
            } => {
                let (op_low, op_high, join) = if negated {
                    (BinaryOperator::Lt, BinaryOperator::Gt, BinaryOperator::Or)
                } else {
                    (
                        BinaryOperator::GtEq,
                        BinaryOperator::LtEq,
                        BinaryOperator::And,
                    )
                };
                let mut lo = Expr::BinaryOp {
                    left: e.clone(),
                    op: op_low,
                    right: low,
                };
                let mut hi = Expr::BinaryOp {
                    left: e,
                    op: op_high,
                    right: high,
                };
                self.rewrite_children(&mut lo);
                self.rewrite_children(&mut hi);
                Expr::BinaryOp {
                    left: Box::new(lo),
                    op: join,
                    right: Box::new(hi),
                }
            }
            Expr::Like {
                negated,
                any: false,
                expr: e,
                pattern,
                escape_char: None,
            } => Expr::BinaryOp {
                left: e,
                op: if negated {
                    BinaryOperator::PGNotLikeMatch
                } else {
                    BinaryOperator::PGLikeMatch
                },
                right: pattern,
            },
            Expr::ILike {
                negated,
                any: false,
                expr: e,
                pattern,
                escape_char: None,
            } => Expr::BinaryOp {
                left: e,
                op: if negated {
                    BinaryOperator::PGNotILikeMatch
                } else {
                    BinaryOperator::PGILikeMatch
                },
                right: pattern,
            },
            Expr::Function(mut f) => {
                let mut parts: Vec<ObjectNamePart> = f
                    .name
                    .0
                    .iter()
                    .map(|p| match p {
                        ObjectNamePart::Identifier(i) => ObjectNamePart::Identifier(folded(i)),
                        other => other.clone(),
                    })
                    .collect();
                if parts.len() == 2
                    && let ObjectNamePart::Identifier(first) = &parts[0]
                    && (first.value == self.schema || first.value == "pg_catalog")
                {
                    parts.remove(0);
                }
                let name = parts.last().map(ToString::to_string).unwrap_or_default();
                f.name = ObjectName(parts);
                if matches!(name.as_str(), "nextval" | "currval" | "setval")
                    && let FunctionArguments::List(list) = &mut f.args
                    && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))) =
                        list.args.first_mut()
                {
                    // The argument is a regclass: `'seq'` and `'seq'::regclass` are one.
                    if let Expr::Cast {
                        expr: inner,
                        data_type,
                        ..
                    } = arg
                        && data_type.to_string() == "regclass"
                        && bare_string(inner)
                    {
                        let inner = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                        *arg = inner;
                    }
                    if let Expr::Value(v) = arg
                        && let Value::SingleQuotedString(s) = &mut v.value
                    {
                        *s = strip_schema_from_regclass(s, self.schema);
                    }
                }
                Expr::Function(f)
            }
            other => other,
        };
        self.rewrite_children(expr);
    }

    /// Parenthesises operands that are operations, so printing is unambiguous.
    fn rewrite_children(&self, expr: &mut Expr) {
        match expr {
            Expr::BinaryOp { left, right, .. } => {
                paren(left);
                paren(right);
            }
            Expr::AnyOp { left, .. } | Expr::AllOp { left, .. } => paren(left),
            Expr::UnaryOp { expr: e, .. }
            | Expr::Cast { expr: e, .. }
            | Expr::IsNull(e)
            | Expr::IsNotNull(e)
            | Expr::IsTrue(e)
            | Expr::IsNotTrue(e)
            | Expr::IsFalse(e)
            | Expr::IsNotFalse(e)
            | Expr::Collate { expr: e, .. } => paren(e),
            Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                paren(a);
                paren(b);
            }
            _ => {}
        }
    }
}

impl VisitorMut for Canonicalizer<'_> {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        self.rewrite(expr);
        ControlFlow::Continue(())
    }

    fn post_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        let mut parts: Vec<ObjectNamePart> = relation
            .0
            .iter()
            .map(|p| match p {
                ObjectNamePart::Identifier(i) => ObjectNamePart::Identifier(folded(i)),
                other => other.clone(),
            })
            .collect();
        if parts.len() == 2
            && let ObjectNamePart::Identifier(first) = &parts[0]
            && first.value == self.schema
        {
            parts.remove(0);
        }
        relation.0 = parts;
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        let x = expr(a, "public").unwrap();
        let y = expr(b, "public").unwrap();
        assert_eq!(x.canonical, y.canonical, "{a}  vs  {b}");
    }

    fn differ(a: &str, b: &str) {
        let x = expr(a, "public").unwrap();
        let y = expr(b, "public").unwrap();
        assert_ne!(x.canonical, y.canonical, "{a}  vs  {b}");
    }

    /// Equalities that hold whatever the column types are. Those that need
    /// the types (`lower((email)::text)` on a varchar column, `'{}'::text[]`)
    /// are the server's to decide: see `tests/meaning.rs`.
    #[test]
    fn catalog_spellings_equal_user_spellings() {
        same("'member'", "'member'::user_role");
        same("'member'", "'member'::public.user_role");
        same("now()", "NOW()");
        same("email <> ''", "(email <> ''::text)");
        same(
            "status IN ('a', 'b')",
            "(status = ANY (ARRAY['a'::text, 'b'::text]))",
        );
        same("status NOT IN ('a')", "(status <> ALL (ARRAY['a'::text]))");
        same("-1", "'-1'::integer");
        same("7", "'7'::integer");
        same("7::bigint", "'7'::bigint");
        same("1.5", "'1.5'::numeric");
        same("0", "0");
        same("1.5", "1.5");
        same("price BETWEEN 1 AND 10", "((price >= 1) AND (price <= 10))");
        same("email LIKE '%@%'", "(email ~~ '%@%'::text)");
        same(
            "nextval('invoice_no')",
            "nextval('public.invoice_no'::regclass)",
        );
        same("deleted_at IS NULL", "(deleted_at IS NULL)");
        same("interval '1 day'", "'1 day'::interval");
        same("date '2020-01-01'", "'2020-01-01'::date");
        same("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP");
        same("true", "TRUE");
        same("\"Email\" <> ''", "(\"Email\" <> ''::text)");
        same("a IS NOT DISTINCT FROM b", "(NOT (a IS DISTINCT FROM b))");
    }

    #[test]
    fn different_meanings_stay_different() {
        differ("(a + b) * c", "a + (b * c)");
        differ("a - (b - c)", "(a - b) - c");
        differ("\"Email\" <> ''", "email <> ''");
        differ("'a'", "'b'");
        differ("x > 1", "x >= 1");
        differ("(a + b)::int", "a + b::int");
        // Casts that can change a value are part of the meaning (SPEC §6).
        differ("x > 1.5::int", "x > 1.5");
        differ("x > (1.5)::integer", "x > 1.5");
        differ("'abc'::varchar(2)", "'abc'");
        differ("'abc'::character varying(2)", "'abc'");
        differ("'a'::char(3)", "'a'");
        differ("c::text = '1'", "c = '1'");
        differ("lower(c::text)", "lower(c)");
        differ("x / 2", "x::numeric / 2");
        differ("'7'::numeric / 2", "7 / 2");
        differ("'1.5'::bigint", "1.5::bigint");
        differ("'2020-01-01 10:00'::date", "'2020-01-01 10:00'");
        differ("'{a}'", "'{a}'::text[]");
        differ("1::bigint", "1");
        differ("NULL::integer", "NULL");
        differ("'1 day'", "'1 day'::interval");
    }

    #[test]
    fn bad_expressions_are_errors() {
        assert!(expr("lower(", "public").is_err());
        assert!(expr("a b", "public").is_err());
        assert!(query("SELECT 1 FROM", "public").is_err());
    }

    #[test]
    fn functions_in_from_and_keywords_are_not_names() {
        let r = query_references(
            "WITH m AS (SELECT 1 AS k) SELECT g.n, m.k FROM generate_series(0, 11) g(n), m, \
             LATERAL unnest(ARRAY[1]) u(x)",
        )
        .unwrap();
        assert!(
            r.relations
                .iter()
                .all(|r| r != &vec!["generate_series".to_string()])
        );
        assert!(r.relations.iter().all(|r| r != &vec!["unnest".to_string()]));
        let r = expr_references("normalize(display_name, NFKC)").unwrap();
        assert!(r.identifiers.contains("display_name"));
        assert!(!r.identifiers.contains("nfkc"));
        let r = expr_references("normalize(nfkc, NFKC)").unwrap();
        assert!(r.identifiers.contains("nfkc"));
    }

    #[test]
    fn references() {
        let r = query_references(
            "WITH x AS (SELECT 1) SELECT u.id, email FROM users u JOIN app.t ON true, x",
        )
        .unwrap();
        assert!(r.relations.contains(&vec!["users".to_string()]));
        assert!(
            r.relations
                .contains(&vec!["app".to_string(), "t".to_string()])
        );
        assert!(r.ctes.contains("x"));
        assert!(r.identifiers.contains("email"));
        assert!(r.identifiers.contains("id"));
    }

    #[test]
    fn types_named_by_casts_and_typed_literals() {
        let r = expr_references(
            "('a'::public.mood)::text <> CAST(x AS \"My Type\"[]) OR status = mood 'b'",
        )
        .unwrap();
        let types: Vec<Vec<String>> = r.types.into_iter().collect();
        assert!(
            types.contains(&vec!["public".to_string(), "mood".to_string()]),
            "{types:?}"
        );
        assert!(types.contains(&vec!["My Type".to_string()]), "{types:?}");
        assert!(types.contains(&vec!["mood".to_string()]), "{types:?}");
    }
}
