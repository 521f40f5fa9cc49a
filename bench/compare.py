"""Every benchmark on two versions of the code, back to back in one run: before and after a change.

    .venv/bin/python bench/compare.py REF [name ...]

REF (a commit, branch or tag) is checked out into a temporary git worktree; each benchmark then
runs there and here, one right after the other, so both meet the same machine and load. Each
benchmark already judges itself by ratios to a baseline it measures in the same process; this
prints both versions' verdict lines side by side. The venv is this checkout's: REF must run on
the dependencies installed here.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from run_all import BENCHMARKS, TIME_LIMIT

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _verdicts(tree: Path, name: str) -> list[str]:
    try:
        done = subprocess.run(
            [sys.executable, str(tree / "bench" / f"{name}.py")],
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
        )
    except subprocess.TimeoutExpired:
        return [f"FAIL  stopped after {TIME_LIMIT} s"]
    lines = [line for line in done.stdout.splitlines() if line.startswith(("PASS", "FAIL", "RESULT"))]
    return lines or [f"FAIL  no verdict (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}"]


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    ref, names = argv[0], argv[1:] or BENCHMARKS
    with tempfile.TemporaryDirectory(prefix="bench-before-") as scratch:
        before = Path(scratch) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(before), ref], cwd=ROOT, check=True)
        try:
            for name in names:
                print(f"== {name}", flush=True)
                for label, tree in (("before", before), ("after ", ROOT)):
                    for line in _verdicts(tree, name):
                        print(f"  {label}  {line}", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
