"""Tickets: the fallback when self-service has not helped.

:mod:`~portal.tickets.reference` makes the numbers customers quote,
:mod:`~portal.tickets.sla` the due times, :mod:`~portal.tickets.service` the
writes every channel (web form, API, staff desk) shares.
"""
