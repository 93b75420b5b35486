//! `thematic transcripts` and the shapes of plain transcripts: text before
//! the first speaker label (a heading, or a preamble long enough to warn
//! about) and oral-history narratives that end in label-shaped footer lines.

use crate::util::Study;

const CODEBOOK: &str = "themes:
  - id: labour
    codes:
      - id: debt
        match: {any: [debt*, owed, deuda*]}
      - id: offer
        match: {any: [work for, send money, trabajo]}
  - id: family
    codes:
      - id: search
        match: {any: [sheriff, police, comisaría]}
";

/// A 1930s-style narrative (fictional): 86 words in two paragraphs, then a
/// two-line footer that looks like speaker turns.
const ELLIS: &str = "I was born in 1861 near Marshall, and when I was a boy a man came
through with a wagon and told my mother he had work for me at the
turpentine camp down on the river. He said I would send money home.

We never saw a dollar. The boss said we owed him for the ride and the
food and the boots, and every month the debt got bigger. My mother
went to the sheriff twice looking for me, but he sent her home.

Source: Federal Writers' Project, Texas Narratives, Vol. XVI
Interviewer: Jane Doe
";

/// An interview whose first label comes after a 61-word title block.
const R12: &str = "Proyecto Reintegración, entrevista 12. Lima, 3 de mayo de 2023.
Entrevista realizada en la oficina de la asociación, con consentimiento
informado leído en voz alta y firmado. La participante pidió que no se
grabaran los nombres de sus familiares ni del pueblo. Duración: una hora
y diez minutos. Transcrita por el equipo de campo y revisada por la
coordinadora del estudio.

Entrevistador: ¿Cómo reaccionó su familia?
R12: Mi madre fue a la comisaría todos los días.
Entrevistador: ¿Y el trabajo?
R12: Nunca pagaron. Decían que teníamos una deuda.
";

/// An interview under a short title.
const R13: &str = "Entrevista 13, Cusco, junio de 2023.

Entrevistador: ¿Qué le ofrecieron?
R13: Un trabajo en un restaurante en Lima. Era mentira.
";

fn study() -> Study {
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK)
        .file("transcripts/ellis.txt", ELLIS)
        .file("transcripts/r12.txt", R12)
        .file("transcripts/r13.txt", R13);
    s
}

#[test]
fn a_narrative_with_a_footer_is_coded_and_a_long_preamble_is_a_warning() {
    let s = study();
    let run = s.run(&["code"]);
    assert!(
        run.ok()
            .starts_with("3 transcripts, 3 respondents, 5 excerpts, 5 coded (100%), 1 warning\n"),
        "{}",
        run.stdout
    );
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: transcripts/r12.txt: the text before the first speaker label (line 8) \
             is a preamble of 61 words, not coded; if it is the respondent's, start it with a \
             label such as `r12:`, or move a title block into front matter"
        ]
    );

    assert_eq!(
        s.run(&["transcripts", "--format", "csv"]).ok(),
        "path,respondents,turns,excerpts,words,encoding,warnings,preamble_words,footer_lines,language
transcripts/ellis.txt,ellis,1,2,86,UTF-8,0,0,2,english
transcripts/r12.txt,r12,4,2,16,UTF-8,1,61,0,english
transcripts/r13.txt,r13,2,1,9,UTF-8,0,6,0,english
"
    );
    let json: serde_json::Value =
        serde_json::from_str(s.run(&["transcripts", "--format", "json"]).ok()).unwrap();
    assert_eq!(
        (&json[0]["footer_lines"], &json[1]["preamble_words"]),
        (&serde_json::json!(2), &serde_json::json!(61))
    );

    // The narrative is the respondent's, paragraph by paragraph, with ids
    // by line; the footer is neither an excerpt nor a question.
    assert_eq!(
        s.run(&["quote", "labour", "--format", "csv"]).ok(),
        "id,path,line,respondent,codes,question,text
transcripts/ellis.txt:1,transcripts/ellis.txt,1,ellis,labour/offer,,\"I was born in 1861 near Marshall, and when I was a boy a man came through with a wagon and told my mother he had work for me at the turpentine camp down on the river. He said I would send money home.\"
transcripts/ellis.txt:5,transcripts/ellis.txt,5,ellis,labour/debt; family/search,,\"We never saw a dollar. The boss said we owed him for the ride and the food and the boots, and every month the debt got bigger. My mother went to the sheriff twice looking for me, but he sent her home.\"
transcripts/r12.txt:11,transcripts/r12.txt,11,r12,labour/debt,¿Y el trabajo?,Nunca pagaron. Decían que teníamos una deuda.
transcripts/r13.txt:4,transcripts/r13.txt,4,r13,labour/offer,¿Qué le ofrecieron?,Un trabajo en un restaurante en Lima. Era mentira.
"
    );
    assert_eq!(
        s.run(&["matrix", "--format", "csv"]).ok(),
        "code,ellis,r12,r13,total
labour,2,1,1,4
labour/debt,1,1,0,2
labour/offer,1,0,1,2
family,1,1,0,2
family/search,1,1,0,2
"
    );
}

