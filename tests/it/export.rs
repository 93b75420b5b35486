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
fn an_attribute_named_like_a_theme_is_refused() {
    let s = study();
    s.replace("respondents.csv", "id,role,region", "id,role,family");
    let err = s.run(&["export"]).stderr;
    assert!(
        err.contains("error: the attribute `family` has the same name as a theme"),
        "{err}"
    );
    assert_eq!(s.run(&["export"]).code, 2);
}
