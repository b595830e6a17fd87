//! Running a plan. The only code that changes the database.
//!
//! Transactional steps run in one transaction (all or nothing); steps that
//! PostgreSQL forbids in a transaction run after it, one by one, and a
//! failed one removes what it left behind (its `on_failure`). Nothing is
//! run twice, except the whole transaction under `--lock-retries`. A
//! session-level advisory lock, taken by polling so it never blocks inside
//! the server, keeps two applies apart.

use crate::error::{
    Aftermath, ApplyError, Cleanup, Error, LockError, Refusal, Result, describe_pg_error,
    is_lock_timeout,
};
use crate::model::{ObjectKey, QualifiedName};
use crate::plan::{Plan, Step};
use postgres::{CancelToken, Client, GenericClient, NoTls};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Set once Ctrl-C or SIGTERM arrives.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Cancels the statement running on the apply's connection.
static CANCEL: Mutex<Option<CancelToken>> = Mutex::new(None);

/// On Ctrl-C or SIGTERM, cancels the running statement (the transaction
/// then rolls back) and makes the apply stop with an error. A second signal
/// exits at once.
pub fn install_interrupt_handler(client: &Client) {
    if let Ok(mut slot) = CANCEL.lock() {
        *slot = Some(client.cancel_token());
    }
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        let token = CANCEL.lock().ok().and_then(|t| t.clone());
        if let Some(token) = token {
            let _ = token.cancel_query(NoTls);
        }
    });
}

fn interrupted_error(in_tx: bool) -> Error {
    ApplyError::Interrupted {
        in_transaction: in_tx,
    }
    .into()
}

fn check_interrupt(in_tx: bool) -> Result<()> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        Err(interrupted_error(in_tx))
    } else {
        Ok(())
    }
}

/// The advisory lock key: "reconcil" in ASCII.
pub const ADVISORY_LOCK_KEY: i64 = 0x7265_636f_6e63_696c;

/// Parses PostgreSQL duration syntax (`500ms`, `5s`, `1min`, `2h`, plain ms).
pub fn parse_duration(text: &str) -> Result<Duration> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| {
        Error::Usage(format!(
            "invalid duration `{text}` (use e.g. 500ms, 5s, 1min)"
        ))
    })?;
    let ms = match unit.trim() {
        "" | "ms" => value,
        "us" => value / 1000.0,
        "s" => value * 1000.0,
        "min" => value * 60_000.0,
        "h" => value * 3_600_000.0,
        "d" => value * 86_400_000.0,
        other => {
            return Err(Error::Usage(format!(
                "invalid duration unit `{other}` in `{text}` (use us, ms, s, min, h or d)"
            )));
        }
    };
    if !ms.is_finite() || !(0.0..=2_147_483_647.0).contains(&ms) {
        return Err(Error::Usage(format!("duration `{text}` is out of range")));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(Duration::from_millis(ms.round() as u64))
}

/// Session settings for planning and applying.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Bound on every lock wait.
    pub lock_timeout: Duration,
    /// Bound on every statement (`None`: no limit).
    pub statement_timeout: Option<Duration>,
}

/// Sets the timeouts on the session.
pub fn configure_session(client: &mut Client, opts: &SessionOptions) -> Result<()> {
    let lock_ms = format!("{}ms", opts.lock_timeout.as_millis());
    let stmt_ms = opts
        .statement_timeout
        .map_or_else(|| "0".to_string(), |d| format!("{}ms", d.as_millis()));
    client.query(
        "SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)",
        &[&lock_ms, &stmt_ms],
    )?;
    // If reconcile dies (SIGKILL), the server notices within a second instead
    // of holding the transaction's locks until the statement ends (PG 14+).
    let row = client.query_one(
        "SELECT current_setting('server_version_num')::int AS version",
        &[],
    )?;
    let version: i32 = crate::error::column(&row, "server_version_num", "version")?;
    if version >= 140_000 {
        client.batch_execute("SET client_connection_check_interval = '1s'")?;
    }
    Ok(())
}

