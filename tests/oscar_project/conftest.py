"""The Oscar project runs under its own settings; under any other settings it is not collected."""

from django.conf import settings

if getattr(settings, "SETTINGS_MODULE", "") != "tests.oscar_project.settings":
    collect_ignore_glob = ["test_*.py"]


if getattr(settings, "SETTINGS_MODULE", "") == "tests.oscar_project.settings":
    import pytest
    from django.core.cache import caches

    @pytest.fixture(autouse=True)
    def _clear_cache():
        """The activity throttle lives in the cache; primary keys repeat after each rollback."""
        caches["default"].clear()
        yield
        caches["default"].clear()
