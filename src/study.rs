//! Finding the study folder, reading `thematic.yaml`, and resolving the paths
//! it names (transcripts, codebook, respondents). Nothing here reads a
//! transcript's content.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};

/// The settings file's name.
pub const SETTINGS_FILE: &str = "thematic.yaml";
/// The derived-data folder inside a study.
pub const DATA_DIR: &str = ".thematic";
/// File extensions read as transcripts.
pub const TRANSCRIPT_EXTENSIONS: &[&str] = &["txt", "md", "docx", "vtt", "srt", "csv"];

/// The unit of coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// A blank-line-separated paragraph inside a respondent turn.
    #[default]
    Paragraph,
    /// A whole respondent turn.
    Turn,
    /// One sentence.
    Sentence,
}

/// The search stemming language: every Snowball stemmer tantivy ships, or
/// `none` (accent- and case-insensitive only). Settings, front matter and
/// `respondents.csv` name it in lowercase (any case is read).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub enum Language {
    /// Arabic stemming.
    Arabic,
    /// Danish stemming.
    Danish,
    /// Dutch stemming.
    Dutch,
    /// English stemming.
    #[default]
    English,
    /// Finnish stemming.
    Finnish,
    /// French stemming.
    French,
    /// German stemming.
    German,
    /// Greek stemming.
    Greek,
    /// Hungarian stemming.
    Hungarian,
    /// Italian stemming.
    Italian,
    /// Norwegian stemming.
    Norwegian,
    /// Portuguese stemming.
    Portuguese,
    /// Romanian stemming.
    Romanian,
    /// Russian stemming.
    Russian,
    /// Spanish stemming.
    Spanish,
    /// Swedish stemming.
    Swedish,
    /// Tamil stemming.
    Tamil,
    /// Turkish stemming.
    Turkish,
    /// No stemming (accent- and case-insensitive only).
    None,
}

impl Language {
    /// Every language, in the order of their names (`none` last).
    pub const ALL: [Language; 19] = [
        Language::Arabic,
        Language::Danish,
        Language::Dutch,
        Language::English,
        Language::Finnish,
        Language::French,
        Language::German,
        Language::Greek,
        Language::Hungarian,
        Language::Italian,
        Language::Norwegian,
        Language::Portuguese,
        Language::Romanian,
        Language::Russian,
        Language::Spanish,
        Language::Swedish,
        Language::Tamil,
        Language::Turkish,
        Language::None,
    ];

    /// The name users write (`spanish`, `none`).
    pub fn name(self) -> &'static str {
        match self {
            Language::Arabic => "arabic",
            Language::Danish => "danish",
            Language::Dutch => "dutch",
            Language::English => "english",
            Language::Finnish => "finnish",
            Language::French => "french",
            Language::German => "german",
            Language::Greek => "greek",
            Language::Hungarian => "hungarian",
            Language::Italian => "italian",
            Language::Norwegian => "norwegian",
            Language::Portuguese => "portuguese",
            Language::Romanian => "romanian",
            Language::Russian => "russian",
            Language::Spanish => "spanish",
            Language::Swedish => "swedish",
            Language::Tamil => "tamil",
            Language::Turkish => "turkish",
            Language::None => "none",
        }
    }

    /// Reads a language name (any case, surrounding blanks ignored); the
    /// error says what was wrong and suggests the closest name.
    pub fn parse(value: &str) -> std::result::Result<Language, String> {
        let v = value.trim().to_lowercase();
        if let Some(l) = Language::ALL.into_iter().find(|l| l.name() == v) {
            return Ok(l);
        }
        let names = Language::ALL.map(Language::name);
        // A language's own name or its name in Spanish, Portuguese or
        // French (`castellano`, `inglés`), a near miss (`spanihs`), or a
        // name inside a description (`English (interpreted)`).
        let near = native_name(&v)
            .or_else(|| crate::error::closest(&v, names))
            .or_else(|| {
                v.split(|c: char| !c.is_alphanumeric())
                    .find_map(|w| names.into_iter().find(|n| *n == w))
            });
        Err(match near {
            Some(n) => format!("unknown language `{}`: did you mean `{n}`?", value.trim()),
            None => format!("unknown language `{}`", value.trim()),
        })
    }

    /// The names of all languages, for hints.
    pub fn names() -> String {
        Language::ALL.map(Language::name).join(", ")
    }
}

/// Names of languages as people write them in Spanish, Portuguese and
/// French, and in the language itself, each with the name `thematic`
/// reads. Only for the "did you mean" of an unknown value: none of them is
/// accepted.
const NATIVE_NAMES: &[(&str, &str)] = &[
    ("español", "spanish"),
    ("espanol", "spanish"),
    ("castellano", "spanish"),
    ("espanhol", "spanish"),
    ("espagnol", "spanish"),
    ("spanisch", "spanish"),
    ("inglés", "english"),
    ("ingles", "english"),
    ("inglês", "english"),
    ("anglais", "english"),
    ("englisch", "english"),
    ("portugués", "portuguese"),
    ("portugues", "portuguese"),
    ("português", "portuguese"),
    ("portugais", "portuguese"),
    ("francés", "french"),
    ("frances", "french"),
    ("francês", "french"),
    ("français", "french"),
    ("francais", "french"),
    ("alemán", "german"),
    ("aleman", "german"),
    ("alemão", "german"),
    ("allemand", "german"),
    ("deutsch", "german"),
    ("italiano", "italian"),
    ("italien", "italian"),
    ("árabe", "arabic"),
    ("arabe", "arabic"),
    ("ruso", "russian"),
    ("russo", "russian"),
    ("russe", "russian"),
    ("русский", "russian"),
    ("griego", "greek"),
    ("grego", "greek"),
    ("grec", "greek"),
    ("ελληνικά", "greek"),
    ("neerlandés", "dutch"),
    ("holandés", "dutch"),
    ("holandês", "dutch"),
    ("néerlandais", "dutch"),
    ("nederlands", "dutch"),
    ("sueco", "swedish"),
    ("suédois", "swedish"),
    ("svenska", "swedish"),
    ("danés", "danish"),
    ("dinamarquês", "danish"),
    ("danois", "danish"),
    ("dansk", "danish"),
    ("noruego", "norwegian"),
    ("norueguês", "norwegian"),
    ("norvégien", "norwegian"),
    ("norsk", "norwegian"),
    ("finés", "finnish"),
    ("finlandés", "finnish"),
    ("finlandês", "finnish"),
    ("finnois", "finnish"),
    ("suomi", "finnish"),
    ("húngaro", "hungarian"),
    ("hongrois", "hungarian"),
    ("magyar", "hungarian"),
    ("rumano", "romanian"),
    ("romeno", "romanian"),
    ("roumain", "romanian"),
    ("română", "romanian"),
    ("turco", "turkish"),
    ("turc", "turkish"),
    ("türkçe", "turkish"),
    ("tamoul", "tamil"),
    ("tâmil", "tamil"),
];

/// The name `thematic` reads for a language written in another language
/// (`value` lowercased), from [`NATIVE_NAMES`].
fn native_name(value: &str) -> Option<&'static str> {
    NATIVE_NAMES
        .iter()
        .find(|(n, _)| *n == value)
        .map(|&(_, name)| name)
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<String> for Language {
    type Error = String;

    fn try_from(value: String) -> std::result::Result<Language, String> {
        Language::parse(&value)
    }
}

impl From<Language> for String {
    fn from(l: Language) -> String {
        l.name().to_string()
    }
}

/// `thematic.yaml`: every key optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Files, folders or globs, relative to the study.
    pub transcripts: Vec<String>,
    /// The codebook file.
    pub codebook: String,
    /// The respondents table (first column is the id).
    pub respondents: String,
    /// The unit of coding.
    pub unit: Unit,
    /// Speaker labels that are the interviewer (context, never coded).
    pub interviewer: Vec<String>,
    /// Search stemming language.
    pub language: Language,
    /// Survey CSV columns: which is the respondent id, which hold answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csv: Option<CsvSettings>,
    /// Force one text encoding (e.g. `windows-1252`) instead of detecting it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The folder of chart files (written summaries), relative to the study.
    pub charts: String,
    /// The folder of memos, relative to the study.
    pub memos: String,
    /// The report's title (`thematic report`; default: the codebook's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The study's description, under the report's title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How `thematic report` attributes a quote: `{ATTR}` placeholders
    /// (`{respondent}` is the id), e.g. `"{profile}, {region}"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// Respondents who withdrew consent: removed from the index and from
    /// every output (with respondents.csv's `withdrawn` column).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<String>,
    /// The pseudonym key file (real text → replacement), relative to the
    /// study; kept out of git and readable by the owner only.
    pub pseudonyms: String,
    /// respondents.csv columns that identify a person (name, phone,
    /// village): `export` refuses an output whose text holds their values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifying: Vec<String>,
    /// How a reading command finds changed transcripts: each file's size
    /// and mtime (`files`), or only its folders' mtimes (`folders`).
    pub check: Check,
    /// Caption files' speakers (files that have no front matter): per
    /// transcript path, each voice or `Name:` label → respondent id.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub speakers: BTreeMap<String, BTreeMap<String, String>>,
}

