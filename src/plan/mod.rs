//! Plans: ordered SQL steps with hazards, and how they print.

pub mod fingerprint;
pub mod hazard;
pub mod order;
pub mod precondition;
pub mod saved;

pub use fingerprint::fingerprint;
pub(crate) mod steps;

use crate::diff::{self, Change};
use crate::error::{PlanError, Result};
use crate::graph::{Graph, ObjectId};
use crate::model::{ObjectKey, Schema, quote_ident};
use hazard::{Hazard, HazardKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use steps::Phase;

/// What a step does to its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Creates the object.
    Create,
    /// Changes it in place.
    Alter,
    /// Renames it.
    Rename,
    /// Drops it.
    Drop,
}

impl Action {
    fn symbol(self) -> char {
        match self {
            Action::Create => '+',
            Action::Alter => '~',
            Action::Rename => '>',
            Action::Drop => '-',
        }
    }

    fn word(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Alter => "alter",
            Action::Rename => "rename",
            Action::Drop => "drop",
        }
    }
}

/// What a step creates, drops and needs; used only for ordering.
#[derive(Debug, Clone, Default)]
pub struct StepDeps {
    /// Objects that exist in their new state after the step.
    pub creates: Vec<ObjectKey>,
    /// Objects that no longer exist (in their old state) after the step.
    pub drops: Vec<ObjectKey>,
    /// Objects that must exist in their new state before the step.
    pub needs_new: Vec<ObjectKey>,
    /// Objects that must still exist in their old state when the step runs.
    pub needs_old: Vec<ObjectKey>,
    /// Objects whose old state must be gone before the step runs (the step
    /// would otherwise bind to them, as a foreign key binds to whichever
    /// unique index on its referenced columns exists when it is added).
    pub needs_gone: Vec<ObjectKey>,
}

/// One step of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// What the step does to its object.
    pub action: Action,
    /// The object it touches.
    #[serde(serialize_with = "display")]
    pub object: ObjectKey,
    /// One line for humans.
    pub description: String,
    /// The SQL statements, run in order.
    pub sql: Vec<String>,
    /// Its hazards.
    pub hazards: Vec<Hazard>,
    /// Runs inside the plan's transaction.
    pub transactional: bool,
    /// The schema unqualified names in the SQL resolve in.
    #[serde(skip)]
    pub schema: Option<String>,
    #[serde(skip)]
    pub(crate) phase: Phase,
    /// Ordering information.
    #[serde(skip)]
    pub deps: StepDeps,
    /// For a `may_fail` step: what the existing rows must satisfy, checked
    /// before the transaction (`None`: nothing to check, or not checkable
    /// before the plan runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precondition: Option<precondition::Precondition>,
    /// For a step after the transaction: statements that remove what a
    /// failed run of it leaves behind (a helper check, an invalid index), so
    /// the next plan is exactly the remaining work.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_failure: Vec<String>,
}

fn display<S: serde::Serializer>(k: &ObjectKey, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(k)
}

fn key_schema(k: &ObjectKey) -> Option<String> {
    match k {
        ObjectKey::Schema(_) | ObjectKey::Extension(_) => None,
        ObjectKey::Type(q) | ObjectKey::Sequence(q) | ObjectKey::Relation(q) => {
            Some(q.schema.clone())
        }
        ObjectKey::Column(q, _) | ObjectKey::Constraint(q, _) | ObjectKey::Index(q, _) => {
            Some(q.schema.clone())
        }
    }
}

impl Step {
    pub(crate) fn new(
        action: Action,
        object: ObjectKey,
        description: String,
        sql: Vec<String>,
        phase: Phase,
    ) -> Step {
        Step {
            action,
            schema: key_schema(&object),
            object,
            description,
            sql,
            hazards: Vec::new(),
            transactional: true,
            phase,
            deps: StepDeps::default(),
            precondition: None,
            on_failure: Vec::new(),
        }
    }

    pub(crate) fn creates(mut self, keys: impl IntoIterator<Item = ObjectKey>) -> Step {
        self.deps.creates.extend(keys);
        self
    }

    pub(crate) fn drops(mut self, keys: impl IntoIterator<Item = ObjectKey>) -> Step {
        self.deps.drops.extend(keys);
        self
    }

    pub(crate) fn needs_new(mut self, keys: impl IntoIterator<Item = ObjectKey>) -> Step {
        self.deps.needs_new.extend(keys);
        self
    }

    pub(crate) fn needs_old(mut self, keys: impl IntoIterator<Item = ObjectKey>) -> Step {
        self.deps.needs_old.extend(keys);
        self
    }

    pub(crate) fn needs_gone(mut self, keys: impl IntoIterator<Item = ObjectKey>) -> Step {
        self.deps.needs_gone.extend(keys);
        self
    }

