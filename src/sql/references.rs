//! The names an expression or view query reads: relations, columns and
//! sequences, for dependencies and for the offline checks of `load`.
//!
//! Works on sqlparser's tree only; never talks to a database.

use crate::sql::normalize::{fold, parse_expr, parse_query};
use crate::sql::tokens;
use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectNamePart, Query, Value,
};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// Names an expression or query reads: relations and bare column names.
#[derive(Debug, Default, Clone)]
pub struct References {
    /// Relations as written, each a list of unquoted name parts.
    pub relations: BTreeSet<Vec<String>>,
    /// Last parts of every identifier (column names, mostly).
    pub identifiers: BTreeSet<String>,
    /// Whether `*` appears (all columns are read).
    pub wildcard: bool,
    /// Names of CTEs defined in the query (not relations of the schema).
    pub ctes: BTreeSet<String>,
    /// Sequences named by `nextval('...')` and its kin, as written.
    pub sequences: BTreeSet<String>,
    /// User types named by casts and typed literals (`'a'::mood`,
    /// `mood 'a'`), each a list of unquoted name parts (arrays as their
    /// element type). Built-in types are named too; callers keep the ones
    /// they know.
    pub types: BTreeSet<Vec<String>>,
}

/// The name parts of an object name (functions in names are skipped).
fn name_parts(name: &sqlparser::ast::ObjectName) -> Vec<String> {
    name.0
        .iter()
        .filter_map(|p| match p {
            ObjectNamePart::Identifier(i) => Some(fold(i)),
            ObjectNamePart::Function(_) => None,
        })
        .collect()
}

/// Walks a parsed expression or query, noting what it reads.
pub(crate) struct Collector<'a> {
    refs: &'a mut References,
    /// Keywords written where a function's syntax takes them
    /// (`normalize(s, NFKC)`), which the parser gives as identifiers: the
    /// next identifier with such a name is not a column.
    keywords: Vec<String>,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(refs: &'a mut References) -> Self {
        Collector {
            refs,
            keywords: Vec::new(),
        }
    }

    fn note_type(&mut self, ty: &sqlparser::ast::DataType) {
        use sqlparser::ast::{ArrayElemTypeDef, DataType};
        match ty {
            DataType::Custom(name, _) => {
                self.refs.types.insert(name_parts(name));
            }
            DataType::Array(
                ArrayElemTypeDef::SquareBracket(inner, _) | ArrayElemTypeDef::AngleBracket(inner),
            ) => self.note_type(inner),
            _ => {}
        }
    }
}

/// Unicode normalization forms, keywords in `normalize(text, form)`.
const NORMAL_FORMS: &[&str] = &["nfc", "nfd", "nfkc", "nfkd"];