#[test]
fn a_label_turn_after_the_narrative_keeps_it_a_preamble() {
    // A question and its answer after the text: an interview, so the text
    // above is a preamble, warned about with its word count.
    let s = study();
    s.replace(
        "transcripts/ellis.txt",
        "Interviewer: Jane Doe\n",
        "Interviewer: Did you ever go back?\nEllis: Never.\n",
    );
    let run = s.run(&["code"]);
    assert!(
        run.stderr.contains(
            "warning: transcripts/ellis.txt: the text before the first speaker label (line 9) \
             is a preamble of 86 words, not coded"
        ),
        "{}",
        run.stderr
    );
    assert!(s
        .run(&["transcripts", "--format", "csv"])
        .ok()
        .contains("\ntranscripts/ellis.txt,ellis,3,2,8,UTF-8,2,86,0,english\n"),);
    // `Source:` is now a turn too, read as Ellis's: said as well.
    assert!(
        run.stderr.contains(
            "warning: transcripts/ellis.txt: 2 speaker labels are all read as respondent \
             `ellis`: `Source` (1 turn, from line 9), `Ellis` (1 turn, from line 11)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_docx_narrative_with_a_footer_reads_as_the_text_does() {
    // One Word paragraph per text paragraph, an empty one between them.
    let narrative: Vec<String> = ELLIS
        .split("\n\n")
        .take(2)
        .map(|p| p.replace('\n', " "))
        .collect();
    let paragraphs = [
        narrative[0].as_str(),
        "",
        narrative[1].as_str(),
        "",
        "Source: Federal Writers' Project, Texas Narratives, Vol. XVI",
        "Interviewer: Jane Doe",
    ];
    let s = study();
    s.remove("transcripts/ellis.txt")
        .bytes("transcripts/ellis.docx", &crate::formats::docx(&paragraphs));
    let run = s.run(&["code"]);
    assert!(
        run.ok()
            .starts_with("3 transcripts, 3 respondents, 5 excerpts,"),
        "{}",
        run.stdout
    );
    assert!(s
        .run(&["transcripts", "--format", "csv"])
        .ok()
        .contains("\ntranscripts/ellis.docx,ellis,1,2,86,docx,0,0,2,english\n"),);
    let ids = s.run(&["quote", "labour", "--format", "csv"]);
    assert!(
        ids.ok().contains("\ntranscripts/ellis.docx:1,")
            && ids.stdout.contains("\ntranscripts/ellis.docx:3,"),
        "{}",
        ids.stdout
    );
}

#[test]
fn a_sentence_read_as_a_label_once_is_a_warning_naming_its_line() {
    // The answer runs on to a line whose first words end in `: `: by the
    // label rule they start a new turn of the respondent, and `Pero era
    // mentira` is in no excerpt. Ordinary labels (the respondent's id, a
    // name of two words used once, an interviewer label) are not warned.
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK)
        .file(
            "transcripts/r1.txt",
            "---
respondent: R1
language: spanish
---
Entrevistadora: ¿Qué le dijeron sobre el trabajo?
R1: Que era un trabajo de niñera en Lima.
Pero era mentira: nos encerraban y las deudas crecían.
R1: Nunca nos pagaron.
",
        )
        .file(
            "transcripts/r2.txt",
            "Interviewer: Who came to the camp?
Ana: A man from the city.
Karl Fogel: I was there too, briefly.
María de la Cruz: So was I.
",
        );
    let run = s.run(&["code"]);
    assert!(
        run.ok()
            .starts_with("2 transcripts, 2 respondents, 6 excerpts, 2 coded (33%), 2 warnings\n"),
        "{}",
        run.stdout
    );
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: transcripts/r1.txt:7: `Pero era mentira:` is read as a speaker label \
             (used once, several words, not the respondent's id), so the words `Pero era \
             mentira` are in no excerpt; if they belong to the answer, join the line to the \
             one above",
            // Three names in one file without `speakers:` are one
            // respondent: said once, not as sentences.
            "warning: transcripts/r2.txt: 3 speaker labels are all read as respondent `r2`: \
             `Ana` (1 turn, from line 2), `Karl Fogel` (1 turn, from line 3), `María de la Cruz` \
             (1 turn, from line 4); if they are different people, map each label to a \
             respondent id in front matter (`speakers: {Ana: r2a, Karl Fogel: r2b}`), or add \
             an interviewer's label to the `interviewer:` setting"
        ]
    );
    // Excerpts are split as before: the words before the colon are not in
    // the excerpt at line 7.
    assert_eq!(
        s.run(&["quote", "labour", "--format", "csv"]).ok(),
        "id,path,line,respondent,codes,question,text
transcripts/r1.txt:6,transcripts/r1.txt,6,R1,labour/offer,¿Qué le dijeron sobre el trabajo?,Que era un trabajo de niñera en Lima.
transcripts/r1.txt:7,transcripts/r1.txt,7,R1,labour/debt,¿Qué le dijeron sobre el trabajo?,nos encerraban y las deudas crecían.
"
    );
    assert_eq!(
        s.run(&["transcripts", "--format", "csv"]).ok(),
        "path,respondents,turns,excerpts,words,encoding,warnings,preamble_words,footer_lines,language
transcripts/r1.txt,R1,4,3,17,UTF-8,1,0,0,spanish
transcripts/r2.txt,r2,4,3,13,UTF-8,1,0,0,english
"
    );
    // Joined to the line above, the words are the answer's.
    s.replace("transcripts/r1.txt", "Lima.\nPero era", "Lima. Pero era");
    let run = s.run(&["code"]);
    assert!(run.ok().contains(", 1 warning\n"), "{}", run.stdout);
}

