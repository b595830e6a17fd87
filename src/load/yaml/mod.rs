//! YAML text → a tree whose every node knows where it starts → the raw types.
//!
//! The only module that names the YAML parser (`saphyr-parser`). Its events
//! are read once, without recursion, into [`Node`]s; the raw types are then
//! deserialized from the tree (`deserializer`) with serde_yaml 0.9's rules
//! (`scalar`: the YAML 1.2 core schema: `yes`, `on` and `017` are strings,
//! `0o17` is 15, `~` and an empty value are null, quoted scalars are always
//! strings), so files read as before. The same tree gives [`Locations`]: every mapping key and sequence
//! item by its path, for diagnostics.
//!
//! What the tree refuses, with a position: duplicate keys, keys that are not
//! scalars, more than one document, nesting deeper than [`MAX_DEPTH`],
//! recursive aliases, aliases that expand past [`MAX_ALIAS_NODES`], and tags
//! other than the core schema's.

mod deserializer;
mod scalar;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde::de::{self, DeserializeOwned};
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::fmt;

/// Deeper nesting is an error (serde_yaml's limit too): it keeps the
/// recursive walks over the tree far from the stack's end.
const MAX_DEPTH: usize = 128;

/// Nodes that aliases may add by copying their anchors ("billion laughs").
const MAX_ALIAS_NODES: usize = 250_000;

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Mark {
    pub line: usize,
    pub column: usize,
}

impl Mark {
    fn of(span: Span) -> Mark {
        Mark {
            line: span.start.line(),
            column: span.start.col() + 1,
        }
    }
}

/// A YAML error: what, where, and the path of the value it concerns.
#[derive(Debug)]
pub(super) struct Error {
    pub message: String,
    pub mark: Option<Mark>,
    /// Like `schemas.public.tables.t` or `tables[0]`; empty at the top.
    pub path: String,
}

impl Error {
    fn at(message: impl Into<String>, mark: Mark, path: String) -> Error {
        Error {
            message: message.into(),
            mark: Some(mark),
            path,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error {
            message: msg.to_string(),
            mark: None,
            path: String::new(),
        }
    }
}

/// A core schema tag on a scalar (`!!str 7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CoreTag {
    Str,
    Bool,
    Int,
    Float,
    Null,
}

#[derive(Clone, Debug)]
struct Scalar {
    text: String,
    /// Plain style: resolved by the core schema (unless tagged).
    plain: bool,
    tag: Option<CoreTag>,
    mark: Mark,
}

#[derive(Clone, Debug)]
enum Node {
    Scalar(Scalar),
    Seq(Vec<Node>, Mark),
    /// Keys are always [`Node::Scalar`].
    Map(Vec<(Node, Node)>, Mark),
}

impl Node {
    fn mark(&self) -> Mark {
        match self {
            Node::Scalar(s) => s.mark,
            Node::Seq(_, m) | Node::Map(_, m) => *m,
        }
    }

    fn text(&self) -> &str {
        match self {
            Node::Scalar(s) => &s.text,
            Node::Seq(..) | Node::Map(..) => "",
        }
    }

    /// Nodes in this tree, for the alias budget.
    fn size(&self) -> usize {
        match self {
            Node::Scalar(_) => 1,
            Node::Seq(items, _) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Node::Map(entries, _) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }
}

/// A parsed YAML document.
#[derive(Debug)]
pub(super) struct Document {
    root: Node,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        mark: Mark,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        mark: Mark,
        anchor: usize,
    },
}

/// The path of the node being built at the top of `stack`, as serde_yaml
/// wrote it (`a.b[0].c`).
fn stack_path(stack: &[Frame]) -> String {
    let mut out = String::new();
    for frame in stack.iter().take(stack.len().saturating_sub(1)) {
        match frame {
            Frame::Seq { items, .. } => out.push_str(&format!("[{}]", items.len())),
            Frame::Map { key, .. } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key.as_ref().map_or("?", Node::text));
            }
        }
    }
    out
}