/// How a reading command (not `thematic code`) finds that transcripts
/// changed since the index was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(try_from = "String", into = "String")]
pub enum Check {
    /// Every transcript's size and mtime: sees every change but a rewrite
    /// that keeps both.
    #[default]
    Files,
    /// Only the transcripts folders' mtimes, when they are as they were
    /// when every file was last compared: sees files added, removed and
    /// renamed, and saves that replace a file, but not a file rewritten in
    /// place. For studies of many transcripts written once (survey
    /// exports); `thematic code` always compares every file.
    Folders,
}

impl TryFrom<String> for Check {
    type Error = String;

    /// `files` or `folders`, in any case.
    fn try_from(value: String) -> std::result::Result<Check, String> {
        match value.trim().to_lowercase().as_str() {
            "files" => Ok(Check::Files),
            "folders" => Ok(Check::Folders),
            _ => Err(format!("unknown check `{}`", value.trim())),
        }
    }
}

impl From<Check> for String {
    fn from(c: Check) -> String {
        match c {
            Check::Files => "files",
            Check::Folders => "folders",
        }
        .to_string()
    }
}

/// Survey CSV settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvSettings {
    /// The respondent id column.
    pub id: String,
    /// Columns holding open-ended answers.
    pub answers: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            transcripts: vec!["transcripts".into()],
            codebook: "codebooks/main.yaml".into(),
            respondents: "respondents.csv".into(),
            unit: Unit::Paragraph,
            interviewer: [
                "Interviewer",
                "I",
                "Q",
                "Moderator",
                "Entrevistador",
                "Entrevistadora",
                "E",
                "P",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            language: Language::English,
            csv: None,
            encoding: None,
            charts: "charts".into(),
            memos: "memos".into(),
            title: None,
            description: None,
            attribution: None,
            withdrawn: Vec::new(),
            pseudonyms: "pseudonyms.yaml".into(),
            identifying: Vec::new(),
            check: Check::Files,
            speakers: BTreeMap::new(),
        }
    }
}

/// Where to find a study and how to read it: the command line's global
/// options, handed down to every command (no global state).
#[derive(Debug, Clone, Default)]
pub struct StudyAt {
    /// `--project DIR`: the study folder (else found from the current one).
    pub project: Option<PathBuf>,
    /// `--encoding LABEL`: one text encoding for every text file.
    pub encoding: Option<String>,
    /// Threads that write the index (`THEMATIC_INDEX_THREADS`; else one
    /// per core, at most 8).
    pub index_threads: Option<usize>,
    /// Tell how long each phase of a run takes (`THEMATIC_TIMING`).
    pub timing: bool,
    /// How output is shown on the terminal.
    pub terminal: crate::render::Terminal,
    /// `SOURCE_DATE_EPOCH`: the date of reproducible outputs (the report's).
    pub source_date_epoch: Option<String>,
}

/// A study folder and its settings.
#[derive(Debug, Clone)]
pub struct Study {
    /// The study's root folder.
    pub root: PathBuf,
    /// The settings (defaults where `thematic.yaml` is silent or absent).
    pub settings: Settings,
    /// The bytes of `thematic.yaml` hashed, or empty when there is none.
    pub settings_hash: String,
    /// The text of `thematic.yaml` (empty when there is none), to say at
    /// which line a warning about one of its entries is.
    pub(crate) settings_text: std::sync::Arc<str>,
    /// Threads that write the index (else one per core, at most 8).
    pub(crate) index_threads: Option<usize>,
    /// Whether runs tell how long each phase took.
    pub(crate) timing: bool,
    /// How output is shown on the terminal.
    pub(crate) terminal: crate::render::Terminal,
    /// The transcript listing, once made: a command that checks it before
    /// updating the index does not walk the folders twice.
    listing: std::sync::OnceLock<(Vec<TranscriptFile>, Vec<String>)>,
    /// The transcripts folders' states as the listing saw them (see
    /// [`Study::folder_stamps`]).
    folders: std::sync::OnceLock<Option<Vec<FolderStamp>>>,
}

/// A transcripts folder's state, read before its entries were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FolderStamp {
    /// Its path relative to the study, `/`-separated (`..` for a folder
    /// outside it).
    pub rel: String,
    /// Its mtime, change time and inode.
    pub state: FolderState,
}

/// What tells that a folder's entries may have changed: its mtime (moved
/// by a file added, removed or renamed in it), its change time (moved too
/// when the mtime is set back, as `rsync -a` or `touch -d` do) and its
/// inode (another folder put in its place, even one copied with its
/// times). On systems without the last two they are 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FolderState {
    /// Modification time, ns since the epoch.
    pub mtime: u128,
    /// Change time, ns since the epoch.
    pub ctime: u128,
    /// Inode number.
    pub inode: u64,
}

impl FolderState {
    fn of(meta: &std::fs::Metadata) -> FolderState {
        let mtime = crate::input::size_and_mtime(meta).1;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ctime = u128::try_from(meta.ctime()).unwrap_or(0) * 1_000_000_000
                + u128::try_from(meta.ctime_nsec()).unwrap_or(0);
            FolderState {
                mtime,
                ctime,
                inode: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        FolderState {
            mtime,
            ctime: 0,
            inode: 0,
        }
    }
}

/// A folder changed this recently (in ns) before its listing may change
/// again within the same tick of a coarse file-system clock, which would
/// leave its mtime as it was: it is not taken as a record.
const RACY_NS: u128 = 2_000_000_000;

/// One transcript file found by the settings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TranscriptFile {
    /// Path relative to the study, `/`-separated: the excerpt id's prefix.
    pub rel: String,
    /// Absolute path.
    pub abs: PathBuf,
    /// Size and mtime when the file was listed (the listing checks each
    /// file's type, so the staleness check need not stat it again).
    pub stat: Option<(u64, u128)>,
}

impl Study {
    /// Finds the study: `--project DIR`, else the nearest `thematic.yaml` up
    /// from the current folder, else the current folder with defaults.
    pub fn find(at: &StudyAt) -> Result<Study> {
        let root = match at.project.as_deref() {
            Some(dir) => {
                if !dir.is_dir() {
                    return Err(Error::at(Location::file(dir.display().to_string()), "the study folder does not exist")
                        .with_hint("pass an existing folder to --project, or create one with `thematic init DIR`"));
                }
                dir.to_path_buf()
            }
            None => {
                let cwd = std::env::current_dir().map_err(|e| Error::io(Path::new("."), e))?;
                cwd.ancestors()
                    .find(|d| d.join(SETTINGS_FILE).is_file())
                    .map(Path::to_path_buf)
                    .unwrap_or(cwd)
            }
        };
        let root = std::fs::canonicalize(&root).map_err(|e| Error::io(&root, e))?;
        let mut study = Self::load(root, at.encoding.as_deref())?;
        study.index_threads = at.index_threads;
        study.timing = at.timing;
        study.terminal = at.terminal;
        Ok(study)
    }

