"""A fixture-sized data directory in the publishers' layouts, for the UWE tests.

ESCO v1.1.1 zips (skills, occupations, relations), HOUSE/TECH validation annotation CSVs and a
SkillSkape train.csv. Job titles are invented words with arbitrary skill sets, so an untrained model
cannot guess Job2Skill and training on the job graph must visibly help.
"""

from __future__ import annotations

from pathlib import Path

# The publisher-format ESCO writer is shared with the other tests (tests/esco_fixture.py).
from esco_fixture import _csv_bytes as _csv
from esco_fixture import occupation_uri, skill_uri, write_esco_release  # noqa: F401 - re-exported to the UWE tests

# (slug, preferred label, alt labels, type)
SKILLS = [
    ("python", "Python (computer programming)", ["python coding", "python scripting"], "knowledge"),
    ("java", "Java (computer programming)", ["java coding", "java development"], "knowledge"),
    ("sql", "SQL", ["structured query language"], "knowledge"),
    ("cook", "prepare meals", ["cook dishes", "cooking meals"], "skill/competence"),
    ("bake", "bake bread", ["baking bread", "bread baking"], "skill/competence"),
    ("clean", "clean kitchen areas", ["kitchen cleaning"], "skill/competence"),
    ("drive", "drive vehicles", ["vehicle driving", "operate vehicles"], "skill/competence"),
    ("teach", "teach students", ["student teaching", "instruct students"], "skill/competence"),
    ("grade", "grade exams", ["exam grading", "mark exams"], "skill/competence"),
    ("nurse", "administer medication", ["give medication"], "skill/competence"),
    ("wound", "dress wounds", ["wound dressing", "treat wounds"], "skill/competence"),
    ("excel", "use spreadsheets software", ["spreadsheet use"], "skill/competence"),
    ("weld", "weld metal parts", ["metal welding"], "skill/competence"),
    ("paint", "paint walls", ["wall painting"], "skill/competence"),
    ("sell", "sell products", ["product selling", "sales of products"], "skill/competence"),
    ("negotiate", "negotiate contracts", ["contract negotiation"], "skill/competence"),
    ("garden", "maintain gardens", ["garden maintenance"], "skill/competence"),
    ("account", "accounting techniques", ["bookkeeping methods"], "knowledge"),
    ("law", "contract law", ["law of contracts"], "knowledge"),
    ("chem", "chemistry", ["chemical science"], "knowledge"),
    ("music", "music theory", ["theory of music"], "knowledge"),
    ("first-aid", "first aid", ["emergency first aid"], "knowledge"),
]
# (slug, invented title, ISCO group: one per major group so every occupation lands in train, skills)
OCCUPATIONS = [
    ("o1", "zorblat wrangler", "1120", ["python", "weld", "music", "sell"]),
    ("o2", "quimby fennister", "2120", ["bake", "law", "drive", "excel"]),
    ("o3", "glarnish tocker", "3120", ["teach", "chem", "paint", "cook"]),
    ("o4", "vessimer plunk", "4120", ["nurse", "garden", "java", "account"]),
    ("o5", "drobble kemptor", "5120", ["wound", "negotiate", "sql", "clean"]),
    ("o6", "trellig osprane", "6120", ["grade", "first-aid", "sell", "python"]),
    ("o7", "mubwick sarlow", "7120", ["drive", "music", "chem", "garden"]),
    ("o8", "pennoxa drail", "8120", ["excel", "weld", "account", "teach"]),
]
SENTENCES = [  # (sentence, skill slugs) for the HOUSE/TECH validation files and SkillSkape train
    ("You will write backend services in Python and keep our SQL databases tidy.", ["python", "sql"]),
    ("Our bakery needs someone who bakes fresh bread every morning.", ["bake"]),
    ("Drivers transport goods and operate company vans safely.", ["drive"]),
    ("You teach classes of twenty pupils and mark their exams.", ["teach", "grade"]),
    ("Nurses give patients their medicine and dress wounds.", ["nurse", "wound"]),
    ("The role involves negotiating supplier contracts and selling our products.", ["negotiate", "sell"]),
    ("Keep the gardens of our hotel in excellent condition.", ["garden"]),
    ("Welders join metal parts in our workshop.", ["weld"]),
]


def write_fixture_data(root: Path) -> Path:
    root = Path(root)
    label = {s: lbl for s, lbl, _, _ in SKILLS}
    write_esco_release(
        root, skills=SKILLS, occupations=[(o, title, [], isco, sk, []) for o, title, isco, sk in OCCUPATIONS]
    )

    decorte = root / "skill-extraction" / "decorte"
    decorte.mkdir(parents=True, exist_ok=True)
    half = len(SENTENCES) // 2
    for name, part in (("house", SENTENCES[:half]), ("tech", SENTENCES[half:])):
        rows = [[sentence, "span", "", label[s]] for sentence, slugs in part for s in slugs]
        rows.append([part[0][0], "smart", "", "LABEL NOT PRESENT"])  # dropped by the loader
        rows.append([part[0][0], "fast", "", "UNDERSPECIFIED"])
        (decorte / f"{name}_validation_annotations.csv").write_bytes(
            _csv(["sentence", "span", "sub_span", "label"], rows)
        )
        # the test file repeats the last validation sentence (re-spaced, upper-cased), as TECH's release does
        repeated = "  " + part[-1][0].upper().replace(" ", "  ")
        (decorte / f"{name}_test_annotations.csv").write_bytes(
            _csv(["sentence", "span", "sub_span", "label"], [[repeated, "span", "", label[part[-1][1][0]]]])
        )
    skillskape = root / "skill-extraction" / "skillskape"
    skillskape.mkdir(parents=True, exist_ok=True)
    rows = [[i, sentence, repr([label[s] for s in slugs])] for i, (sentence, slugs) in enumerate(SENTENCES)]
    rows.append([len(rows), "An unrelated sentence about nothing.", "['UNK']"])
    (skillskape / "train.csv").write_bytes(_csv(["", "sentence", "skills"], rows))
    return root
