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

/// Wraps styled lines to `width` columns, each continuation under the text
/// of its line: after the leading spaces and a bullet-like mark (`✗ `, `• `,
/// `→ `), so wrapped lines keep their indentation. Lines that fit are kept
/// as they are.
pub fn wrap_lines(
    lines: Vec<ratatui::text::Line<'static>>,
    width: usize,
) -> Vec<ratatui::text::Line<'static>> {
    use ratatui::text::{Line, Span};
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        if cols(&text) <= width || width < 8 {
            out.push(line);
            continue;
        }
        let lead = text.chars().take_while(|c| *c == ' ').count();
        let rest: Vec<char> = text.chars().skip(lead).collect();
        let bullet =
            rest.len() > 2 && !rest[0].is_alphanumeric() && rest[1] == ' ' && rest[0] != '"';
        let indent = (lead + if bullet { 2 } else { 0 }).min(width / 2);
        // Words with their style; `true`: a space came before.
        let mut words: Vec<(bool, String, ratatui::style::Style)> = Vec::new();
        let mut space = false;
        for span in &line.spans {
            let mut cur = String::new();
            for c in span.content.chars() {
                if c == ' ' {
                    if !cur.is_empty() {
                        words.push((space, std::mem::take(&mut cur), span.style));
                    }
                    space = true;
                } else {
                    cur.push(c);
                }
            }
            if !cur.is_empty() {
                words.push((space, cur, span.style));
                space = false;
            }
        }
        let mut row: Vec<Span<'static>> = vec![Span::raw(" ".repeat(lead))];
        let mut used = lead;
        let mut first_word = true;
        for (space, word, style) in words {
            let sep = usize::from(space && !first_word);
            if !first_word && used + sep + cols(&word) > width {
                out.push(Line::from(std::mem::take(&mut row)).style(line.style));
                row.push(Span::raw(" ".repeat(indent)));
                used = indent;
            } else if sep == 1 {
                row.push(Span::styled(" ", style));
                used += 1;
            }
            let mut w = word.as_str();
            while used + cols(w) > width && used < width {
                let cut = w.char_indices().nth(width - used).map_or(w.len(), |(i, _)| i);
                row.push(Span::styled(w[..cut].to_owned(), style));
                out.push(Line::from(std::mem::take(&mut row)).style(line.style));
                row.push(Span::raw(" ".repeat(indent)));
                used = indent;
                w = &w[cut..];
            }
            row.push(Span::styled(w.to_owned(), style));
            used += cols(w);
            first_word = false;
        }
        out.push(Line::from(row).style(line.style));
    }
    out
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
    fn styled_lines_wrap_under_their_bullet() {
        use ratatui::text::{Line, Span};
        let line = Line::from(vec![
            Span::raw("    "),
            Span::raw("✗ "),
            Span::raw("no enabled OTP webhook integration → http://127.0.0.1:8787/webhooks/otp"),
        ]);
        let out = wrap_lines(vec![line, Line::from("short")], 40);
        let text: Vec<String> =
            out.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect();
        assert_eq!(text.last().map(String::as_str), Some("short"));
        assert!(text[0].starts_with("    ✗ no"), "{text:?}");
        for t in &text[1..text.len() - 1] {
            assert!(t.starts_with("      ") && !t.starts_with("       "), "{text:?}");
            assert!(t.chars().count() <= 40, "{t}");
        }
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_not_lost() {
        let l = wrap("abcdefghij", 4);
        assert_eq!(l, ["abcd", "efgh", "ij"]);
    }
}