fn core_tag(tag: &Tag) -> Option<&str> {
    (tag.handle == "tag:yaml.org,2002:").then_some(tag.suffix.as_str())
}

fn tag_name(tag: &Tag) -> String {
    match core_tag(tag) {
        Some(suffix) => format!("!!{suffix}"),
        None => format!("{}{}", tag.handle, tag.suffix),
    }
}

struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    /// Finished anchored nodes by anchor id, with their sizes.
    anchors: BTreeMap<usize, (Node, usize)>,
    copied: usize,
}

impl Builder {
    fn error(&self, message: impl Into<String>, mark: Mark) -> Error {
        Error::at(message, mark, stack_path(&self.stack))
    }

    fn anchor(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), node.size()));
        }
    }

    /// A sequence or mapping begins.
    fn start(
        &mut self,
        seq: bool,
        anchor: usize,
        tag: Option<&Tag>,
        mark: Mark,
    ) -> Result<(), Error> {
        let (kind, core) = if seq {
            ("sequence", "seq")
        } else {
            ("mapping", "map")
        };
        if let Some(t) = tag
            && core_tag(t) != Some(core)
        {
            return Err(self.error(
                format!("tag `{}` is not supported on a {kind}", tag_name(t)),
                mark,
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error("recursion limit exceeded", mark));
        }
        self.stack.push(if seq {
            Frame::Seq {
                items: Vec::new(),
                mark,
                anchor,
            }
        } else {
            Frame::Map {
                entries: Vec::new(),
                key: None,
                mark,
                anchor,
            }
        });
        Ok(())
    }

    /// Puts a finished node into its parent.
    fn attach(&mut self, node: Node) -> Result<(), Error> {
        let path = stack_path(&self.stack);
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    let Node::Scalar(s) = &node else {
                        let what = if matches!(node, Node::Seq(..)) {
                            "a sequence"
                        } else {
                            "a mapping"
                        };
                        return Err(Error::at(
                            format!("a mapping key must be a scalar, not {what}"),
                            node.mark(),
                            path,
                        ));
                    };
                    if let Some((first, _)) = entries.iter().find(|(k, _)| k.text() == s.text) {
                        let m = first.mark();
                        return Err(Error::at(
                            format!(
                                "duplicate key `{}` (first at line {} column {})",
                                s.text, m.line, m.column
                            ),
                            s.mark,
                            path,
                        ));
                    }
                    *key = Some(node);
                }
            },
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<bool, Error> {
        let mark = Mark::of(span);
        match event {
            Event::StreamEnd => return Ok(true),
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
            Event::DocumentStart(_) => {
                if self.root.is_some() {
                    return Err(self.error(
                        "deserializing from YAML containing more than one document is not supported",
                        mark,
                    ));
                }
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(
                        self.error("an alias cannot refer to the anchor it is inside of", mark)
                    );
                };
                self.copied += size;
                if self.copied > MAX_ALIAS_NODES {
                    return Err(self.error(
                        format!("aliases expand to more than {MAX_ALIAS_NODES} nodes"),
                        mark,
                    ));
                }
                let node = node.clone();
                self.attach(node)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tag = match tag.as_deref() {
                    None => None,
                    Some(t) => match core_tag(t) {
                        Some("str") => Some(CoreTag::Str),
                        Some("bool") => Some(CoreTag::Bool),
                        Some("int") => Some(CoreTag::Int),
                        Some("float") => Some(CoreTag::Float),
                        Some("null") => Some(CoreTag::Null),
                        _ => {
                            return Err(self.error(
                                format!("tag `{}` is not supported on a scalar", tag_name(t)),
                                mark,
                            ));
                        }
                    },
                };
                let node = Node::Scalar(Scalar {
                    text: text.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    tag,
                    mark,
                });
                self.anchor(anchor, &node);
                self.attach(node)?;
            }
            Event::SequenceStart(anchor, tag) => self.start(true, anchor, tag.as_deref(), mark)?,
            Event::MappingStart(anchor, tag) => self.start(false, anchor, tag.as_deref(), mark)?,
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        mark,
                        anchor,
                    }) => (Node::Seq(items, mark), anchor),
                    Some(Frame::Map {
                        entries,
                        mark,
                        anchor,
                        ..
                    }) => (Node::Map(entries, mark), anchor),
                    None => return Err(self.error("unbalanced YAML events", mark)),
                };
                self.anchor(anchor, &node);
                self.attach(node)?;
            }
        }
        Ok(false)
    }
}

