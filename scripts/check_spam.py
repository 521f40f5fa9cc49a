"""Score every kind of email with SpamAssassin; fail when one scores above 0.5.

Run by .ci/run. Writes the sample of every kind with `flask --app wsgi emails
preview` (the .eml files are the messages as the outbox sends them, headers
included) into a scratch folder, runs `spamassassin -t -L` on each and prints
its score and the rules that fired. -L keeps to the local tests: no DNS or
network lookups, so the score depends on the message alone and the check runs
offline. Bayes is off (-x, use_bayes 0): untrained it never scores, and its
autolearning would quietly teach the local database that our emails are ham.

    python scripts/check_spam.py [--max-score 0.5] [--out DIR]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPAMASSASSIN = ["spamassassin", "-t", "-L", "-x", "--cf", "use_bayes 0"]
SCORE = re.compile(r"\bscore=(-?\d+(?:\.\d+)?)")
# A row of the report's table: "  0.7 HTML_FONT_LOW_CONTRAST BODY: HTML font color similar or ..."
RULE_ROW = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z][A-Z0-9_]+)\s+(.*)$")


@dataclass
class Rule:
    name: str
    points: float
    description: str


@dataclass
class Result:
    kind: str
    score: float
    rules: list[Rule]


def write_previews(folder: Path, scratch: Path) -> list[Path]:
    """The samples of every kind, as the app renders them, in `folder`."""
    env = dict(
        os.environ,
        DASHBOARD_INSTANCE_PATH=str(scratch),
        # The preview renders from samples: it opens neither the database nor Redis,
        # so point both somewhere harmless instead of starting an embedded server.
        DATABASE_URL=f"sqlite:///{scratch / 'unused.db'}",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "emails", "preview", "--out", str(folder)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return sorted(folder.glob("*.eml"))


def score(eml: Path) -> Result:
    checked = subprocess.run(SPAMASSASSIN, input=eml.read_bytes(), capture_output=True, check=True)
    status = BytesHeaderParser().parsebytes(checked.stdout).get("X-Spam-Status", "")
    found = SCORE.search(" ".join(status.split()))
    if not found:
        raise RuntimeError(f"spamassassin gave {eml.name} no score:\n{checked.stderr.decode(errors='replace')}")
    report = checked.stdout.decode(errors="replace").partition("Content analysis details:")[2]
    rules = []
    for line in report.splitlines()[3:]:  # past the table's heading and its rule
        row = RULE_ROW.match(line)
        if row:
            rules.append(Rule(row[2], float(row[1]), row[3].strip()))
        elif rules and line.startswith(" " * 20):  # a description wrapped onto the next line
            rules[-1].description += " " + line.strip()
        elif not line.strip():
            break
    rules.sort(key=lambda rule: -rule.points)
    return Result(eml.stem, float(found[1]) + 0.0, rules)  # + 0.0: SpamAssassin prints -0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-score", type=float, default=0.5, help="fail above this score (default 0.5)")
    parser.add_argument("--out", type=Path, help="keep the previews here instead of a scratch folder")
    args = parser.parse_args()
    if not shutil.which("spamassassin"):
        print("spamassassin is not installed (apt-get install spamassassin)", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="check-spam-") as scratch:
        folder = args.out or Path(scratch) / "emails"
        emails = write_previews(folder, Path(scratch) / "instance")
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            results = list(pool.map(score, emails))

    failed = [result for result in results if result.score > args.max_score]
    for result in results:
        verdict = "FAIL" if result in failed else "ok"
        fired = ", ".join(f"{rule.name} {rule.points:+.1f}" for rule in result.rules) or "none"
        print(f"{verdict:<4} {result.kind:<26} {result.score:4.1f}  {fired}")
        for rule in result.rules:
            if result in failed and rule.points > 0:
                print(f"       {rule.name}: {rule.description}")
    if not results:
        print("no emails were written", file=sys.stderr)
        return 1
    highest = max(result.score for result in results)
    if failed:
        print(f"{len(failed)} of {len(results)} kinds score above {args.max_score} (highest {highest}).")
        return 1
    print(f"All {len(results)} kinds score at most {args.max_score} (highest {highest}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
