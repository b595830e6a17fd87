//! Running a plan. The only code that changes the database.
//!
//! Transactional steps run in one transaction (all or nothing); steps that
//! PostgreSQL forbids in a transaction run after it, one by one. A
//! session-level advisory lock, taken by polling so it never blocks inside
//! the server, keeps two applies apart.

use crate::error::{Error, Result, describe_pg_error};
use crate::plan::{Plan, Step};
use postgres::{CancelToken, Client, NoTls};
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
    Error::Database(format!(
        "interrupted; {}",
        if in_tx {
            "the transaction was rolled back; nothing was changed"
        } else {
            "the transactional part was committed; rerun apply to finish"
        }
    ))
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
    let version: i32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])?
        .get(0);
    if version >= 140_000 {
        client.batch_execute("SET client_connection_check_interval = '1s'")?;
    }
    Ok(())
}

/// Takes the advisory lock, polling until `timeout`; refuses when another apply holds it.
pub fn take_advisory_lock(client: &mut Client, timeout: Duration) -> Result<()> {
    let start = Instant::now();
    loop {
        let row = client.query_one("SELECT pg_try_advisory_lock($1)", &[&ADVISORY_LOCK_KEY])?;
        if row.get::<_, bool>(0) {
            return Ok(());
        }
        check_interrupt(true)?;
        if start.elapsed() >= timeout {
            return Err(Error::Refused(format!(
                "another reconcile apply holds the advisory lock on this database \
                 (pg_advisory_lock {ADVISORY_LOCK_KEY}); waited {} ms; nothing was changed",
                timeout.as_millis()
            )));
        }
        std::thread::sleep(Duration::from_millis(50).min(timeout));
    }
}

/// Releases the advisory lock.
pub fn release_advisory_lock(client: &mut Client) {
    let _ = client.query("SELECT pg_advisory_unlock($1)", &[&ADVISORY_LOCK_KEY]);
}

fn step_error(step: &Step, index: usize, total: usize, e: &postgres::Error, in_tx: bool) -> Error {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return interrupted_error(in_tx);
    }
    let lock = e
        .as_db_error()
        .is_some_and(|d| d.code() == &postgres::error::SqlState::LOCK_NOT_AVAILABLE);
    let rolled = if in_tx {
        "the transaction was rolled back; nothing was changed"
    } else {
        "the transactional part was committed; rerun apply to finish"
    };
    if lock {
        return Error::Refused(format!(
            "could not lock {} within the lock timeout (step {index}/{total}: {}); {rolled}",
            step.object, step.description
        ));
    }
    Error::Database(format!(
        "step {index}/{total} ({}) failed: {}; {rolled}",
        step.description,
        describe_pg_error(e)
    ))
}

fn statements(plan: &Plan, step: &Step) -> String {
    let mut sql = String::new();
    if let Some(path) = plan.search_path(step) {
        sql.push_str(&format!("SET LOCAL search_path TO {path};\n"));
    }
    for q in &step.sql {
        sql.push_str(q);
        sql.push_str(";\n");
    }
    sql
}

/// Up to this many steps (or about this much SQL) go to the server at once.
const BATCH_STEPS: usize = 200;
const BATCH_BYTES: usize = 256 * 1024;

fn batches<'a>(plan: &Plan, steps: &'a [(usize, &'a Step)]) -> Vec<&'a [(usize, &'a Step)]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, (_, step)) in steps.iter().enumerate() {
        bytes += step.sql.iter().map(String::len).sum::<usize>()
            + plan.search_path(step).map_or(0, |p| p.len());
        if i + 1 - start >= BATCH_STEPS || bytes >= BATCH_BYTES {
            out.push(&steps[start..=i]);
            start = i + 1;
            bytes = 0;
        }
    }
    if start < steps.len() {
        out.push(&steps[start..]);
    }
    out
}

/// After a batch failed (and was rolled back), replays the transactional
/// steps up to it one by one in a new transaction, to name the failing step;
/// that transaction is rolled back too.
fn locate_failure(
    client: &mut Client,
    plan: &Plan,
    steps: &[(usize, &Step)],
    last: usize,
    total: usize,
) -> Option<Error> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Some(interrupted_error(true));
    }
    let mut tx = client.transaction().ok()?;
    for (i, step) in steps.iter().take_while(|(i, _)| *i < last) {
        if let Err(e) = tx.batch_execute(&statements(plan, step)) {
            let err = step_error(step, i + 1, total, &e, true);
            let _ = tx.rollback();
            return Some(err);
        }
    }
    let _ = tx.rollback();
    None
}

fn batch_error(e: &postgres::Error, first: usize, last: usize, total: usize) -> Error {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return interrupted_error(true);
    }
    let lock = e
        .as_db_error()
        .is_some_and(|d| d.code() == &postgres::error::SqlState::LOCK_NOT_AVAILABLE);
    let message = format!(
        "steps {first}-{last} of {total} failed: {}; the transaction was rolled back; nothing was changed",
        describe_pg_error(e)
    );
    if lock {
        Error::Refused(message)
    } else {
        Error::Database(message)
    }
}

/// Runs the plan's steps: the transactional ones in one transaction, then the rest.
pub fn run_steps(client: &mut Client, plan: &Plan) -> Result<()> {
    let total = plan.steps.len();
    let transactional: Vec<(usize, &Step)> = plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.transactional)
        .collect();
    let mut tx = client.transaction()?;
    // Steps go to the server in batches, not one round trip each.
    for chunk in batches(plan, &transactional) {
        if let Err(e) = check_interrupt(true) {
            let _ = tx.rollback();
            return Err(e);
        }
        let sql: String = chunk
            .iter()
            .map(|(_, step)| statements(plan, step))
            .collect();
        if let Err(e) = tx.batch_execute(&sql) {
            let _ = tx.rollback();
            let (first, last) = (chunk[0].0 + 1, chunk[chunk.len() - 1].0 + 1);
            return Err(locate_failure(client, plan, &transactional, last, total)
                .unwrap_or_else(|| batch_error(&e, first, last, total)));
        }
    }
    if let Err(e) = check_interrupt(true) {
        let _ = tx.rollback();
        return Err(e);
    }
    tx.commit()
        .map_err(|e| Error::Database(format!("commit failed: {}", describe_pg_error(&e))))?;
    for (i, step) in plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.transactional)
    {
        check_interrupt(false)?;
        // One statement per message: several in one message form an implicit
        // transaction block, where CONCURRENTLY is refused.
        if let Some(path) = plan.search_path(step) {
            client
                .batch_execute(&format!("SET search_path TO {path}"))
                .map_err(|e| step_error(step, i + 1, total, &e, false))?;
        }
        for q in &step.sql {
            client
                .batch_execute(q)
                .map_err(|e| step_error(step, i + 1, total, &e, false))?;
        }
    }
    let _ = client.batch_execute("RESET search_path");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
