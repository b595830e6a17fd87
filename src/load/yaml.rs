//! YAML text → a tree whose every node knows where it starts → the raw types.
//!
//! The only module that names the YAML parser (`saphyr-parser`). Its events
//! are read once, without recursion, into [`Node`]s; the raw types are then
//! deserialized from the tree with serde_yaml 0.9's rules (the YAML 1.2 core
//! schema: `yes`, `on` and `017` are strings, `0o17` is 15, `~` and an empty
//! value are null, quoted scalars are always strings), so files read as
//! before. The same tree gives [`Locations`]: every mapping key and sequence
//! item by its path, for diagnostics.
//!
//! What the tree refuses, with a position: duplicate keys, keys that are not
//! scalars, more than one document, nesting deeper than [`MAX_DEPTH`],
//! recursive aliases, aliases that expand past [`MAX_ALIAS_NODES`], and tags
//! other than the core schema's.

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Expected, Unexpected, Visitor};
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

    /// The places of the document's keys and items.
    pub(super) fn locations(&self) -> Locations<'_> {
        Locations {
            root: &self.root,
            index: OnceCell::new(),
        }
    }

    /// Deserializes `T` from the document.
    pub(super) fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Error> {
        T::deserialize(De {
            node: &self.root,
            path: Path::Root,
        })
    }
}

/// Where each mapping key and sequence item of a document starts, by its
/// path (`["schemas", "public", "tables", "t"]`, `["tables", "0"]`).
/// Built from the tree on the first lookup: a valid file never needs it.
pub(super) struct Locations<'a> {
    root: &'a Node,
    index: OnceCell<BTreeMap<Vec<String>, Mark>>,
}

