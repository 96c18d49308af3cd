//! English words in messages: a collection's name in the singular.
//!
//! Messages name one record of a collection (`Branch `stable` not found`, "branch `stable`
//! already exists"), and collections are named by the plural in their paths: `branches`,
//! `categories`, `custom_pages`, `addresses`. Dropping the last `s` gives "branche" and
//! "categorie", so the singular is made by the usual English rules instead: irregular and
//! unchanging nouns first, then the endings (`-ies`, `-ves`, `-ches`, `-shes`, `-xes`,
//! `-sses`, `-zzes`, `-uses`...), one short list of exceptions each. No inflection crate is
//! both small and kept up; these rules cover what API paths are named.

/// The singular of a collection name, in words: `custom_pages` → `custom page`, `branches` →
/// `branch`; separators (`_`, `-`) become spaces and only the last word changes. A name that
/// is no plural (`reference`, `data`, `status`) is kept.
pub(crate) fn singular(name: &str) -> String {
    let words = name.replace(['_', '-'], " ");
    match words.rsplit_once(' ') {
        Some((head, last)) => format!("{head} {}", singular_word(last)),
        None => singular_word(&words),
    }
}

/// [`singular`] with its first letter in upper case, to open a sentence: `Custom page`.
pub(crate) fn singular_capitalized(name: &str) -> String {
    let word = singular(name);
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => word,
    }
}

/// Plurals that follow no ending rule, with their singular.
const IRREGULAR: &[(&str, &str)] = &[
    ("people", "person"),
    ("men", "man"),
    ("women", "woman"),
    ("children", "child"),
    ("mice", "mouse"),
    ("geese", "goose"),
    ("feet", "foot"),
    ("teeth", "tooth"),
    ("oxen", "ox"),
    ("indices", "index"),
    ("matrices", "matrix"),
    ("vertices", "vertex"),
    ("appendices", "appendix"),
    ("criteria", "criterion"),
    ("phenomena", "phenomenon"),
    ("analyses", "analysis"),
    ("bases", "base"),
    ("crises", "crisis"),
    ("diagnoses", "diagnosis"),
    ("hypotheses", "hypothesis"),
    ("parentheses", "parenthesis"),
    ("syntheses", "synthesis"),
    ("theses", "thesis"),
    ("quizzes", "quiz"),
    ("heroes", "hero"),
    ("potatoes", "potato"),
    ("tomatoes", "tomato"),
    ("echoes", "echo"),
    ("vetoes", "veto"),
    ("cacti", "cactus"),
    ("fungi", "fungus"),
    ("stimuli", "stimulus"),
    ("syllabi", "syllabus"),
    ("alumni", "alumnus"),
];

/// Nouns whose plural is the singular, or that are no plural though they end in `s`.
const UNCHANGING: &[&str] = &[
    "data",
    "metadata",
    "media",
    "news",
    "series",
    "species",
    "information",
    "equipment",
    "feedback",
    "analytics",
    "sheep",
    "fish",
    "deer",
    "aircraft",
    "software",
    "hardware",
    "firmware",
    "moose",
    "status",
    "bus",
    "campus",
    "virus",
    "bonus",
    "corpus",
    "census",
    "focus",
    "radius",
    "alias",
    "canvas",
    "atlas",
    "gas",
    "bias",
    "lens",
    "process",
    "access",
    "address",
    "class",
    "axis",
    "basis",
    "analysis",
];

/// Singulars ending in `-ie`, whose plural is not `-y` + `-ies`.
const IE: &[&str] = &[
    "movie", "cookie", "zombie", "pie", "tie", "lie", "calorie", "rookie", "selfie", "smoothie",
    "goalie", "newbie", "hoodie", "genie", "prairie", "brownie", "auntie", "sortie", "freebie",
    "eyrie", "lingerie", "walkie",
];

/// Singulars ending in `-f` or `-fe` whose plural ends in `-ves` (the others end in `-ve`:
/// `archives`, `drives`, `objectives`).
const VES: &[(&str, &str)] = &[
    ("leaves", "leaf"),
    ("wolves", "wolf"),
    ("knives", "knife"),
    ("lives", "life"),
    ("wives", "wife"),
    ("halves", "half"),
    ("shelves", "shelf"),
    ("calves", "calf"),
    ("thieves", "thief"),
    ("loaves", "loaf"),
    ("selves", "self"),
    ("elves", "elf"),
    ("scarves", "scarf"),
    ("wharves", "wharf"),
    ("hooves", "hoof"),
];

/// Singulars ending in `-che` (whose plural is not `-ch` + `-es`).
const CHE: &[&str] = &[
    "cache",
    "niche",
    "headache",
    "avalanche",
    "cliche",
    "quiche",
    "moustache",
    "psyche",
    "creche",
    "microfiche",
];

