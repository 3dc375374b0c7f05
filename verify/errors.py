"""User-facing input errors: one line naming the field and what is accepted (exit status 2)."""


class SpecError(ValueError):
    """Bad user input. ``str(err)`` is the one line printed on stderr."""

    def __init__(self, field: str, problem: str, accepted: str | None = None):
        self.field = field
        self.problem = problem
        self.accepted = accepted
        msg = f"{field}: {problem}"
        if accepted:
            msg += f"; accepted: {accepted}"
        super().__init__(msg)


class TooLarge(SpecError):
    """An instance whose estimated memory exceeds the limit, refused before allocation."""

    def __init__(self, field: str, what: str, nbytes: float, limit: float):
        super().__init__(
            field,
            f"{what} needs about {_human(nbytes)}, over the limit of {_human(limit)}",
            "smaller q or L (raise the limit with VERIFY_MAX_BYTES)",
        )
        self.nbytes = nbytes


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} EiB"
