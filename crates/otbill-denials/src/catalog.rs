//! The CARC and RARC catalog: what each code means in plain words, which group codes it is
//! seen with, which [`Category`] it sorts into and a code-specific fix hint.
//!
//! Two sources, merged:
//! - our annotations (`data/carc/carc.toml`, `data/carc/rarc.toml`, compiled in as
//!   [`Catalog::builtin`]), which cover the codes of rules.md §10 with meanings in our own
//!   words;
//! - the full published lists when a practice has them, as CSV `code,description`
//!   ([`Catalog::add_published_csv`]). They add the official text of every other code; a code
//!   known only from the published list has no category and classifies as
//!   [`Category::Unknown`], so a person reads it.
//!
//! Parsing is from strings: the caller reads the files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::category::{Category, Route};

/// Which list a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeList {
    /// Claim adjustment reason codes (CAS02, CAS05...).
    Carc,
    /// Remittance advice remark codes (LQ*HE, MOA, MIA).
    Rarc,
}

/// One code of either list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeEntry {
    /// The code, e.g. `45` or `N211`.
    pub code: String,
    /// CAS01 group codes the reason is seen with (`CO`, `PR`, `OA`, `PI`); empty for RARCs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Our plain-words meaning; `None` for codes known only from a published list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meaning: Option<String>,
    /// The published description, when a published list was loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The category the code sorts into; `None` when we have not annotated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// For reason codes that only point at a remark code (16, 96, 234): the remark's
    /// category wins.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub generic: bool,
    /// A route this code forces whatever the category (N211: no appeal; MA130: resubmit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<Route>,
    /// A code-specific fix hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl CodeEntry {
    /// The best text to show a person: our meaning, else the published description.
    pub fn text(&self) -> Option<&str> {
        self.meaning.as_deref().or(self.description.as_deref())
    }
}

/// Why a catalog file could not be loaded. Names the file and, for CSV, the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The annotation TOML did not parse.
    #[error("{file}: {message}")]
    Toml {
        /// The file name given by the caller.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// A CSV line could not be read.
    #[error("{file}:{line}: {message}")]
    Csv {
        /// The file name given by the caller.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        message: &'static str,
    },
}

/// Both code lists, keyed by code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    carc: BTreeMap<String, CodeEntry>,
    rarc: BTreeMap<String, CodeEntry>,
}

