"""The form-handler benchmark's app as a real web process (for the kill test).

    python bench/form_app.py --port 8123

Settings come from the environment, as for worker.py (FLASK_CONFIG=testing, DATABASE_URL,
REDIS_URL, DASHBOARD_INSTANCE_PATH, MAIL_*); bench/form_handler.py starts it and SIGKILLs it.
Served by werkzeug's threaded server, so a burst of requests is handled concurrently.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server  # noqa: E402

from bench.form_handler import build_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = make_server("127.0.0.1", args.port, build_app(), threaded=True)
    print(f"serving on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
