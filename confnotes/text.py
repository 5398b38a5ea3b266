"""Small helpers for text that pages, calendars and cards print alike."""


def join_names(names) -> str:
    """Names as people write them: "A", "A and B", "A, B and C"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
