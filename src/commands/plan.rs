//! `reconcile plan`.

use super::{
    ExitStatus, load_inputs, open_reader, plan_database_with, plan_offline, render, write_out,
};
use crate::apply::parse_duration;
use crate::cli::{GlobalArgs, PlanArgs};
use crate::error::{Error, Result};
use std::io::Write;

pub(super) fn run(
    global: &GlobalArgs,
    args: &PlanArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus> {
    parse_duration(&args.lock_timeout)?;
    let (desired, ignore) = load_inputs(global)?;
    let plan = match &global.database_url {
        Some(_) => {
            let (mut client, url) = open_reader(global, &args.lock_timeout, "plan")?;
            plan_database_with(
                &mut client,
                Some(url),
                &desired,
                &ignore,
                &global.schema,
                &args.lock_timeout,
                None,
            )?
            .0
        }
        None => plan_offline(&desired, &global.schema, &args.lock_timeout)?,
    };
    let text = render(&plan, args.format);
    write_out(out, &text)?;
    if let Some(path) = &args.out {
        std::fs::write(path, &text).map_err(|e| Error::Io {
            path: path.clone(),
            source: e,
        })?;
        let _ = writeln!(err, "plan written to {path}");
    }
    if args.check && !plan.is_empty() {
        return Ok(ExitStatus::Changes);
    }
    Ok(ExitStatus::Success)
}