/// Our annotation files, compiled in: `(file name, contents)`.
pub const BUILTIN_FILES: &[(CodeList, &str, &str)] = &[
    (
        CodeList::Carc,
        "carc/carc.toml",
        include_str!("../../../data/carc/carc.toml"),
    ),
    (
        CodeList::Rarc,
        "carc/rarc.toml",
        include_str!("../../../data/carc/rarc.toml"),
    ),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnotationFile {
    #[serde(default)]
    code: Vec<CodeEntry>,
}

impl Catalog {
    /// The catalog of our annotation files. They are tested, so a failure here is a build
    /// defect reported by the test suite; at run time the catalog is then just smaller.
    pub fn builtin() -> Catalog {
        let mut catalog = Catalog::default();
        for (list, name, text) in BUILTIN_FILES {
            let res = catalog.add_annotations(*list, name, text);
            debug_assert!(res.is_ok(), "{res:?}");
        }
        catalog
    }

    /// Looks a reason code up (`"45"`, also accepts `"CO-45"`).
    pub fn carc(&self, code: &str) -> Option<&CodeEntry> {
        let code = code.rsplit('-').next().unwrap_or(code);
        self.carc.get(code.trim())
    }

    /// Looks a remark code up (`"N211"`).
    pub fn rarc(&self, code: &str) -> Option<&CodeEntry> {
        self.rarc.get(code.trim())
    }

    /// Number of codes in a list.
    pub fn len(&self, list: CodeList) -> usize {
        self.map(list).len()
    }

    /// Whether both lists are empty.
    pub fn is_empty(&self) -> bool {
        self.carc.is_empty() && self.rarc.is_empty()
    }

    /// Every entry of a list, by code.
    pub fn entries(&self, list: CodeList) -> impl Iterator<Item = &CodeEntry> {
        match list {
            CodeList::Carc => self.carc.values(),
            CodeList::Rarc => self.rarc.values(),
        }
    }

    fn map(&self, list: CodeList) -> &BTreeMap<String, CodeEntry> {
        match list {
            CodeList::Carc => &self.carc,
            CodeList::Rarc => &self.rarc,
        }
    }

    fn map_mut(&mut self, list: CodeList) -> &mut BTreeMap<String, CodeEntry> {
        match list {
            CodeList::Carc => &mut self.carc,
            CodeList::Rarc => &mut self.rarc,
        }
    }

    /// Adds an annotation file (`[[code]]` tables, see `data/carc/carc.toml`). An entry for
    /// a code already present replaces our annotation but keeps a published description.
    pub fn add_annotations(
        &mut self,
        list: CodeList,
        file: &str,
        text: &str,
    ) -> Result<usize, CatalogError> {
        let parsed: AnnotationFile = toml::from_str(text).map_err(|e| CatalogError::Toml {
            file: file.to_owned(),
            message: e.message().to_owned(),
        })?;
        let n = parsed.code.len();
        let map = self.map_mut(list);
        for mut entry in parsed.code {
            entry.code = entry.code.trim().to_owned();
            if let Some(old) = map.get(&entry.code) {
                if entry.description.is_none() {
                    entry.description.clone_from(&old.description);
                }
            }
            map.insert(entry.code.clone(), entry);
        }
        Ok(n)
    }

    /// Adds a published list as CSV: a header line, then `code,description` (fields may be
    /// quoted with `"`, quotes doubled inside). Further columns (such as start and stop
    /// dates) are ignored. Known codes keep our annotations and gain the description.
    /// Returns the number of codes read.
    pub fn add_published_csv(
        &mut self,
        list: CodeList,
        file: &str,
        text: &str,
    ) -> Result<usize, CatalogError> {
        let mut n = 0;
        let map = self.map_mut(list);
        for (idx, line) in text.lines().enumerate() {
            let line = line.trim_start_matches('\u{feff}');
            if idx == 0 || line.trim().is_empty() {
                continue; // the header
            }
            let fields = split_csv_line(line).map_err(|message| CatalogError::Csv {
                file: file.to_owned(),
                line: idx + 1,
                message,
            })?;
            let (Some(code), Some(description)) = (fields.first(), fields.get(1)) else {
                return Err(CatalogError::Csv {
                    file: file.to_owned(),
                    line: idx + 1,
                    message: "expected code,description",
                });
            };
            let code = code.trim();
            if code.is_empty() || code.len() > 8 {
                return Err(CatalogError::Csv {
                    file: file.to_owned(),
                    line: idx + 1,
                    message: "the code is empty or longer than 8 characters",
                });
            }
            let entry = map.entry(code.to_owned()).or_insert_with(|| CodeEntry {
                code: code.to_owned(),
                groups: Vec::new(),
                meaning: None,
                description: None,
                category: None,
                generic: false,
                route: None,
                fix: None,
            });
            entry.description = Some(description.trim().to_owned());
            n += 1;
        }
        Ok(n)
    }
}

/// Splits one CSV line into fields (RFC 4180 quoting, no embedded newlines).
fn split_csv_line(line: &str) -> Result<Vec<String>, &'static str> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, '"') if at_start => {
                quoted = true;
                at_start = false;
            }
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => {
                quoted = false;
                if !matches!(chars.peek(), None | Some(',')) {
                    return Err("text after a closing quote");
                }
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
            }
            (_, c) => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err("unclosed quote");
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code rules.md §10.2 and §10.3 lists is annotated with a meaning.
    #[test]
    fn builtin_covers_rules_section_10() {
        let catalog = Catalog::builtin();
        let carcs = [
            "1", "2", "3", "4", "5", "8", "11", "16", "18", "22", "23", "29", "45", "50", "59",
            "96", "97", "119", "151", "167", "170", "185", "197", "204", "234", "236", "253",
        ];
        for code in carcs {
            let entry = catalog.carc(code).unwrap_or_else(|| panic!("CARC {code}"));
            assert!(entry.meaning.is_some(), "CARC {code}");
            assert!(entry.category.is_some(), "CARC {code}");
            assert!(!entry.groups.is_empty(), "CARC {code}");
        }
        let rarcs = [
            "N657", "N211", "MA130", "M80", "N20", "N19", "N362", "N640", "N435", "M51", "M53",
            "M76", "M77", "N290", "N265", "N115", "N386", "N130",
        ];
        for code in rarcs {
            let entry = catalog.rarc(code).unwrap_or_else(|| panic!("RARC {code}"));
            assert!(entry.meaning.is_some(), "RARC {code}");
        }
        assert_eq!(catalog.len(CodeList::Carc), carcs.len());
        assert_eq!(catalog.len(CodeList::Rarc), rarcs.len());
        assert_eq!(catalog.carc("CO-45"), catalog.carc("45"));
    }

    #[test]
    fn published_csv_adds_descriptions_and_keeps_annotations() {
        let mut catalog = Catalog::builtin();
        let csv = "Code,Description\n\
                   45,\"Charge exceeds fee schedule, the official text\"\n\
                   272,\"Coverage \"\"not\"\" in effect\"\n";
        let n = catalog
            .add_published_csv(CodeList::Carc, "carc.csv", csv)
            .unwrap();
        assert_eq!(n, 2);
        let e45 = catalog.carc("45").unwrap();
        assert_eq!(e45.category, Some(Category::Contractual));
        assert_eq!(
            e45.description.as_deref(),
            Some("Charge exceeds fee schedule, the official text")
        );
        let e272 = catalog.carc("272").unwrap();
        assert_eq!(e272.category, None);
        assert_eq!(e272.text(), Some("Coverage \"not\" in effect"));
    }

    #[test]
    fn bad_csv_names_the_line() {
        let mut catalog = Catalog::default();
        let err = catalog
            .add_published_csv(CodeList::Rarc, "rarc.csv", "h\nN1,ok\n\"N2,open\n")
            .unwrap_err();
        assert_eq!(err.to_string(), "rarc.csv:3: unclosed quote");
        let err = catalog
            .add_published_csv(CodeList::Rarc, "rarc.csv", "h\nN1\n")
            .unwrap_err();
        assert_eq!(err.to_string(), "rarc.csv:2: expected code,description");
    }

    #[test]
    fn bad_annotation_file_is_an_error() {
        let mut catalog = Catalog::default();
        let err = catalog
            .add_annotations(
                CodeList::Carc,
                "x.toml",
                "[[code]]\ncode = \"1\"\ncolour = 1\n",
            )
            .unwrap_err();
        assert!(err.to_string().starts_with("x.toml: "), "{err}");
    }
}
