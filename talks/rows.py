"""Model instances from plain SQL, for the few queries every reader's page runs.

Django's ORM takes longer to build and compile a day page's queries than the
database takes to run them (docs/benchmarks.md). A `RowPlan` names the joined
models of one such query and the fields it selects of each; it is built once
per database, with Django's own converters for every column, and turns the
rows of the query into model instances: `Model.from_db()`, as the ORM does,
with one instance per distinct key (a conference shared by fifty talks is one
object), and None where a LEFT JOIN found nothing.
"""

from weakref import WeakKeyDictionary

from django.db import connections


class RowPlan:
    def __init__(self, using: str, parts):
        """`parts`: (table alias, model, names of fields left out) in select order.

        A plan is shared by every thread; it keeps no connection, since Django's
        connections belong to the thread that opened them. The converters, which
        are the connection's, are looked up once per connection.
        """
        self.using = using
        quote = connections[using].ops.quote_name  # a pure function of the name
        columns, self.parts = [], []
        for alias, model, left_out in parts:
            fields = [f for f in model._meta.concrete_fields if f.name not in left_out]
            columns += [f"{alias}.{quote(f.column)}" for f in fields]
            cols = [(n, field, field.get_col(alias)) for n, field in enumerate(fields)]
            self.parts.append((model, [f.attname for f in fields], cols))
        self.select = ", ".join(columns)
        self._converters = WeakKeyDictionary()

    def table(self, model) -> str:
        return connections[self.using].ops.quote_name(model._meta.db_table)

    def _converters_of(self, connection) -> list:
        """Per part: (column number, column, converters) of the columns that have any."""
        found = self._converters.get(connection)
        if found is None:
            found = self._converters[connection] = [
                [
                    (n, col, converters)
                    for n, field, col in cols
                    if (
                        converters := connection.ops.get_db_converters(col)
                        + field.get_db_converters(connection)
                    )
                ]
                for _model, _names, cols in self.parts
            ]
        return found

    def fetch(self, sql: str, params) -> list[list]:
        """Run `sql` (its select list is `self.select`): a list of instances per row."""
        connection = connections[self.using]
        converters_of_part = self._converters_of(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        seen = [{} for _part in self.parts]
        result = []
        for row in rows:
            instances, start = [], 0
            for (model, names, _cols), converters, known in zip(
                self.parts, converters_of_part, seen, strict=True
            ):
                values = list(row[start : start + len(names)])
                start += len(names)
                key = values[0]
                if key is None:  # a LEFT JOIN that found no row
                    instances.append(None)
                    continue
                instance = known.get(key)
                if instance is None:
                    for n, col, found in converters:
                        for convert in found:
                            values[n] = convert(values[n], col, connection)
                    instance = known[key] = model.from_db(self.using, names, values)
                instances.append(instance)
            result.append(instances)
        return result


def in_list(values) -> str:
    """Placeholders for `IN (...)`: one %s per value."""
    return ", ".join(["%s"] * len(values))
