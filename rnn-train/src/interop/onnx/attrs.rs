//! Reading a node's attributes by name.

use super::proto::{AttributeProto, NodeProto};

/// The node's attribute `name`, if present.
pub fn get<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

/// An `INT` attribute.
pub fn int(node: &NodeProto, name: &str) -> Option<i64> {
    get(node, name).map(|a| a.i)
}

/// A `FLOAT` attribute.
pub fn float(node: &NodeProto, name: &str) -> Option<f32> {
    get(node, name).map(|a| a.f)
}

/// An `INTS` attribute.
pub fn ints(node: &NodeProto, name: &str) -> Option<Vec<i64>> {
    get(node, name).map(|a| a.ints.clone())
}

/// A `STRING` attribute (lossy UTF-8).
pub fn string(node: &NodeProto, name: &str) -> Option<String> {
    get(node, name).map(|a| String::from_utf8_lossy(&a.s).into_owned())
}

/// A `STRINGS` attribute (lossy UTF-8).
pub fn strings(node: &NodeProto, name: &str) -> Option<Vec<String>> {
    get(node, name).map(|a| {
        a.strings
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect()
    })
}

/// How messages name a node: `node 'name' (OpType)`, or its first output
/// when it has no name.
pub fn describe(node: &NodeProto) -> String {
    let name = if node.name.is_empty() {
        node.output.first().map_or("?", String::as_str)
    } else {
        &node.name
    };
    format!("node '{name}' ({})", node.op_type)
}
