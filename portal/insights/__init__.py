"""Insights for the support team: what customers look for and do not find,
which articles help, where troubleshooting stops, how many visits end without
a ticket, and how the team keeps its service levels.

- :mod:`~portal.insights.events`: the event model, redaction, recording;
- :mod:`~portal.insights.metrics`: every daily figure, from a day's events (pure);
- :mod:`~portal.insights.rollup`: complete days counted once, old events deleted;
- :mod:`~portal.insights.reports`: the reports, as frozen dataclasses;
- :mod:`~portal.insights.formats`: text, CSV and JSON;
- :mod:`~portal.insights.cli`: ``flask insights`` and ``flask insights-rollup``.
"""
