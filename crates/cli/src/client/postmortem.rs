//! `debrief postmortem show|export|lint`.
//!
//! `lint` exits like `grep`: 0 when the text is clean, 1 when it has findings, 2 when the check
//! could not run, so scripts and CI can tell a finding from a failure.

use super::incident::urlencode;
use super::output::{text, time};
use super::{Api, ClientArgs};
use anyhow::Context;
use debrief_core::policy::Decision;
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// Postmortem commands.
#[derive(clap::Subcommand)]
pub enum PostmortemCommand {
    /// Show an incident's postmortem: status, decision, people, deadlines, sections, approvals.
    Show {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference, e.g. INC-42.
        reference: String,
    },
    /// Export the postmortem as Markdown or a printable HTML page.
    Export {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference, e.g. INC-42.
        reference: String,
        /// Output format.
        #[arg(long, default_value = "md", value_parser = ["md", "html"])]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Run the blameless check on a postmortem's text, or on any text with --file.
    ///
    /// Exits 0 when the text is clean, 1 when there are findings, 2 on an error.
    Lint {
        #[command(flatten)]
        client: ClientArgs,
        /// Reference of the incident whose postmortem to check, e.g. INC-42.
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        reference: Option<String>,
        /// Check this file instead ('-' for standard input).
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

/// Runs a postmortem command.
pub async fn run(cmd: PostmortemCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PostmortemCommand::Show { client, reference } => {
            let api = Api::new(&client)?;
            let pm = get_postmortem(&api, &reference).await?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&pm)?);
            } else {
                print_postmortem(&pm);
            }
        }
        PostmortemCommand::Export {
            client,
            reference,
            format,
            output,
        } => {
            let api = Api::new(&client)?;
            let doc = api
                .get_text(&format!(
                    "/incidents/{}/postmortem/export?format={format}",
                    urlencode(&reference)
                ))
                .await?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &doc)
                        .with_context(|| format!("Failed to write {}", path.display()))?;
                    println!("Wrote {} ({} bytes)", path.display(), doc.len());
                }
                None => print!("{doc}"),
            }
        }
        PostmortemCommand::Lint {
            client,
            reference,
            file,
        } => {
            // Errors exit 2 here, so that 1 always means "findings".
            return Ok(match lint(&client, reference, file).await {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn get_postmortem(api: &Api, reference: &str) -> anyhow::Result<Value> {
    api.call(
        Method::GET,
        &format!("/incidents/{}/postmortem", urlencode(reference)),
        None,
    )
    .await
}

/// A person as `Name <email>`.
fn person(p: &Value) -> String {
    if p.is_null() {
        return "—".into();
    }
    format!("{} <{}>", text(&p["name"]), text(&p["email"]))
}

/// The policy's decision in a line: `required: severity SEV1 at or above SEV2`.
fn decision(pm: &Value) -> String {
    let mut line = serde_json::from_value::<Decision>(pm["decision"].clone())
        .map(|d| d.summary())
        .unwrap_or_else(|_| "not decided yet (decided when the incident resolves)".into());
    if pm["requested"] == true {
        line.push_str("; requested by the commander");
    }
    if let Some(why) = pm["waiver_reason"].as_str() {
        line.push_str(&format!("; waived: {why}"));
    }
    line
}

/// A deadline with a note when it has passed.
fn due(at: &Value, overdue: &Value) -> String {
    match overdue.as_bool() {
        Some(true) => format!("{}  OVERDUE", time(at)),
        _ => time(at),
    }
}

fn print_postmortem(pm: &Value) {
    let f = &pm["facts"];
    println!(
        "{}  {}  (postmortem {})",
        text(&pm["incident"]),
        text(&f["title"]),
        text(&pm["status"])
    );
    println!("  decision     {}", decision(pm));
    println!(
        "  incident     {}, {}",
        text(&f["severity"]),
        text(&f["incident_status"])
    );
    println!("  owner        {}", person(&pm["owner"]));
    println!("  facilitator  {}", person(&pm["facilitator"]));
    let reviewers: Vec<String> = pm["reviewers"]
        .as_array()
        .map(|a| a.iter().map(person).collect())
        .unwrap_or_default();
    println!(
        "  reviewers    {}",
        if reviewers.is_empty() {
            "—".into()
        } else {
            reviewers.join(", ")
        }
    );
    println!(
        "  draft due    {}",
        due(&pm["draft_due_at"], &pm["draft_overdue"])
    );
    println!(
        "  review due   {}",
        due(&pm["review_due_at"], &pm["review_overdue"])
    );
    println!("  submitted    {}", time(&pm["submitted_at"]));
    println!("  published    {}", time(&pm["published_at"]));
    println!(
        "  approvals    {} of {}",
        text(&pm["approvals"]),
        text(&pm["approvals_required"])
    );
    let sections = pm["sections"].as_array().cloned().unwrap_or_default();
    if !sections.is_empty() {
        let written = sections.iter().filter(|s| is_written(&s["body"])).count();
        println!(
            "\nSections ({written} of {} written, template {})",
            sections.len(),
            text(&pm["template"])
        );
        for s in &sections {
            let mark = if is_written(&s["body"]) {
                "filled"
            } else {
                "empty "
            };
            println!("  {mark}  {}", text(&s["title"]));
        }
        let summary = if is_written(&pm["customer_summary"]) {
            "filled"
        } else {
            "empty "
        };
        println!("  {summary}  Customer summary");
    }
    if let Some(reviews) = pm["reviews"].as_array().filter(|r| !r.is_empty()) {
        println!("\nReviews");
        for r in reviews {
            let comment = r["comment"].as_str().filter(|c| !c.is_empty());
            println!(
                "  round {}  {}  {}  {}{}",
                text(&r["round"]),
                text(&r["reviewer"]),
                text(&r["verdict"]),
                time(&r["at"]),
                comment.map(|c| format!(": {c}")).unwrap_or_default()
            );
        }
    }
    let items = f["action_items"].as_array().cloned().unwrap_or_default();
    let open = items
        .iter()
        .filter(|i| i["status"] == "open" || i["status"] == "in_progress")
        .count();
    println!(
        "\nAction items: {} ({open} open) — 'debrief action-item list --incident {}'",
        items.len(),
        text(&pm["incident"])
    );
    let findings = pm["findings"].as_array().map_or(0, Vec::len);
    if findings > 0 {
        println!(
            "Blameless check: {findings} finding(s) — 'debrief postmortem lint {}'",
            text(&pm["incident"])
        );
    } else if pm["status"] != "not_required" {
        println!("Blameless check: no findings");
    }
}

fn is_written(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.trim().is_empty())
}

/// A piece of checked text: a section of a postmortem, or a whole file.
struct Part {
    /// What to call it in a finding (`What happened`, `notes.md`).
    label: String,
    /// Its key in the postmortem (`what_happened`), for JSON output.
    key: Option<String>,
    /// Where it starts in the checked text, in characters.
    start: usize,
    /// Its text.
    body: Vec<char>,
}

/// The parts of a postmortem's written text as the server checks it: the non-blank sections in
/// order, each followed by two newlines, then the customer summary (see the API's `Finding`).
fn postmortem_parts(pm: &Value) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut at = 0;
    for s in pm["sections"].as_array().into_iter().flatten() {
        let body = s["body"].as_str().unwrap_or("");
        if body.trim().is_empty() {
            continue;
        }
        let chars: Vec<char> = body.chars().collect();
        let len = chars.len();
        parts.push(Part {
            label: text(&s["title"]),
            key: s["key"].as_str().map(str::to_string),
            start: at,
            body: chars,
        });
        at += len + 2;
    }
    parts.push(Part {
        label: "Customer summary".into(),
        key: Some("customer_summary".into()),
        start: at,
        body: pm["customer_summary"]
            .as_str()
            .unwrap_or("")
            .chars()
            .collect(),
    });
    parts
}

/// Where a finding is: its part, line and column (1-based), and the line's text.
struct Place<'a> {
    part: &'a Part,
    line: usize,
    column: usize,
    text: String,
}