    fn load(root: PathBuf, encoding: Option<&str>) -> Result<Study> {
        let path = root.join(SETTINGS_FILE);
        // `exists` rather than `is_file`: a FIFO or a folder named
        // thematic.yaml is refused by name, not taken for "no settings".
        let mut settings_text = String::new();
        let (settings, settings_hash) = if path.exists() {
            let bytes = crate::input::read_user_file(&path, SETTINGS_FILE, crate::input::YAML)?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Error::at(Location::file(SETTINGS_FILE), "thematic.yaml is not UTF-8")
                    .with_hint("save it as UTF-8")
            })?;
            let settings: Settings = if text.trim().is_empty() {
                Settings::default()
            } else {
                crate::input::check_yaml(&text, SETTINGS_FILE)?;
                serde_yaml::from_str(&text).map_err(|e| settings_error(&text, &e))?
            };
            let hash = blake3::hash(text.as_bytes()).to_hex().to_string();
            settings_text = text;
            (settings, hash)
        } else {
            (Settings::default(), String::new())
        };
        let mut settings = settings;
        let mut settings_hash = settings_hash;
        if let Some(label) = encoding {
            settings.encoding = Some(label.to_string());
            settings_hash = blake3::hash(format!("{settings_hash}\nencoding={label}").as_bytes())
                .to_hex()
                .to_string();
        }
        if let Some(label) = &settings.encoding {
            if encoding_rs::Encoding::for_label(label.trim().as_bytes()).is_none() {
                // `--encoding` is not in the file: the file is named.
                let at = match encoding {
                    Some(_) => Location::file(SETTINGS_FILE),
                    None => settings_location(&settings_text, "encoding", Some(label)),
                };
                return Err(
                    Error::at(at, format!("unknown encoding `{label}`")).with_hint(
                        "use a WHATWG label such as utf-8, windows-1252, iso-8859-1, utf-16le",
                    ),
                );
            }
        }
        // respondents.csv is read where the index is updated; a FIFO, a
        // device or an oversized file there is refused here, before any
        // command opens it (a FIFO would block the open itself).
        let respondents = root.join(&settings.respondents);
        if std::fs::symlink_metadata(&respondents).is_ok() {
            crate::input::check_file(
                &respondents,
                &settings.respondents,
                crate::input::RESPONDENTS,
            )?;
        }
        // A file setting left empty (`codebook:` with nothing after it)
        // names no file: said at its line, not as a path-less error later.
        for (key, value) in [
            ("codebook", &settings.codebook),
            ("respondents", &settings.respondents),
            ("pseudonyms", &settings.pseudonyms),
            ("charts", &settings.charts),
            ("memos", &settings.memos),
        ] {
            if value.trim().is_empty() {
                let default = match key {
                    "codebook" => "codebooks/main.yaml",
                    "respondents" => "respondents.csv",
                    "pseudonyms" => "pseudonyms.yaml",
                    "charts" => "charts",
                    _ => "memos",
                };
                return Err(Error::at(
                    settings_location(&settings_text, key, None),
                    format!("`{key}:` is empty: it names no file or folder"),
                )
                .with_hint(format!(
                    "write the path, e.g. `{key}: {default}`, or remove the line to use that default"
                )));
            }
        }
        // Two voices of one caption file that read the same, mapped to
        // two ids: a turn could not be told apart (a withdrawn speaker's
        // words would go under the other's id).
        for (path, voices) in &settings.speakers {
            let mut seen: BTreeMap<String, (&String, &String)> = BTreeMap::new();
            for (label, id) in voices {
                let key = crate::text::label_key(label);
                if let Some((first, other)) = seen.get(&key).filter(|(_, o)| o.trim() != id.trim())
                {
                    return Err(Error::at(
                        settings_location(&settings_text, "speakers", Some(path)),
                        format!(
                            "`speakers:` of `{path}` maps `{}` to `{other}` and `{}`, which reads the same, to `{id}`: a turn could not be told apart",
                            first.escape_debug(),
                            label.escape_debug()
                        ),
                    )
                    .with_hint("voices are compared as a reader sees them (case, spacing and invisible characters aside): give each speaker a voice of their own"));
                }
                seen.insert(key, (label, id));
            }
        }
        let defaults = Settings::default();
        for (key, value, default) in [
            ("respondents", &settings.respondents, &defaults.respondents),
            ("pseudonyms", &settings.pseudonyms, &defaults.pseudonyms),
        ] {
            if value != default {
                named_file_exists(&root, &settings_text, key, value)?;
            }
        }
        let mut study = Study::with(root, settings, settings_hash);
        study.settings_text = settings_text.into();
        Ok(study)
    }

    /// Where thematic.yaml's top-level `key:` names `value` (see
    /// [`settings_place`]), as a warning starts: `thematic.yaml:4:22`.
    pub fn settings_at(&self, key: &str, value: Option<&str>) -> String {
        settings_place(&self.settings_text, key, value)
    }

    /// [`Study::settings_at`] as an error's location.
    pub fn settings_at_location(&self, key: &str, value: Option<&str>) -> Location {
        settings_location(&self.settings_text, key, value)
    }

    /// A study at `root` with these settings, nothing listed yet.
    fn with(root: PathBuf, settings: Settings, settings_hash: String) -> Study {
        Study {
            root,
            settings,
            settings_hash,
            settings_text: "".into(),
            index_threads: None,
            timing: false,
            terminal: crate::render::Terminal::default(),
            listing: std::sync::OnceLock::new(),
            folders: std::sync::OnceLock::new(),
        }
    }

    /// How transcripts are split into turns and excerpts.
    pub fn split_options(&self) -> crate::ingest::plain::SplitOptions {
        crate::ingest::plain::SplitOptions {
            unit: self.settings.unit,
            interviewer: self.settings.interviewer.clone(),
            csv: self.settings.csv.clone(),
            encoding: self.forced_encoding(),
            speakers: self.settings.speakers.clone(),
        }
    }

    /// The forced encoding, if the settings or `--encoding` give one.
    pub fn forced_encoding(&self) -> Option<&'static encoding_rs::Encoding> {
        self.settings
            .encoding
            .as_ref()
            .and_then(|l| encoding_rs::Encoding::for_label(l.trim().as_bytes()))
    }

    /// The derived-data folder.
    pub fn data_dir(&self) -> PathBuf {
        self.root.join(DATA_DIR)
    }

    /// Absolute path of a settings path.
    pub fn resolve(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// A path shown to the user: relative to the study when inside it.
    pub fn shown(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(rel) => rel_string(rel),
            Err(_) => path.display().to_string(),
        }
    }

    /// Every transcript file the settings name, sorted by relative path.
    /// Files of unknown types inside named folders are returned as warnings.
    /// A transcript that is not a regular file (a FIFO, a device, a link to
    /// one) or is over [`crate::input::TRANSCRIPT`] is an error naming it,
    /// and so are two files whose names would give the same excerpt ids.
    pub fn transcript_files(&self) -> Result<(Vec<TranscriptFile>, Vec<String>)> {
        self.listing().cloned()
    }

    /// [`Study::transcript_files`], borrowed: listed on first use, then kept.
    pub fn listing(&self) -> Result<&(Vec<TranscriptFile>, Vec<String>)> {
        if let Some(listing) = self.listing.get() {
            return Ok(listing);
        }
        let (listing, folders) = self.list_transcripts()?;
        let _ = self.folders.set(folders);
        Ok(self.listing.get_or_init(|| listing))
    }

    /// The listing's warnings when the study has been listed in this run
    /// (`None` when a reading command took the index's listing as it was).
    pub fn listed_warnings(&self) -> Option<&[String]> {
        self.listing.get().map(|(_, w)| w.as_slice())
    }

    /// The state (mtime, change time, inode) of every folder the listing
    /// walked, each read before its entries were; `None` before the listing, when `transcripts:` names
    /// anything but folders (a file, a glob), when a folder's name is not
    /// UTF-8, or when a folder changed in the last two seconds before the
    /// listing (a change right after it could leave the mtime as it was).
    pub(crate) fn folder_stamps(&self) -> Option<&[FolderStamp]> {
        self.folders.get().and_then(|f| f.as_deref())
    }

    /// The state now of the transcripts folder `rel` (as a
    /// [`FolderStamp`] names it); `None` when it is not a folder now.
    pub(crate) fn folder_state(&self, rel: &str) -> Option<FolderState> {
        let meta = std::fs::metadata(self.root.join(rel)).ok()?;
        meta.is_dir().then(|| FolderState::of(&meta))
    }

    /// The listing, and its folders' stamps (see [`Study::folder_stamps`]).
    #[allow(clippy::type_complexity)]
    fn list_transcripts(
        &self,
    ) -> Result<((Vec<TranscriptFile>, Vec<String>), Option<Vec<FolderStamp>>)> {
        let mut files = Vec::new();
        let mut warnings = Vec::new();
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut stamps = Some(Vec::new());
        for entry in &self.settings.transcripts {
            let is_glob = entry.contains(['*', '?', '[']);
            if is_glob {
                stamps = None;
                // `X/**` means every file below X (as in .gitignore); to the
                // glob crate it is only X's folders, which would match no
                // transcript at all.
                let full = if entry == "**" || entry.ends_with("/**") {
                    format!("{entry}/*")
                } else {
                    entry.clone()
                };
                let pattern = self.root.join(&full).display().to_string();
                let paths = glob::glob(&pattern).map_err(|e| {
                    // The position is in the pattern with the study's folder
                    // in front: counted in the entry as written.
                    let at = e.pos.saturating_sub(pattern.len() - full.len()) + 1;
                    Error::at(
                        self.settings_at_location("transcripts", Some(entry)),
                        format!(
                            "bad glob `{entry}` in `transcripts`: {} at character {at} of the entry",
                            e.msg
                        ),
                    )
                    .with_hint("use `*`, `**`, `?` and `[…]` as in a shell")
                })?;
                let mut n = 0;
                for p in paths.flatten() {
                    // Not `is_file`: a FIFO matched by the pattern is
                    // refused by name rather than skipped in silence.
                    if !p.is_dir() && !is_hidden(&p) {
                        n += 1;
                        self.push_file(&p, &mut files, &mut warnings, true)?;
                    }
                }
                if n == 0 {
                    warnings.push(format!(
                        "{}: `transcripts` entry `{entry}`{MATCHES_NO_FILE}",
                        self.settings_at("transcripts", Some(entry))
                    ));
                }
                continue;
            }
            let path = self.root.join(entry);
            if path.is_dir() {
                let mut found = Vec::new();
                let rel = self.id_path(&path);
                walk(&path, Some(&rel), &mut found, &mut stamps)
                    .map_err(|e| Error::io(&path, e))?;
                // One stat per file, on every core, by name in its folder:
                // on a study of tens of thousands of transcripts, listing
                // them is most of a reading command's time.
                use rayon::prelude::*;
                let classified: Vec<Result<Found>> = found
                    .into_par_iter()
                    .map(|w| self.classify_walked(w))
                    .collect();
                // The first bad file in walking order is the one reported,
                // as without threads.
                for f in classified {
                    match f? {
                        Found::File(f) => files.push(f),
                        Found::Warning(w) => warnings.push(w),
                        Found::Skip => {}
                    }
                }
            } else if path.exists() {
                stamps = None;
                self.push_file(&path, &mut files, &mut warnings, true)?;
            } else if self.settings.transcripts.len() == 1
                && entry == "transcripts"
                && !self.root.join(SETTINGS_FILE).exists()
            {
                return Err(Error::at(Location::file(self.shown(&path)), "no transcripts folder in this study").with_hint(
                    "run thematic inside a study folder, pass --project DIR, or create one with `thematic init DIR`",
                ));
            } else {
                return Err(Error::at(
                    self.settings_at_location("transcripts", Some(entry)),
                    format!("`transcripts` names `{entry}`, which does not exist"),
                )
                .with_hint("fix the path in thematic.yaml (paths are relative to it)"));
            }
        }
        files.sort();
        files.dedup();
        // File names that are not valid UTF-8 are shown with U+FFFD for the
        // bad bytes; two such names can then give the same id, and one file
        // would silently take the other's place.
        for w in files.windows(2) {
            if w[0].rel == w[1].rel {
                return Err(Error::at(
                    Location::file(w[0].rel.clone()),
                    format!(
                        "two transcripts would have the same id `{}`: {:?} and {:?} (their names are not valid UTF-8)",
                        w[0].rel, w[0].abs, w[1].abs
                    ),
                )
                .with_hint("rename the files with UTF-8 names (e.g. `mv` them to names without odd bytes)"));
            }
        }
        warnings.extend(self.speakers_warnings(&files));
        let stamps = stamps.filter(|s| {
            s.iter()
                .all(|f| f.state.mtime > 0 && f.state.mtime.saturating_add(RACY_NS) < started)
        });
        Ok(((files, warnings), stamps))
    }

    /// Warnings for `speakers:` entries of thematic.yaml that map nothing:
    /// a path that is no transcript (with the closest that is), or a
    /// transcript that is not a caption file (its speakers go in its
    /// front matter).
    fn speakers_warnings(&self, files: &[TranscriptFile]) -> Vec<String> {
        let mut out = Vec::new();
        for path in self.settings.speakers.keys() {
            let found = files.binary_search_by(|f| f.rel.as_str().cmp(path)).is_ok();
            let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
            if !found {
                let hint = match crate::error::closest(path, files.iter().map(|f| f.rel.as_str())) {
                    Some(c) => format!("; did you mean `{c}`?"),
                    None => String::new(),
                };
                out.push(format!(
                    "{}: `speakers:` names `{path}`, which is not a transcript of \
                     the study (paths are as `thematic transcripts` lists them){hint}",
                    self.settings_at("speakers", Some(path))
                ));
            } else if ext != "vtt" && ext != "srt" {
                out.push(format!(
                    "{}: `speakers:` maps the speakers of caption files only; give \
                     those of `{path}` in its front matter (`speakers: {{Ana: R03}}` between \
                     `---` lines at its top)",
                    self.settings_at("speakers", Some(path))
                ));
            }
        }
        out
    }

    fn push_file(
        &self,
        p: &Path,
        files: &mut Vec<TranscriptFile>,
        warnings: &mut Vec<String>,
        named: bool,
    ) -> Result<()> {
        match self.classify(p, named)? {
            Found::File(f) => files.push(f),
            Found::Warning(w) => warnings.push(w),
            Found::Skip => {}
        }
        Ok(())
    }

    /// [`Study::classify`] for a file found in a transcripts folder, its id
    /// made from its folder's and its name, and stat'ed in its folder.
    fn classify_walked(&self, w: Walked) -> Result<Found> {
        let name = w.path.file_name().and_then(|n| n.to_str());
        let rel = match (w.rel.as_deref(), name) {
            (Some(""), Some(name)) => name.to_string(),
            (Some(rel), Some(name)) => {
                let mut id = String::with_capacity(rel.len() + 1 + name.len());
                id.push_str(rel);
                id.push('/');
                id.push_str(name);
                id
            }
            _ => self.id_path(&w.path),
        };
        self.classify_as(w.path, rel, false, w.dir.as_deref())
    }

    /// What a file found in the transcripts is: a transcript (checked to be
    /// a regular file of a readable size), a warning (a type thematic does
    /// not read), or nothing (the study's own files).
    fn classify(&self, p: &Path, named: bool) -> Result<Found> {
        self.classify_as(p.to_path_buf(), self.id_path(p), named, None)
    }

    /// [`Study::classify`] of the file `p` whose id is `rel`, stat'ed by name
    /// in `dir` when its folder is held open.
    fn classify_as(
        &self,
        p: PathBuf,
        rel: String,
        named: bool,
        dir: Option<&std::fs::File>,
    ) -> Result<Found> {
        if rel == self.settings.respondents || rel == self.settings.codebook || rel == SETTINGS_FILE
        {
            return Ok(Found::Skip);
        }
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        if TRANSCRIPT_EXTENSIONS.contains(&ext.as_str()) {
            let stat = crate::input::check_stat_in(dir, &p, &rel, crate::input::TRANSCRIPT)?;
            Ok(Found::File(TranscriptFile {
                rel,
                abs: p,
                stat: Some(stat),
            }))
        } else {
            let how = if named {
                "is named in `transcripts` but"
            } else {
                "is in a transcripts folder but"
            };
            Ok(Found::Warning(format!(
                "{rel}: {how}{NOT_A_TRANSCRIPT_TYPE}{}); skipped",
                TRANSCRIPT_EXTENSIONS
                    .iter()
                    .map(|e| format!(".{e}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }

    /// The path an excerpt id starts with: relative to the study, `/`-
    /// separated; a file outside the study (named with `../` or an absolute
    /// path in `transcripts`) keeps its way there as `../`, so that ids
    /// never hold an absolute path (they are the same on every machine the
    /// study is copied to).
    pub fn id_path(&self, p: &Path) -> String {
        let p = lexical(p);
        if let Ok(rel) = p.strip_prefix(&self.root) {
            return rel_string(rel);
        }
        let ours: Vec<_> = self.root.components().collect();
        let theirs: Vec<_> = p.components().collect();
        let common = ours.iter().zip(&theirs).take_while(|(a, b)| a == b).count();
        let mut parts: Vec<String> = vec!["..".to_string(); ours.len() - common];
        parts.extend(
            theirs[common..]
                .iter()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        );
        parts.join("/")
    }
}

/// How the listing's warning about a file of a type thematic does not
/// read goes on after the file and how it was found.
const NOT_A_TRANSCRIPT_TYPE: &str = " is not a transcript type thematic reads (";

/// How the listing's warning about a glob that matches nothing ends.
const MATCHES_NO_FILE: &str = " matches no file";

/// True when `warning` is one the listing of transcripts gives (a skipped
/// file, a glob that matches nothing): an index keeps the warnings of the
/// listing it was made from, and `thematic code` replaces them with the
/// listing's now.
pub fn is_listing_warning(warning: &str) -> bool {
    let skipped = warning.contains(NOT_A_TRANSCRIPT_TYPE) && warning.ends_with("); skipped");
    let settings = settings_warning(warning).unwrap_or("");
    let unmatched =
        settings.starts_with("`transcripts` entry `") && warning.ends_with(MATCHES_NO_FILE);
    let speakers = settings.starts_with("`speakers:` ");
    skipped || unmatched || speakers
}

/// The message of a warning about thematic.yaml, after its place
/// (`thematic.yaml:4:22: `): `None` for other warnings.
pub(crate) fn settings_warning(warning: &str) -> Option<&str> {
    let rest = warning.strip_prefix(SETTINGS_FILE)?;
    let rest = rest.trim_start_matches(|c: char| c == ':' || c.is_ascii_digit());
    rest.strip_prefix(' ')
}

/// A file found among the transcripts (see `Study::classify`).
enum Found {
    /// A transcript.
    File(TranscriptFile),
    /// Not a type thematic reads: said, and skipped.
    Warning(String),
    /// The study's own files (settings, codebook, respondents.csv).
    Skip,
}

/// A path with `.` and `..` resolved by its text (without following links).
fn lexical(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn is_hidden(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// A file found by walking a transcripts folder.
struct Walked {
    /// Its path.
    path: PathBuf,
    /// Its folder's id path (empty for the study's own folder); `None`
    /// below a folder whose name is not UTF-8, where ids are made from
    /// whole paths.
    rel: Option<std::sync::Arc<str>>,
    /// Its folder, held open to stat the file by name (where it opens).
    dir: Option<std::sync::Arc<std::fs::File>>,
}

/// Every file below `dir` (whose id path is `rel`), hidden ones left out;
/// each folder's mtime, read before its entries, goes to `stamps` (which
/// becomes `None` when one cannot be told).
fn walk(
    dir: &Path,
    rel: Option<&str>,
    out: &mut Vec<Walked>,
    stamps: &mut Option<Vec<FolderStamp>>,
) -> std::io::Result<()> {
    #[cfg(unix)]
    let held = std::fs::File::open(dir).ok().map(std::sync::Arc::new);
    #[cfg(not(unix))]
    let held: Option<std::sync::Arc<std::fs::File>> = None;
    let state = held
        .as_ref()
        .and_then(|f| f.metadata().ok())
        .map(|m| FolderState::of(&m));
    match (rel, state, stamps.as_mut()) {
        (Some(rel), Some(state), Some(list)) => list.push(FolderStamp {
            rel: rel.to_string(),
            state,
        }),
        _ => *stamps = None,
    }
    let shared: Option<std::sync::Arc<str>> = rel.map(Into::into);
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let p = entry.path();
        if is_hidden(&p) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            let name = p.file_name().and_then(|n| n.to_str());
            let sub = match (rel, name) {
                (Some(""), Some(name)) => Some(name.to_string()),
                (Some(rel), Some(name)) => Some(format!("{rel}/{name}")),
                _ => None,
            };
            walk(&p, sub.as_deref(), out, stamps)?;
        } else {
            out.push(Walked {
                path: p,
                rel: shared.clone(),
                dir: held.clone(),
            });
        }
    }
    Ok(())
}

/// A relative path as a `/`-separated string.
pub fn rel_string(rel: &Path) -> String {
    // Unix paths already are: no need to split and join them.
    #[cfg(unix)]
    if let Some(s) = rel.to_str() {
        let odd = s.contains("//")
            || s.starts_with("./")
            || s.contains("/./")
            || s.ends_with('/')
            || s.ends_with("/.");
        if !odd {
            return s.to_string();
        }
    }
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Where in thematic.yaml's `text` its top-level `key:` names `value`: the
/// line and column of the value's first occurrence as a whole item (in a
/// block or a flow collection) under the key; the key's line when the value
/// is not found or not asked for; the file when the key is not there either
/// (a default). Columns count characters.
pub fn settings_location(text: &str, key: &str, value: Option<&str>) -> Location {
    let lines: Vec<&str> = text.lines().collect();
    let top = |l: &str| {
        l.strip_prefix(key)
            .is_some_and(|rest| rest.starts_with(':'))
    };
    let Some(at) = lines.iter().position(|l| top(l)) else {
        return Location::file(SETTINGS_FILE);
    };
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Location::line(SETTINGS_FILE, at + 1);
    };
    // The key's entries run to the next top-level key (a line that starts
    // with anything but a space, a comment or a block list's `-`).
    let end = lines[at + 1..]
        .iter()
        .position(|l| !l.is_empty() && !l.starts_with([' ', '#', '-', '\t']))
        .map_or(lines.len(), |i| at + 1 + i);
    let edge = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || "[]{},:\"'#".contains(c));
    for (n, line) in lines.iter().enumerate().take(end).skip(at) {
        // Comments (a `#` at the start or after a space) are not entries.
        let line = match line.char_indices().find(|&(i, c)| {
            c == '#'
                && line[..i]
                    .chars()
                    .next_back()
                    .is_none_or(char::is_whitespace)
        }) {
            Some((i, _)) => &line[..i],
            None => line,
        };
        // On the key's own line, only after the key.
        let mut search = if n == at { key.len() + 1 } else { 0 };
        while let Some(i) = line[search..].find(value) {
            let start = search + i;
            let stop = start + value.len();
            if edge(line[..start].chars().next_back()) && edge(line[stop..].chars().next()) {
                return Location::at(SETTINGS_FILE, n + 1, line[..start].chars().count() + 1);
            }
            search = start + value.chars().next().map_or(1, char::len_utf8);
        }
    }
    Location::line(SETTINGS_FILE, at + 1)
}

/// [`settings_location`] as a warning starts: `thematic.yaml:4:22`.
pub fn settings_place(text: &str, key: &str, value: Option<&str>) -> String {
    settings_location(text, key, value).to_string()
}

/// A file `thematic.yaml` names with `key:` (not its default) must exist:
/// a misspelt `respondents:` would drop the withdrawals in it, and a
/// misspelt `pseudonyms:` would turn pseudonymisation off, silently. The
/// error is at the key's line, with the closest file name in that folder.
fn named_file_exists(root: &Path, text: &str, key: &str, value: &str) -> Result<()> {
    let path = root.join(value);
    if std::fs::symlink_metadata(&path).is_ok() {
        return Ok(());
    }
    let at = settings_location(text, key, None);
    let (dir, name) = match value.rsplit_once('/') {
        Some((d, n)) => (format!("{d}/"), n),
        None => (String::new(), value),
    };
    let siblings: Vec<String> =
        std::fs::read_dir(root.join(if dir.is_empty() { "." } else { &dir }))
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
    let hint = match crate::error::closest(name, siblings.iter().map(String::as_str)) {
        Some(c) => format!("did you mean `{dir}{c}`? (fix `{key}:` in thematic.yaml)"),
        None => format!(
            "fix `{key}:` in thematic.yaml, or remove the line to use the default file name"
        ),
    };
    Err(Error::at(
        at,
        format!("`{key}:` names `{value}`, which does not exist"),
    )
    .with_hint(hint))
}

/// An error in thematic.yaml. serde_yaml places a value refused by its
/// type's own check (an unknown `language`) at the top of the file: it is
/// placed at the `language:` line instead.
fn settings_error(text: &str, err: &serde_yaml::Error) -> Error {
    let e = yaml_error_in(SETTINGS_FILE, text, err);
    let message = err.to_string();
    let (key, hint) = if message.starts_with("unknown language") {
        (
            "language:",
            format!("`language:` takes one of: {}", Language::names()),
        )
    } else if message.starts_with("unknown check") {
        (
            "check:",
            "`check:` takes `files` (the default: every transcript's size and mtime) or `folders` (see the README's Many transcripts)".to_string(),
        )
    } else {
        return plain_settings_error(e, &message);
    };
    let line = text
        .lines()
        .position(|l| l.trim_end().starts_with(key))
        .map_or(1, |i| i + 1);
    let message = message
        .find(" at line ")
        .map_or(message.as_str(), |i| &message[..i]);
    Error::at(Location::line(SETTINGS_FILE, line), message).with_hint(hint)
}

/// An example of each key of thematic.yaml, for hints.
const SETTINGS_EXAMPLES: &[(&str, &str)] = &[
    (
        "transcripts",
        "transcripts: [transcripts, interviews/*.docx]",
    ),
    ("codebook", "codebook: codebooks/main.yaml"),
    ("respondents", "respondents: respondents.csv"),
    ("unit", "unit: paragraph"),
    ("interviewer", "interviewer: [Interviewer, Entrevistadora]"),
    ("language", "language: spanish"),
    (
        "csv",
        "csv: {id: respondent_id, answers: [q12_why_left, q13_return]}",
    ),
    ("encoding", "encoding: windows-1252"),
    ("charts", "charts: charts"),
    ("memos", "memos: memos"),
    ("title", "title: Family and reintegration"),
    (
        "description",
        "description: Interviews, Cusco and Puno, 2026.",
    ),
    ("attribution", "attribution: \"{profile}, {region}\""),
    ("withdrawn", "withdrawn: [R07, R12]"),
    ("pseudonyms", "pseudonyms: pseudonyms.yaml"),
    ("identifying", "identifying: [real_name, phone]"),
    ("check", "check: files"),
    (
        "speakers",
        "speakers: {transcripts/ep01.vtt: {Alma: R01, Bea: R02}}",
    ),
];

/// serde's name for a kind of YAML value, in plain words.
fn plain_kind(serde: &str) -> String {
    let quoted = |s: &str| {
        let v = s.trim_matches(|c| c == '"' || c == '`');
        crate::input::quote_line(v, 60)
    };
    if let Some(v) = serde.strip_prefix("string ") {
        format!("the text `{}`", quoted(v))
    } else if let Some(v) = serde
        .strip_prefix("integer ")
        .or_else(|| serde.strip_prefix("floating point "))
    {
        format!("the number `{}`", quoted(v))
    } else if let Some(v) = serde.strip_prefix("boolean ") {
        format!("`{}`", quoted(v))
    } else {
        match serde {
            "sequence" => "a list".into(),
            "map" => "a mapping (`key: value`)".into(),
            "unit value" => "nothing".into(),
            other => other.to_string(),
        }
    }
}

/// The names serde lists after "expected": "one of `a`, `b`, `c`",
/// "`a` or `b`", "`a`".
fn listed_names(expected: &str) -> Vec<&str> {
    expected.split('`').skip(1).step_by(2).collect()
}

/// thematic.yaml's type errors, unknown values and unknown keys in plain
/// words (serde_yaml's read like its internals: `invalid type: string
/// "R02", expected a sequence`), each with an example of the key or the
/// closest name; `e` (at its place) is kept for anything else.
fn plain_settings_error(e: Error, message: &str) -> Error {
    let location = e.location().cloned();
    let message = message.find(" at line ").map_or(message, |i| &message[..i]);
    let Some((text, hint)) = plain_settings_message(message) else {
        return e;
    };
    let text = crate::input::quote_line(&text, 300);
    match location {
        Some(at) => Error::at(at, text),
        None => Error::input(text),
    }
    .with_hint(hint)
}

/// The message and hint of [`plain_settings_error`] for serde_yaml's
/// `message` (without its place), when it is one it rewrites.
fn plain_settings_message(message: &str) -> Option<(String, String)> {
    // serde_yaml puts the path of the value first: `csv.answers: …`,
    // `withdrawn[0]: …`; none for the top level.
    let (path, rest) = match message.split_once(": ") {
        Some((p, r))
            if !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c)) =>
        {
            (p, r)
        }
        _ => ("", message),
    };
    let key = path.split(['.', '[']).next().unwrap_or("");
    let entry = path
        .rsplit_once('[')
        .and_then(|(_, i)| i.trim_end_matches(']').parse::<usize>().ok());
    let example = |key: &str| {
        SETTINGS_EXAMPLES
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, ex)| *ex)
    };
    let shown = match path.split_once('[') {
        Some((p, _)) => p,
        None => path,
    };
    // The key as written in the file (`answers`), and as named in a
    // message (`answers:` in `csv:`).
    let (last, named) = match shown.rsplit_once('.') {
        Some((outer, last)) => (last, format!("`{last}:` in `{outer}:`")),
        None => (shown, format!("`{shown}:`")),
    };
    if let Some(r) = rest.strip_prefix("invalid type: ") {
        let (found, expected) = r.split_once(", expected ")?;
        let found = plain_kind(found);
        if path.is_empty() {
            return Some((
                format!(
                    "thematic.yaml must be a mapping of settings (`key: value` lines), not {found}"
                ),
                "write one setting per line, e.g.\nunit: turn\nwithdrawn: [R07]".to_string(),
            ));
        }
        let wants = match expected {
            "a sequence" => "a list".to_string(),
            "a string" => "a single value".to_string(),
            e if e.starts_with("struct ") => "a mapping".to_string(),
            e if e.starts_with("a YAML tag") => "a single value".to_string(),
            e => e.to_string(),
        };
        let text = match entry {
            Some(i) => format!("entry {} of {named} must be {wants}, not {found}", i + 1),
            None => format!("{named} takes {wants}, not {found}"),
        };
        // A single value where a list belongs: the same value in a list.
        let value = r
            .strip_prefix("string ")
            .and_then(|v| v.split(", expected ").next())
            .map(|v| v.trim_matches('"'))
            .filter(|v| !v.contains(['\n', ',', '[', ']', '{', '}', ':', '#']) && v.len() <= 60);
        let hint = match (expected, value, entry) {
            ("a sequence", Some(v), None) => format!(
                "write the value in a list: `{last}: [{v}]` (e.g. `{}`)",
                example(key).unwrap_or("")
            ),
            _ => match example(key) {
                Some(ex) => format!("e.g. `{ex}`"),
                None => "fix the YAML at this place".to_string(),
            },
        };
        return Some((text, hint));
    }
    if let Some(r) = rest.strip_prefix("unknown variant `") {
        let (value, expected) = r.split_once("`, expected ")?;
        let names = listed_names(expected);
        let mut text = format!("{named} has no value `{value}`");
        if let Some(c) = crate::error::closest(value, names.iter().copied()) {
            text.push_str(&format!("; did you mean `{c}`?"));
        }
        return Some((text, format!("{named} takes one of: {}", names.join(", "))));
    }
    if let Some(r) = rest.strip_prefix("unknown field `") {
        let (name, expected) = r.split_once("`, expected ")?;
        let names = listed_names(expected);
        let within = if path.is_empty() {
            "thematic.yaml".to_string()
        } else {
            named.clone()
        };
        let mut text = format!("unknown key `{name}` in {within}");
        if let Some(c) = crate::error::closest(name, names.iter().copied()) {
            text.push_str(&format!("; did you mean `{c}`?"));
        }
        return Some((
            text,
            format!(
                "remove or correct the key (keys are checked so that typos do not pass); the keys are: {}",
                names.join(", ")
            ),
        ));
    }
    None
}

/// Turns a serde_yaml error into an input error at its line and column.
pub fn yaml_error(path: &str, err: &serde_yaml::Error) -> Error {
    let msg = err.to_string();
    // serde_yaml appends " at line L column C"; keep the message, move the place.
    let message = match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.clone(),
    };
    // A wrong file (a transcript named as the codebook) comes back whole
    // inside the message: quote one short line of it, never the file.
    let message = crate::input::quote_line(&shorten_quoted(&message, 120), 300);
    let location = match err.location() {
        Some(l) => Location::at(path, l.line(), l.column()),
        None => Location::file(path),
    };
    if let Some((text, hint)) = plain_yaml_error(&message, err.location()) {
        return Error::at(location, text).with_hint(hint);
    }
    let hint = if message.contains("unknown field") {
        "remove or correct the key (keys are checked so that typos do not pass)"
    } else {
        "fix the YAML at this place"
    };
    Error::at(location, message).with_hint(hint)
}

