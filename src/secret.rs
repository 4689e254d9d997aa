//! A string that never prints itself: client secrets, passwords, tokens, OTP codes.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Holds a secret value. `Debug` and `Display` print a mask, so a secret cannot
/// leak into logs or panic messages by accident; call [`Secret::expose`] to use it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself. Only for sending it where it belongs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A mask of fixed width, so the length does not leak either.
    pub fn masked(&self) -> &'static str {
        if self.0.is_empty() { "" } else { "••••••••" }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// Reads a secret from a file: its first line, surrounding whitespace
/// removed. An unreadable or empty file is an error naming the file (never
/// its content). A file other users can read gets a warning in the log.
pub fn read_secret_file(path: &std::path::Path) -> Result<Secret, SecretFileError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        SecretFileError(format!("cannot read the secret file {}: {e}", path.display()))
    })?;
    let value = text.lines().next().unwrap_or_default().trim();
    if value.is_empty() {
        return Err(SecretFileError(format!("the secret file {} is empty", path.display())));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path)
            && m.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                "the secret file {} is readable by other users (chmod 600 it)",
                path.display()
            );
        }
    }
    Ok(Secret::new(value))
}

/// A secret file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SecretFileError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_itself() {
        let s = Secret::new("hunter22");
        assert_eq!(format!("{s}"), "****");
        assert_eq!(format!("{s:?}"), "Secret(****)");
        assert!(!s.masked().contains("hunter"));
        assert_eq!(s.expose(), "hunter22");
    }

    #[test]
    fn secret_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        std::fs::write(&path, "  hunter22 \nsecond line\n").unwrap();
        assert_eq!(read_secret_file(&path).unwrap().expose(), "hunter22");
        std::fs::write(&path, "\n").unwrap();
        let e = read_secret_file(&path).unwrap_err().to_string();
        assert!(e.contains("is empty"), "{e}");
        let e = read_secret_file(&dir.path().join("nope")).unwrap_err().to_string();
        assert!(e.contains("cannot read the secret file"), "{e}");
    }
}
