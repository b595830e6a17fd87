//! Views and materialized views: `views:` and `materialized_views:` in
//! `schema.yaml`, `pg_class` with `pg_get_viewdef`. A changed query drops
//! and creates the view; the views over what a plan rebuilds are found by
//! the graph's walk.

use super::Kind;
use crate::diff::{Change, CommentTarget, Differ};
use crate::model::{ObjectKey, Schema};
use crate::plan::fingerprint::{opt, q, qn};
use crate::plan::steps::{Phase, StepContext, comment_sql, view_kind, view_needs};
use crate::plan::{Action, Step};
use std::fmt::Write as _;

pub(super) struct Views;

impl Kind for Views {
    fn diff(&self, d: &mut Differ<'_>) {
        diff_views(d);
    }

    fn step(&self, change: &Change, cx: &mut StepContext<'_>) -> Option<Step> {
        Some(match change {
            Change::CreateView(v) => {
                let mut sql = vec![format!(
                    "CREATE {} {} AS {}",
                    view_kind(v.materialized),
                    v.name.sql(),
                    v.query.sql
                )];
                if v.comment.is_some() {
                    sql.push(comment_sql(
                        &CommentTarget::View(v.name.clone(), v.materialized),
                        v.comment.as_ref(),
                    ));
                }
                let kind = if v.materialized {
                    "materialized view"
                } else {
                    "view"
                };
                Step::new(
                    Action::Create,
                    ObjectKey::Relation(v.name.clone()),
                    format!("create {kind} {}", v.name),
                    sql,
                    Phase::CreateView,
                )
                .creates([ObjectKey::Relation(v.name.clone())])
                .needs_new(view_needs(v))
                .needs_new(cx.extension_keys.clone())
            }
            Change::DropView(v) => {
                let kind = if v.materialized {
                    "materialized view"
                } else {
                    "view"
                };
                Step::new(
                    Action::Drop,
                    ObjectKey::Relation(v.name.clone()),
                    format!("drop {kind} {}", v.name),
                    vec![format!(
                        "DROP {} {}",
                        view_kind(v.materialized),
                        v.name.sql()
                    )],
                    Phase::DropView,
                )
                .drops([ObjectKey::Relation(v.name.clone())])
                .needs_old(view_needs(v))
            }
            _ => return None,
        })
    }

    fn fingerprint(&self, schema: &Schema, lines: &mut Vec<String>) {
        for v in schema.views.values() {
            lines.push(format!(
                "{} {} query {} comment {}",
                if v.materialized {
                    "materialized view"
                } else {
                    "view"
                },
                qn(&v.name),
                q(&v.query.sql),
                opt(v.comment.as_deref())
            ));
        }
    }

    fn export(&self, schema: &Schema, namespace: &str, out: &mut String) {
        use crate::load::export::scalar;
        for (title, materialized) in [("views", false), ("materialized_views", true)] {
            let mut views = schema
                .views
                .values()
                .filter(|v| v.name.schema == namespace && v.materialized == materialized)
                .peekable();
            if views.peek().is_none() {
                continue;
            }
            let _ = writeln!(out, "    {title}:");
            for v in views {
                let _ = writeln!(out, "      {}:", scalar(&v.name.name));
                let _ = writeln!(out, "        query: {}", scalar(&v.query.sql));
                if let Some(c) = &v.comment {
                    let _ = writeln!(out, "        comment: {}", scalar(c));
                }
            }
        }
    }
}

fn diff_views(d: &mut Differ<'_>) {
    for (qn, v) in &d.current.views {
        let changed = d
            .desired
            .views
            .get(qn)
            .is_none_or(|w| w.query != v.query || w.materialized != v.materialized);
        if changed {
            d.changes.push(Change::DropView(v.clone()));
        }
    }
    for (qn, v) in &d.desired.views {
        match d.current.views.get(qn) {
            None => d.changes.push(Change::CreateView(v.clone())),
            Some(cur) if cur.query != v.query || cur.materialized != v.materialized => {
                d.changes.push(Change::CreateView(v.clone()));
            }
            Some(cur) if cur.comment != v.comment => {
                d.changes.push(Change::Comment {
                    target: CommentTarget::View(qn.clone(), v.materialized),
                    comment: v.comment.clone(),
                });
            }
            Some(_) => {}
        }
    }
}