/// Singulars ending in `-us`, `-as`, `-is` or `-ss` whose plural adds `-es`.
const ES_AFTER_S: &[&str] = &[
    "status",
    "bus",
    "campus",
    "virus",
    "bonus",
    "corpus",
    "census",
    "focus",
    "radius",
    "surplus",
    "apparatus",
    "prospectus",
    "consensus",
    "chorus",
    "circus",
    "genius",
    "nexus",
    "sinus",
    "walrus",
    "octopus",
    "plus",
    "alias",
    "canvas",
    "atlas",
    "gas",
    "bias",
    "lens",
];

/// One word, its case kept where it is not changed.
fn singular_word(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    // The word without its last `drop` letters, then `add` (in capitals in a capital word).
    let stem = |drop: usize, add: &str| -> String {
        let end = word.len().saturating_sub(drop);
        let add = if is_upper(word) { add.to_ascii_uppercase() } else { add.to_owned() };
        format!("{}{add}", &word[..end])
    };
    if UNCHANGING.contains(&lower.as_str()) {
        return word.to_owned();
    }
    if let Some((_, one)) = IRREGULAR.iter().chain(VES).find(|(many, _)| *many == lower) {
        return matched_case(word, one);
    }
    if let Some(base) = lower.strip_suffix("es") {
        if ES_AFTER_S.contains(&base) {
            return stem(2, "");
        }
        if CHE.contains(&format!("{base}e").as_str()) {
            return stem(1, "");
        }
    }
    if let Some(base) = lower.strip_suffix("ies") {
        if IE.contains(&format!("{base}ie").as_str()) {
            return stem(1, "");
        }
        // `series` and `species` are unchanging; two letters or fewer (`ties`) are `-ie`.
        if base.len() >= 2 {
            return stem(3, "y");
        }
        return stem(1, "");
    }
    for ending in ["sses", "shes", "ches", "xes", "zzes"] {
        if lower.ends_with(ending) {
            return stem(2, "");
        }
    }
    // `-ss`, `-us`, `-is` words are singular already (`class`, `status`, `analysis`).
    if ["ss", "us", "is"].iter().any(|end| lower.ends_with(end)) || !lower.ends_with('s') {
        return word.to_owned();
    }
    stem(1, "")
}

/// Whether a word is written in capitals (`BRANCHES`).
fn is_upper(word: &str) -> bool {
    word.chars().any(char::is_alphabetic) && !word.chars().any(char::is_lowercase)
}

/// `one` in the case of `word`: capitals, a capital first letter, or lower case.
fn matched_case(word: &str, one: &str) -> String {
    if is_upper(word) {
        return one.to_ascii_uppercase();
    }
    let mut chars = one.chars();
    match (word.chars().next().is_some_and(char::is_uppercase), chars.next()) {
        (true, Some(first)) => first.to_uppercase().chain(chars).collect(),
        _ => one.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_names_become_singular_by_english_rules() {
        let cases = [
            ("branches", "branch"),
            ("wishes", "wish"),
            ("boxes", "box"),
            ("addresses", "address"),
            ("buzzes", "buzz"),
            ("quizzes", "quiz"),
            ("statuses", "status"),
            ("aliases", "alias"),
            ("categories", "category"),
            ("movies", "movie"),
            ("ties", "tie"),
            ("leaves", "leaf"),
            ("knives", "knife"),
            ("archives", "archive"),
            ("drives", "drive"),
            ("caches", "cache"),
            ("responses", "response"),
            ("databases", "database"),
            ("releases", "release"),
            ("houses", "house"),
            ("people", "person"),
            ("children", "child"),
            ("analyses", "analysis"),
            ("indices", "index"),
            ("heroes", "hero"),
            ("shoes", "shoe"),
            ("planets", "planet"),
            ("apikeys", "apikey"),
            ("keys", "key"),
            ("days", "day"),
            ("data", "data"),
            ("news", "news"),
            ("series", "series"),
            ("status", "status"),
            ("class", "class"),
            ("analysis", "analysis"),
            ("reference", "reference"),
            ("version", "version"),
        ];
        for (plural, one) in cases {
            assert_eq!(singular(plural), one, "{plural}");
        }
    }

    #[test]
    fn only_the_last_word_changes_and_separators_become_spaces() {
        assert_eq!(singular("custom_pages"), "custom page");
        assert_eq!(singular("api-specification"), "api specification");
        assert_eq!(singular("users-addresses"), "users address");
        assert_eq!(singular_capitalized("custom_pages"), "Custom page");
        assert_eq!(singular_capitalized("branches"), "Branch");
        assert_eq!(singular("Branches"), "Branch");
        assert_eq!(singular("PEOPLE"), "PERSON");
        assert_eq!(singular("BRANCHES"), "BRANCH");
        assert_eq!(singular(""), "");
    }
}
