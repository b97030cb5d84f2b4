//! The word classes of the blameless model ([`super::model`]): words that play the same part
//! in a sentence share a class feature, so what the model learnt from one carries to the others
//! and to words it never saw in training.
//!
//! Each class lists many words of its kind in general English, not only the words of the
//! training sentences: a class earns its weight from the few sentences that use some of its
//! words and lends it to the rest. A word belongs to one class; a word not listed is looked up
//! again without its inflection ([`stem`]), so "rushing" finds "rush".

use std::collections::HashMap;
use std::sync::OnceLock;

/// Word classes that let the model carry what it learnt to words it never saw, as
/// `(class, space-separated words)`.
const CLASSES: &[(&str, &str)] = &[
    // Roles and teams, and people left unnamed.
    (
        "<role>",
        "team teams group ops sre sres dba dbas devops intern interns contractor contractors \
         consultant analyst reviewer responder responders staff personnel employee employees \
         lead manager managers commander architect author deployer owner qa support networking \
         infra leadership management vendor colleagues colleague folks people whoever hire \
         hires technician administrator admin admins sysadmin on-call oncall engineer engineers \
         developer developers dev devs operator operators guy guys person member members shift \
         junior juniors senior seniors newbie newbies rookie rookies newcomer newcomers \
         individual individuals someone somebody coworker coworkers co-worker teammate \
         teammates programmer programmers coder coders tester testers lady dude boss bosses \
         department dept squad crew",
    ),
    // Judgements of effort, care or character.
    (
        "<judge>",
        "negligent negligence reckless recklessness careless carelessness lazy laziness sloppy \
         sloppiness botched messed fat-fingered fat-fingering ignored ignoring ignores ignore \
         neglected neglect neglecting overlooked overlook misread mishandled misjudged \
         misconfigured mistyped complacent complacency diligence attention bothered bother care \
         cared lapse lapses judgment judgement unwillingness refusal refused willingly asleep \
         careful slow late poor poorly badly shocking classic yolo'd wasted dragged blew sat \
         inattentive inattention heedless thoughtless thoughtlessly irresponsible \
         irresponsibly cavalier lax slack slacking slacked negligently indifferent \
         indifference disregard disregarded disregarding \
         dropped-the-ball screwed screw-up screwup goofed blundered blunder bungled bungle arrogant arrogance stubborn stubbornly dismissive \
         unprepared unreliable \
         flubbed fumbled butchered mangled",
    ),
    // Fault, and whose it is.
    (
        "<fault>",
        "fault faults blame blamed blaming culprit culprits responsible accountable \
         accountability responsibility responsibilities mistake mistakes lies rests boils comes \
         came points culpable culpability guilty guilt liable liability answerable \
         attributable attributed attribute traces traced trace error-prone \
         at-fault perpetrator offender offenders wrongdoing",
    ),
    // Discipline and consequences for people.
    (
        "<discipline>",
        "disciplinary discipline disciplined consequences consequence reprimand reprimanded \
         reprimands reassigned reassign reassignment demoted demotion demote dismissed \
         dismissal sacked sack probation punish punishment penalty penalties penalised \
         penalized sanction sanctioned sanctions suspension written-up write-up warned \
         revoked revoke stripped barred banned retraining re-training pip hr offboarded \
         terminate termination removal fireable firing-offence",
    ),
    // Haste, fatigue and distraction.
    (
        "<haste>",
        "rush rushed rushing hurry hurried hurrying hastily hasty haste tired tiredness \
         exhausted exhaustion fatigued fatigue sleepy drowsy distracted distraction impatient \
         impatience frantic frantically panicked panic panicking carelessly hurriedly \
         half-asleep slept oversleep overslept overconfident overconfidence cocky cowboy yolo gung-ho",
    ),
    // Competence, skill and excuses.
    (
        "<inept>",
        "competent competence incompetent incompetence inexperienced inexperience unqualified \
         ignorance ignorant clueless cluelessness unskilled untrained excuse excuses inept \
         ineptitude amateur amateurs amateurish idiot idiots idiotic stupid stupidity dumb \
         moron morons foolish fool fools silly naive unprofessional unprofessionally \
         misunderstanding misunderstood misunderstand incapable unfit useless hopeless \
         basics rookie-mistake noob noobs n00b clue",
    ),
    // Sarcasm and reproach: praise that is not, "of course", "managed to", "eventually".
    (
        "<sarcasm>",
        "course managed manage manages eventually nice brilliant genius congrats \
         congratulations bravo heroic heroically impressive impressively wonderful amazing \
         stellar masterful masterfully brand somehow apparently supposedly frankly \
         honestly  ngl lol lmao smh ffs wtf wow gee surely \
         certainly genuinely innovative creative creatively fantastic marvellous marvelous \
         spectacular spectacularly magnificent magnificently",
    ),
    // Hindsight, and the habit of doing it again.
    (
        "<hindsight>",
        "obviously clearly obvious avoidable preventable hindsight retrospect typical usual \
         again predictably naturally timely inexcusable unacceptable simply just even finally \
         repeatedly always constantly routinely habitually chronically yet once-again \
         unforgivable ridiculous absurd embarrassing shameful disgraceful",
    ),
    // People referred to by pronoun.
    (
        "<he>",
        "he she him her his hers himself herself he's she's he'd she'd",
    ),
    // Negation and omission.
    (
        "<neg>",
        "not never didn't doesn't don't wasn't weren't won't couldn't hadn't failed failing \
         fail forgot forget forgetting forgotten skipped skipping skip without w/o missed \
         nobody untested unreviewed unapproved unauthorized unauthorised instead against \
         despite neglecting bypassed bypassing bypass circumvented circumventing omitted omitting unverified unchecked \
         unannounced uncoordinated unsanctioned unsupervised",
    ),
    // What someone ought to have done.
    (
        "<modal>",
        "should shouldn't could would must ought needs supposed mustn't oughtn't",
    ),
    // Damage done.
    (
        "<damage>",
        "broke break breaking wiped deleted dropped overloaded nuked killed destroyed ruined \
         took caused causing cost led made let leaked leaking exposed wrecked trashed \
         clobbered overwrote overwritten erased truncated corrupted borked hosed tanked \
         torched brought knocked sabotaged prolonged worsened exacerbated compounded aggravated delayed",
    ),
    // Systems and their parts: a sentence about them is seldom about a person.
    (
        "<system>",
        "service services server servers database databases db cluster clusters node nodes pod \
         pods container containers host hosts instance instances vm vms api endpoint endpoints \
         queue queues cache caches dns certificate certificates cert certs config \
         configuration pipeline pipelines cron scheduler load balancer proxy gateway \
         replica replicas replication primary shard shards disk disks memory cpu network \
         firewall router kubernetes k8s container deployment region regions zone zones \
         dashboard dashboards alert alerts alerting monitor monitoring metric metrics log logs \
         logging library dependency dependencies script scripts tool tooling runbook runbooks \
         feature flag flags migration migrations schema index indexes table tables timeout \
         timeouts retry retries limit limits quota quotas threshold thresholds bug bugs \
         release build builds ci version versions storage bucket buckets backup backups",
    ),
    // Remedies and follow-up work.
    (
        "<remedy>",
        "add adding added improve improving improved automate automated automation \
         guardrail guardrails safeguard safeguards validation validate prevent preventing \
         detect detection harden hardening document documented documenting clarify clarified \
         introduce introducing introduced follow-up followup remediation \
         mitigation mitigate mitigated mitigating fix fixed fixing \
         restore restored recovered recovery",
    ),
    // Thanks and praise.
    (
        "<thanks>",
        "thanks thank kudos shout-out credit great excellent quick huge special",
    ),
    // Talk about wording and blame itself.
    (
        "<meta>",
        "phrase phrases word words term terms language wording blameless culture tempting \
         label labelling labeling punished",
    ),
];

