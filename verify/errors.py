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


class NotDefined(SpecError):
    """A claim side with no value on one instance: a division by a quantity that is zero there, a
    quantity that is infinite there, or one its sampler does not have. A statistic is then left
    out for that instance; any other SpecError of a side (an unsupported term, a power too large)
    is a fault in the side and is raised."""


class TooLarge(SpecError):
    """An instance whose estimated memory exceeds the limit, refused before allocation."""

    def __init__(self, field: str, what: str, nbytes: float, limit: float,
                 accepted: str = "smaller q or L"):
        super().__init__(
            field,
            f"{what} needs about {_human(nbytes)}, over the limit of {_human(limit)}",
            f"{accepted} (raise the limit with VERIFY_MAX_BYTES)",
        )
        self.nbytes = nbytes


def _human(n: float) -> str:
    if n != n or n == float("inf"):
        return "over 1e308 B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:.1f} {unit}" if n < 1e6 else f"{n:.2g} {unit}"
        n /= 1024
    return f"{n:.1f} EiB" if n < 1e6 else f"{n:.2g} EiB"


ECHO_CHARS = 40


def shorten(text: str, n: int = ECHO_CHARS) -> str:
    """An echoed user value cut to its first ``n`` characters (a 100,000-digit value is not echoed whole)."""
    text = str(text)
    return text if len(text) <= n else text[:n] + "…"


class Undecided(Exception):
    """A comparison that stayed open at the precision cap (docs/index.md §5, §7): never a user
    error and never a silent float choice. ``check`` records the instance as ``undecided``; a
    single command reports it in one line."""

