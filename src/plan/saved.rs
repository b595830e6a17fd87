//! Reading back a plan saved with `plan --out`: `apply --plan FILE` runs
//! exactly the reviewed SQL, and only on a database that still has the
//! fingerprint the plan was made against.

use super::hazard::{Hazard, HazardKind};
use super::precondition::Precondition;
use super::steps::Phase;
use super::{
    Action, ON_FAILURE, ON_FAILURE_JSON, Plan, PlanContext, REQUIRES, Step, StepDeps, from_comment,
};
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

/// One step as read from the file, before its SQL is split.
struct SavedStep {
    /// `3/5`, for messages.
    counter: String,
    description: String,
    hazards: Vec<Hazard>,
    precondition: Option<Precondition>,
    on_failure: Vec<String>,
    sql: String,
    transactional: bool,
}

impl SavedStep {
    /// How messages name the step: `step 3/5 (add column ...)`.
    fn label(&self) -> String {
        format!("step {} ({})", self.counter, self.description)
    }
}

/// The step a comment line of its header belongs to; such a line before
/// the first step is an error, not a comment to skip.
fn current<'a>(steps: &'a mut [SavedStep], file: &str, line: &str) -> Result<&'a mut SavedStep> {
    steps
        .last_mut()
        .ok_or_else(|| bad(file, &format!("`{}` before the first step", line.trim())))
}

