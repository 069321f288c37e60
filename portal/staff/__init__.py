"""The staff desk's accounts and sign-in.

:mod:`~portal.staff.accounts` creates accounts and checks passwords,
:mod:`~portal.staff.auth` keeps signed-in browsers as rows (so every session
can be ended), :mod:`~portal.staff.throttle` slows password guessing without
letting anyone lock an agent out, :mod:`~portal.staff.cli` is the ``flask staff``
command group. The pages are in :mod:`portal.views.staff`.
"""
