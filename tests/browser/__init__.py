"""Browser tests. A package, so its conftest is imported as ``browser.conftest``
and does not take the place of ``tests/conftest.py``, which test modules import
as ``conftest``."""
