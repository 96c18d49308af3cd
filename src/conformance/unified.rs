//! The unified diff `check` prints when a body differs from its recording (`diff.rs` prints
//! the two bodies as canonical JSON first).
//!
//! `TextDiff` chooses its algorithm at run time, so one call builds every algorithm it offers
//! for every line type: 11 % of this crate's LLVM IR (`cargo llvm-lines`), compiled in every
//! release build for a diff that only `check` prints. Myers over the lines, with the same
//! hooks (`Compact`, `Replace`), is the one `TextDiff` runs by default. Without `TextDiff`,
//! `similar` builds without its `text` feature (1.5 s of CPU rather than 14); the hunk header
//! is written here, as `similar::udiff` writes it.

use std::fmt::Write as _;

use similar::algorithms::{Capture, Compact, Replace, myers};

/// The unified diff of two texts ending in a newline, line by line, as
/// `similar::TextDiff::from_lines(…).unified_diff()` prints it (a test holds the two equal).
pub(crate) fn lines(left: &str, right: &str, left_label: &str, right_label: &str) -> String {
    let old: Vec<&str> = left.split_inclusive('\n').collect();
    let new: Vec<&str> = right.split_inclusive('\n').collect();
    let mut hook = Compact::new(Replace::new(Capture::new()), &old[..], &new[..]);
    let Ok(()) = myers::diff(&mut hook, &old[..], 0..old.len(), &new[..], 0..new.len());
    let ops = hook.into_inner().into_inner().into_ops();
    let mut text = String::new();
    for (index, group) in similar::group_diff_ops(ops, 3).iter().enumerate() {
        if index == 0 {
            let _ = writeln!(text, "--- {left_label}\n+++ {right_label}");
        }
        let (Some(first), Some(last)) = (group.first(), group.last()) else { continue };
        let _ = writeln!(
            text,
            "@@ -{} +{} @@",
            HunkRange(first.old_range().start, last.old_range().end),
            HunkRange(first.new_range().start, last.new_range().end),
        );
        for change in group.iter().flat_map(|op| op.iter_changes(&old[..], &new[..])) {
            let _ = write!(text, "{}{}", change.tag(), change.value());
        }
    }
    text
}

/// A hunk's lines on one side, as a unified diff's header gives them: `first,count` counting
/// from 1, only `first` for one line, and the line before for none.
struct HunkRange(usize, usize);

impl std::fmt::Display for HunkRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let HunkRange(start, end) = *self;
        match end.saturating_sub(start) {
            1 => write!(f, "{}", start + 1),
            0 => write!(f, "{start},0"),
            len => write!(f, "{},{len}", start + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `similar`'s own unified diff of two texts, which `lines` must print alike.
    fn text_diff(left: &str, right: &str) -> String {
        similar::TextDiff::from_lines(left, right)
            .unified_diff()
            .context_radius(3)
            .header("a", "b")
            .to_string()
    }

    proptest! {
        /// Breaks if the diff printed here differs in any byte from `similar`'s own unified
        /// diff of the same two texts: short and long (over 100 lines, where `TextDiff` trims
        /// and numbers the lines first), similar and unrelated, equal and empty.
        #[test]
        fn the_unified_diff_prints_what_similar_text_diff_prints(
            left in prop::collection::vec(0u8..6, 0..160),
            edits in prop::collection::vec((0usize..160, prop::option::of(0u8..9)), 0..12),
        ) {
            let mut right = left.clone();
            for (at, line) in edits {
                let at = at.min(right.len());
                match line {
                    Some(line) => right.insert(at, line),
                    None if at < right.len() => { right.remove(at); }
                    None => {}
                }
            }
            let text = |lines: &[u8]| lines.iter().map(|l| format!("line {l}\n")).collect::<String>();
            let (left, right) = (text(&left), text(&right));
            prop_assert_eq!(lines(&left, &right, "a", "b"), text_diff(&left, &right));
        }
    }

    #[test]
    fn hunks_with_nothing_on_one_side_are_numbered_as_similar_numbers_them() {
        let pairs = [("", "a\nb\n"), ("a\nb\n", ""), ("a\n", "b\n"), ("a\nb\n", "a\nb\n")];
        for (left, right) in pairs {
            let expected = text_diff(left, right);
            assert_eq!(lines(left, right, "a", "b"), expected, "{left:?} → {right:?}");
        }
    }
}
