//! `reconcile status`: fresh, unmanaged-in-sync, unmanaged-drifted,
//! managed-in-sync or managed-drifted, with a drift summary.

use super::{ExitStatus, load_inputs, open_reader, plan_database_with, write_out};
use crate::apply::parse_duration;
use crate::cli::{Format, GlobalArgs, StatusArgs};
use crate::error::Result;
use crate::history;
use std::io::Write;

pub(super) fn run(
    global: &GlobalArgs,
    args: &StatusArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus> {
    parse_duration(&args.lock_timeout)?;
    let (desired, ignore) = load_inputs(global)?;
    let (mut client, url) = open_reader(global, &args.lock_timeout, "status")?;
    let entries = history::list(&mut client, &global.history_schema)?;
    let last = entries.iter().find(|e| e.outcome == "success");
    let (plan, catalog) = plan_database_with(
        &mut client,
        Some(url),
        &desired,
        &ignore,
        &global.schema,
        &args.lock_timeout,
        last.and_then(|e| e.fingerprint_after.as_deref()),
    )?;
    let in_sync = plan.is_empty();
    let state = match (last.is_some(), in_sync) {
        (false, _)
            if catalog.schema.tables.is_empty()
                && catalog.schema.views.is_empty()
                && catalog.schema.enums.is_empty()
                && catalog.schema.sequences.is_empty() =>
        {
            "fresh"
        }
        (false, true) => "unmanaged-in-sync",
        (false, false) => "unmanaged-drifted",
        (true, true) => "managed-in-sync",
        (true, false) => "managed-drifted",
    };
    let now = plan.context.fingerprint.clone().unwrap_or_default();
    // A fingerprint an earlier version recorded is recognised too.
    let legacy = plan.context.legacy_fingerprint.clone();
    let db_changed = last.map(|e| {
        let recorded = e.fingerprint_after.as_deref();
        recorded != Some(now.as_str()) && (recorded.is_none() || recorded != legacy.as_deref())
    });
    let schema_changed = last.map(|e| e.schema_hash != desired.source_hash);
    match args.format {
        Format::Json => {
            let value = serde_json::json!({
                "state": state,
                "in_sync": in_sync,
                "fingerprint": now,
                "last_apply": last.map(|e| serde_json::json!({
                    "id": e.id, "applied_at": e.applied_at, "db_user": e.db_user,
                    "kind": e.kind, "schema_hash": e.schema_hash,
                })),
                "database_changed_since_last_apply": db_changed,
                "schema_changed_since_last_apply": schema_changed,
                "drift": plan.steps.iter().map(|s| serde_json::json!({
                    "action": s.action, "object": s.object.to_string(), "description": s.description,
                    "hazards": s.hazards,
                })).collect::<Vec<_>>(),
            });
            write_out(
                out,
                &(serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"),
            )?;
        }
        Format::Sql => write_out(out, &plan.to_sql())?,
        Format::Text => {
            let mut text = format!("status: {state}\n");
            text.push_str(&format!("database fingerprint: {now}\n"));
            match last {
                Some(e) => {
                    text.push_str(&format!(
                        "last apply: #{} at {} by {} ({}; schema sha256 {})\n",
                        e.id,
                        e.applied_at,
                        e.db_user,
                        e.kind,
                        &e.schema_hash[..e.schema_hash.len().min(12)]
                    ));
                    if db_changed == Some(true) {
                        text.push_str("the database changed since the last apply\n");
                    }
                    if schema_changed == Some(true) {
                        text.push_str(&format!("{} changed since the last apply\n", global.schema));
                    }
                }
                None => text.push_str("last apply: none recorded\n"),
            }
            if in_sync {
                text.push_str(&format!("in sync with {}\n", global.schema));
            } else {
                text.push_str(&format!("drift from {}:\n", global.schema));
                for line in plan.to_text().lines().skip(1) {
                    if !line.trim().is_empty() {
                        text.push_str(line);
                        text.push('\n');
                    }
                }
            }
            write_out(out, &text)?;
        }
    }
    Ok(if in_sync {
        ExitStatus::Success
    } else {
        ExitStatus::Changes
    })
}
