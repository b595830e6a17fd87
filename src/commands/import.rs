//! `reconcile import`: the database's schema as `schema.yaml`.

use super::{ExitStatus, write_out};
use crate::apply::parse_duration;
use crate::cli::{GlobalArgs, ImportArgs};
use crate::error::{Error, Result};
use crate::{introspect, load};
use std::collections::BTreeSet;
use std::io::Write;

pub(super) fn run(
    global: &GlobalArgs,
    args: &ImportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus> {
    parse_duration(&args.lock_timeout)?;
    let ignore = super::load_ignore(global)?;
    let (mut client, _) = super::open_reader(global, &args.lock_timeout, "import")?;
    let mut schemas: BTreeSet<String> = args.schemas.iter().cloned().collect();
    if schemas.is_empty() {
        // The schemas schema.yaml declares, when it exists and loads; else every schema there is.
        if let Ok(desired) = load::load_schema_file(&global.schema, &ignore)
            && args.out.as_deref() != Some(global.schema.as_str())
        {
            schemas = desired.schema.schemas;
        } else {
            let all = introspect::introspect(&mut client, &BTreeSet::new(), &ignore)?;
            schemas = all
                .existing_schemas
                .into_iter()
                .filter(|s| ignore.schema(s).is_none())
                .collect();
        }
    }
    let existing = introspect::introspect(&mut client, &BTreeSet::new(), &ignore)?.existing_schemas;
    schemas.retain(|s| existing.contains(s));
    if schemas.is_empty() {
        return Err(Error::Usage(
            "the database has none of the schemas to import".to_string(),
        ));
    }
    let catalog = introspect::introspect(&mut client, &schemas, &ignore)?;
    let mut header = "Imported from the database by `reconcile import`.\nObjects matched by ignore.yaml are left out.".to_string();
    if !catalog.migration_tables.is_empty() {
        let names: Vec<String> = catalog
            .migration_tables
            .iter()
            .map(ToString::to_string)
            .collect();
        header.push_str(&format!(
            "\nMigration tool tables are ignored by default and left out: {}.",
            names.join(", ")
        ));
    }
    let not_managed = super::not_managed(&catalog, &ignore);
    if !not_managed.is_empty() {
        header.push_str(
            "\nNot managed by reconcile (left as they are, and never dropped with what they depend on):",
        );
        for id in &not_managed {
            header.push_str(&format!("\n  {id}"));
        }
    }
    let yaml = load::export::to_yaml(&catalog.schema, &header);
    match &args.out {
        Some(path) => {
            std::fs::write(path, &yaml).map_err(|e| Error::Io {
                path: path.clone(),
                source: e,
            })?;
            let _ = writeln!(
                err,
                "wrote {path}: {} table(s), {} view(s), {} enum(s), {} sequence(s) in {} schema(s){}",
                catalog.schema.tables.len(),
                catalog.schema.views.len(),
                catalog.schema.enums.len(),
                catalog.schema.sequences.len(),
                schemas.len(),
                if not_managed.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; not managed, listed in its header: {}",
                        crate::graph::Graph::summary(&not_managed)
                    )
                }
            );
        }
        None => write_out(out, &yaml)?,
    }
    Ok(ExitStatus::Success)
}
