"""Rows of plain values written in bulk: PostgreSQL's COPY, or one INSERT per row elsewhere.

For the writers of tens of thousands of rows at a time, where each row's way through
the ORM, or through an INSERT's text, is the cost: an import's rows and versions
(`talks.importers.bulk`, `confnotes.history.versions`) and the search index.

Over the pyvideo archive on PostgreSQL, COPY took the import from 33.4 to 27.3 s: the
driver no longer writes every value into the text of multi-row INSERTs, and the server
no longer parses them (docs/benchmarks.md).
"""

from collections.abc import Iterable, Sequence


def insert_rows(connection, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write `rows`, each a sequence of values ready for the database (a field's
    `get_db_prep_save()`), into `columns` of `table`."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The driver's errors as Django's (IntegrityError...), as from execute().
            with connection.wrap_database_errors:
                with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)
