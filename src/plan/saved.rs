//! Reading back a plan saved with `plan --out`: `apply --plan FILE` runs
//! exactly the reviewed SQL, and only on a database that still has the
//! fingerprint the plan was made against.

use super::hazard::{Hazard, HazardKind};
use super::steps::Phase;
use super::{Action, Plan, PlanContext, Step, StepDeps};
use crate::error::{Error, Result};
use crate::model::ObjectKey;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::BTreeSet;

/// A saved plan: its header and its steps.
#[derive(Debug)]
pub struct SavedPlan {
    /// The steps, ready to run.
    pub plan: Plan,
    /// The schemas the fingerprint covers.
    pub managed_schemas: BTreeSet<String>,
}

fn bad(file: &str, message: &str) -> Error {
    Error::Usage(format!(
        "{file}: not a plan written by `reconcile plan --out` ({message})"
    ))
}

fn hazard_kind(text: &str) -> Option<HazardKind> {
    Some(match text {
        "data_loss" => HazardKind::DataLoss,
        "table_rewrite" => HazardKind::TableRewrite,
        "long_lock" => HazardKind::LongLock,
        "not_transactional" => HazardKind::NotTransactional,
        "may_fail" => HazardKind::MayFail,
        _ => return None,
    })
}

/// Splits SQL text into statements at top-level semicolons (strings,
/// quoted names and comments are respected by the tokenizer).
pub fn split_statements(sql: &str) -> std::result::Result<Vec<String>, String> {
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| e.to_string())?;
    // Byte offset of the start of each line, for turning spans into slices.
    let mut line_starts = vec![0usize];
    for (i, c) in sql.char_indices() {
        if c == '\n' {
            line_starts.push(i + 1);
        }
    }
    let offset = |line: u64, col: u64| -> usize {
        let start = usize::try_from(line)
            .ok()
            .and_then(|l| line_starts.get(l.saturating_sub(1)))
            .copied()
            .unwrap_or(sql.len());
        let col = usize::try_from(col).unwrap_or(0).saturating_sub(1);
        sql[start..]
            .char_indices()
            .nth(col)
            .map_or(sql.len(), |(i, _)| start + i)
    };
    let mut out = Vec::new();
    let mut begin = 0;
    for t in &tokens {
        if t.token == Token::SemiColon {
            let end = offset(t.span.start.line, t.span.start.column);
            let stmt = sql[begin..end].trim();
            if !stmt.is_empty() {
                out.push(stmt.to_string());
            }
            begin = end + 1;
        }
    }
    let rest = sql[begin.min(sql.len())..].trim();
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    Ok(out)
}

/// Parses a saved SQL plan.
pub fn parse(text: &str, file: &str) -> Result<SavedPlan> {
    let mut lines = text.lines().peekable();
    if lines.next().map(str::trim) != Some("-- reconcile plan") {
        return Err(bad(file, "the first line is not `-- reconcile plan`"));
    }
    let mut context = PlanContext::default();
    let mut managed = None;
    let mut steps: Vec<(String, Vec<Hazard>, String, bool)> = Vec::new();
    let mut in_tx = false;
    let mut header = true;
    for line in lines {
        if header {
            if let Some(rest) = line.strip_prefix("-- database fingerprint: ") {
                context.fingerprint = rest.split_whitespace().next().map(str::to_string);
                continue;
            }
            if let Some(rest) = line.strip_prefix("-- managed schemas: ") {
                let list: Vec<String> = serde_json::from_str(rest)
                    .map_err(|e| bad(file, &format!("bad managed schemas line: {e}")))?;
                managed = Some(list.into_iter().collect::<BTreeSet<_>>());
                continue;
            }
            if let Some(rest) = line.strip_prefix("-- schema: ") {
                if let Some((src, hash)) = rest.rsplit_once(" (sha256 ") {
                    context.source = Some(src.to_string());
                    context.source_hash = Some(hash.trim_end_matches(')').to_string());
                }
                continue;
            }
            if line.starts_with("--") || line.trim().is_empty() {
                continue;
            }
            header = false;
        }
        let trimmed = line.trim();
        if trimmed == "BEGIN;" {
            in_tx = true;
            continue;
        }
        if trimmed == "COMMIT;" {
            in_tx = false;
            continue;
        }
        if let Some(rest) = line.strip_prefix("-- ")
            && let Some((counter, description)) = rest.split_once(' ')
            && counter.contains('/')
            && counter.split('/').all(|n| n.parse::<usize>().is_ok())
        {
            steps.push((description.to_string(), Vec::new(), String::new(), in_tx));
            continue;
        }
        if let Some(rest) = line.strip_prefix("--   hazard ") {
            let (kind, reason) = rest.split_once(": ").unwrap_or((rest, ""));
            let kind =
                hazard_kind(kind).ok_or_else(|| bad(file, &format!("unknown hazard `{kind}`")))?;
            if let Some(step) = steps.last_mut() {
                step.1.push(Hazard::new(kind, reason));
            }
            continue;
        }
        match steps.last_mut() {
            Some(step) => {
                step.2.push_str(line);
                step.2.push('\n');
            }
            None if trimmed.is_empty()
                || trimmed.starts_with("SET lock_timeout")
                || trimmed.starts_with("--") => {}
            None => return Err(bad(file, &format!("SQL outside any step: `{trimmed}`"))),
        }
    }
    let managed_schemas = managed.ok_or_else(|| bad(file, "no `-- managed schemas:` line"))?;
    if context.fingerprint.is_none() {
        return Err(bad(file, "no `-- database fingerprint:` line"));
    }
    let mut plan_steps = Vec::new();
    for (description, hazards, sql, transactional) in steps {
        let statements =
            split_statements(&sql).map_err(|e| bad(file, &format!("step `{description}`: {e}")))?;
        plan_steps.push(Step {
            action: Action::Alter,
            object: ObjectKey::Schema(String::new()),
            description,
            sql: statements,
            hazards,
            transactional,
            schema: None,
            phase: if transactional {
                Phase::Comment
            } else {
                Phase::Concurrent
            },
            deps: StepDeps::default(),
            // A saved plan is only SQL: its conditions are not known, so
            // `apply --plan` relies on the transaction and the cleanup-free
            // post-transaction steps (see the README).
            precondition: None,
            on_failure: Vec::new(),
        });
    }
    Ok(SavedPlan {
        plan: Plan {
            context,
            steps: plan_steps,
            extra_search_path: Vec::new(),
            graph_dot: String::new(),
        },
        managed_schemas,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_outside_strings() {
        let sql = "SET search_path TO public;\nCREATE TABLE t (\n  a text DEFAULT ';'\n);\nCOMMENT ON TABLE t IS 'a;b';\n";
        assert_eq!(
            split_statements(sql).unwrap(),
            vec![
                "SET search_path TO public".to_string(),
                "CREATE TABLE t (\n  a text DEFAULT ';'\n)".to_string(),
                "COMMENT ON TABLE t IS 'a;b'".to_string(),
            ]
        );
    }
}
