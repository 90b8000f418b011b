"""Run an expensive setup once per test run and write its rows back per test.

:func:`capture` runs the setup inside a transaction that is rolled back, and keeps what it
changed: the rows it created, changed and deleted, for every model, read generically through
``_meta`` (a field added to a model is captured without touching this file).
:meth:`Snapshot.restore` writes them back inside the test's transaction with one
``bulk_create`` per model and resets the primary-key sequences, at a fraction of the setup's
queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model

Row = dict[str, Any]


def _snapshot_models() -> list[type[Model]]:
    return [
        model for model in apps.get_models(include_auto_created=True) if model._meta.managed and not model._meta.proxy
    ]


def _rows(model: type[Model]) -> dict[Any, Row]:
    names = [f.attname for f in model._meta.concrete_fields]
    return {row[model._meta.pk.attname]: row for row in model._base_manager.values(*names)}


@dataclass
class Snapshot:
    created: dict[type[Model], list[Row]] = field(default_factory=dict)
    changed: dict[type[Model], list[Row]] = field(default_factory=dict)
    deleted: dict[type[Model], list[Any]] = field(default_factory=dict)

    def restore(self) -> None:
        with transaction.atomic():  # foreign keys are checked at commit, so order does not matter
            for model, pks in self.deleted.items():
                model._base_manager.filter(pk__in=pks).delete()
            for model, rows in self.created.items():
                model._base_manager.bulk_create([model(**row) for row in rows])
            for model, rows in self.changed.items():
                pk = model._meta.pk.attname
                for row in rows:
                    model._base_manager.filter(pk=row[pk]).update(**{k: v for k, v in row.items() if k != pk})
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.created))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def capture(setup: Callable[[], Any]) -> Snapshot:
    """What ``setup()`` writes to the database, which is left as it was."""
    models = _snapshot_models()
    snapshot = Snapshot()
    with transaction.atomic():
        before = {model: _rows(model) for model in models}
        setup()
        for model in models:
            after = _rows(model)
            old = before[model]
            created = [row for pk, row in after.items() if pk not in old]
            if created and model._meta.parents:
                raise TypeError(f"{model.__name__}: bulk_create cannot restore rows of multi-table inheritance")
            changed = [row for pk, row in after.items() if pk in old and old[pk] != row]
            deleted = [pk for pk in old if pk not in after]
            if created:
                snapshot.created[model] = created
            if changed:
                snapshot.changed[model] = changed
            if deleted:
                snapshot.deleted[model] = deleted
        transaction.set_rollback(True)
    return snapshot