/// serde_yaml's messages that name its own workings, in plain words: the
/// nesting limit, a file of several documents, and a file whose whole
/// content is of the wrong kind (a list for a mapping, or the reverse).
fn plain_yaml_error(message: &str, at: Option<serde_yaml::Location>) -> Option<(String, String)> {
    if message.starts_with("recursion limit exceeded") {
        return Some((
            "the YAML nests deeper than 128 levels (mappings and lists within each other), the most thematic reads".into(),
            "nest less deeply (codes of a codebook nest a few levels, not hundreds)".into(),
        ));
    }
    if message.contains("more than one document") {
        return Some((
            "this file holds several YAML documents (separated by `---` lines, as a transcript's front matter is), where one is read".into(),
            "remove the `---` lines, or point the setting at the right file".into(),
        ));
    }
    let whole = at.is_none_or(|l| l.line() == 1 && l.column() <= 1);
    let (found, expected) = message
        .strip_prefix("invalid type: ")?
        .split_once(", expected ")?;
    if !whole {
        return None;
    }
    let wants = if expected.starts_with("struct ") || expected == "a map" {
        "a mapping of keys (`key: value` lines)"
    } else if expected == "a sequence" {
        "a list (`- …` lines)"
    } else {
        return None;
    };
    let found = match found {
        "sequence" => "a list".to_string(),
        "map" => "a mapping".to_string(),
        f => plain_kind(f),
    };
    Some((
        format!("this file must be {wants}, not {found}"),
        "see the README for the file's shape".into(),
    ))
}

