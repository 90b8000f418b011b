"""Any verified body, however odd, is answered with 2xx or 4xx: the mapping raises nothing else."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from django.db import transaction

from wagtail_triggers.contrib.saleor import mapping
from wagtail_triggers.events import InvalidEvent, record_event

from .conftest import checkout_payload, order_payload, user_payload

pytestmark = pytest.mark.django_db

ODD = [
    *(None, "", "x", 0, -1, Decimal("1.5"), True, [], {}, [1], {"a": 1}, "9" * 300),
    # hostile: NUL (PostgreSQL refuses it), a lone surrogate, a Cyrillic look-alike currency,
    # an impossible date, a non-finite amount, a quantity over 10^6, an amount over 10^12
    *("a\x00b", "\ud800", "ЕВР", "2025-13-45T10:00:00Z", Decimal("NaN"), 10**6 + 1, Decimal("1e13")),
]


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replaced(value, path, new):
    if not path:
        return new
    value = copy.deepcopy(value)
    target = value
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return value


class Install:
    key_prefix = "saleor:fuzz"


CASES = [
    ("checkout_updated", checkout_payload()),
    ("order_created", order_payload()),
    ("order_updated", order_payload(status="CANCELED", event="OrderUpdated")),
    ("customer_created", user_payload()),
    ("account_confirmed", user_payload(event="AccountConfirmed")),
]


@pytest.mark.parametrize(("event", "payload"), CASES, ids=[c[0] for c in CASES])
def test_every_odd_value_anywhere_is_refused_cleanly_or_recorded(event, payload):
    payload = json.loads(json.dumps(payload), parse_float=Decimal)  # as the view parses it
    outcomes = set()
    for path in _paths(payload):
        for odd in ODD:
            body = _replaced(payload, path, odd)
            try:
                plan = mapping.plan(Install(), event, body, b"raw")
            except mapping.MalformedPayload:
                outcomes.add("400")
                continue
            for planned in plan.events:
                try:
                    with transaction.atomic():
                        record_event(planned.kind, **planned.kwargs())
                        transaction.set_rollback(True)
                    outcomes.add("200")
                except InvalidEvent:
                    outcomes.add("422")
            if not plan.events:
                outcomes.add("ignored")
    assert "200" in outcomes  # the fuzzing did not refuse everything
