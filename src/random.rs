//! Random values from one seeded source: UUIDs, and text matching a regular expression.
//!
//! Everything understudy invents (record ids, sample values) is drawn from a `fastrand::Rng`
//! the caller owns, so `--seed` repeats it. Text for a JSON Schema `pattern` comes from
//! `rand_regex`, and realistic values from `fake`, which need a `rand` generator: [`Source`]
//! lends them ours.

use std::convert::Infallible;

use regex_syntax::hir::{Capture, Hir, HirKind, Repetition};

/// Text matching a pattern, ready to draw from.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    generator: rand_regex::Regex,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.source == other.source
    }
}

/// A pattern that cannot be drawn from (a construct `regex-syntax` does not know, or one
/// that matches nothing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot generate text for the pattern `{pattern}`: {reason}")]
pub struct PatternError {
    /// The pattern.
    pub pattern: String,
    /// Why.
    pub reason: String,
}

/// Repetitions drawn for `*` and `+` (and the upper bound of open `{n,}` ranges).
const MAX_REPEAT: u32 = 8;

impl Pattern {
    /// Prepares `pattern` (a JSON Schema / ECMA 262 regular expression). Classes such as `\d`
    /// and `\w` are read as ASCII, which is what an API that declares them accepts.
    pub fn new(pattern: &str) -> Result<Pattern, PatternError> {
        let error = |reason: String| PatternError { pattern: pattern.to_owned(), reason };
        let ascii =
            regex_syntax::ParserBuilder::new().unicode(false).utf8(false).build().parse(pattern);
        let hir = match ascii {
            Ok(hir) => hir,
            Err(_) => regex_syntax::ParserBuilder::new()
                .build()
                .parse(pattern)
                .map_err(|e| error(e.to_string()))?,
        };
        // Anchors say where a match may sit, not what it holds: a drawn text is the whole
        // match, so they can go.
        let generator = rand_regex::Regex::with_hir(without_anchors(hir), MAX_REPEAT)
            .map_err(|e| error(e.to_string()))?;
        Ok(Pattern { source: pattern.to_owned(), generator })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// A text matching the pattern.
    pub fn draw(&self, rng: &mut fastrand::Rng) -> String {
        let bytes: Vec<u8> = rand::distr::Distribution::sample(&self.generator, &mut Source(rng));
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// `hir` with its look-arounds (`^`, `$`, `\b`) removed.
fn without_anchors(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(_) | HirKind::Empty => Hir::empty(),
        HirKind::Literal(literal) => Hir::literal(literal.0),
        HirKind::Class(class) => Hir::class(class),
        HirKind::Repetition(repetition) => Hir::repetition(Repetition {
            sub: Box::new(without_anchors(*repetition.sub)),
            ..repetition
        }),
        HirKind::Capture(capture) => {
            Hir::capture(Capture { sub: Box::new(without_anchors(*capture.sub)), ..capture })
        }
        HirKind::Concat(parts) => Hir::concat(parts.into_iter().map(without_anchors).collect()),
        HirKind::Alternation(parts) => {
            Hir::alternation(parts.into_iter().map(without_anchors).collect())
        }
    }
}

/// A random (version 4) UUID, lower-case with dashes.
pub fn uuid(rng: &mut fastrand::Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Our generator, as `rand` sees one: for crates that draw with `rand` (`rand_regex`, the
/// realistic values of `fake`).
#[derive(Debug)]
pub struct Source<'a>(pub &'a mut fastrand::Rng);

impl rand::rand_core::TryRng for Source<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.0.u32(..))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.0.u64(..))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.fill(dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_text_matches_its_pattern_and_repeats_with_the_seed() {
        for pattern in [r"^[\da-z]{26}$", r"^spc[0-9a-zA-Z]{16}$", r"^\d{3}-[A-Z]{2}$", "ab+c?"] {
            let checker = regex::Regex::new(pattern).unwrap();
            let generator = Pattern::new(pattern).unwrap();
            let mut rng = fastrand::Rng::with_seed(7);
            for _ in 0..50 {
                let text = generator.draw(&mut rng);
                assert!(checker.is_match(&text), "{pattern}: {text}");
            }
            let again = Pattern::new(pattern).unwrap().draw(&mut fastrand::Rng::with_seed(7));
            assert_eq!(again, generator.draw(&mut fastrand::Rng::with_seed(7)));
        }
    }

    #[test]
    fn uuids_are_version_4() {
        let id = uuid(&mut fastrand::Rng::with_seed(1));
        let checker = regex::Regex::new(
            "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        )
        .unwrap();
        assert!(checker.is_match(&id), "{id}");
    }

    #[test]
    fn a_pattern_that_does_not_parse_is_a_clear_error() {
        let error = Pattern::new("(unclosed").unwrap_err().to_string();
        assert!(error.contains("(unclosed"), "{error}");
    }
}
