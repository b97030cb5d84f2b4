//! Header values built from text a person chose (file names, titles). Axum turns a `String` that
//! is not a valid header value into a 500, and a name with a newline or a quote would break the
//! header, so such text goes into headers only through this module, which always yields a valid
//! value (issue 9: an attachment named `a%0Ab.txt` could be stored and never downloaded).

use axum::http::HeaderValue;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Whether the browser shows the file (`inline`) or saves it (`attachment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Shown in the browser where it can be.
    Inline,
    /// Saved as a file.
    Attachment,
}

/// RFC 5987 `attr-char`: what may stand unencoded in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// A `Content-Disposition` value naming `filename` (RFC 6266): an ASCII `filename` for old
/// clients, in which anything but printable ASCII and every quote or backslash becomes `_`, and
/// the exact name, percent-encoded as UTF-8, in `filename*`.
pub fn content_disposition(disposition: Disposition, filename: &str) -> HeaderValue {
    let kind = match disposition {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    };
    let fallback: String = filename
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let exact = utf8_percent_encode(filename, ATTR_CHAR);
    let value = format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{exact}");
    // Only printable ASCII was written above, so this cannot fail; the fallback keeps it total.
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static(match disposition {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    }))
}

/// Whether `name` is fit to be stored as a file name: no control characters (a newline would
/// end a header), no path separators or quotes, 1 to 200 bytes.
pub fn acceptable_filename(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 200
        && !name
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\' | '"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_name_gives_a_valid_header_that_keeps_the_exact_name() {
        for (name, fallback, exact) in [
            ("report.pdf", "report.pdf", "report.pdf"),
            ("a\nb.txt", "a_b.txt", "a%0Ab.txt"),
            (
                "Überprüfung \"1\".txt",
                "_berpr_fung _1_.txt",
                "%C3%9Cberpr%C3%BCfung%20%221%22.txt",
            ),
            (
                "a\r\nSet-Cookie: x=1",
                "a__Set-Cookie: x=1",
                "a%0D%0ASet-Cookie%3A%20x%3D1",
            ),
        ] {
            let v = content_disposition(Disposition::Attachment, name);
            assert_eq!(
                v.to_str().unwrap(),
                format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
            );
        }
        let inline = content_disposition(Disposition::Inline, "x.png");
        assert!(inline.to_str().unwrap().starts_with("inline; "));
    }

    #[test]
    fn names_with_control_characters_or_separators_are_not_acceptable() {
        for bad in [
            "",
            "a\nb.txt",
            "a\u{7f}",
            "a/b",
            "a\\b",
            "a\"b",
            &"x".repeat(201),
        ] {
            assert!(!acceptable_filename(bad), "{bad:?}");
        }
        for good in ["report.pdf", "Überprüfung 1.txt", "a b (2).png"] {
            assert!(acceptable_filename(good), "{good:?}");
        }
    }
}
