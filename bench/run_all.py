"""Run every benchmark in bench/, one after another; exit non-zero if any target fails.

    .venv/bin/python bench/run_all.py [name ...]

Each runs as its own process (so each starts and stops its own sink, Redis, workers and web
process) with a time limit; their output is passed through as it comes.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "delivery_throughput",
    "form_handler",
    "outbox_write",
    "bell_count",
    "reminder_scan",
    "overdue_scan",
    "invoice_pdf",
    "appointments_list",
    "calendar_day",
    "offers_fan_out",
    "patient_search",
]
TIME_LIMIT = 150  # seconds per benchmark; each also stops itself before 2 minutes


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    results = {}
    for name in names:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(HERE / f"{name}.py")], cwd=HERE.parent)
        try:
            code = proc.wait(timeout=TIME_LIMIT)
        except subprocess.TimeoutExpired:
            proc.terminate()  # SIGTERM lets it clean up what it started
            try:
                code = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            print(f"{name}: stopped after {TIME_LIMIT} s")
            code = code or 1
        results[name] = (code, time.perf_counter() - started)
        print(flush=True)
    print("== summary ==")
    for name, (code, seconds) in results.items():
        print(f"{'PASS' if code == 0 else 'FAIL'}  {name} ({seconds:.0f} s)")
    return 0 if all(code == 0 for code, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
