"""Email jobs on the `emails` queue. They take row ids; the rows hold everything else."""

from dashboard.notify import delivery


def deliver(ids: list[int]) -> dict:
    return delivery.deliver([int(i) for i in ids]).as_dict()


def sweep() -> dict:
    return delivery.sweep()
