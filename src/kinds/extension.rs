//! Extensions: `extensions:` in `schema.yaml`, `pg_extension`.

use super::Kind;
use crate::diff::{Change, Differ};
use crate::model::{ObjectKey, Schema, quote_ident, quote_literal};
use crate::plan::fingerprint::{opt, q};
use crate::plan::steps::{Phase, StepContext};
use crate::plan::{Action, Step};
use std::fmt::Write as _;

pub(super) struct Extensions;

impl Kind for Extensions {
    fn diff(&self, d: &mut Differ<'_>) {
        for (name, ext) in &d.desired.extensions {
            match d.current.extensions.get(name) {
                None => d.changes.push(Change::CreateExtension(ext.clone())),
                Some(cur) => {
                    if ext.version.is_some() && ext.version != cur.version {
                        d.changes.push(Change::UpdateExtension(ext.clone()));
                    }
                }
            }
        }
        for (name, ext) in &d.current.extensions {
            if !d.desired.extensions.contains_key(name) && d.desired.schemas.contains(&ext.schema) {
                d.changes.push(Change::DropExtension(ext.clone()));
            }
        }
    }

    fn step(&self, change: &Change, _cx: &mut StepContext<'_>) -> Option<Step> {
        Some(match change {
            Change::CreateExtension(e) => {
                let mut sql = format!(
                    "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}",
                    quote_ident(&e.name),
                    quote_ident(&e.schema)
                );
                if let Some(v) = &e.version {
                    sql.push_str(&format!(" VERSION {}", quote_literal(v)));
                }
                Step::new(
                    Action::Create,
                    ObjectKey::Extension(e.name.clone()),
                    format!("create extension {}", e.name),
                    vec![sql],
                    Phase::CreateExtension,
                )
                .creates([ObjectKey::Extension(e.name.clone())])
                .needs_new([ObjectKey::Schema(e.schema.clone())])
            }
            Change::UpdateExtension(e) => Step::new(
                Action::Alter,
                ObjectKey::Extension(e.name.clone()),
                format!("update extension {}", e.name),
                vec![format!(
                    "ALTER EXTENSION {} UPDATE TO {}",
                    quote_ident(&e.name),
                    quote_literal(e.version.as_deref().unwrap_or_default())
                )],
                Phase::CreateExtension,
            )
            .creates([ObjectKey::Extension(e.name.clone())]),
            Change::DropExtension(e) => Step::new(
                Action::Drop,
                ObjectKey::Extension(e.name.clone()),
                format!("drop extension {}", e.name),
                vec![format!("DROP EXTENSION {}", quote_ident(&e.name))],
                Phase::DropExtension,
            )
            .drops([ObjectKey::Extension(e.name.clone())])
            // An extension goes before those it requires.
            .needs_old(e.requires.iter().map(|r| ObjectKey::Extension(r.clone()))),
            _ => return None,
        })
    }

    fn fingerprint(&self, schema: &Schema, lines: &mut Vec<String>) {
        for e in schema.extensions.values() {
            lines.push(format!(
                "extension {} schema {} version {}",
                q(&e.name),
                q(&e.schema),
                opt(e.version.as_deref())
            ));
        }
    }

    fn export_top(&self, schema: &Schema, out: &mut String) {
        use crate::load::export::scalar;
        if schema.extensions.is_empty() {
            return;
        }
        out.push_str("extensions:\n");
        for e in schema.extensions.values() {
            if e.schema == "public" {
                let _ = writeln!(out, "  {}: {{}}", scalar(&e.name));
            } else {
                let _ = writeln!(
                    out,
                    "  {}: {{ schema: {} }}",
                    scalar(&e.name),
                    scalar(&e.schema)
                );
            }
        }
    }
}