/// Takes the advisory lock, polling until `timeout`; refuses when another apply holds it.
pub fn take_advisory_lock(client: &mut Client, timeout: Duration) -> Result<()> {
    let start = Instant::now();
    loop {
        let row = client.query_one(
            "SELECT pg_try_advisory_lock($1) AS locked",
            &[&ADVISORY_LOCK_KEY],
        )?;
        if crate::error::column::<bool>(&row, "pg_try_advisory_lock", "locked")? {
            return Ok(());
        }
        check_interrupt(true)?;
        if start.elapsed() >= timeout {
            return Err(Refusal::AdvisoryLock {
                key: ADVISORY_LOCK_KEY,
                waited_ms: timeout.as_millis(),
            }
            .into());
        }
        std::thread::sleep(Duration::from_millis(50).min(timeout));
    }
}

/// Releases the advisory lock.
pub fn release_advisory_lock(client: &mut Client) {
    let _ = client.query("SELECT pg_advisory_unlock($1)", &[&ADVISORY_LOCK_KEY]);
}

/// The tables a step works on (those that exist), for naming lock holders.
fn step_relations(step: &Step) -> Vec<QualifiedName> {
    let d = &step.deps;
    let mut out: Vec<QualifiedName> = std::iter::once(&step.object)
        .chain(&d.creates)
        .chain(&d.drops)
        .chain(&d.needs_new)
        .chain(&d.needs_old)
        .filter_map(|k| match k {
            ObjectKey::Relation(q)
            | ObjectKey::Column(q, _)
            | ObjectKey::Constraint(q, _)
            | ObjectKey::Index(q, _) => Some(q.clone()),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// "could not lock public.users within the lock timeout (1s) ...", naming
/// who holds it. Runs after the failed transaction was rolled back.
fn lock_error(
    client: &mut Client,
    plan: &Plan,
    step: &Step,
    at: String,
    after: Aftermath,
    source: postgres::Error,
) -> Error {
    let timeout: String = client
        .query_one("SELECT current_setting('lock_timeout') AS timeout", &[])
        .ok()
        .and_then(|r| crate::error::column(&r, "lock_timeout", "timeout").ok())
        .unwrap_or_else(|| "?".to_string());
    let relations = step_relations(step);
    let holders = crate::locks::holders(client, &relations, &plan.context.managed_schemas);
    let what = match relations.as_slice() {
        [] => "a table".to_string(),
        [one] => one.to_string(),
        many => many
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" or "),
    };
    LockError::Step {
        what,
        timeout,
        at,
        holders,
        after,
        source,
    }
    .into()
}

/// Runs the transactional steps in one transaction.
///
/// Each step is its own round trip inside the transaction, so a failure
/// names its step without running anything again: replaying steps to find
/// the failing one would wait for the same lock a second time, and while
/// reconcile waits every other query on that table queues behind it.
/// Measured on loopback, one round trip per step costs about 0.1 ms, a few
/// dozen milliseconds for a plan of hundreds of steps (see the README).
fn run_transaction(
    client: &mut Client,
    plan: &Plan,
    steps: &[(usize, &Step)],
    total: usize,
) -> Result<()> {
    let mut tx = client.transaction()?;
    for (i, step) in steps {
        if let Err(e) = check_interrupt(true) {
            let _ = tx.rollback();
            return Err(e);
        }
        if let Err(e) = run_statements(&mut tx, plan, step, "SET LOCAL") {
            let _ = tx.rollback();
            let at = format!("step {}/{total} ({})", i + 1, step.description);
            if INTERRUPTED.load(Ordering::SeqCst) {
                return Err(interrupted_error(true));
            }
            if is_lock_timeout(&e) {
                return Err(lock_error(client, plan, step, at, Aftermath::RolledBack, e));
            }
            return Err(ApplyError::Step {
                at,
                source: e,
                after: Aftermath::RolledBack,
            }
            .into());
        }
    }
    if let Err(e) = check_interrupt(true) {
        let _ = tx.rollback();
        return Err(e);
    }
    tx.commit().map_err(|e| {
        if is_lock_timeout(&e) {
            LockError::Commit(e).into()
        } else {
            ApplyError::Commit(e).into()
        }
    })
}

/// Runs a step's statements: its search path first (`set` is `SET` or
/// `SET LOCAL`), then each statement alone through the extended protocol,
/// which refuses text holding a second statement, so SQL kept as written
/// from `schema.yaml` can never carry one.
fn run_statements(
    c: &mut impl GenericClient,
    plan: &Plan,
    step: &Step,
    set: &str,
) -> Result<(), postgres::Error> {
    if let Some(path) = plan.search_path(step) {
        c.batch_execute(&format!("{set} search_path TO {path}"))?;
    }
    for q in &step.sql {
        c.execute_typed(q, &[])?;
    }
    Ok(())
}

/// The pause before retry `n` (1-based): 1 s, 2 s, 4 s, ... up to a minute.
fn retry_pause(n: u32) -> Duration {
    Duration::from_secs(1u64 << n.saturating_sub(1).min(6)).min(Duration::from_secs(60))
}

/// Sleeps, waking early (with an error) on Ctrl-C or SIGTERM.
fn pause(d: Duration) -> Result<()> {
    let end = Instant::now() + d;
    while Instant::now() < end {
        check_interrupt(true)?;
        std::thread::sleep(Duration::from_millis(50).min(end - Instant::now()));
    }
    check_interrupt(true)
}

/// Runs the plan's steps: the transactional ones in one transaction, then the rest.
pub fn run_steps(client: &mut Client, plan: &Plan) -> Result<()> {
    run_steps_with(client, plan, 0, &mut |_| {})
}

/// Like [`run_steps`]; after a lock timeout in the transaction, reruns the
/// whole transaction up to `lock_retries` times with growing pauses,
/// telling `notify` each time. Nothing else is ever run twice.
pub fn run_steps_with(
    client: &mut Client,
    plan: &Plan,
    lock_retries: u32,
    notify: &mut dyn FnMut(&str),
) -> Result<()> {
    let total = plan.steps.len();
    let transactional: Vec<(usize, &Step)> = plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.transactional)
        .collect();
    if !transactional.is_empty() {
        let mut retry = 0;
        loop {
            match run_transaction(client, plan, &transactional, total) {
                Ok(()) => break,
                Err(Error::Lock(message)) if retry < lock_retries => {
                    retry += 1;
                    let wait = retry_pause(retry);
                    notify(&format!(
                        "{message}\nretrying the whole transaction in {} s (--lock-retries: retry {retry} of {lock_retries})",
                        wait.as_secs()
                    ));
                    pause(wait)?;
                }
                Err(e) => return Err(e),
            }
        }
    }
    for (i, step) in plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.transactional)
    {
        check_interrupt(false)?;
        if let Err(e) = run_outside(client, plan, step) {
            return Err(outside_error(client, plan, step, i + 1, total, e));
        }
    }
    let _ = client.batch_execute("RESET search_path");
    Ok(())
}

