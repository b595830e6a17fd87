//! `reconcile diff OLD.yaml NEW.yaml`: a plan between two files, no database.

use super::{ExitStatus, render, write_out};
use crate::cli::{DiffArgs, GlobalArgs};
use crate::error::Result;
use crate::load;
use crate::plan::{PlanContext, make_plan};
use std::io::Write;

pub(super) fn run(global: &GlobalArgs, args: &DiffArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let ignore = super::load_ignore(global)?;
    let old = load::load_schema_file(&args.old, &ignore)?;
    let new = load::load_schema_file(&args.new, &ignore)?;
    let mut existing = old.schema.schemas.clone();
    existing.insert("public".to_string());
    let mut current = old.schema.clone();
    current.schemas = new.schema.schemas.clone();
    let plan = make_plan(
        &current,
        &new.schema,
        &existing,
        &crate::graph::Graph::default(),
        PlanContext {
            source: Some(args.new.clone()),
            source_hash: Some(new.source_hash.clone()),
            fingerprint: None,
            legacy_fingerprint: None,
            unmanaged_schemas: Vec::new(),
            lock_timeout: "5s".to_string(),
            managed_schemas: new.schema.schemas.iter().cloned().collect(),
            offline: true,
            not_managed: Vec::new(),
            migration_tables: Vec::new(),
            not_parsed: new.schema.unparsed(),
        },
    )?;
    write_out(out, &render(&plan, args.format))?;
    Ok(if args.check && !plan.is_empty() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
