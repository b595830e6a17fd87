//! `reconcile history`: the recorded applies, newest first.

use super::{ExitStatus, write_out};
use crate::cli::{Format, GlobalArgs, HistoryArgs};
use crate::error::{Error, Result};
use crate::{history, introspect};
use std::io::Write;

pub(super) fn run(
    global: &GlobalArgs,
    args: &HistoryArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus> {
    let Some(url) = &global.database_url else {
        return Err(Error::Usage(
            "history needs a database: pass --database-url or set DATABASE_URL".to_string(),
        ));
    };
    let mut client = introspect::connect(url)?;
    let entries = history::list(&mut client, &global.history_schema)?;
    match args.format {
        Format::Json => write_out(
            out,
            &(serde_json::to_string_pretty(&entries).unwrap_or_default() + "\n"),
        )?,
        Format::Sql | Format::Text => {
            if entries.is_empty() {
                write_out(out, "No applies recorded.\n")?;
                return Ok(ExitStatus::Success);
            }
            let mut text = format!(
                "{:>5}  {:<20}  {:<12}  {:<12}  {:<7}  {:>5}  {:>9}  {}\n",
                "ID",
                "APPLIED AT (UTC)",
                "USER",
                "KIND",
                "OUTCOME",
                "STEPS",
                "DURATION",
                "SCHEMA SHA256"
            );
            for e in &entries {
                text.push_str(&format!(
                    "{:>5}  {:<20}  {:<12}  {:<12}  {:<7}  {:>5}  {:>6} ms  {}\n",
                    e.id,
                    e.applied_at,
                    e.db_user,
                    e.kind,
                    e.outcome,
                    e.steps,
                    e.duration_ms,
                    &e.schema_hash[..e.schema_hash.len().min(12)]
                ));
                if let Some(err) = &e.error {
                    text.push_str(&format!(
                        "       error: {}\n",
                        err.lines().next().unwrap_or_default()
                    ));
                }
            }
            write_out(out, &text)?;
        }
    }
    Ok(ExitStatus::Success)
}