/// [`yaml_error`] for a file whose `text` is at hand: a duplicate key is
/// placed at its second occurrence (serde_yaml places it at the start of
/// the mapping), and a tab where YAML wants spaces gets a hint that says so.
pub fn yaml_error_in(path: &str, text: &str, err: &serde_yaml::Error) -> Error {
    let e = yaml_error(path, err);
    let Some(at) = err.location() else {
        return e;
    };
    let lines: Vec<&str> = text.lines().collect();
    let msg = err.to_string();
    // `duplicate field `k`` (a struct) or `duplicate entry with key "k"`
    // (a map), after the path of the mapping when serde gives one.
    let dup = [
        ("duplicate field `", '`'),
        ("duplicate entry with key \"", '"'),
    ]
    .into_iter()
    .find_map(|(start, end)| {
        let i = msg.find(start)?;
        let key = msg[i + start.len()..].split(end).next()?;
        Some((&msg[..i], key))
    });
    if let Some((within, key)) = dup {
        if let Some(line) = second_key(&lines, at.line(), at.column(), key) {
            return Error::at(
                Location::at(path, line, at.column()),
                format!("{within}duplicate key `{key}` (already set above in the same mapping)"),
            )
            .with_hint("keep one of the two: YAML takes a key once per mapping");
        }
        return e;
    }
    let line = lines
        .get(at.line().saturating_sub(1))
        .copied()
        .unwrap_or("");
    let indent: &str = &line[..line.len() - line.trim_start().len()];
    let at_char = line.chars().nth(at.column().saturating_sub(1));
    if at_char == Some('\t') || indent.contains('\t') {
        return e.with_hint(
            "this line is indented with a tab; YAML indents with spaces only: replace the tab with spaces",
        );
    }
    e
}