#[test]
fn a_label_kept_as_text_in_a_focus_group_is_named_with_all_its_lines() {
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK).file(
        "transcripts/rfc03.md",
        "---
speakers: {Karl Fogel: fogel}
---
**Karl Fogel:** We owed them a release.

**Break:** \\[18:49\\]

**Karl Fogel:** The debt kept growing.

**Break:** \\[46:36\\]
",
    );
    let run = s.run(&["code"]);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: transcripts/rfc03.md: `Break:` (lines 6, 10) looks like a speaker label \
          but is not in `speakers:`; kept as text"
        ]
    );
}

#[test]
fn a_transcript_copied_is_a_warning_until_removed_and_a_withdrawn_ones_copy_an_error() {
    let s = Study::empty();
    let text = "Entrevistador: ¿Qué pasó?\nR1: Me ofrecieron trabajo en Lima.\n";
    s.file("codebooks/main.yaml", CODEBOOK)
        .file("transcripts/r1.txt", text)
        .file("transcripts/r1 (copy).txt", text)
        .file("transcripts/r2.txt", "Entrevistador: ¿Y?\nR2: Nada.\n")
        .file("transcripts/empty1.txt", "")
        .file("transcripts/empty2.txt", "");
    let run = s.run(&["code"]);
    let copies: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("same bytes"))
        .collect();
    // Empty files have their own warning, not this one.
    assert_eq!(
        copies,
        [
            "warning: transcripts/r1 (copy).txt and transcripts/r1.txt have the same bytes, so \
             their words are counted once for each file; delete or move a copy unless the same \
             text is meant to count again"
        ]
    );
    // Said again while the index is up to date, and no longer once the copy is gone.
    let again = s.run(&["code"]);
    assert!(
        again.stderr.contains("have the same bytes"),
        "{}",
        again.stderr
    );
    // A copy of a withdrawn respondent's transcript would publish her
    // words under the copy's name: refused, and nothing is shown.
    s.file("thematic.yaml", "withdrawn: [r1]\n");
    let refused = s.run(&["code"]);
    assert_eq!(refused.code, 2);
    assert_eq!(
        refused.stderr,
        "error: this transcript has the same bytes as transcripts/r1.txt, which holds the words \
         of `r1`, who withdrew consent: under this file's name they would be in every output\n  \
         --> transcripts/r1 (copy).txt\n  = help: delete the copy (or move it out of the \
         transcripts folder)\n"
    );
    assert_eq!(s.run(&["quote", "labour"]).code, 2);
    s.remove("transcripts/r1 (copy).txt");
    let gone = s.run(&["code"]);
    assert!(!gone.stderr.contains("same bytes"), "{}", gone.stderr);
}