/// Parses a saved SQL plan.
///
/// Each step's comment header carries its hazards and, where `plan` made
/// them, its precondition (`--   requires: {json}`) and cleanup statements
/// (`--   on failure: SQL`), so that `apply --plan` runs the same preflight
/// and cleanup as `apply`. Plans saved before these lines existed load with
/// neither.
pub fn parse(text: &str, file: &str) -> Result<SavedPlan> {
    let mut lines = text.lines().peekable();
    if lines.next().map(str::trim) != Some("-- reconcile plan") {
        return Err(bad(file, "the first line is not `-- reconcile plan`"));
    }
    let mut context = PlanContext::default();
    let mut managed = None;
    let mut steps: Vec<SavedStep> = Vec::new();
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
            if [REQUIRES, ON_FAILURE, ON_FAILURE_JSON]
                .iter()
                .any(|p| line.starts_with(p))
            {
                // A step's comment line before any step: misplaced, and
                // skipping it could skip a check.
                return Err(bad(
                    file,
                    &format!("`{}` before the first step", line.trim()),
                ));
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
            steps.push(SavedStep {
                counter: counter.to_string(),
                description: from_comment(description),
                hazards: Vec::new(),
                precondition: None,
                on_failure: Vec::new(),
                sql: String::new(),
                transactional: in_tx,
            });
            continue;
        }
        if let Some(rest) = line.strip_prefix("--   hazard ") {
            let (kind, reason) = rest.split_once(": ").unwrap_or((rest, ""));
            let kind =
                hazard_kind(kind).ok_or_else(|| bad(file, &format!("unknown hazard `{kind}`")))?;
            if let Some(step) = steps.last_mut() {
                step.hazards.push(Hazard::new(kind, from_comment(reason)));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix(REQUIRES) {
            let step = current(&mut steps, file, line)?;
            if step.precondition.is_some() {
                return Err(bad(
                    file,
                    &format!("{}: more than one `requires:` line", step.label()),
                ));
            }
            let p = Precondition::from_json_line(rest).map_err(|e| {
                bad(
                    file,
                    &format!("{}: bad `requires:` line ({e}): `{rest}`", step.label()),
                )
            })?;
            step.precondition = Some(p);
            continue;
        }
        if let Some(rest) = line.strip_prefix(ON_FAILURE_JSON) {
            let step = current(&mut steps, file, line)?;
            let q: String = serde_json::from_str(rest).map_err(|e| {
                bad(
                    file,
                    &format!(
                        "{}: bad `on failure (json):` line ({e}): `{rest}`",
                        step.label()
                    ),
                )
            })?;
            step.on_failure.push(q);
            continue;
        }
        if let Some(rest) = line.strip_prefix(ON_FAILURE) {
            let step = current(&mut steps, file, line)?;
            if rest.trim().is_empty() {
                return Err(bad(
                    file,
                    &format!("{}: empty `on failure:` line", step.label()),
                ));
            }
            step.on_failure.push(rest.to_string());
            continue;
        }
        match steps.last_mut() {
            Some(step) => {
                step.sql.push_str(line);
                step.sql.push('\n');
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
    for step in steps {
        let statements = split_statements(&step.sql)
            .map_err(|e| bad(file, &format!("step `{}`: {e}", step.description)))?;
        plan_steps.push(Step {
            action: Action::Alter,
            object: ObjectKey::Schema(String::new()),
            description: step.description,
            sql: statements,
            hazards: step.hazards,
            transactional: step.transactional,
            schema: None,
            phase: if step.transactional {
                Phase::Comment
            } else {
                Phase::Concurrent
            },
            deps: StepDeps::default(),
            // As the plan was made: checked before the transaction by the
            // preflight, cleaned up after a failure outside it, exactly as
            // `apply` does (a plan saved without these lines has neither).
            precondition: step.precondition,
            on_failure: step.on_failure,
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
    use crate::model::QualifiedName;
    use crate::plan::precondition::Condition;

    /// A plan whose steps carry every kind of precondition and cleanup,
    /// inside and after the transaction.
    fn plan_with_conditions() -> Plan {
        let t = QualifiedName::new("public", "t");
        let step = |description: &str, sql: &str, transactional: bool| {
            let mut s = Step::new(
                Action::Alter,
                ObjectKey::Relation(t.clone()),
                description.to_string(),
                vec![sql.to_string()],
                if transactional {
                    Phase::AlterColumn
                } else {
                    Phase::Validate
                },
            );
            s.transactional = transactional;
            s.hazards
                .push(Hazard::new(HazardKind::MayFail, "fails if rows break it"));
            s
        };
        let precondition = |condition| {
            Some(Precondition {
                table: t.clone(),
                key: vec!["id".to_string()],
                condition,
            })
        };
        let mut add = step(
            "add column public.t.c",
            "ALTER TABLE public.t ADD COLUMN c text NOT NULL",
            true,
        );
        add.precondition = precondition(Condition::Empty {
            column: "c".to_string(),
        });
        let plain = step(
            "rename column public.t.x to y",
            "ALTER TABLE public.t RENAME x TO y",
            true,
        );
        let mut check = step(
            "validate constraint t_n_positive on public.t",
            "ALTER TABLE public.t VALIDATE CONSTRAINT t_n_positive",
            false,
        );
        check.precondition = precondition(Condition::Check {
            name: "t_n_positive".to_string(),
            expr: "n > 0 AND note <> '-- not a comment'".to_string(),
        });
        check.on_failure =
            vec!["ALTER TABLE public.t DROP CONSTRAINT IF EXISTS t_n_positive".to_string()];
        let mut not_null = step(
            "set not null on public.t.a (validated check)",
            "ALTER TABLE public.t VALIDATE CONSTRAINT t_a_not_null",
            false,
        );
        not_null.precondition = precondition(Condition::NotNull {
            column: "a".to_string(),
        });
        not_null.on_failure = vec![
            "ALTER TABLE public.t DROP CONSTRAINT IF EXISTS t_a_not_null".to_string(),
            "DROP INDEX CONCURRENTLY IF EXISTS public.\"odd\nname\"".to_string(),
        ];
        let mut fk = step(
            "validate constraint t_p_fk on public.t",
            "ALTER TABLE public.t VALIDATE CONSTRAINT t_p_fk",
            false,
        );
        fk.precondition = precondition(Condition::ForeignKey {
            name: "t_p_fk".to_string(),
            columns: vec!["pid".to_string()],
            ref_table: None,
            ref_columns: vec!["id".to_string()],
        });
        let mut index = step(
            "create index t_e_idx on public.t",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_e_idx ON public.t (e) WHERE e <> ''",
            false,
        );
        index.precondition = precondition(Condition::Unique {
            name: "t_e_idx".to_string(),
            keys: vec!["e".to_string()],
            predicate: Some("e <> ''".to_string()),
        });
        index.on_failure = vec!["DROP INDEX CONCURRENTLY IF EXISTS public.t_e_idx".to_string()];
        Plan {
            context: PlanContext {
                fingerprint: Some("f".repeat(64)),
                managed_schemas: vec!["public".to_string()],
                lock_timeout: "5s".to_string(),
                ..PlanContext::default()
            },
            steps: vec![add, plain, check, not_null, fk, index],
            extra_search_path: Vec::new(),
            graph_dot: String::new(),
        }
    }

    #[test]
    fn a_line_break_in_a_name_cannot_end_a_comment() {
        let mut plan = plan_with_conditions();
        plan.steps[1].description =
            "rename column public.t.x to \"y\nDROP TABLE t; --\\n\"".to_string();
        plan.steps[1].hazards = vec![Hazard::new(HazardKind::DataLoss, "drops \"a\r\nb\"")];
        let sql = plan.to_sql();
        assert!(!sql.lines().any(|l| l.starts_with("DROP TABLE t")), "{sql}");
        let saved = parse(&sql, "plan.sql").expect("parse");
        assert_eq!(saved.plan.steps[1].description, plan.steps[1].description);
        assert_eq!(saved.plan.steps[1].hazards, plan.steps[1].hazards);
    }

    #[test]
    fn preconditions_and_cleanups_read_back_exactly() {
        let plan = plan_with_conditions();
        let sql = plan.to_sql();
        assert!(
            sql.contains(
                "--   requires: {\"table\":{\"schema\":\"public\",\"name\":\"t\"},\"key\":[\"id\"],\"condition\":{\"kind\":\"not_null\",\"column\":\"a\"}}\n"
            ),
            "{sql}"
        );
        assert!(
            sql.contains("--   on failure: DROP INDEX CONCURRENTLY IF EXISTS public.t_e_idx\n"),
            "{sql}"
        );
        assert!(
            sql.contains("--   on failure (json): \"DROP INDEX CONCURRENTLY IF EXISTS public.\\\"odd\\nname\\\"\"\n"),
            "{sql}"
        );
        let saved = parse(&sql, "plan.sql").expect("parse");
        assert_eq!(saved.plan.steps.len(), plan.steps.len());
        for (a, b) in plan.steps.iter().zip(&saved.plan.steps) {
            assert_eq!(a.description, b.description);
            assert_eq!(a.precondition, b.precondition, "{}", a.description);
            assert_eq!(a.on_failure, b.on_failure, "{}", a.description);
            assert_eq!(a.hazards, b.hazards);
            assert_eq!(a.transactional, b.transactional);
            // The saved SQL also sets the search path where it changes.
            let b_sql: Vec<&String> = b
                .sql
                .iter()
                .filter(|q| !q.starts_with("SET search_path"))
                .collect();
            assert_eq!(
                a.sql.iter().collect::<Vec<_>>(),
                b_sql,
                "the new lines are comments, not SQL"
            );
        }
    }

    #[test]
    fn plans_saved_without_the_lines_still_load() {
        let sql = plan_with_conditions().to_sql();
        let old: String = sql
            .lines()
            .filter(|l| !l.starts_with(REQUIRES) && !l.starts_with("--   on failure"))
            .map(|l| format!("{l}\n"))
            .collect();
        let saved = parse(&old, "old.sql").expect("an old plan loads");
        assert_eq!(saved.plan.steps.len(), 6);
        assert!(saved.plan.steps.iter().all(|s| s.precondition.is_none()));
        assert!(saved.plan.steps.iter().all(|s| s.on_failure.is_empty()));
    }

    #[test]
    fn a_malformed_line_names_the_file_and_the_step() {
        let sql = plan_with_conditions().to_sql();
        let cases = [
            ("\"kind\":\"not_null\"", "\"kind\":\"not_nul\""),
            ("\"column\":\"a\"}}", "\"column\":\"a\"}"),
            ("\"key\":[\"id\"]", "\"key\":\"id\""),
        ];
        // Only the NOT NULL step's line (step 4) is broken.
        let line = sql
            .lines()
            .find(|l| l.starts_with(REQUIRES) && l.contains("not_null"))
            .expect("the NOT NULL step's line");
        for (from, to) in cases {
            let broken = sql.replacen(line, &line.replacen(from, to, 1), 1);
            assert_ne!(broken, sql, "{from}");
            let e = parse(&broken, "plan.sql")
                .expect_err("must be refused")
                .to_string();
            assert!(e.contains("plan.sql"), "{e}");
            assert!(e.contains("bad `requires:` line"), "{e}");
            assert!(
                e.contains("(set not null on public.t.a (validated check))"),
                "{e}"
            );
            assert!(e.contains("step 4/6"), "{e}");
        }
        let twice = sql.replacen("--   requires: ", "--   requires: {}\n--   requires: ", 1);
        let e = parse(&twice, "plan.sql").expect_err("refused").to_string();
        assert!(e.contains("step 1/6"), "{e}");
        let json = sql.replacen("--   on failure (json): \"", "--   on failure (json): ", 1);
        let e = parse(&json, "plan.sql").expect_err("refused").to_string();
        assert!(e.contains("bad `on failure (json):` line"), "{e}");
        let misplaced = sql.replacen(
            "-- changes:",
            "--   on failure: DROP TABLE public.t\n-- changes:",
            1,
        );
        let e = parse(&misplaced, "plan.sql")
            .expect_err("refused")
            .to_string();
        assert!(e.contains("before the first step"), "{e}");
    }

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