    /// Whether the step carries a hazard of this kind.
    pub fn has(&self, kind: HazardKind) -> bool {
        self.hazards.iter().any(|h| h.kind == kind)
    }
}

/// Where the plan came from, for its header.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PlanContext {
    /// The schema file as named by the user.
    pub source: Option<String>,
    /// SHA-256 of the schema file.
    pub source_hash: Option<String>,
    /// Fingerprint of the database's managed schema; `None` when planned offline.
    pub fingerprint: Option<String>,
    /// Schemas present in the database but not declared.
    pub unmanaged_schemas: Vec<String>,
    /// `lock_timeout` written into the script.
    pub lock_timeout: String,
    /// The schemas under management (what the fingerprint covers).
    pub managed_schemas: Vec<String>,
    /// True when planned without a database (against an empty one).
    pub offline: bool,
    /// Migration tools' bookkeeping tables present, ignored by default.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub migration_tables: Vec<String>,
    /// Desired definitions reconcile cannot parse: kept as written, checked
    /// to be one statement, compared by the server (as text offline).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_parsed: Vec<String>,
    /// The fingerprint as versions before 1 computed it, to recognise what
    /// they recorded in the history.
    #[serde(skip)]
    pub legacy_fingerprint: Option<String>,
    /// Objects of kinds reconcile does not manage (yet) in or on the managed
    /// schemas: left as they are, never dropped with what they depend on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_managed: Vec<ObjectId>,
}

/// An ordered list of steps.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Header information.
    #[serde(flatten)]
    pub context: PlanContext,
    /// Steps in execution order: all transactional steps, then the others.
    pub steps: Vec<Step>,
    /// Search path extras (extension schemas) appended to each step's schema.
    #[serde(skip)]
    pub extra_search_path: Vec<String>,
    #[serde(skip)]
    pub(crate) graph_dot: String,
}

/// Starts a step's comment line holding its precondition as JSON.
pub(crate) const REQUIRES: &str = "--   requires: ";
/// Starts a step's comment line holding one cleanup statement.
pub(crate) const ON_FAILURE: &str = "--   on failure: ";
/// Like [`ON_FAILURE`], for a statement with a line break (a quoted name
/// can hold one): the statement as a JSON string, so it stays one line.
pub(crate) const ON_FAILURE_JSON: &str = "--   on failure (json): ";