/// The line (1-based) of the second `key:` among the keys of the block
/// mapping that starts at `line`:`col` (1-based; its keys are at that
/// column, the first one on that very line).
fn second_key(lines: &[&str], line: usize, col: usize, key: &str) -> Option<usize> {
    let indent = col.saturating_sub(1);
    let is_key = |rest: &str| {
        let rest = rest
            .strip_prefix(key)
            .or_else(|| rest.strip_prefix(&format!("\"{key}\"")))
            .or_else(|| rest.strip_prefix(&format!("'{key}'")));
        rest.is_some_and(|r| r.trim_start().starts_with(':'))
    };
    let mut seen = 0;
    for (i, l) in lines.iter().enumerate().skip(line.saturating_sub(1)) {
        let first = i + 1 == line;
        let lead = l.chars().take_while(|c| *c == ' ').count();
        let blank = l.trim().is_empty() || l.trim_start().starts_with('#');
        if !first && !blank && lead < indent {
            break;
        }
        if !first && lead != indent {
            continue;
        }
        let rest: String = l.chars().skip(indent).collect();
        if is_key(&rest) {
            seen += 1;
            if seen == 2 {
                return Some(i + 1);
            }
        }
    }
    None
}

/// Cuts every double-quoted text in `msg` (as serde prints it, with `\n`
/// escapes) to its first line and at most `max` characters.
fn shorten_quoted(msg: &str, max: usize) -> String {
    let mut out = String::with_capacity(msg.len().min(1024));
    let mut chars = msg.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' {
            continue;
        }
        // Inside a quoted text: copy up to `max` characters of its first line.
        let (mut kept, mut cut, mut escaped) = (0, false, false);
        for c in chars.by_ref() {
            if escaped {
                escaped = false;
                if c == 'n' || c == 'r' {
                    cut = true;
                }
                if !cut {
                    out.push(c);
                }
                continue;
            }
            if c == '"' {
                break;
            }
            if c == '\n' {
                cut = true;
            }
            if c == '\\' {
                escaped = true;
                if !cut && kept < max {
                    out.push(c);
                }
                continue;
            }
            if !cut && kept < max {
                out.push(c);
                kept += 1;
            } else {
                cut = true;
            }
        }
        if cut {
            if out.ends_with('\\') {
                out.pop();
            }
            out.push('…');
        }
        out.push('"');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_warnings_are_told_apart_from_the_others() {
        assert!(is_listing_warning(
            "transcripts/r2.rtf: is in a transcripts folder but is not a transcript type \
             thematic reads (.txt, .md, .docx, .vtt, .srt, .csv); skipped"
        ));
        assert!(is_listing_warning(
            "thematic.yaml: `transcripts` entry `extra/*.txt` matches no file"
        ));
        assert!(is_listing_warning(
            "thematic.yaml:3:5: `transcripts` entry `extra/*.txt` matches no file"
        ));
        assert!(is_listing_warning(
            "thematic.yaml:7:3: `speakers:` names `ep1.srt`, which is not a transcript"
        ));
        assert!(!is_listing_warning(
            "thematic.yaml:9:14: `withdrawn:` names `R9`, a respondent the study does not have"
        ));
        assert!(!is_listing_warning(
            "thematic.yaml: `withdrawn:` names `R9`, a respondent the study does not have"
        ));
        assert!(!is_listing_warning(
            "codings/ana.csv:15: coding for `transcripts/es/e04.txt:19` cannot be placed"
        ));
    }

    #[test]
    fn settings_entries_are_placed_at_their_line_and_column() {
        let text = "transcripts: [transcripts, extra/*.txt]\n\
                    withdrawn:\n\
                    # R03 asked on 2 May\n\
                    - R033\n\
                    - R03\n\
                    speakers:\n  \
                      transcripts/ep01.vtt: {Alma: R01, Bea: R02}\n  \
                      \"transcripts/ep02.vtt\": {Alma: R01}\n\
                    unit: turn\n";
        let at = |key, value| settings_place(text, key, value);
        assert_eq!(at("transcripts", Some("extra/*.txt")), "thematic.yaml:1:28");
        // A whole item: not inside `transcripts:` (the key) or `R033`.
        assert_eq!(at("transcripts", Some("transcripts")), "thematic.yaml:1:15");
        assert_eq!(at("withdrawn", Some("R03")), "thematic.yaml:5:3");
        assert_eq!(
            at("speakers", Some("transcripts/ep01.vtt")),
            "thematic.yaml:7:3"
        );
        assert_eq!(
            at("speakers", Some("transcripts/ep02.vtt")),
            "thematic.yaml:8:4"
        );
        // Not found under its key: the key's line; no such key: the file.
        assert_eq!(at("withdrawn", Some("R01")), "thematic.yaml:2");
        assert_eq!(at("unit", None), "thematic.yaml:9");
        assert_eq!(at("charts", Some("charts")), "thematic.yaml");
        assert_eq!(
            settings_place("", "withdrawn", Some("R03")),
            "thematic.yaml"
        );
        // Columns count characters.
        assert_eq!(
            settings_place("withdrawn: [Ñusta, R03]\n", "withdrawn", Some("R03")),
            "thematic.yaml:1:20"
        );
    }

    #[test]
    fn relative_paths_as_strings() {
        let joined = |p: &str| {
            Path::new(p)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        };
        for p in [
            "transcripts/r01.txt",
            "a//b.txt",
            "./a/b.txt",
            "a/./b.txt",
            "a/b/",
            "a/b/.",
            "../x/y.md",
            "entrevistas/año 1/niña.txt",
            ".",
        ] {
            assert_eq!(rel_string(Path::new(p)), joined(p), "{p}");
        }
    }

    #[test]
    fn walked_files_have_the_ids_and_stats_of_their_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        for (rel, text) in [
            ("t/r01.txt", "uno"),
            ("t/a/r02.md", "dos dos"),
            ("t/a/b c/r03.txt", "tres"),
            ("t/año/niña.vtt", "WEBVTT\n"),
            ("t/notes.pdf", "x"),
            ("t/.hidden/r09.txt", "x"),
        ] {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
        }
        for entry in ["t", "./t/", "t/a/.."] {
            let settings = Settings {
                transcripts: vec![entry.into()],
                ..Settings::default()
            };
            let study = Study::with(root.clone(), settings, String::new());
            let (files, warnings) = study.transcript_files().unwrap();
            let rels: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
            assert_eq!(
                rels,
                [
                    "t/a/b c/r03.txt",
                    "t/a/r02.md",
                    "t/año/niña.vtt",
                    "t/r01.txt"
                ],
                "{entry}"
            );
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            for f in &files {
                assert_eq!(f.rel, study.id_path(&f.abs));
                let meta = std::fs::metadata(&f.abs).unwrap();
                assert_eq!(f.stat, Some(crate::input::size_and_mtime(&meta)));
            }
        }
    }

    #[test]
    fn ids_of_files_outside_the_study_keep_their_way_there() {
        let study = Study::with(
            PathBuf::from("/data/projects/study"),
            Settings::default(),
            String::new(),
        );
        let id = |p: &str| study.id_path(Path::new(p));
        assert_eq!(
            id("/data/projects/study/transcripts/r01.txt"),
            "transcripts/r01.txt"
        );
        assert_eq!(
            id("/data/projects/study/../shared/r05.txt"),
            "../shared/r05.txt"
        );
        assert_eq!(id("/data/projects/shared/r05.txt"), "../shared/r05.txt");
        assert_eq!(id("/srv/audio/r09.vtt"), "../../../srv/audio/r09.vtt");
        assert_eq!(id("/data/projects/study/./t/../t/r02.txt"), "t/r02.txt");
    }

    #[test]
    fn yaml_errors_name_the_duplicate_key_and_the_tab() {
        let report = |text: &str| {
            let e = serde_yaml::from_str::<Settings>(text).unwrap_err();
            yaml_error_in("thematic.yaml", text, &e).report()
        };
        assert_eq!(
            report("language: english\nunit: paragraph\n\n# again\nlanguage: spanish\n"),
            "error: duplicate key `language` (already set above in the same mapping)\n  --> thematic.yaml:5:1\n  = help: keep one of the two: YAML takes a key once per mapping"
        );
        let tab = report("unit: paragraph\ninterviewer:\n\t- I\n");
        assert!(
            tab.contains("--> thematic.yaml:3:1\n")
                && tab.contains("indented with a tab; YAML indents with spaces only"),
            "{tab}"
        );
        // Keys of a nested mapping: the second at the same indentation.
        let lines = [
            "themes:",
            "  - id: a",
            "    label: A",
            "    codes: []",
            "    label: B",
        ];
        assert_eq!(second_key(&lines, 2, 5, "label"), Some(5));
        assert_eq!(second_key(&lines, 2, 5, "codes"), None);
    }

    #[test]
    fn quoted_text_in_yaml_errors_is_cut_to_one_short_line() {
        let msg = r#"invalid type: string "Tenía catorce años\nSegunda línea\nTercera", expected struct CodebookDoc"#;
        assert_eq!(
            shorten_quoted(msg, 120),
            r#"invalid type: string "Tenía catorce años…", expected struct CodebookDoc"#
        );
        assert_eq!(
            shorten_quoted(r#"unknown variant "abcdef", expected"#, 3),
            r#"unknown variant "abc…", expected"#
        );
        assert_eq!(shorten_quoted(r#"a "q\"x" b"#, 120), r#"a "q\"x" b"#);
    }

    #[test]
    fn language_names_any_case_and_suggestions() {
        assert_eq!(Language::parse(" Spanish "), Ok(Language::Spanish));
        assert_eq!(Language::parse("NONE"), Ok(Language::None));
        assert_eq!(
            Language::parse("portugese"),
            Err("unknown language `portugese`: did you mean `portuguese`?".into())
        );
        assert_eq!(
            Language::parse("English (interpreted)"),
            Err("unknown language `English (interpreted)`: did you mean `english`?".into())
        );
        assert_eq!(
            Language::parse("quechua"),
            Err("unknown language `quechua`".into())
        );
        for (written, name) in [
            ("Español", "spanish"),
            ("castellano", "spanish"),
            ("inglés", "english"),
            ("portugues", "portuguese"),
            ("Français", "french"),
            ("Deutsch", "german"),
        ] {
            assert_eq!(
                Language::parse(written),
                Err(format!(
                    "unknown language `{written}`: did you mean `{name}`?"
                ))
            );
        }
        // The names suggested are never read as languages themselves.
        for (written, name) in NATIVE_NAMES {
            assert!(Language::parse(written).is_err(), "{written}");
            assert!(Language::ALL.iter().any(|l| l.name() == *name), "{name}");
        }
        for l in Language::ALL {
            assert_eq!(Language::parse(l.name()), Ok(l));
            assert_eq!(serde_yaml::to_string(&l).unwrap().trim(), l.name());
        }
        let text = "unit: turn\nlanguage: frensh\n";
        let e = serde_yaml::from_str::<Settings>(text).unwrap_err();
        let report = settings_error(text, &e).report();
        assert!(
            report.starts_with(
                "error: unknown language `frensh`: did you mean `french`?\n  --> thematic.yaml:2\n"
            ),
            "{report}"
        );
    }

    #[test]
    fn yaml_errors_about_the_whole_file_read_plainly() {
        let report = |r: std::result::Result<serde_yaml::Value, serde_yaml::Error>| {
            yaml_error("f.yaml", &r.unwrap_err()).report()
        };
        let list = serde_yaml::from_str::<std::collections::BTreeMap<String, u32>>("- a\n- b\n")
            .unwrap_err();
        assert_eq!(
            yaml_error("f.yaml", &list).report(),
            "error: this file must be a mapping of keys (`key: value` lines), not a list\n  --> f.yaml:1:1\n  = help: see the README for the file's shape"
        );
        let map = serde_yaml::from_str::<Vec<String>>("police: agency\n").unwrap_err();
        assert!(yaml_error("f.yaml", &map)
            .report()
            .starts_with("error: this file must be a list (`- …` lines), not a mapping\n"));
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(report(serde_yaml::from_str(&deep)).starts_with(
            "error: the YAML nests deeper than 128 levels (mappings and lists within each other)"
        ));
        assert!(report(serde_yaml::from_str("---\na: 1\n---\nb: 2\n"))
            .starts_with("error: this file holds several YAML documents"));
    }

    #[test]
    fn settings_type_errors_read_plainly_with_an_example() {
        let report = |text: &str| {
            let e = serde_yaml::from_str::<Settings>(text).unwrap_err();
            settings_error(text, &e).report()
        };
        assert_eq!(
            report("withdrawn: R02\n"),
            "error: `withdrawn:` takes a list, not the text `R02`\n  --> thematic.yaml:1:12\n  = help: write the value in a list: `withdrawn: [R02]` (e.g. `withdrawn: [R07, R12]`)"
        );
        assert_eq!(
            report("unit: paragraphs\n"),
            "error: `unit:` has no value `paragraphs`; did you mean `paragraph`?\n  --> thematic.yaml:1:7\n  = help: `unit:` takes one of: paragraph, turn, sentence"
        );
        assert_eq!(
            report("unit: 3\n"),
            "error: `unit:` has no value `3`\n  --> thematic.yaml:1:7\n  = help: `unit:` takes one of: paragraph, turn, sentence"
        );
        assert_eq!(
            report("title: x\ntranscript: [transcripts]\n"),
            "error: unknown key `transcript` in thematic.yaml; did you mean `transcripts`?\n  --> thematic.yaml:2:1\n  = help: remove or correct the key (keys are checked so that typos do not pass); the keys are: transcripts, codebook, respondents, unit, interviewer, language, csv, encoding, charts, memos, title, description, attribution, withdrawn, pseudonyms, identifying, check, speakers"
        );
        assert_eq!(
            report("csv: {ids: id, answers: [p1]}\n"),
            "error: unknown key `ids` in `csv:`; did you mean `id`?\n  --> thematic.yaml:1:7\n  = help: remove or correct the key (keys are checked so that typos do not pass); the keys are: id, answers"
        );
        assert_eq!(
            report("csv: {id: id, answers: p1}\n"),
            "error: `answers:` in `csv:` takes a list, not the text `p1`\n  --> thematic.yaml:1:24\n  = help: write the value in a list: `answers: [p1]` (e.g. `csv: {id: respondent_id, answers: [q12_why_left, q13_return]}`)"
        );
        assert_eq!(
            report("codebook: [a, b]\n"),
            "error: `codebook:` takes a single value, not a list\n  --> thematic.yaml:1:11\n  = help: e.g. `codebook: codebooks/main.yaml`"
        );
        assert_eq!(
            report("csv: id\n"),
            "error: `csv:` takes a mapping, not the text `id`\n  --> thematic.yaml:1:6\n  = help: e.g. `csv: {id: respondent_id, answers: [q12_why_left, q13_return]}`"
        );
        assert_eq!(
            report("withdrawn: [R01, [R02]]\n"),
            "error: entry 2 of `withdrawn:` must be a single value, not a list\n  --> thematic.yaml:1:18\n  = help: e.g. `withdrawn: [R07, R12]`"
        );
        assert_eq!(
            report("withdrawn: 12\n"),
            "error: `withdrawn:` takes a list, not the number `12`\n  --> thematic.yaml:1:12\n  = help: e.g. `withdrawn: [R07, R12]`"
        );
        assert_eq!(
            report("- unit\n"),
            "error: thematic.yaml must be a mapping of settings (`key: value` lines), not a list\n  --> thematic.yaml:1:1\n  = help: write one setting per line, e.g.\nunit: turn\nwithdrawn: [R07]"
        );
    }

    #[test]
    fn settings_defaults_and_unknown_keys() {
        let s: Settings = serde_yaml::from_str("unit: turn\nlanguage: spanish\n").unwrap();
        assert_eq!(s.unit, Unit::Turn);
        assert_eq!(s.language, Language::Spanish);
        assert_eq!(s.codebook, "codebooks/main.yaml");
        let e = serde_yaml::from_str::<Settings>("unti: turn\n").unwrap_err();
        let err = yaml_error("thematic.yaml", &e);
        assert!(
            err.report().contains("thematic.yaml:1:1"),
            "{}",
            err.report()
        );
    }
}