/// Families of classes: a class's word also counts for its family, so a class that few
/// training sentences use borrows the weight its family earned ("tired" counts as censure
/// the way "careless" does), and pairs such as "a person and censure" carry across classes.
const FAMILIES: &[(&str, &[&str])] = &[
    ("<agent>", &["<name>", "<role>", "<he>"]),
    (
        "<censure>",
        &[
            "<judge>",
            "<fault>",
            "<discipline>",
            "<haste>",
            "<inept>",
            "<sarcasm>",
            "<hindsight>",
        ],
    ),
];

/// The family of a class, if it belongs to one.
pub(super) fn family(class: &str) -> Option<&'static str> {
    FAMILIES
        .iter()
        .find(|(_, members)| members.contains(&class))
        .map(|(f, _)| *f)
}

/// The word without a common inflection: `-ing`, `-ed`, `-es`, `-s`, `-ly`, when at least
/// four letters remain.
pub(super) fn stem(w: &str) -> &str {
    ["ing", "ed", "es", "ly", "s"]
        .iter()
        .find_map(|suffix| w.strip_suffix(suffix).filter(|rest| rest.len() >= 4))
        .unwrap_or(w)
}

/// Every listed word and its class, built once; a word listed twice keeps its first class.
fn table() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = HashMap::new();
        for (c, words) in CLASSES {
            for w in words.split_whitespace() {
                t.entry(w).or_insert(*c);
            }
        }
        t
    })
}

/// The class of a normalised word, or of its stem, if it has one.
pub(super) fn class(w: &str) -> Option<&'static str> {
    let t = table();
    t.get(w).or_else(|| t.get(stem(w))).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_finds_its_class_through_its_inflection() {
        assert_eq!(class("rushing"), Some("<haste>"));
        assert_eq!(class("hurrying"), Some("<haste>"));
        assert_eq!(class("reprimanded"), Some("<discipline>"));
        assert_eq!(class("tuesday"), None);
    }
}