fn place(parts: &[Part], offset: usize) -> Option<Place<'_>> {
    let part = parts
        .iter()
        .find(|p| offset >= p.start && offset < p.start + p.body.len())?;
    let local = offset - part.start;
    let before = &part.body[..local];
    let line_start = before.iter().rposition(|c| *c == '\n').map_or(0, |i| i + 1);
    let line_end = part.body[local..]
        .iter()
        .position(|c| *c == '\n')
        .map_or(part.body.len(), |i| local + i);
    Some(Place {
        part,
        line: before.iter().filter(|c| **c == '\n').count() + 1,
        column: local - line_start + 1,
        text: part.body[line_start..line_end].iter().collect(),
    })
}

async fn lint(
    client: &ClientArgs,
    reference: Option<String>,
    file: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let api = Api::new(client)?;
    let (findings, parts, what) = match (reference, file) {
        (Some(r), _) => {
            let pm = get_postmortem(&api, &r).await?;
            if pm["status"] == "not_required" {
                anyhow::bail!(
                    "{} has no postmortem to check (none is required)",
                    text(&pm["incident"])
                );
            }
            let what = format!("the postmortem of {}", text(&pm["incident"]));
            (pm["findings"].clone(), postmortem_parts(&pm), what)
        }
        (None, Some(path)) => {
            let (label, body) = read_input(&path)?;
            let answer = api
                .call(
                    Method::POST,
                    "/blameless-check",
                    Some(&json!({ "text": body })),
                )
                .await?;
            let part = Part {
                label: label.clone(),
                key: None,
                start: 0,
                body: body.chars().collect(),
            };
            (answer["findings"].clone(), vec![part], label)
        }
        (None, None) => anyhow::bail!("give an incident reference or --file"),
    };
    let findings = findings.as_array().cloned().unwrap_or_default();
    if client.json {
        let located: Vec<Value> = findings
            .iter()
            .map(|f| {
                let mut f = f.clone();
                if let Some(p) = f["start"].as_u64().and_then(|s| place(&parts, s as usize)) {
                    f["section"] = json!(p.part.key);
                    f["line"] = json!(p.line);
                    f["column"] = json!(p.column);
                }
                f
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"findings": located, "count": located.len()}))?
        );
    } else {
        for f in &findings {
            print_finding(f, &parts);
        }
        match findings.len() {
            0 => println!("No findings: {what} reads blameless."),
            n => println!("{n} finding(s) in {what}."),
        }
    }
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Reads a file, or standard input for `-`; answers its label and text.
fn read_input(path: &PathBuf) -> anyhow::Result<(String, String)> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("Failed to read standard input")?;
        return Ok(("<stdin>".into(), s));
    }
    let s = std::fs::read_to_string(path)
        .with_context(|| format!("Failed to read {}", path.display()))?;
    Ok((path.display().to_string(), s))
}

