"""Live preview for authors: ``flask --app portal preview``.

The help centre as customers will see it, served from the working tree while an
author writes:

- :mod:`portal.preview.watch` notices saves in the content folders;
- :mod:`portal.preview.rebuild` waits for a burst of saves to settle, then runs
  the normal incremental build (drafts included) into the preview's own index
  directory, and records the outcome: a new build, or the problems that stopped
  it while the last good build keeps serving;
- :mod:`portal.preview.web` adds to every page a bar with those problems (or a
  "Draft" notice), and a script that reloads the page when the outcome changes;
- :mod:`portal.preview.cli` is the command that ties them together.

Nothing here is loaded by the normal site: ``create_app`` never registers it.
"""
