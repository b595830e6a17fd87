//! `reconcile apply` (and the execution it shares with `rollback`).

use super::{ExitStatus, load_inputs, plan_database, render, write_out};
use crate::apply::{
    SessionOptions, configure_session, install_interrupt_handler, parse_duration,
    release_advisory_lock, run_steps_with, take_advisory_lock,
};
use crate::cli::{ApplyArgs, GlobalArgs, RunArgs};
use crate::error::{ApplyError, Error, Refusal, Result};
use crate::history::{self, Record};
use crate::introspect;
use crate::load::{Desired, IgnoreRules};
use crate::plan::{Plan, fingerprint, saved};
use postgres::Client;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Instant;

/// A plan to run, and what to record about it.
pub(super) struct Job<'a> {
    /// `apply`, `apply --plan` or `rollback`.
    pub kind: &'a str,
    pub plan: Plan,
    /// The desired schema, when known: after the steps the plan towards it must be empty.
    pub desired: Option<&'a Desired>,
    pub ignore: &'a IgnoreRules,
    /// How the desired schema is named in messages.
    pub source: &'a str,
}

/// Connects, installs the interrupt handler, sets the timeouts and takes the advisory lock.
pub(super) fn open_session(global: &GlobalArgs, run: &RunArgs, command: &str) -> Result<Client> {
    let session = SessionOptions {
        lock_timeout: parse_duration(&run.lock_timeout)?,
        statement_timeout: run
            .statement_timeout
            .as_deref()
            .map(parse_duration)
            .transpose()?,
    };
    let Some(url) = &global.database_url else {
        return Err(Error::Usage(format!(
            "{command} needs a database: pass --database-url or set DATABASE_URL"
        )));
    };
    let mut client = introspect::connect(url)?;
    install_interrupt_handler(&client);
    configure_session(&mut client, &session)?;
    take_advisory_lock(&mut client, session.lock_timeout)?;
    Ok(client)
}

/// Shows the plan, checks the guards, runs it, verifies convergence and records it.
pub(super) fn execute(
    client: &mut Client,
    job: &Job<'_>,
    guard: &RunArgs,
    history_schema: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus> {
    let plan = &job.plan;
    write_out(out, &render(plan, guard.format))?;
    if guard.dry_run {
        // Exits as the real run would: refused when the rows break a new
        // rule (a saved plan's steps carry their conditions too).
        preflight(client, plan, err)?;
        return Ok(ExitStatus::Success);
    }
    let destructive = plan.destructive_steps();
    if !destructive.is_empty() && !guard.allow_destructive {
        return Err(Refusal::Destructive(
            destructive.iter().map(|s| s.description.clone()).collect(),
        )
        .into());
    }
    // What history records, for a refusal below or for the run.
    let schema_hash = job
        .desired
        .map(|d| d.source_hash.clone())
        .or_else(|| plan.context.source_hash.clone())
        .unwrap_or_default();
    let schema_text = job.desired.map(|d| d.source.as_str()).unwrap_or_default();
    let plan_sql = plan.to_sql();
    // Before the confirmation: a plan the rows would make fail is refused
    // before anyone is asked to approve it. The attempt is recorded, as a
    // failed apply would be (nothing else was changed). A saved plan
    // (`apply --plan`) carries its steps' conditions, so it is checked here
    // exactly as a fresh one is.
    if let Err(e) = preflight(client, plan, err) {
        let text = e.to_string();
        let record = Record {
            kind: job.kind,
            success: false,
            schema_hash: &schema_hash,
            schema_text,
            plan_sql: &plan_sql,
            steps: plan.steps.len(),
            duration_ms: 0,
            fingerprint_before: plan.context.fingerprint.as_deref(),
            fingerprint_after: plan.context.fingerprint.as_deref(),
            error: Some(&text),
        };
        let _ = history::record(client, history_schema, &record);
        return Err(e);
    }
    if !plan.is_empty() && !guard.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::Usage(
                "refusing to apply without confirmation: pass --yes when not running interactively"
                    .to_string(),
            ));
        }
        let _ = write!(err, "Apply these {} step(s)? [y/N] ", plan.steps.len());
        let _ = err.flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            let _ = writeln!(err, "Not applied.");
            return Ok(ExitStatus::Success);
        }
    }
    let start = Instant::now();
    let mut notify = |message: &str| {
        let _ = writeln!(err, "warning: {message}");
    };
    let outcome = run_steps_with(client, plan, guard.lock_retries, &mut notify).and_then(|()| {
        match job.desired {
            Some(desired) => {
                let (after, _) =
                    plan_database(client, desired, job.ignore, job.source, &guard.lock_timeout)?;
                if after.is_empty() {
                    Ok(after.context.fingerprint.clone())
                } else {
                    Err(ApplyError::NotConverged {
                        steps: plan.steps.len(),
                        file: job.source.to_string(),
                        remaining: after.to_text(),
                    }
                    .into())
                }
            }
            None => Ok(None),
        }
    });
    let elapsed = start.elapsed().as_millis();
    let error_text = outcome.as_ref().err().map(ToString::to_string);
    let record = Record {
        kind: job.kind,
        success: outcome.is_ok(),
        schema_hash: &schema_hash,
        schema_text,
        plan_sql: &plan_sql,
        steps: plan.steps.len(),
        duration_ms: elapsed,
        fingerprint_before: plan.context.fingerprint.as_deref(),
        fingerprint_after: outcome.as_ref().ok().and_then(|f| f.as_deref()),
        error: error_text.as_deref(),
    };
    let recorded = history::record(client, history_schema, &record);
    outcome?;
    let id = recorded?;
    write_out(
        out,
        &if plan.is_empty() {
            format!("No changes to apply; recorded as history #{id}.\n")
        } else {
            format!(
                "Applied {} step(s) in {elapsed} ms; {}. Recorded as history #{id}.\n",
                plan.steps.len(),
                if job.desired.is_some() {
                    format!("the database matches {}", job.source)
                } else {
                    format!("ran {} as saved", job.source)
                }
            )
        },
    )?;
    Ok(ExitStatus::Success)
}

