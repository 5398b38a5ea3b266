"""What each API path may read from the query string, and its page-cache scopes.

Pure data and string work, no models: talks/freshness.py asks `api_scopes()` for the
scopes of an /api/ path, as it reads those of the pages off their paths.
"""

VERSION = "v1"
VERSION_HEADER = "Confnotes-Version"  # sent with every answer; a client may send it

# The query parameters each list reads besides its filters.
PAGING = frozenset({"cursor", "page_size", "expand"})
FILTERS = {
    "conferences": frozenset({"year", "series", "q"}),
    "days": frozenset({"conference"}),
    "talks": frozenset(
        {"conference", "day", "speaker", "tag", "kind", "language", "updated_since", "q"}
    ),
    "speakers": frozenset({"q"}),
    "tags": frozenset({"q"}),
    "notes": frozenset({"conference", "updated_since"}),
}
# What a detail reads: only `expand`.
DETAIL = frozenset({"expand"})
# The scope of each list when no filter narrows it to one conference, speaker or tag:
# the cross-archive pages that print the same rows (talks/freshness.py expires them).
# The talks list prints what the search page prints of a talk (title, speakers,
# tags, conference, day), so every edit that expires search expires it.
LIST_SCOPES = {
    "conferences": "conferences",
    "days": "conferences",
    "talks": "search",
    "speakers": "speakers",
    "tags": "tags",
    "notes": "notes",
}
# Static documents: only a deploy (the page cache's prefix) or `all` changes them.
STATIC_SCOPE = "api"


def list_scope(resource: str, query) -> str:
    """The one scope of the list `resource` filtered by `query` (a QueryDict or dict):
    a conference's, speaker's or tag's when a filter keeps to it (their edits expire
    it), else the list's cross-archive scope."""
    if resource == "talks":
        for name, scope in (("conference", "conference"), ("speaker", "speaker"), ("tag", "tag")):
            if query.get(name):
                return f"{scope}:{query.get(name)}"
    if resource == "days" and query.get("conference"):
        return f"conference:{query.get('conference')}"
    return LIST_SCOPES[resource]


def api_scopes(parts: list[str], query) -> list[str] | None:
    """The scopes of the API path split into `parts` ("api", "v1", ...); None when its
    query holds a parameter the path does not read (it is answered 400, never stored)."""
    rest = parts[2:] if len(parts) > 1 and parts[1] == VERSION else None
    if not rest or rest == ["schema.json"]:  # /api/, /api/v1/, the schema
        return None if query else [STATIC_SCOPE]
    resource = rest[0]
    if resource not in FILTERS:
        return None
    reads = FILTERS[resource] | PAGING if len(rest) == 1 else DETAIL
    if not reads.issuperset(query) or any(len(query.getlist(name)) > 1 for name in query):
        return None
    if len(rest) == 1:
        return [list_scope(resource, query)]
    if resource == "conferences":  # the conference, its days and talks
        return [f"conference:{rest[1]}"]
    if resource in ("speakers", "tags"):
        return [f"{resource[:-1]}:{rest[1]}"]
    return [LIST_SCOPES[resource]]  # a note: its subject's edits expire the note lists
