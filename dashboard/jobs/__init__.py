"""Background jobs. Each takes ids and strings, never ORM objects, and runs in
the app context that `dashboard.queues.AppJob` provides."""