/// Checks what the existing rows must satisfy for the `may_fail` steps;
/// refuses (exit 3, nothing changed) when they do not.
fn preflight(client: &mut Client, plan: &Plan, err: &mut dyn Write) -> Result<()> {
    for skipped in crate::preflight::check(client, plan)? {
        let _ = writeln!(
            err,
            "warning: could not check the existing rows for `{}` before applying ({}); \
             the step may still fail on them",
            skipped.step, skipped.message
        );
    }
    Ok(())
}

pub(super) fn run(
    global: &GlobalArgs,
    args: &ApplyArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus> {
    if let Some(path) = &args.plan {
        return run_saved(global, args, path, out, err);
    }
    let (desired, ignore) = load_inputs(global)?;
    let mut client = open_session(global, &args.run, "apply")?;
    let result = (|| {
        let (plan, _) = plan_database(
            &mut client,
            &desired,
            &ignore,
            &global.schema,
            &args.run.lock_timeout,
        )?;
        let job = Job {
            kind: "apply",
            plan,
            desired: Some(&desired),
            ignore: &ignore,
            source: &global.schema,
        };
        execute(
            &mut client,
            &job,
            &args.run,
            &global.history_schema,
            out,
            err,
        )
    })();
    release_advisory_lock(&mut client);
    result
}

/// `apply --plan FILE`: runs the saved SQL if the database still has the
/// fingerprint it was planned against, through the same [`execute`] as
/// `apply`: the steps' saved preconditions are preflighted, their saved
/// cleanups run after a failure, and a refusal is recorded in history.
fn run_saved(
    global: &GlobalArgs,
    args: &ApplyArgs,
    path: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus> {
    let text = crate::load::read_file(path)?;
    let saved = saved::parse(&text, path)?;
    let ignore = super::load_ignore(global)?;
    // The schema file is used for the convergence check and the history
    // record when it is the one the plan was made from.
    let desired = std::fs::read_to_string(&global.schema)
        .ok()
        .filter(|t| Some(crate::load::sha256_hex(t.as_bytes())) == saved.plan.context.source_hash)
        .map(|t| crate::load::load_schema_text(&t, &global.schema, &ignore))
        .transpose()?;
    let mut client = open_session(global, &args.run, "apply")?;
    let result = (|| {
        let catalog = introspect::introspect(&mut client, &saved.managed_schemas, &ignore)?;
        let now = fingerprint(&catalog.schema, &catalog.graph);
        let planned = saved.plan.context.fingerprint.clone().unwrap_or_default();
        if !crate::plan::fingerprint::matches(&planned, &catalog.schema, &catalog.graph) {
            return Err(Refusal::FingerprintChanged {
                file: path.to_string(),
                now,
                planned,
            }
            .into());
        }
        let job = Job {
            kind: "apply --plan",
            plan: saved.plan,
            desired: desired.as_ref(),
            ignore: &ignore,
            source: if desired.is_some() {
                &global.schema
            } else {
                path
            },
        };
        execute(
            &mut client,
            &job,
            &args.run,
            &global.history_schema,
            out,
            err,
        )
    })();
    release_advisory_lock(&mut client);
    result
}
