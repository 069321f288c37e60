"""Images beside articles: ``articles/<area>/images/<file>``, written in Markdown
as ``![What it shows](images/<file>)``.

The build checks every image an article names, then copies each into the build
under a fingerprinted name (``hub-lights.3f2a9c1b0d4e.png``: the start of the
file's SHA-256), which the site serves with a one-year, immutable cache: a
changed image gets a new name, so no reader ever sees a stale one.

Problems, each at the image's ``path:line``:

- errors: a missing file, a file outside ``articles/``, a type other than
  PNG, JPEG, GIF, WebP or SVG, or a file whose content is not that type;
- warnings (errors with ``--strict``): no alt text, or a file over 2 MB.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from portal.content.problems import WARNING, Problem
from portal.content.slugs import slugify

if TYPE_CHECKING:  # the site imports the constants below without the Markdown parser
    from portal.content.articles import Article, Image

TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
MAX_BYTES = 2 * 1024 * 1024  # a phone on a slow line still gets the page in seconds
FINGERPRINT = 12  # hex digits of the SHA-256 in a published name
ARTICLES = "articles/"
IMAGES_DIR = "images"  # inside a build: the published image files
URL_PREFIX = "/articles/images/"


def image_url(name: str) -> str:
    return URL_PREFIX + name


@dataclass(frozen=True)
class ImageFile:
    """A checked image: ``source`` its content path, ``name`` its published
    (fingerprinted) file name."""

    source: str
    name: str
    size: int


def published_name(source: str, digest: str) -> str:
    """``articles/hub/images/Hub Lights.PNG`` → ``hub-lights.<sha256[:12]>.png``."""
    stem, ext = posixpath.splitext(posixpath.basename(source))
    return f"{slugify(stem) or 'image'}.{digest[:FINGERPRINT]}{ext.lower()}"


def _looks_like(data: bytes, ext: str) -> bool:
    """Whether the file's first bytes match its extension: a page that says
    PNG and gets HTML would show a broken image, or worse."""
    if ext == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in (".jpg", ".jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext == ".gif":
        return data.startswith((b"GIF87a", b"GIF89a"))
    if ext == ".webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if ext == ".svg":
        return b"<svg" in data[:4096].lower()
    return False


def check_images(root: Path, articles: Iterable[Article]) -> tuple[dict[str, ImageFile], list[Problem]]:
    """Check every image the articles name. Returns the usable image files by
    content path, and every problem found. Each file is read once, however many
    articles show it."""
    root = Path(root)
    articles_dir = (root / ARTICLES).resolve()
    found: dict[str, ImageFile] = {}
    failed: dict[str, str] = {}  # content path -> why it cannot be used
    problems: list[Problem] = []
    for article in articles:
        for image in article.images:
            if not image.alt:
                problems.append(
                    Problem(
                        article.path,
                        image.line,
                        f"image '{image.src}' has no alt text; say what it shows, as in ![The Hub's front light](...)",
                        WARNING,
                    )
                )
            if not image.target:
                continue
            if image.target not in found and image.target not in failed:
                checked = _check_file(root, articles_dir, image)
                if isinstance(checked, ImageFile):
                    found[image.target] = checked
                else:
                    failed[image.target] = checked
            if image.target in failed:
                problems.append(Problem(article.path, image.line, f"image '{image.src}' {failed[image.target]}"))
            elif found[image.target].size > MAX_BYTES:
                size = found[image.target].size / 1024 / 1024
                problems.append(
                    Problem(
                        article.path,
                        image.line,
                        f"image '{image.src}' is {size:.1f} MB; keep images under {MAX_BYTES // 1024 // 1024} MB "
                        "(customers on phones download every one)",
                        WARNING,
                    )
                )
    return found, problems


def _check_file(root: Path, articles_dir: Path, image: Image) -> ImageFile | str:
    """The image file, or why it cannot be used (the end of a message)."""
    ext = posixpath.splitext(image.target)[1].lower()
    if not image.target.startswith(ARTICLES) or ".." in image.target.split("/"):
        return f"is outside {ARTICLES}; keep images beside the articles, in {ARTICLES}<area>/images/"
    if ext not in TYPES:
        kinds = ", ".join(sorted({k.lstrip(".") for k in TYPES}))
        return f"is not an image type the site serves; use one of {kinds}"
    path = root / image.target
    if not path.is_file():
        return f"points at {image.target}, which does not exist"
    if articles_dir not in path.resolve().parents:
        # A symbolic link out of the content: the build would publish any file.
        return f"is a link to a file outside {ARTICLES}; copy the image into {ARTICLES}<area>/images/"
    data = path.read_bytes()
    if not _looks_like(data, ext):
        return f"is not a {ext.lstrip('.').upper()} file; save it in the format its name says"
    return ImageFile(image.target, published_name(image.target, hashlib.sha256(data).hexdigest()), len(data))