/// Prints a finding like a compiler diagnostic: where, the line with the words marked, why and
/// what to write instead.
fn print_finding(f: &Value, parts: &[Part]) {
    let flagged = text(&f["text"]);
    let rule = text(&f["rule"]);
    match f["start"].as_u64().and_then(|s| place(parts, s as usize)) {
        Some(p) => {
            println!(
                "{}:{}:{}: {rule}: \"{flagged}\"",
                p.part.label, p.line, p.column
            );
            let gutter = p.line.to_string().len();
            println!("{:>gutter$} | {}", p.line, p.text);
            let width = flagged.chars().count().max(1);
            println!(
                "{:>gutter$} | {}{}",
                "",
                " ".repeat(p.column - 1),
                "^".repeat(width)
            );
        }
        None => println!("offset {}: {rule}: \"{flagged}\"", text(&f["start"])),
    }
    println!("  why: {}", text(&f["why"]));
    println!("  try: {}\n", text(&f["suggestion"]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_is_placed_in_its_section_line_and_column() {
        let pm = json!({
            "sections": [
                {"key": "impact", "title": "Impact", "body": "Payments failed."},
                {"key": "lessons", "title": "Lessons", "body": "  "},
                {"key": "what_happened", "title": "What happened", "body": "The deploy ran.\nIt was human error."}
            ],
            "customer_summary": "Sorry."
        });
        let parts = postmortem_parts(&pm);
        // "Payments failed." is 16 characters, then two newlines; the line starts at 16 + 2 + 16.
        let p = place(&parts, 16 + 2 + 16 + 7).expect("placed");
        assert_eq!(
            (p.part.label.as_str(), p.line, p.column),
            ("What happened", 2, 8)
        );
        assert_eq!(p.text, "It was human error.");
        let s = place(&parts, 16 + 2 + 35 + 2).expect("placed");
        assert_eq!(
            (s.part.label.as_str(), s.line, s.column),
            ("Customer summary", 1, 1)
        );
    }
}
