//! Incident channel names: `#inc-42-checkout-fails`.
//!
//! Slack's rules for a channel name: at most 80 characters, lower-case letters, digits, `-` and
//! `_`, unique in the workspace. Debrief also keeps them readable: no leading, trailing or
//! doubled hyphens, accented Latin letters written without their accents, and a long title cut
//! at a word boundary.

/// Slack's longest channel name.
pub const MAX_CHANNEL_NAME: usize = 80;

/// The channel name for incident `reference_number` titled `title`: `inc-42-checkout-fails`.
///
/// `taken` says whether a name is already used in the workspace; the first free one of `name`,
/// `name-2`, `name-3`, … is returned (each still at most 80 characters), so `taken` must
/// answer `false` for some name.
pub fn channel_name(reference_number: i64, title: &str, taken: impl Fn(&str) -> bool) -> String {
    let prefix = format!("inc-{}", reference_number.unsigned_abs());
    let slug = slugify(title);
    let with_suffix = |suffix: &str| {
        let budget = MAX_CHANNEL_NAME.saturating_sub(prefix.len() + 1 + suffix.len());
        let words = cut(&slug, budget);
        if words.is_empty() {
            format!("{prefix}{suffix}")
        } else {
            format!("{prefix}-{words}{suffix}")
        }
    };
    let first = with_suffix("");
    if !taken(&first) {
        return first;
    }
    let mut n: u64 = 2;
    loop {
        let name = with_suffix(&format!("-{n}"));
        if !taken(&name) {
            return name;
        }
        n += 1;
    }
}

/// The title as lower-case words joined by single hyphens.
fn slugify(title: &str) -> String {
    let mut out = String::new();
    let mut pending_hyphen = false;
    for c in title.chars().flat_map(char::to_lowercase) {
        // "can't" reads better as "cant" than as "can-t".
        if matches!(c, '\'' | '\u{2019}' | '`') {
            continue;
        }
        let piece = if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
            Some(c.to_string())
        } else {
            transliterate(c).map(str::to_string)
        };
        match piece {
            Some(p) => {
                if pending_hyphen && !out.is_empty() {
                    out.push('-');
                }
                pending_hyphen = false;
                out.push_str(&p);
            }
            // Spaces, punctuation, emoji and scripts without a simple Latin spelling separate
            // words and are otherwise dropped.
            None => pending_hyphen = true,
        }
    }
    out
}

/// At most `budget` characters of `slug`, cut at a hyphen when that keeps at least half.
fn cut(slug: &str, budget: usize) -> String {
    if slug.len() <= budget {
        return slug.to_string();
    }
    // The slug is ASCII, so characters are bytes.
    let head: String = slug.chars().take(budget).collect();
    let next_is_boundary = slug.chars().nth(budget) == Some('-');
    let cut = if next_is_boundary {
        head
    } else {
        match head.rfind('-') {
            Some(at) if at >= budget / 2 => head.chars().take(at).collect(),
            _ => head,
        }
    };
    cut.trim_end_matches('-').to_string()
}

/// The plain Latin spelling of a lower-case accented letter, where there is a simple one.
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn free(_: &str) -> bool {
        false
    }

    fn valid(name: &str) -> bool {
        name.len() <= MAX_CHANNEL_NAME
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            && !name.starts_with('-')
            && !name.ends_with('-')
            && !name.contains("--")
    }

    #[test]
    fn a_title_becomes_lower_case_words_after_the_reference() {
        assert_eq!(
            channel_name(42, "Checkout fails", free),
            "inc-42-checkout-fails"
        );
        assert_eq!(
            channel_name(7, "  API: 5xx errors -- (EU) / payments!  ", free),
            "inc-7-api-5xx-errors-eu-payments"
        );
        assert_eq!(channel_name(8, "Can't log in", free), "inc-8-cant-log-in");
        assert_eq!(
            channel_name(9, "db_primary down", free),
            "inc-9-db_primary-down"
        );
    }

    #[test]
    fn accents_are_dropped_and_other_scripts_and_emoji_are_removed() {
        assert_eq!(
            channel_name(3, "Éléphant naïve Straße Łódź", free),
            "inc-3-elephant-naive-strasse-lodz"
        );
        assert_eq!(channel_name(4, "🔥🔥🔥", free), "inc-4");
        assert_eq!(
            channel_name(5, "支付 失败 🔥 checkout", free),
            "inc-5-checkout"
        );
        assert_eq!(channel_name(6, "", free), "inc-6");
    }

    #[test]
    fn a_200_character_title_is_cut_at_a_word_to_80() {
        let title = "database replication lag ".repeat(8);
        assert_eq!(title.len(), 200);
        let name = channel_name(1234, &title, free);
        assert!(valid(&name), "{name}");
        assert!(name.len() <= 80 && name.len() > 60, "{name}");
        assert!(
            title.contains(
                name.trim_start_matches("inc-1234-")
                    .split('-')
                    .next_back()
                    .unwrap_or("")
            ),
            "ends with a whole word: {name}"
        );
        assert!(
            name.ends_with("lag") || name.ends_with("replication") || name.ends_with("database"),
            "{name}"
        );
    }

    #[test]
    fn one_long_word_is_cut_hard() {
        let name = channel_name(1, &"x".repeat(200), free);
        assert_eq!(name.len(), 80);
        assert!(valid(&name));
    }

    #[test]
    fn a_taken_name_gets_a_numbered_suffix() {
        let taken = ["inc-42-checkout-fails", "inc-42-checkout-fails-2"];
        assert_eq!(
            channel_name(42, "Checkout fails", |n| taken.contains(&n)),
            "inc-42-checkout-fails-3"
        );
        assert_eq!(channel_name(4, "🔥", |n| n == "inc-4"), "inc-4-2");
    }

    #[test]
    fn a_suffix_still_fits_in_80_characters() {
        let title = "a".repeat(30) + " " + &"b".repeat(30) + " " + &"c".repeat(30);
        let first = channel_name(99, &title, free);
        let second = channel_name(99, &title, |n| n == first);
        assert!(valid(&first) && valid(&second), "{first} {second}");
        assert!(second.ends_with("-2"), "{second}");
        assert_ne!(first, second);
    }
}