impl sqlparser::ast::Visitor for Collector<'_> {
    type Break = ();
    fn pre_visit_table_factor(&mut self, factor: &sqlparser::ast::TableFactor) -> ControlFlow<()> {
        // A table with arguments is a function in FROM (`generate_series(1, 3) g(n)`).
        let sqlparser::ast::TableFactor::Table {
            name: relation,
            args: None,
            ..
        } = factor
        else {
            return ControlFlow::Continue(());
        };
        self.refs.relations.insert(name_parts(relation));
        ControlFlow::Continue(())
    }
    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.refs.ctes.insert(fold(&cte.alias.name));
            }
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        match expr {
            Expr::Identifier(i) => {
                let name = fold(i);
                if let Some(at) = self.keywords.iter().position(|k| *k == name) {
                    self.keywords.remove(at);
                } else {
                    self.refs.identifiers.insert(name);
                }
            }
            Expr::CompoundIdentifier(parts) => {
                if let Some(last) = parts.last() {
                    self.refs.identifiers.insert(fold(last));
                }
            }
            Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => self.refs.wildcard = true,
            Expr::Cast { data_type, .. } => self.note_type(data_type),
            Expr::TypedString(ts) => self.note_type(&ts.data_type),
            Expr::Function(f) => {
                let name = f.name.0.last().map(|p| p.to_string().to_lowercase());
                if name.as_deref() == Some("normalize")
                    && let FunctionArguments::List(list) = &f.args
                    && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(form)))) =
                        list.args.get(1)
                    && form.quote_style.is_none()
                    && NORMAL_FORMS.contains(&form.value.to_lowercase().as_str())
                {
                    self.keywords.push(form.value.to_lowercase());
                }
                if matches!(name.as_deref(), Some("nextval" | "currval" | "setval"))
                    && let FunctionArguments::List(list) = &f.args
                    && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))) =
                        list.args.first()
                {
                    let lit = match arg {
                        Expr::Cast { expr, .. } => expr.as_ref(),
                        other => other,
                    };
                    if let Expr::Value(v) = lit
                        && let Value::SingleQuotedString(s) = &v.value
                    {
                        self.refs.sequences.insert(s.clone());
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_select(&mut self, select: &sqlparser::ast::Select) -> ControlFlow<()> {
        for item in &select.projection {
            match item {
                sqlparser::ast::SelectItem::Wildcard(_)
                | sqlparser::ast::SelectItem::QualifiedWildcard(..) => self.refs.wildcard = true,
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }
}

/// The names an expression reads; for text sqlparser cannot parse, every
/// name it may read (see [`tokens::names`]).
pub fn expr_references(sql: &str) -> Result<References, String> {
    thread_local! {
        /// What texts already seen read (the same expression recurs on
        /// many tables; the answer depends on the text alone).
        static SEEN: std::cell::RefCell<std::collections::HashMap<String, Result<References, String>>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    if let Some(hit) = SEEN.with(|s| s.borrow().get(sql).cloned()) {
        return hit;
    }
    let refs = read_expr_references(sql);
    SEEN.with(|s| s.borrow_mut().insert(sql.to_string(), refs.clone()));
    refs
}

fn read_expr_references(sql: &str) -> Result<References, String> {
    let Ok(parsed) = parse_expr(sql) else {
        return tokens::names(sql);
    };
    let mut refs = References::default();
    let _ = sqlparser::ast::Visit::visit(&parsed, &mut Collector::new(&mut refs));
    Ok(refs)
}

/// The names a query reads; for text sqlparser cannot parse, every name it
/// may read (see [`tokens::names`]).
pub fn query_references(sql: &str) -> Result<References, String> {
    let Ok(parsed) = parse_query(sql) else {
        return tokens::names(sql);
    };
    let mut refs = References::default();
    let _ = sqlparser::ast::Visit::visit(&parsed, &mut Collector::new(&mut refs));
    Ok(refs)
}

/// Names PostgreSQL reads as functions although they are written like
/// columns (`SELECT current_user`).
const BARE_FUNCTIONS: &[&str] = &[
    "current_user",
    "session_user",
    "user",
    "current_role",
    "current_schema",
    "current_catalog",
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
];

/// One relation of a `FROM` list as a scope entry: the name it is known by
/// and its columns when they are certain (a declared table without a
/// column alias list); `None` for anything else.
type ScopeEntry = (String, Option<Vec<String>>);

/// Columns a view's query certainly names wrongly: `alias.col` where the
/// alias is a declared table of the same `SELECT` that has no such column,
/// and, in the outermost `SELECT`s, a bare name that no relation of a `FROM`
/// list made only of declared tables has. Anything uncertain (views,
/// subqueries, functions, CTEs, outer references) is not reported: a false
/// alarm would block a valid schema. `columns_of` gives a declared table's
/// columns from its name parts.
pub fn query_column_errors(
    sql: &str,
    columns_of: &dyn Fn(&[String]) -> Option<Vec<String>>,
) -> Vec<String> {
    let Ok(parsed) = parse_query(sql) else {
        return Vec::new();
    };
    let mut refs = References::default();
    let _ = sqlparser::ast::Visit::visit(&parsed, &mut Collector::new(&mut refs));
    let mut checker = ColumnChecker {
        columns_of,
        ctes: refs.ctes,
        depth: 0,
        errors: Vec::new(),
    };
    let _ = sqlparser::ast::Visit::visit(&parsed, &mut checker);
    checker.errors.sort();
    checker.errors.dedup();
    checker.errors
}

struct ColumnChecker<'a> {
    columns_of: &'a dyn Fn(&[String]) -> Option<Vec<String>>,
    ctes: BTreeSet<String>,
    depth: usize,
    errors: Vec<String>,
}

impl ColumnChecker<'_> {
    fn scope_of(&self, factor: &sqlparser::ast::TableFactor, out: &mut Vec<ScopeEntry>) {
        use sqlparser::ast::TableFactor;
        match factor {
            TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                let parts: Vec<String> = name
                    .0
                    .iter()
                    .filter_map(|p| match p {
                        ObjectNamePart::Identifier(i) => Some(fold(i)),
                        ObjectNamePart::Function(_) => None,
                    })
                    .collect();
                let is_cte = parts.len() == 1 && self.ctes.contains(&parts[0]);
                let renamed = alias.as_ref().is_some_and(|a| !a.columns.is_empty());
                let cols = if is_cte || renamed {
                    None
                } else {
                    (self.columns_of)(&parts)
                };
                let known_as = alias
                    .as_ref()
                    .map(|a| fold(&a.name))
                    .or_else(|| parts.last().cloned())
                    .unwrap_or_default();
                out.push((known_as, cols));
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias: None,
            } => {
                self.scope_of(&table_with_joins.relation, out);
                for j in &table_with_joins.joins {
                    self.scope_of(&j.relation, out);
                }
            }
            other => {
                let alias = match other {
                    TableFactor::Derived { alias, .. }
                    | TableFactor::Table { alias, .. }
                    | TableFactor::NestedJoin { alias, .. }
                    | TableFactor::Function { alias, .. }
                    | TableFactor::UNNEST { alias, .. } => alias.as_ref().map(|a| fold(&a.name)),
                    _ => None,
                };
                out.push((alias.unwrap_or_default(), None));
            }
        }
    }
}

/// Collects the identifiers of one `SELECT`'s own expressions, leaving out
/// those inside subqueries.
struct OwnNames {
    depth: usize,
    bare: Vec<String>,
    qualified: Vec<(String, String)>,
}

impl sqlparser::ast::Visitor for OwnNames {
    type Break = ();
    fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }
    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }
    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.depth > 0 {
            return ControlFlow::Continue(());
        }
        match expr {
            Expr::Identifier(i) => self.bare.push(fold(i)),
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                self.qualified.push((fold(&parts[0]), fold(&parts[1])));
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

impl sqlparser::ast::Visitor for ColumnChecker<'_> {
    type Break = ();
    fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }
    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }
    fn pre_visit_select(&mut self, select: &sqlparser::ast::Select) -> ControlFlow<()> {
        use sqlparser::ast::{GroupByExpr, JoinConstraint, JoinOperator, SelectItem, Visit};
        let mut scope = Vec::new();
        for twj in &select.from {
            self.scope_of(&twj.relation, &mut scope);
            for j in &twj.joins {
                self.scope_of(&j.relation, &mut scope);
            }
        }
        let mut names = OwnNames {
            depth: 0,
            bare: Vec::new(),
            qualified: Vec::new(),
        };
        let mut aliases = BTreeSet::new();
        for item in &select.projection {
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let _ = e.visit(&mut names);
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    aliases.insert(fold(alias));
                    let _ = expr.visit(&mut names);
                }
                _ => {}
            }
        }
        for e in select.selection.iter().chain(select.having.iter()) {
            let _ = e.visit(&mut names);
        }
        if let GroupByExpr::Expressions(exprs, _) = &select.group_by {
            for e in exprs {
                let _ = e.visit(&mut names);
            }
        }
        for twj in &select.from {
            for j in &twj.joins {
                let constraint = match &j.join_operator {
                    JoinOperator::Join(c)
                    | JoinOperator::Inner(c)
                    | JoinOperator::Left(c)
                    | JoinOperator::LeftOuter(c)
                    | JoinOperator::Right(c)
                    | JoinOperator::RightOuter(c)
                    | JoinOperator::FullOuter(c) => Some(c),
                    _ => None,
                };
                if let Some(JoinConstraint::On(e)) = constraint {
                    let _ = e.visit(&mut names);
                }
            }
        }
        for (q, c) in &names.qualified {
            let matching: Vec<&ScopeEntry> = scope.iter().filter(|(n, _)| n == q).collect();
            if let [(_, Some(cols))] = matching.as_slice()
                && !cols.contains(c)
            {
                self.errors.push(format!(
                    "the query reads column `{q}.{c}`, which is not declared"
                ));
            }
        }
        // Bare names only in the outermost SELECTs: inside a subquery they
        // may belong to an outer query.
        let all_known = !scope.is_empty() && scope.iter().all(|(_, c)| c.is_some());
        if self.depth == 1 && all_known {
            for c in &names.bare {
                let known = scope
                    .iter()
                    .any(|(n, cols)| n == c || cols.as_ref().is_some_and(|v| v.contains(c)));
                if !known
                    && !aliases.contains(c)
                    && !BARE_FUNCTIONS.contains(&c.as_str())
                    && !NORMAL_FORMS.contains(&c.as_str())
                {
                    self.errors.push(format!(
                        "the query reads column `{c}`, which is not declared"
                    ));
                }
            }
        }
        ControlFlow::Continue(())
    }
}
