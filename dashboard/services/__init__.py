"""Domain actions. They take plain values, write rows and never touch `request`."""


class ServiceError(ValueError):
    """A refusal the person asking should read, e.g. "That username is taken"."""