impl Document {
    /// Parses one YAML document; an empty stream is a null document.
    pub(super) fn parse(text: &str) -> Result<Document, Error> {
        let mut builder = Builder {
            stack: Vec::new(),
            root: None,
            anchors: BTreeMap::new(),
            copied: 0,
        };
        for event in Parser::new_from_str(text) {
            let (event, span) = event.map_err(|e| Error {
                message: e.info().to_string(),
                mark: Some(Mark {
                    line: e.marker().line(),
                    column: e.marker().col() + 1,
                }),
                path: String::new(),
            })?;
            if builder.event(event, span)? {
                break;
            }
        }
        let root = builder.root.unwrap_or(Node::Scalar(Scalar {
            text: String::new(),
            plain: true,
            tag: None,
            mark: Mark { line: 1, column: 1 },
        }));
        Ok(Document { root })
    }

    /// Deserializes `T` from the document.
    pub(super) fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Error> {
        deserializer::from_root(&self.root)
    }
}

/// Where each mapping key and sequence item of a document starts, by its
/// path (`["schemas", "public", "tables", "t"]`, `["tables", "0"]`).
/// Built on the first lookup by parsing the text again: a valid file never
/// needs it, so the tree is dropped as soon as the file is deserialized
/// (at 10,000 tables it is several times the size of the model).
pub(super) struct Locations<'a> {
    text: &'a str,
    index: OnceCell<BTreeMap<Vec<String>, Mark>>,
}

impl<'a> Locations<'a> {
    /// The places of the keys and items of `text`, a document that parsed.
    pub(super) fn of(text: &'a str) -> Locations<'a> {
        Locations {
            text,
            index: OnceCell::new(),
        }
    }

    /// The 1-based line and column of the deepest key (or sequence item) of
    /// `path` that the document has: a path deeper than the text (a key
    /// that was left out, an index past the end) stops where the text does.
    pub(super) fn locate(&self, path: &[String]) -> Option<(usize, usize)> {
        let index = self.index.get_or_init(|| {
            let mut index = BTreeMap::new();
            // The text parsed before, so it parses again; if it somehow did
            // not, messages go without positions rather than wrong ones.
            if let Ok(doc) = Document::parse(self.text) {
                add_to_index(&doc.root, &mut Vec::new(), &mut index);
            }
            index
        });
        (1..=path.len())
            .rev()
            .find_map(|n| index.get(&path[..n]))
            .map(|m| (m.line, m.column))
    }
}

/// Depth is bounded by [`MAX_DEPTH`], so the recursion is too.
fn add_to_index(node: &Node, path: &mut Vec<String>, index: &mut BTreeMap<Vec<String>, Mark>) {
    let children: Vec<(String, Mark, &Node)> = match node {
        Node::Scalar(_) => return,
        Node::Seq(items, _) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (i.to_string(), item.mark(), item))
            .collect(),
        Node::Map(entries, _) => entries
            .iter()
            .map(|(k, v)| (k.text().to_string(), k.mark(), v))
            .collect(),
    };
    for (segment, mark, child) in children {
        path.push(segment);
        index.insert(path.clone(), mark);
        add_to_index(child, path, index);
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde::de::Visitor;

    fn parse<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
        Document::parse(text)?.deserialize()
    }