/// One step after the transaction. One statement per message: several in
/// one message form an implicit transaction block, where CONCURRENTLY is
/// refused.
fn run_outside(client: &mut Client, plan: &Plan, step: &Step) -> Result<(), postgres::Error> {
    run_statements(client, plan, step, "SET")
}

/// The error for a failed step after the transaction, once its cleanup ran.
fn outside_error(
    client: &mut Client,
    plan: &Plan,
    step: &Step,
    index: usize,
    total: usize,
    e: postgres::Error,
) -> Error {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return interrupted_error(false);
    }
    let at = format!("step {index}/{total} ({})", step.description);
    let after = Aftermath::Committed(cleanup(client, step));
    if is_lock_timeout(&e) {
        return lock_error(client, plan, step, at, after, e);
    }
    ApplyError::Step {
        at,
        source: e,
        after,
    }
    .into()
}

/// Runs a failed step's cleanup; says what it did, for the message.
fn cleanup(client: &mut Client, step: &Step) -> Cleanup {
    if step.on_failure.is_empty() {
        return Cleanup::Nothing;
    }
    let _ = client.batch_execute("RESET search_path");
    for q in &step.on_failure {
        if let Err(e) = client.execute_typed(q, &[]) {
            return Cleanup::Failed {
                statement: q.clone(),
                error: describe_pg_error(&e),
            };
        }
    }
    Cleanup::Removed(step.on_failure.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_pauses_grow_and_stop_at_a_minute() {
        assert_eq!(retry_pause(1), Duration::from_secs(1));
        assert_eq!(retry_pause(2), Duration::from_secs(2));
        assert_eq!(retry_pause(3), Duration::from_secs(4));
        assert_eq!(retry_pause(100), Duration::from_secs(60));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("1min").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("250").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }
}
