//! Parsing JSON input so that errors name the field (`services[1].minutes`).

use serde::Deserialize;

use crate::InputError;

/// Parses `text` as `T` (a visit, or any input that embeds one). On failure the document is
/// parsed again with path tracking, so the error names the field (`services[1].minutes`);
/// valid input pays nothing for that. The CLI and the HTTP API both parse through here.
pub fn parse_json<'de, T: Deserialize<'de>>(text: &'de str) -> Result<T, InputError> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(_) => Err(json_error::<T>(text)),
    }
}

fn json_error<'de, T: Deserialize<'de>>(text: &'de str) -> InputError {
    let de = &mut serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(_) => InputError::new("(document)", "invalid JSON"),
        Err(e) => {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            // serde reports a missing field on its parent; name the field itself.
            let missing = message
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next());
            let field = match (path.as_str(), missing) {
                ("." | "?", Some(name)) => name.to_owned(),
                (parent, Some(name)) => format!("{parent}.{name}"),
                ("." | "?", None) => "(document)".to_owned(),
                (p, None) => p.to_owned(),
            };
            InputError::new(field, message)
        }
    }
}
