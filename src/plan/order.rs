//! Ordering steps by their dependencies. The only module that uses petgraph.
//!
//! Edges come from what steps create, drop and need:
//! - a step that needs an object in its new state runs after the steps that create it;
//! - a step that needs an object in its old state runs before the steps that drop it;
//! - a step that drops an object runs before a step that creates it again;
//! - a step that must not see an object's old state runs after its drop.
//!
//! Among the steps that are ready, the one with the smallest (phase, object,
//! position) runs first (deterministic Kahn), so plans read in a natural
//! order and never depend on hash order.

use super::{Action, Step};
use crate::model::ObjectKey;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

/// The keys whose renames a step on `key` must follow: the object itself
/// and the relation it belongs to (its SQL uses the new names of both).
fn owners(key: &ObjectKey) -> Vec<ObjectKey> {
    match key {
        ObjectKey::Column(t, _) | ObjectKey::Constraint(t, _) | ObjectKey::Index(t, _) => {
            vec![key.clone(), ObjectKey::Relation(t.clone())]
        }
        other => vec![other.clone()],
    }
}

/// Every step on a renamed object, or on an object of a renamed table, runs
/// after the rename: the diff writes all SQL with the new names, so
/// `DROP COLUMN ... ON new_name` before `RENAME TO new_name` would fail.
fn rename_edges(steps: &[Step], edges: &mut BTreeSet<(usize, usize)>) {
    let mut renames: HashMap<&ObjectKey, Vec<usize>> = HashMap::new();
    for (i, s) in steps.iter().enumerate() {
        if s.action == Action::Rename {
            renames.entry(&s.object).or_default().push(i);
        }
    }
    if renames.is_empty() {
        return;
    }
    for (i, s) in steps.iter().enumerate() {
        for owner in owners(&s.object) {
            for &r in renames.get(&owner).into_iter().flatten() {
                if r != i {
                    edges.insert((r, i));
                }
            }
        }
    }
}

/// The dependency graph of a list of steps.
pub struct StepGraph {
    graph: DiGraph<usize, ()>,
}

impl StepGraph {
    /// Builds the graph; node weights are indexes into `steps`.
    pub fn build(steps: &[Step]) -> StepGraph {
        let mut graph = DiGraph::with_capacity(steps.len(), steps.len() * 2);
        let nodes: Vec<NodeIndex> = (0..steps.len()).map(|i| graph.add_node(i)).collect();
        let mut creators: HashMap<&ObjectKey, Vec<usize>> = HashMap::new();
        let mut droppers: HashMap<&ObjectKey, Vec<usize>> = HashMap::new();
        for (i, s) in steps.iter().enumerate() {
            for k in &s.deps.creates {
                creators.entry(k).or_default().push(i);
            }
            for k in &s.deps.drops {
                droppers.entry(k).or_default().push(i);
            }
        }
        let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (i, s) in steps.iter().enumerate() {
            for k in &s.deps.needs_new {
                for &c in creators.get(k).into_iter().flatten() {
                    if c != i {
                        edges.insert((c, i));
                    }
                }
            }
            for k in &s.deps.needs_old {
                for &d in droppers.get(k).into_iter().flatten() {
                    if d != i {
                        edges.insert((i, d));
                    }
                }
            }
            for k in &s.deps.needs_gone {
                for &d in droppers.get(k).into_iter().flatten() {
                    if d != i {
                        edges.insert((d, i));
                    }
                }
            }
            for k in &s.deps.creates {
                for &d in droppers.get(k).into_iter().flatten() {
                    // A step that both drops and creates a key (an in-place
                    // change) orders only against others.
                    if d != i && !steps[d].deps.creates.contains(k) {
                        edges.insert((d, i));
                    }
                }
            }
        }
        rename_edges(steps, &mut edges);
        for (a, b) in edges {
            graph.add_edge(nodes[a], nodes[b], ());
        }
        StepGraph { graph }
    }

    /// Sorts the steps; on a cycle returns the descriptions of the steps in it.
    pub fn order(&self, steps: &[Step]) -> Result<Vec<usize>, Vec<String>> {
        self.order_by(steps, |i| (steps[i].phase, steps[i].object.clone(), i))
    }

    /// Sorts the steps breaking ties by a key derived from `seed` instead of
    /// the reading order. Any such order must apply to the same result: a
    /// test runs plans this way to find dependencies the graph lacks.
    pub fn order_shuffled(&self, steps: &[Step], seed: u64) -> Result<Vec<usize>, Vec<String>> {
        self.order_by(steps, |i| {
            // splitmix64 of (seed, position): a fixed permutation per seed.
            let mut z = seed
                .wrapping_add(0x9e37_79b9_7f4a_7c15)
                .wrapping_mul(i as u64 + 1);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31), i)
        })
    }

    fn order_by<K: Ord>(
        &self,
        steps: &[Step],
        key: impl Fn(usize) -> K,
    ) -> Result<Vec<usize>, Vec<String>> {
        let g = &self.graph;
        let mut indegree: Vec<usize> = g
            .node_indices()
            .map(|n| {
                g.neighbors_directed(n, petgraph::Direction::Incoming)
                    .count()
            })
            .collect();
        let key = |i: usize| Reverse((key(i), i));
        let mut ready: BinaryHeap<Reverse<(K, usize)>> = BinaryHeap::new();
        for (i, d) in indegree.iter().enumerate() {
            if *d == 0 {
                ready.push(key(i));
            }
        }
        let mut out = Vec::with_capacity(steps.len());
        while let Some(Reverse((_, i))) = ready.pop() {
            out.push(i);
            for n in g.neighbors_directed(NodeIndex::new(i), petgraph::Direction::Outgoing) {
                let j = g[n];
                indegree[j] -= 1;
                if indegree[j] == 0 {
                    ready.push(key(j));
                }
            }
        }
        if out.len() == steps.len() {
            return Ok(out);
        }
        let mut cycle = Vec::new();
        for scc in petgraph::algo::tarjan_scc(g) {
            if scc.len() > 1 {
                cycle.extend(scc.iter().map(|n| steps[g[*n]].description.clone()));
                break;
            }
        }
        Err(cycle)
    }

    /// Graphviz DOT of the graph, labelled with step descriptions.
    pub fn dot(&self, steps: &[Step]) -> String {
        let mut out = String::from(
            "digraph plan {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
        );
        for n in self.graph.node_indices() {
            let s = &steps[self.graph[n]];
            let color = if s.hazards.is_empty() { "black" } else { "red" };
            out.push_str(&format!(
                "  n{} [label=\"{}\", color={color}];\n",
                n.index(),
                s.description.replace('\\', "\\\\").replace('"', "\\\"")
            ));
        }
        for e in self.graph.edge_indices() {
            if let Some((a, b)) = self.graph.edge_endpoints(e) {
                out.push_str(&format!("  n{} -> n{};\n", a.index(), b.index()));
            }
        }
        out.push_str("}\n");
        out
    }
}
