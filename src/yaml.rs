//! Helpers for YAML values read with serde_yaml, shared by the codebook,
//! the settings and transcripts' front matter (which must not depend on
//! each other).

/// A YAML scalar as text: strings as written, numbers and booleans as
/// serde_yaml prints them; `None` for anything else.
pub fn scalar(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