/// Text for one comment line of a plan script: a line break in a name (or
/// anything else) written as `\n`, a backslash as `\\`, so a comment can
/// never end early and turn the rest of its text into SQL. Undone by
/// [`from_comment`].
pub(crate) fn comment_text(text: &str) -> String {
    if !text.contains(['\n', '\r', '\\']) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// Reads back what [`comment_text`] wrote.
pub(crate) fn from_comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// The comment line for one cleanup statement, as the reviewer reads it
/// and `saved::parse` reads it back.
fn on_failure_line(sql: &str) -> String {
    if sql.contains(['\n', '\r']) {
        let json = serde_json::to_string(sql).unwrap_or_default();
        format!("{ON_FAILURE_JSON}{json}\n")
    } else {
        format!("{ON_FAILURE}{sql}\n")
    }
}

/// Computes the plan from `current` to `desired`.
pub fn make_plan(
    current: &Schema,
    desired: &Schema,
    existing_schemas: &BTreeSet<String>,
    graph: &Graph,
    context: PlanContext,
) -> Result<Plan> {
    let changes: Vec<Change> = diff::diff(current, desired, existing_schemas, graph)
        .map_err(crate::error::Refusal::from)?;
    plan_changes(&changes, current, desired, context)
}

/// Turns changes into ordered steps (the part of [`make_plan`] after the diff).
pub fn plan_changes(
    changes: &[Change],
    current: &Schema,
    desired: &Schema,
    context: PlanContext,
) -> Result<Plan> {
    let mut steps = steps::build_steps(changes, current, desired)?;
    keep_needed_indexes_in_transaction(&mut steps);
    let graph = order::StepGraph::build(&steps);
    let order = graph.order(&steps).map_err(PlanError::Cycle)?;
    let graph_dot = graph.dot(&steps);
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    let mut ordered: Vec<Step> = order.iter().filter_map(|&i| slots[i].take()).collect();
    // Steps outside the transaction run after it; ordering already puts them
    // last unless a dependency forbids it, which is checked here.
    if let Some(first_outside) = ordered.iter().position(|s| !s.transactional)
        && ordered[first_outside..].iter().any(|s| s.transactional)
    {
        ordered.sort_by_key(|s| !s.transactional);
    }
    let mut extra: Vec<String> = desired
        .extensions
        .values()
        .map(|e| e.schema.clone())
        .collect();
    extra.sort();
    extra.dedup();
    Ok(Plan {
        context,
        steps: ordered,
        extra_search_path: extra,
        graph_dot,
    })
}

/// A concurrent build cannot serve a step inside the transaction: when one
/// needs the index (a foreign key on a unique index), build it inside.
fn keep_needed_indexes_in_transaction(steps: &mut [Step]) {
    let needed: BTreeSet<ObjectKey> = steps
        .iter()
        .filter(|s| s.transactional)
        .flat_map(|s| s.deps.needs_new.iter().cloned())
        .collect();
    for s in steps.iter_mut() {
        if s.phase == Phase::Concurrent
            && matches!(s.object, ObjectKey::Index(..))
            && needed.contains(&s.object)
        {
            s.transactional = true;
            s.phase = Phase::CreateIndex;
            for q in &mut s.sql {
                *q = q.replacen("CONCURRENTLY IF NOT EXISTS ", "", 1);
            }
            // Inside the transaction a failed build rolls back with it.
            s.on_failure.clear();
            s.hazards.retain(|h| h.kind == HazardKind::MayFail);
            s.hazards.insert(
                0,
                Hazard::new(
                    HazardKind::LongLock,
                    "built inside the transaction (another step needs it), blocking writes to the table",
                ),
            );
        }
    }
}

impl Plan {
    /// The same steps in another order the dependency graph allows, ties
    /// broken by `seed` (transactional steps still come first). For tests:
    /// every such order must apply to the same database.
    pub fn reordered(&self, seed: u64) -> Result<Plan> {
        let graph = order::StepGraph::build(&self.steps);
        let order = graph
            .order_shuffled(&self.steps, seed)
            .map_err(PlanError::Cycle)?;
        let mut steps: Vec<Step> = order.iter().map(|&i| self.steps[i].clone()).collect();
        steps.sort_by_key(|s| !s.transactional);
        Ok(Plan {
            steps,
            ..self.clone()
        })
    }

    /// Whether the plan has no steps.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Steps with a `data_loss` hazard.
    pub fn destructive_steps(&self) -> Vec<&Step> {
        self.steps
            .iter()
            .filter(|s| s.has(HazardKind::DataLoss))
            .collect()
    }

    /// The dependency graph as Graphviz DOT.
    pub fn dot(&self) -> &str {
        &self.graph_dot
    }

    /// The `SET search_path` value for a step.
    pub fn search_path(&self, step: &Step) -> Option<String> {
        let schema = step.schema.as_ref()?;
        let mut parts = vec![quote_ident(schema)];
        for e in &self.extra_search_path {
            let q = quote_ident(e);
            if !parts.contains(&q) {
                parts.push(q);
            }
        }
        Some(parts.join(", "))
    }

    fn counts(&self) -> (BTreeMap<&'static str, usize>, BTreeMap<HazardKind, usize>) {
        let mut actions = BTreeMap::new();
        let mut hazards = BTreeMap::new();
        for s in &self.steps {
            *actions.entry(s.action.word()).or_insert(0) += 1;
            let kinds: BTreeSet<HazardKind> = s.hazards.iter().map(|h| h.kind).collect();
            for k in kinds {
                *hazards.entry(k).or_insert(0) += 1;
            }
        }
        (actions, hazards)
    }

    fn summary(&self) -> String {
        let (actions, _) = self.counts();
        let parts: Vec<String> = ["create", "alter", "rename", "drop"]
            .iter()
            .filter_map(|k| actions.get(k).map(|n| format!("{n} {k}")))
            .collect();
        format!(
            "{} step{}{}",
            self.steps.len(),
            if self.steps.len() == 1 { "" } else { "s" },
            if parts.is_empty() {
                String::new()
            } else {
                format!(" ({})", parts.join(", "))
            }
        )
    }

    fn hazard_summary(&self) -> String {
        let (_, hazards) = self.counts();
        if hazards.is_empty() {
            return "none".to_string();
        }
        hazards
            .iter()
            .map(|(k, n)| format!("{k} ({n} step{})", if *n == 1 { "" } else { "s" }))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn header(&self, comment: &str) -> Vec<String> {
        let c = &self.context;
        let mut lines = vec![format!("{comment}reconcile plan")];
        if let Some(src) = &c.source {
            lines.push(format!(
                "{comment}schema: {src}{}",
                c.source_hash
                    .as_ref()
                    .map(|h| format!(" (sha256 {h})"))
                    .unwrap_or_default()
            ));
        }
        if let Some(f) = &c.fingerprint {
            lines.push(format!(
                "{comment}database fingerprint: {f}{}",
                if c.offline {
                    " (none given; planned against an empty database)"
                } else {
                    ""
                }
            ));
        }
        lines.push(format!(
            "{comment}managed schemas: {}",
            serde_json::to_string(&c.managed_schemas).unwrap_or_default()
        ));
        lines.push(format!("{comment}changes: {}", self.summary()));
        lines.push(format!("{comment}hazards: {}", self.hazard_summary()));
        if !c.unmanaged_schemas.is_empty() {
            lines.push(format!(
                "{comment}schemas present but not managed (left alone): {}",
                c.unmanaged_schemas.join(", ")
            ));
        }
        if !c.migration_tables.is_empty() {
            lines.push(format!(
                "{comment}migration tool tables (ignored by default, left alone): {}",
                c.migration_tables.join(", ")
            ));
        }
        if !c.not_managed.is_empty() {
            lines.push(format!(
                "{comment}not managed (left as they are, never dropped with what they depend on): {}",
                Graph::summary(&c.not_managed)
            ));
        }
        if !c.not_parsed.is_empty() {
            lines.push(format!(
                "{comment}kept as written, not parsed (compared {}): {}",
                if c.offline {
                    "as text"
                } else {
                    "by the server"
                },
                c.not_parsed.join(", ")
            ));
        }
        lines
    }

    /// The plan as a runnable SQL script with a comment header.
    pub fn to_sql(&self) -> String {
        let mut out = self
            .header("-- ")
            .iter()
            .map(|l| comment_text(l))
            .collect::<Vec<_>>()
            .join("\n");
        out.push('\n');
        if self.steps.is_empty() {
            out.push_str("-- no changes\n");
            return out;
        }
        out.push_str(&format!(
            "\nSET lock_timeout = {};\n",
            crate::model::quote_literal(&self.context.lock_timeout)
        ));
        let total = self.steps.len();
        let mut in_tx = false;
        let mut path: Option<String> = None;
        for (i, s) in self.steps.iter().enumerate() {
            if s.transactional && !in_tx {
                out.push_str("BEGIN;\n");
                in_tx = true;
            }
            if !s.transactional && in_tx {
                out.push_str("\nCOMMIT;\n");
                in_tx = false;
            }
            out.push_str(&format!(
                "\n-- {}/{total} {}\n",
                i + 1,
                comment_text(&s.description)
            ));
            for h in &s.hazards {
                out.push_str(&format!(
                    "--   hazard {}: {}\n",
                    h.kind,
                    comment_text(&h.reason)
                ));
            }
            // What `apply --plan` checks and cleans up, read back by
            // `saved::parse`: comments, so the script still runs in psql.
            if let Some(p) = &s.precondition {
                out.push_str(&format!("{REQUIRES}{}\n", p.to_json_line()));
            }
            for q in &s.on_failure {
                out.push_str(&on_failure_line(q));
            }
            let want = self.search_path(s);
            if want.is_some() && want != path {
                out.push_str(&format!(
                    "SET search_path TO {};\n",
                    want.clone().unwrap_or_default()
                ));
                path = want;
            }
            for q in &s.sql {
                out.push_str(q);
                out.push_str(";\n");
            }
        }
        if in_tx {
            out.push_str("\nCOMMIT;\n");
        }
        out
    }

    /// The plan for humans, Terraform-style.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let target = match &self.context.fingerprint {
            Some(f) if !self.context.offline => {
                format!("the database (fingerprint {})", &f[..f.len().min(12)])
            }
            _ => "an empty database".to_string(),
        };
        if self.steps.is_empty() {
            out.push_str(&format!("No changes: {target} matches the schema.\n"));
            return out;
        }
        out.push_str(&format!("Plan against {target}: {}.\n", self.summary()));
        let destructive = self.destructive_steps().len();
        if destructive > 0 {
            out.push_str(&format!(
                "!! {destructive} step{} lose{} data; apply needs --allow-destructive.\n",
                if destructive == 1 { "" } else { "s" },
                if destructive == 1 { "s" } else { "" }
            ));
        }
        out.push('\n');
        for s in &self.steps {
            out.push_str(&format!("  {} {}\n", s.action.symbol(), s.description));
            for h in &s.hazards {
                out.push_str(&format!("      ! {}: {}\n", h.kind, h.reason));
            }
        }
        if !self.context.unmanaged_schemas.is_empty() {
            out.push_str(&format!(
                "\nSchemas present but not managed (left alone): {}\n",
                self.context.unmanaged_schemas.join(", ")
            ));
        }
        if !self.context.migration_tables.is_empty() {
            out.push_str(&format!(
                "{}Migration tool tables (ignored by default, left alone): {}\n",
                if self.context.unmanaged_schemas.is_empty() {
                    "\n"
                } else {
                    ""
                },
                self.context.migration_tables.join(", ")
            ));
        }
        if !self.context.not_parsed.is_empty() {
            out.push_str(&format!(
                "Kept as written, not parsed (compared {}): {}\n",
                if self.context.offline {
                    "as text"
                } else {
                    "by the server"
                },
                self.context.not_parsed.join(", ")
            ));
        }
        out
    }

    /// The plan as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}