    fn error(text: &str) -> (String, Option<(usize, usize)>, String) {
        let e = parse::<BTreeMap<String, serde::de::IgnoredAny>>(text)
            .expect_err("an error is expected");
        (e.path, e.mark.map(|m| (m.line, m.column)), e.message)
    }

    /// What `deserialize_any` makes of a value: the raw `Scalar`'s view.
    #[derive(Debug, PartialEq)]
    enum Any {
        Null,
        Bool(bool),
        Int(i128),
        Float(String),
        Str(String),
    }

    impl<'de> Deserialize<'de> for Any {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Any, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Any;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a scalar")
                }
                fn visit_unit<E>(self) -> Result<Any, E> {
                    Ok(Any::Null)
                }
                fn visit_bool<E>(self, v: bool) -> Result<Any, E> {
                    Ok(Any::Bool(v))
                }
                fn visit_i64<E>(self, v: i64) -> Result<Any, E> {
                    Ok(Any::Int(v.into()))
                }
                fn visit_u64<E>(self, v: u64) -> Result<Any, E> {
                    Ok(Any::Int(v.into()))
                }
                fn visit_u128<E: de::Error>(self, v: u128) -> Result<Any, E> {
                    i128::try_from(v).map(Any::Int).map_err(E::custom)
                }
                fn visit_f64<E>(self, v: f64) -> Result<Any, E> {
                    Ok(Any::Float(v.to_string()))
                }
                fn visit_str<E>(self, v: &str) -> Result<Any, E> {
                    Ok(Any::Str(v.to_string()))
                }
            }
            d.deserialize_any(V)
        }
    }

    fn any(value: &str) -> Any {
        let map: BTreeMap<String, Any> = parse(&format!("v: {value}\n")).expect("parses");
        map.into_values().next().expect("one value")
    }

    #[test]
    fn scalars_resolve_by_the_yaml_1_2_core_schema() {
        let s = |v: &str| Any::Str(v.to_string());
        for (text, want) in [
            ("yes", s("yes")),
            ("no", s("no")),
            ("on", s("on")),
            ("off", s("off")),
            ("y", s("y")),
            ("true", Any::Bool(true)),
            ("False", Any::Bool(false)),
            ("~", Any::Null),
            ("null", Any::Null),
            ("", Any::Null),
            ("\"~\"", s("~")),
            ("'null'", s("null")),
            ("7", Any::Int(7)),
            ("-7", Any::Int(-7)),
            ("+7", Any::Int(7)),
            ("\"7\"", s("7")),
            ("\"'7'\"", s("'7'")),
            ("017", s("017")),
            ("0o17", Any::Int(15)),
            ("0x1F", Any::Int(31)),
            ("-0x1F", Any::Int(-31)),
            ("0b101", Any::Int(5)),
            ("1_000", s("1_000")),
            ("99999999999999999999", Any::Int(99_999_999_999_999_999_999)),
            ("1.5", Any::Float("1.5".into())),
            ("1e3", Any::Float("1000".into())),
            (".inf", Any::Float("inf".into())),
            ("1e309", s("1e309")),
            ("1a", s("1a")),
            ("2001-12-14", s("2001-12-14")),
            ("!!str 7", s("7")),
            ("!!int \"7\"", Any::Int(7)),
            ("|\n  lit\n", s("lit\n")),
        ] {
            assert_eq!(any(text), want, "{text:?}");
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Typed {
        name: Option<String>,
        flag: Option<bool>,
        count: Option<i64>,
        #[serde(default)]
        list: Vec<String>,
    }

    #[test]
    fn typed_targets_read_as_serde_yaml_read_them() {
        let t: Typed = parse("name: 1a\nflag: true\ncount: 0x10\nlist: [a, 1, ~, yes]\n").unwrap();
        assert_eq!(
            t,
            Typed {
                name: Some("1a".into()),
                flag: Some(true),
                count: Some(16),
                list: vec!["a".into(), "1".into(), "~".into(), "yes".into()],
            }
        );
        let t: Typed = parse("name: ~\nflag:\ncount: null\nlist:\n").unwrap();
        assert_eq!(t.name, None);
        assert_eq!(t.flag, None);
        assert_eq!(t.list, Vec::<String>::new());
        let t: Typed = parse("name: \"~\"\n").unwrap();
        assert_eq!(t.name.as_deref(), Some("~"));

        let e = parse::<Typed>("x:\n  y: 1\nflag: yes\n").unwrap_err();
        assert_eq!(
            e.message,
            "unknown field `x`, expected one of `name`, `flag`, `count`, `list`"
        );
        assert_eq!(
            (e.path.as_str(), e.mark),
            ("", Some(Mark { line: 1, column: 1 }))
        );
        let e = parse::<Typed>("flag: yes\n").unwrap_err();
        assert_eq!(
            e.message,
            "invalid type: string \"yes\", expected a boolean"
        );
        assert_eq!(
            (e.path.as_str(), e.mark),
            ("flag", Some(Mark { line: 1, column: 7 }))
        );
        let e = parse::<Typed>("count: \"5\"\n").unwrap_err();
        assert_eq!(e.message, "invalid type: string \"5\", expected i64");
        let e = parse::<Typed>("list: [a, [b]]\n").unwrap_err();
        assert_eq!(e.message, "invalid type: sequence, expected a string");
        assert_eq!(
            (e.path.as_str(), e.mark),
            (
                "list[1]",
                Some(Mark {
                    line: 1,
                    column: 11
                })
            )
        );
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_second_key() {
        let (path, at, message) = error("a:\n  b: 1\n  c: 2\n  b: 3\n");
        assert_eq!(path, "a");
        assert_eq!(at, Some((4, 3)));
        assert_eq!(message, "duplicate key `b` (first at line 2 column 3)");
        let (path, at, _) = error("a: { t: 1, t: 2 }\n");
        assert_eq!((path.as_str(), at), ("a", Some((1, 12))));
    }

    #[test]
    fn aliases_copy_their_anchors_within_a_budget() {
        let map: BTreeMap<String, BTreeMap<String, Any>> =
            parse("a: &x { t: int }\nb: *x\n").unwrap();
        assert_eq!(map["b"]["t"], Any::Str("int".into()));
        let (_, at, message) = error("a: &a [*a]\n");
        assert_eq!(at, Some((1, 8)));
        assert_eq!(
            message,
            "an alias cannot refer to the anchor it is inside of"
        );
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let (_, _, message) = error(&bomb);
        assert!(
            message.starts_with("aliases expand to more than"),
            "{message}"
        );
    }

    #[test]
    fn what_the_tree_refuses() {
        let deep_block = format!("a:\n{}x\n", "- ".repeat(100_000));
        let deep_flow = format!("a: {}x{}\n", "[".repeat(10_000), "]".repeat(10_000));
        for (text, want) in [
            (deep_block.as_str(), "recursion limit exceeded"),
            (deep_flow.as_str(), "recursion limit exceeded"),
            (
                "a: 1\n---\nb: 2\n",
                "deserializing from YAML containing more than one document is not supported",
            ),
            (
                "a: !custom 1\n",
                "tag `!custom` is not supported on a scalar",
            ),
            (
                "a: !!set { b }\n",
                "tag `!!set` is not supported on a mapping",
            ),
            ("[a]: 1\n", "a mapping key must be a scalar, not a sequence"),
            (
                "a: [\n",
                "while parsing a node, did not find expected node content",
            ),
        ] {
            let (_, at, message) = error(text);
            assert_eq!(message, want, "{:?}", &text[..text.len().min(20)]);
            assert!(at.is_some(), "{message}");
        }
        // An empty stream is a null document, read as an empty mapping.
        let map: BTreeMap<String, Any> = parse("# nothing\n").unwrap();
        assert!(map.is_empty());
    }
}
