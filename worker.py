"""Background processes.

python worker.py            an RQ worker (with RQ's scheduler) on the emails and default queues
python worker.py --burst    the same, quitting once the queues are empty
python worker.py --cron     the cron process: enqueues scheduled jobs (run exactly one)
"""

import argparse
import logging

from rq import SimpleWorker, Worker

from dashboard import create_app, queues
from dashboard.jobs.cron import build_scheduler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cron", action="store_true", help="run the cron process instead of a worker")
    parser.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    parser.add_argument("--fork", action="store_true", help="run each job in a forked child process")
    parser.add_argument("--queues", nargs="+", default=list(queues.QUEUE_NAMES), help="queues to listen on, in order")
    args = parser.parse_args(argv)

    app = create_app()
    try:
        queues.require_redis(app)
    except queues.RedisMissing as exc:
        raise SystemExit(str(exc)) from None
    connection = queues.connection(app)
    log = logging.getLogger("worker")
    if args.cron:
        log.info("cron process starting on %s", app.config["REDIS_URL"])
        build_scheduler(connection, app).start()
        return

    queues.set_job_app(app)
    worker_class = Worker if args.fork else SimpleWorker
    worker = worker_class(args.queues, connection=connection, job_class=queues.AppJob)
    log.info("worker starting on %s, queues %s", app.config["REDIS_URL"], ", ".join(args.queues))
    worker.work(burst=args.burst, with_scheduler=not args.burst, logging_level=app.config["LOG_LEVEL"])


if __name__ == "__main__":
    main()
