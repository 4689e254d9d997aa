//! Wrapping text at a width we know (so a dialog knows its height before it
//! draws): at spaces, inside long words at `/` (request paths), never inside a
//! segment that fits a line (a UUID stays whole), with a hanging indent for
//! bullets.

/// Display width of `s` in columns (one per char: the console's texts are
/// Latin, symbols and box drawing).
fn cols(s: &str) -> usize {
    s.chars().count()
}

/// The pieces a line may break between: words, and inside words the
/// segments starting at `/`. `bool`: a space came before this piece.
fn atoms(text: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for (wi, word) in text.split(' ').enumerate() {
        if word.is_empty() {
            continue;
        }
        let mut first = true;
        let mut seg = String::new();
        for c in word.chars() {
            // Before a `/`, but not inside `//` or right after `scheme:`.
            if c == '/' && !seg.is_empty() && !seg.ends_with('/') && !seg.ends_with(':') {
                out.push((first && wi > 0, std::mem::take(&mut seg)));
                first = false;
            }
            seg.push(c);
        }
        if !seg.is_empty() {
            out.push((first && wi > 0, seg));
        }
    }
    out
}

/// Wraps `text` to lines of at most `width` columns.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_hanging(text, width, "", "")
}

/// Wraps `text` to lines of at most `width` columns; the first line starts
/// with `first`, the others with `rest` (a hanging indent: `"• "`, `"  "`).
pub fn wrap_hanging(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let width = width.max(cols(first) + 1).max(cols(rest) + 1);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = if lines.is_empty() { first.to_owned() } else { rest.to_owned() };
        let mut empty = true;
        for (space, atom) in atoms(para) {
            let need = cols(&atom) + usize::from(space && !empty);
            if !empty && cols(&line) + need > width {
                lines.push(std::mem::replace(&mut line, rest.to_owned()));
                empty = true;
            }
            if space && !empty {
                line.push(' ');
            }
            // Longer than a whole line: cut it (nothing else fits either).
            let mut atom = atom.as_str();
            while cols(&line) + cols(atom) > width {
                let room = width - cols(&line);
                let cut = atom.char_indices().nth(room).map_or(atom.len(), |(i, _)| i);
                line.push_str(&atom[..cut]);
                lines.push(std::mem::replace(&mut line, rest.to_owned()));
                atom = &atom[cut..];
            }
            line.push_str(atom);
            empty = false;
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_at_spaces() {
        assert_eq!(wrap("one two three four", 9), ["one two", "three", "four"]);
        assert_eq!(wrap("", 9), [""]);
        assert_eq!(wrap("a\nb", 9), ["a", "b"]);
    }

    #[test]
    fn paths_wrap_at_slashes_and_keep_uuids_whole() {
        let id = "063623f1-9182-4c8f-bb17-91d326e06e69";
        let p = format!("DELETE /v2/authentication-realms/{id}/user-authentication-info/{id}");
        let lines = wrap(&p, 40);
        for l in &lines {
            assert!(l.chars().count() <= 40, "{l}");
        }
        assert_eq!(lines.concat().replace(' ', ""), p.replace(' ', ""));
        assert_eq!(lines.iter().filter(|l| l.contains(id)).count(), 2, "{lines:?}");
    }

    #[test]
    fn a_url_keeps_its_scheme() {
        let l = wrap("url https://example.com/a/b", 19);
        assert_eq!(l, ["url", "https://example.com", "/a/b"]);
    }

    #[test]
    fn hanging_indent_under_the_bullet() {
        let l = wrap_hanging("alpha beta gamma delta", 12, "• ", "  ");
        assert_eq!(l, ["• alpha beta", "  gamma", "  delta"]);
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_not_lost() {
        let l = wrap("abcdefghij", 4);
        assert_eq!(l, ["abcd", "efgh", "ij"]);
    }
}
