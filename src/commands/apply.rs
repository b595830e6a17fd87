//! `reconcile apply`.

use super::{ExitStatus, load_inputs, plan_database, render, write_out};
use crate::apply::{
    SessionOptions, configure_session, parse_duration, release_advisory_lock, run_steps,
    take_advisory_lock,
};
use crate::cli::{ApplyArgs, GlobalArgs};
use crate::error::{Error, Result};
use crate::introspect;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Instant;

pub(super) fn run(
    global: &GlobalArgs,
    args: &ApplyArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus> {
    let session = SessionOptions {
        lock_timeout: parse_duration(&args.lock_timeout)?,
        statement_timeout: args
            .statement_timeout
            .as_deref()
            .map(parse_duration)
            .transpose()?,
    };
    let (desired, ignore) = load_inputs(global)?;
    let Some(url) = &global.database_url else {
        return Err(Error::Usage(
            "apply needs a database: pass --database-url or set DATABASE_URL".to_string(),
        ));
    };
    let mut client = introspect::connect(url)?;
    crate::apply::install_interrupt_handler(&client);
    configure_session(&mut client, &session)?;
    take_advisory_lock(&mut client, session.lock_timeout)?;
    let result = (|| -> Result<ExitStatus> {
        let (plan, _) = plan_database(
            &mut client,
            &desired,
            &ignore,
            &global.schema,
            &args.lock_timeout,
        )?;
        write_out(out, &render(&plan, args.format))?;
        if plan.is_empty() || args.dry_run {
            return Ok(ExitStatus::Success);
        }
        let destructive = plan.destructive_steps();
        if !destructive.is_empty() && !args.allow_destructive {
            let list: Vec<String> = destructive
                .iter()
                .map(|s| format!("  - {}", s.description))
                .collect();
            return Err(Error::Refused(format!(
                "refusing to apply: {} step(s) lose data; rerun with --allow-destructive to allow them:\n{}\nnothing was changed",
                destructive.len(),
                list.join("\n")
            )));
        }
        if !args.yes {
            if !std::io::stdin().is_terminal() {
                return Err(Error::Usage(
                    "refusing to apply without confirmation: pass --yes when not running interactively".to_string(),
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
        run_steps(&mut client, &plan)?;
        let elapsed = start.elapsed();
        let (after, _) = plan_database(
            &mut client,
            &desired,
            &ignore,
            &global.schema,
            &args.lock_timeout,
        )?;
        if !after.is_empty() {
            return Err(Error::Database(format!(
                "applied {} step(s), but the database still differs from the schema; remaining plan:\n{}",
                plan.steps.len(),
                after.to_text()
            )));
        }
        write_out(
            out,
            &format!(
                "Applied {} step(s) in {} ms; the database matches {}.\n",
                plan.steps.len(),
                elapsed.as_millis(),
                global.schema
            ),
        )?;
        Ok(ExitStatus::Success)
    })();
    release_advisory_lock(&mut client);
    result
}