impl Locations<'_> {
    /// The 1-based line and column of the deepest key (or sequence item) of
    /// `path` that the document has: a path deeper than the text (a key
    /// that was left out, an index past the end) stops where the text does.
    pub(super) fn locate(&self, path: &[String]) -> Option<(usize, usize)> {
        let index = self.index.get_or_init(|| {
            let mut index = BTreeMap::new();
            add_to_index(self.root, &mut Vec::new(), &mut index);
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

// ---------------------------------------------------------------------------
// Scalar resolution, as serde_yaml 0.9 does it (YAML 1.2 core schema).

fn parse_null(v: &str) -> bool {
    matches!(v, "null" | "Null" | "NULL" | "~")
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Leading zeros followed by digits make a string in YAML 1.2 (`017`).
fn digits_but_not_number(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    v.len() > 1 && v.starts_with('0') && v[1..].bytes().all(|b| b.is_ascii_digit())
}

fn parse_radix<T>(
    v: &str,
    negative: bool,
    from_str_radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = v.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            let digits = if negative {
                format!("-{rest}")
            } else {
                rest.to_string()
            };
            if let Ok(int) = from_str_radix(&digits, radix) {
                return Some(int);
            }
        }
    }
    None
}

fn parse_unsigned<T>(
    v: &str,
    from_str_radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    let unpositive = v.strip_prefix('+').unwrap_or(v);
    if let Some(int) = parse_radix(unpositive, false, from_str_radix) {
        return Some(int);
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(v) {
        return None;
    }
    from_str_radix(unpositive, 10).ok()
}

fn parse_negative<T>(
    v: &str,
    from_str_radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    if let Some(rest) = v.strip_prefix('-')
        && let Some(int) = parse_radix(rest, true, from_str_radix)
    {
        return Some(int);
    }
    if digits_but_not_number(v) {
        return None;
    }
    from_str_radix(v, 10).ok()
}

fn parse_signed(v: &str) -> Option<i64> {
    let unpositive = match v.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => v,
    };
    if let Some(int) = parse_radix(unpositive, false, i64::from_str_radix) {
        return Some(int);
    }
    if let Some(rest) = v.strip_prefix('-')
        && let Some(int) = parse_radix(rest, true, i64::from_str_radix)
    {
        return Some(int);
    }
    if digits_but_not_number(v) {
        return None;
    }
    unpositive.parse::<i64>().ok()
}

fn parse_f64(v: &str) -> Option<f64> {
    let unpositive = match v.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => v,
    };
    match (unpositive, v) {
        (".inf" | ".Inf" | ".INF", _) => return Some(f64::INFINITY),
        (_, "-.inf" | "-.Inf" | "-.INF") => return Some(f64::NEG_INFINITY),
        (_, ".nan" | ".NaN" | ".NAN") => return Some(f64::NAN),
        _ => {}
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn visit_int<'de, V: Visitor<'de>>(visitor: V, v: &str) -> Result<Result<V::Value, Error>, V> {
    if let Some(int) = parse_unsigned(v, u64::from_str_radix) {
        return Ok(visitor.visit_u64(int));
    }
    if let Some(int) = parse_negative(v, i64::from_str_radix) {
        return Ok(visitor.visit_i64(int));
    }
    if let Some(int) = parse_unsigned(v, u128::from_str_radix) {
        return Ok(visitor.visit_u128(int));
    }
    if let Some(int) = parse_negative(v, i128::from_str_radix) {
        return Ok(visitor.visit_i128(int));
    }
    Err(visitor)
}

fn visit_untagged<'de, V: Visitor<'de>>(visitor: V, v: &str) -> Result<V::Value, Error> {
    if v.is_empty() || parse_null(v) {
        return visitor.visit_unit();
    }
    if let Some(b) = parse_bool(v) {
        return visitor.visit_bool(b);
    }
    let visitor = match visit_int(visitor, v) {
        Ok(result) => return result,
        Err(visitor) => visitor,
    };
    if !digits_but_not_number(v)
        && let Some(f) = parse_f64(v)
    {
        return visitor.visit_f64(f);
    }
    visitor.visit_str(v)
}

fn visit_scalar<'de, V: Visitor<'de>>(visitor: V, s: &Scalar) -> Result<V::Value, Error> {
    let v = s.text.as_str();
    let invalid = |what: &str| de::Error::invalid_value(Unexpected::Str(v), &what);
    match s.tag {
        Some(CoreTag::Str) => visitor.visit_str(v),
        Some(CoreTag::Bool) => match parse_bool(v) {
            Some(b) => visitor.visit_bool(b),
            None => Err(invalid("a boolean")),
        },
        Some(CoreTag::Int) => match visit_int(visitor, v) {
            Ok(result) => result,
            Err(_) => Err(invalid("an integer")),
        },
        Some(CoreTag::Float) => match parse_f64(v) {
            Some(f) => visitor.visit_f64(f),
            None => Err(invalid("a float")),
        },
        Some(CoreTag::Null) if parse_null(v) => visitor.visit_unit(),
        Some(CoreTag::Null) => Err(invalid("null")),
        None if s.plain => visit_untagged(visitor, v),
        None => visitor.visit_str(v),
    }
}

/// "invalid type: <what the node resolves to>, expected <exp>".
fn invalid_type(node: &Node, exp: &dyn Expected) -> Error {
    struct InvalidType<'a> {
        exp: &'a dyn Expected,
    }
    impl Visitor<'_> for InvalidType<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.exp.fmt(f)
        }
    }
    match node {
        Node::Scalar(s) => match visit_scalar(InvalidType { exp }, s) {
            Ok(()) => de::Error::invalid_type(Unexpected::Other("scalar"), exp),
            Err(e) => e,
        },
        Node::Seq(..) => de::Error::invalid_type(Unexpected::Seq, exp),
        Node::Map(..) => de::Error::invalid_type(Unexpected::Map, exp),
    }
}

// ---------------------------------------------------------------------------
// The deserializer over the tree.

/// Where a value is, for messages.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

struct De<'a> {
    node: &'a Node,
    path: Path<'a>,
}

impl De<'_> {
    /// Gives an error raised at this node (without a place yet) this
    /// node's place and path, as serde_yaml does.
    fn fix(&self, mut e: Error) -> Error {
        if e.mark.is_none() {
            e.mark = Some(self.node.mark());
            e.path = self.path.to_string();
        }
        e
    }

    fn plain_scalar(&self) -> Option<&str> {
        match self.node {
            Node::Scalar(s) if s.plain => Some(&s.text),
            _ => None,
        }
    }

    fn is_empty_plain(&self) -> bool {
        self.plain_scalar().is_some_and(str::is_empty)
    }
}

