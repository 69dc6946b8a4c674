"""Demo data: batches (issue 26). Called by load_demo; idempotent."""


def load(command) -> None:
    """Nothing yet."""
