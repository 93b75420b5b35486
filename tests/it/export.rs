//! `thematic export`: tidy CSV and JSON (one row per excerpt, 0/1 per code).

use crate::util::Study;

fn study() -> Study {
    let s = Study::fixture("basic");
    s.file(
        "codings/ana.csv",
        "excerpt,code\ntranscripts/r02.txt:10,return/hand\ntranscripts/m01.txt:3,family/search\n",
    );
    s.run(&["code"]).ok();
    s
}

#[test]
fn tidy_csv_one_row_per_excerpt() {
    let s = study();
    assert_eq!(
        s.run(&["export", "--format", "csv", "--where", "region=Lima"]).ok(),
        "id,path,line,respondent,region,role,question,text,family,family/search,family/search/police,family/money,return,return/support,return/dates,return/hand
transcripts/fg01.txt:6,transcripts/fg01.txt,6,R03,Lima,relative,¿Quién las apoyó?,Mi hija me apoyó. Ella dijo: no quiero dinero.,0,0,0,0,1,1,0,0
transcripts/fg01.txt:7,transcripts/fg01.txt,7,R04,Lima,survivor,¿Quién las apoyó?,A mí me apoyó mi familia con dinero. Nota: ruido en la sala.,1,0,0,1,1,1,0,0
transcripts/r02.txt:5,transcripts/r02.txt,5,R02,Lima,survivor,¿Qué hizo tu familia?,\"Buscamos en la comisaría. No había policía en el pueblo, solo una comisaría lejos.\",1,1,1,0,0,0,0,0
transcripts/r02.txt:8,transcripts/r02.txt,8,R02,Lima,survivor,¿Qué hizo tu familia?,La familia tenía deudas.,1,0,0,1,0,0,0,0
transcripts/r02.txt:10,transcripts/r02.txt,10,R02,Lima,survivor,¿Y ahora?,Nada más.,0,0,0,0,1,0,0,1
"
    );
    // One coder's codings only: a theme is 1 when any of its codes is.
    let out = s.run(&["export", "--source", "ana"]);
    let lines: Vec<&str> = out.ok().lines().collect();
    assert_eq!(lines.len(), 11);
    assert!(
        lines[4].starts_with("transcripts/m01.txt:3,"),
        "{}",
        lines[4]
    );
    assert!(lines[4].ends_with(",1,1,0,0,0,0,0,0"), "{}", lines[4]);
    assert!(lines[10].ends_with(",0,0,0,0,1,0,0,1"), "{}", lines[10]);
}

/// The columns sum to `stats`' excerpt counts, for every source.
#[test]
fn code_columns_sum_to_stats() {
    let s = study();
    for source in ["all", "rules", "human"] {
        let csv = s.run(&["export", "--source", source]);
        let mut r = csv::Reader::from_reader(csv.ok().as_bytes());
        let header = r.headers().unwrap().clone();
        let first_code = header.iter().position(|h| h == "text").unwrap() + 1;
        let mut sums = vec![0u32; header.len() - first_code];
        for rec in r.records() {
            let rec = rec.unwrap();
            for (k, v) in rec.iter().skip(first_code).enumerate() {
                sums[k] += v.parse::<u32>().unwrap();
            }
        }
        let mut expected = String::from("code,excerpts\n");
        for (k, code) in header.iter().skip(first_code).enumerate() {
            expected.push_str(&format!("{code},{}\n", sums[k]));
        }
        let stats = s.run(&["stats", "--format", "csv", "--source", source]);
        let stats: String = stats
            .ok()
            .lines()
            .map(|l| {
                let mut f: Vec<&str> = l.split(',').collect();
                f.truncate(2);
                format!("{}\n", f.join(","))
            })
            .collect();
        assert_eq!(stats, expected, "--source {source}");
    }
}

#[test]
fn tidy_json_to_a_new_file() {
    let s = study();
    let out = s.path().join("excerpts.json");
    let path = out.to_str().unwrap();
    s.run(&[
        "export",
        "--format",
        "json",
        "--where",
        "role=relative",
        "--output",
        path,
    ])
    .ok();
    let v: serde_json::Value = serde_json::from_str(&s.read("excerpts.json")).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(
        v[2],
        serde_json::json!({
            "id": "transcripts/m01.txt:3", "path": "transcripts/m01.txt", "line": 3,
            "respondent": "m01", "region": "Cusco", "role": "relative", "question": "",
            "text": "My family looked for support but nobody came.",
            "family": 1, "family/search": 1, "family/search/police": 0, "family/money": 0,
            "return": 1, "return/support": 1, "return/dates": 0, "return/hand": 0
        })
    );
    let err = s
        .run(&["export", "--format", "json", "--output", path])
        .bad_input()
        .to_string();
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn ndjson_is_the_json_array_one_object_per_line() {
    let s = study();
    let array = s.run(&["export", "--format", "json"]).ok().to_string();
    let array: serde_json::Value = serde_json::from_str(&array).unwrap();
    let lines = s.run(&["export", "--format", "ndjson"]).ok().to_string();
    assert!(lines.ends_with("}\n"), "{lines}");
    let objects: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(serde_json::Value::Array(objects), array);
    assert_eq!(lines.lines().count(), array.as_array().unwrap().len());
}

#[test]
fn an_attribute_named_like_a_theme_is_refused() {
    let s = study();
    s.replace("respondents.csv", "id,role,region", "id,role,family");
    let err = s.run(&["export"]).stderr;
    assert!(
        err.contains(
            "error: the attribute `family` has the same name as a theme or code of the codebook: the export would have two `family` columns\n  --> respondents.csv:1:3\n  = help: rename the attribute `family` there\n"
        ),
        "{err}"
    );
    assert_eq!(s.run(&["export"]).code, 2);
    // A respondents.csv saved with `;` (a Spanish spreadsheet) is read as
    // respondents.csv is: the cell is found.
    let csv = s.read("respondents.csv").replace(',', ";");
    s.file("respondents.csv", &csv);
    let err = s.run(&["export"]).stderr;
    assert!(err.contains("  --> respondents.csv:1:3\n"), "{err}");
    s.file("respondents.csv", &csv.replace(';', ","));
    // Given in a transcript's front matter, it is placed there.
    s.replace("respondents.csv", "id,role,family", "id,role,region");
    s.replace(
        "transcripts/r01.txt",
        "respondent: R01\n",
        "respondent: R01\nfamily: yes\n",
    );
    let err = s.run(&["export"]).stderr;
    assert!(err.contains("  --> transcripts/r01.txt:3\n"), "{err}");
}

/// The files of a `.qdpx`, by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        out.insert(f.name().to_string(), text);
    }
    out
}

