"""Adapters for optional dependencies say what is missing instead of failing obscurely."""

from __future__ import annotations

import importlib
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured


def test_the_oscar_adapter_without_oscar_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "oscar", None)  # "import oscar" now fails
    monkeypatch.delitem(sys.modules, "wagtail_triggers.contrib.oscar", raising=False)
    with pytest.raises(ImproperlyConfigured, match=r"pip install 'wagtail-triggers\[oscar\]'"):
        importlib.import_module("wagtail_triggers.contrib.oscar")


def test_the_saleor_adapter_without_pyjwt_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "jwt", None)
    monkeypatch.delitem(sys.modules, "wagtail_triggers.contrib.saleor.verification", raising=False)
    with pytest.raises(ImproperlyConfigured, match=r"pip install 'wagtail-triggers\[saleor\]'"):
        importlib.import_module("wagtail_triggers.contrib.saleor.verification")
