//! `reconcile rollback [--to ID]`: back to the desired schema an earlier
//! apply recorded, with the same guards as apply.

use super::apply::{Job, execute, open_session};
use super::{ExitStatus, plan_database};
use crate::apply::release_advisory_lock;
use crate::cli::{GlobalArgs, RollbackArgs};
use crate::error::{Error, Result};
use crate::{history, load};
use std::io::Write;

pub(super) fn run(
    global: &GlobalArgs,
    args: &RollbackArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus> {
    let ignore = super::load_ignore(global)?;
    let mut client = open_session(global, &args.run, "rollback")?;
    let result = (|| {
        let entries = history::list(&mut client, &global.history_schema)?;
        let successes: Vec<&history::Entry> =
            entries.iter().filter(|e| e.outcome == "success").collect();
        let target = match args.to {
            Some(id) => *successes.iter().find(|e| e.id == id).ok_or_else(|| {
                Error::Usage(format!("history has no successful apply #{id} (see `reconcile history`)"))
            })?,
            None => *successes.get(1).ok_or_else(|| {
                Error::Usage("there is no earlier successful apply to roll back to (see `reconcile history`)".to_string())
            })?,
        };
        if target.schema_text.is_empty() {
            return Err(Error::Usage(format!(
                "history #{} did not record its schema file, so it cannot be restored",
                target.id
            )));
        }
        let source = format!("history #{}", target.id);
        let desired = load::load_schema_text(&target.schema_text, &source, &ignore)?;
        let (plan, _) = plan_database(
            &mut client,
            &desired,
            &ignore,
            &source,
            &args.run.lock_timeout,
        )?;
        let job = Job {
            kind: "rollback",
            plan,
            desired: Some(&desired),
            ignore: &ignore,
            source: &source,
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