macro_rules! typed {
    ($($method:ident => $parse:expr, $visit:ident;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                let parsed = self.plain_scalar().and_then($parse);
                let result = match parsed {
                    Some(v) => visitor.$visit(v),
                    None => Err(invalid_type(self.node, &visitor)),
                };
                result.map_err(|e| self.fix(e))
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Scalar(s) => visit_scalar(visitor, s),
            Node::Seq(items, _) => visitor.visit_seq(SeqAccess {
                items: items.iter(),
                index: 0,
                path: &self.path,
            }),
            Node::Map(entries, _) => visitor.visit_map(MapAccess {
                entries: entries.iter(),
                value: None,
                path: &self.path,
            }),
        };
        result.map_err(|e| self.fix(e))
    }

    typed! {
        deserialize_bool => parse_bool, visit_bool;
        deserialize_i64 => parse_signed, visit_i64;
        deserialize_u64 => |v| parse_unsigned(v, u64::from_str_radix), visit_u64;
        deserialize_f64 => parse_f64, visit_f64;
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    /// Any scalar reads as its text: `type: 1` is the type name "1".
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Scalar(s) => visitor.visit_str(&s.text),
            node => Err(invalid_type(node, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(self.fix(de::Error::custom(
            "serialization and deserialization of bytes in YAML is not implemented",
        )))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    /// `~`, `null` and an empty value are `None`; a quoted `"~"` is not.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let is_some = match self.node {
            Node::Scalar(s) if !s.plain => true,
            Node::Scalar(s) => match s.tag {
                Some(CoreTag::Null) if parse_null(&s.text) => false,
                Some(CoreTag::Null) => {
                    let e = de::Error::invalid_value(Unexpected::Str(&s.text), &"null");
                    return Err(self.fix(e));
                }
                Some(_) => true,
                None => !s.text.is_empty() && !parse_null(&s.text),
            },
            Node::Seq(..) | Node::Map(..) => true,
        };
        if is_some {
            visitor.visit_some(self)
        } else {
            visitor.visit_none().map_err(|e| self.fix(e))
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Scalar(s) => {
                let null = s.plain
                    && match s.tag {
                        Some(CoreTag::Null) => parse_null(&s.text),
                        Some(_) => false,
                        None => s.text.is_empty() || parse_null(&s.text),
                    };
                if null {
                    visitor.visit_unit()
                } else {
                    Err(de::Error::invalid_value(Unexpected::Str(&s.text), &"null"))
                }
            }
            node => Err(invalid_type(node, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// A sequence; an empty value is an empty one.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Seq(..) => return self.deserialize_any(visitor),
            _ if self.is_empty_plain() => visitor.visit_seq(SeqAccess {
                items: [].iter(),
                index: 0,
                path: &self.path,
            }),
            node => Err(invalid_type(node, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    /// A mapping; an empty value is an empty one.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Map(..) => return self.deserialize_any(visitor),
            _ if self.is_empty_plain() => visitor.visit_map(MapAccess {
                entries: [].iter(),
                value: None,
                path: &self.path,
            }),
            node => Err(invalid_type(node, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    /// A unit variant, written as its name (`on_delete: cascade`).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Scalar(s) => visitor.visit_enum(UnitVariant { name: &s.text }),
            Node::Seq(..) => Err(de::Error::invalid_type(
                Unexpected::Seq,
                &"a YAML tag starting with '!'",
            )),
            Node::Map(..) => Err(de::Error::invalid_type(
                Unexpected::Map,
                &"a YAML tag starting with '!'",
            )),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

struct SeqAccess<'a> {
    items: std::slice::Iter<'a, Node>,
    index: usize,
    path: &'a Path<'a>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(node) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(De {
            node,
            path: Path::Index(self.path, index),
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapAccess<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<(&'a str, &'a Node)>,
    path: &'a Path<'a>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_> {
    type Error = Error;

    /// A key is read with its mapping's path and its own place, as
    /// serde_yaml does ("schemas.public.tables.t: unknown field `colums`").
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((key.text(), value));
        seed.deserialize(De {
            node: key,
            path: *self.path,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((key, node)) = self.value.take() else {
            return Err(de::Error::custom("a value was read before its key"));
        };
        seed.deserialize(De {
            node,
            path: Path::Key(self.path, key),
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct UnitVariant<'a> {
    name: &'a str,
}

impl<'de> de::EnumAccess<'de> for UnitVariant<'_> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self), Error> {
        let value = seed.deserialize(de::value::StrDeserializer::<Error>::new(self.name))?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"newtype variant",
        ))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"tuple variant",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"struct variant",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

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