/// An attribute's value in an XML start tag.
fn attr<'a>(tag: &'a str, name: &str) -> &'a str {
    let tag = &tag[..tag.find('>').unwrap()];
    let at = if tag.starts_with(&format!("{name}=\"")) {
        name.len() + 2
    } else {
        tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3
    };
    &tag[at..at + tag[at..].find('"').unwrap()]
}

#[test]
fn qdpx_project_validates_and_offsets_cut_out_each_excerpt() {
    let s = study();
    // Accents, an emoji (beyond the BMP: 2 UTF-16 units) and CRLF line ends.
    s.file(
        "transcripts/r05.txt",
        "Interviewer: ¿Y tu familia?\r\nR05: Mi niña 👧 volvió; la familia pagó la deuda.\r\n\r\nLuego vino la policía.\r\n",
    );
    let out = s.path().join("study.qdpx");
    let path = out.to_str().unwrap();
    let run = s.run(&["export", "--format", "qdpx", "--output", path]);
    run.ok();
    let bytes = std::fs::read(&out).unwrap();
    let files = unzip(&bytes);
    let qde = &files["project.qde"];
    assert!(qde.starts_with(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Project xmlns=\"urn:QDA-XML:project:1.0\""
    ));
    // Users: the coder and the rules.
    let users: Vec<&str> = qde
        .split("<User ")
        .skip(1)
        .map(|t| attr(t, "name"))
        .collect();
    assert_eq!(users, ["ana", "thematic rules"]);
    let user_guid = |name: &str| {
        qde.split("<User ")
            .skip(1)
            .find(|t| attr(t, "name") == name)
            .map(|t| attr(t, "guid").to_string())
            .unwrap()
    };

    // Every coded excerpt is a selection whose offsets, in code points,
    // cut its exact text out of the source's plain text.
    let tidy = s.run(&["export"]).ok().to_string();
    let mut texts = std::collections::BTreeMap::new();
    let mut coded = 0;
    for rec in csv::Reader::from_reader(tidy.as_bytes()).records() {
        let rec = rec.unwrap();
        if rec.iter().skip(8).any(|v| v == "1") {
            coded += 1;
        }
        texts.insert(rec[0].to_string(), rec[7].to_string());
    }
    let mut selections = 0;
    for source in qde.split("<TextSource ").skip(1) {
        let file = attr(source, "plainTextPath")
            .strip_prefix("internal://")
            .unwrap();
        let text = &files[&format!("sources/{file}")];
        assert!(!text.starts_with('\u{feff}') && !text.contains('\r'));
        let chars: Vec<char> = text.chars().collect();
        for sel in source.split("<PlainTextSelection ").skip(1) {
            let start: usize = attr(sel, "startPosition").parse().unwrap();
            let end: usize = attr(sel, "endPosition").parse().unwrap();
            let id = attr(sel, "name");
            assert_eq!(
                chars[start..end].iter().collect::<String>(),
                texts[id],
                "{id}"
            );
            selections += 1;
        }
    }
    assert_eq!(selections, coded);
    // ana's coding of r02.txt:10 is hers, not the rules'.
    let sel = qde
        .split("<PlainTextSelection ")
        .skip(1)
        .find(|t| attr(t, "name") == "transcripts/r02.txt:10")
        .unwrap();
    assert_eq!(attr(sel, "creatingUser"), user_guid("ana"));
    assert_eq!(sel.matches("<Coding ").count(), 1);
    // One case per respondent with their attributes.
    assert_eq!(qde.matches("<Case ").count(), 6);
    assert!(qde.contains("<TextValue>Cusco</TextValue>"));

    // The same study gives the same bytes; the file is never overwritten.
    let again = s.path().join("again.qdpx");
    s.run(&[
        "export",
        "--format",
        "qdpx",
        "--output",
        again.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(std::fs::read(&again).unwrap(), bytes);
    assert!(s
        .run(&["export", "--format", "qdpx", "--output", path])
        .bad_input()
        .contains("already exists"));
    assert!(s
        .run(&["export", "--format", "qdpx"])
        .bad_input()
        .contains("--output"));

    // The published REFI-QDA schema accepts it.
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/refi-qda/Project-mrt2019.xsd");
    s.file("project.qde", qde);
    match std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(&schema)
        .arg(s.path().join("project.qde"))
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "xmllint: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!(
            "note: xmllint not found (Debian: libxml2-utils); the schema check of project.qde was skipped"
        ),
    }
}
