"""Images beside articles: checked with path:line, published under
fingerprinted names, served with a one-year immutable cache."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from conftest import ARTICLES, article_text

from portal.build import build, check
from portal.content.images import MAX_BYTES, published_name

LIGHTS = "articles/hub/harbor-hub-lights.md"
# A 1x1 PNG: the signature, IHDR, IDAT and IEND chunks.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005000201e2213bc60000000049454e44ae426082"
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'


def with_body(relpath: str, extra: str) -> str:
    """The fixture article at ``relpath`` with ``extra`` Markdown at the end,
    starting on the line :func:`extra_line` gives."""
    meta, body = ARTICLES[relpath]
    return article_text(meta, body) + "\n" + extra


def extra_line(relpath: str) -> int:
    meta, body = ARTICLES[relpath]
    return article_text(meta, body).count("\n") + 2


def add_image(content_dir: Path, write, markdown: str, files: dict[str, bytes]) -> int:
    """Put ``markdown`` at the end of the Hub lights article and ``files``
    beside it; returns the line the Markdown is on."""
    for relpath, data in files.items():
        write(content_dir, relpath, data)
    write(content_dir, LIGHTS, with_body(LIGHTS, markdown))
    return extra_line(LIGHTS)


def messages(report) -> list[str]:
    return [str(p) for p in report.problems]


def test_an_image_is_published_under_a_fingerprinted_name_and_cached_for_a_year(content_dir, write, tmp_path):
    add_image(
        content_dir,
        write,
        "![The Hub's light, solid white](images/Hub%20Light.png)\n",
        {"articles/hub/images/Hub Light.png": PNG},
    )
    index = tmp_path / "index"
    report = build(content_dir, index)
    assert not report.failed, messages(report)
    name = f"hub-light.{hashlib.sha256(PNG).hexdigest()[:12]}.png"
    assert (report.build_dir / "images" / name).read_bytes() == PNG
    assert report.images == 1

    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "INDEX_DIR": index,
            "INSTANCE_DIR": tmp_path / "instance",
            "SECRET_KEY": "test",
        }
    )
    try:
        client = app.test_client()
        page = client.get("/articles/harbor-hub-lights").get_data(as_text=True)
        assert f'<img src="/articles/images/{name}" alt="The Hub\'s light, solid white" loading="lazy">' in page
        with client.get(f"/articles/images/{name}") as image:
            assert image.status_code == 200
            assert image.mimetype == "image/png"
            assert image.data == PNG
        cache = image.headers["Cache-Control"]
        assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
        assert image.headers["X-Content-Type-Options"] == "nosniff"
        # Names that are not published images, or that try to leave the folder.
        for url in (
            "/articles/images/hub-light.000000000000.png",
            "/articles/images/..%2Fcatalog.sqlite3",
            "/articles/images/catalog.sqlite3",
            f"/articles/images/{name}.html",
        ):
            assert client.get(url).status_code == 404, url
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()


def test_a_changed_image_gets_a_new_name_and_only_its_article_is_rendered_again(content_dir, write, tmp_path):
    add_image(content_dir, write, "![Lights](images/lights.png)\n", {"articles/hub/images/lights.png": PNG})
    index = tmp_path / "index"
    first = build(content_dir, index)
    assert not first.failed, messages(first)
    unchanged = build(content_dir, index)
    assert (unchanged.rendered, unchanged.images) == (0, 0)
    # The previous build's file is reused, not copied again.
    old_name = published_name("articles/hub/images/lights.png", hashlib.sha256(PNG).hexdigest())
    assert (unchanged.build_dir / "images" / old_name).stat().st_ino == (
        first.build_dir / "images" / old_name
    ).stat().st_ino

    changed = PNG + b"\0"  # still a PNG to the check, and different bytes
    write(content_dir, "articles/hub/images/lights.png", changed)
    report = build(content_dir, index)
    assert (report.rendered, report.indexed, report.images) == (1, 0, 1)
    new_name = published_name("articles/hub/images/lights.png", hashlib.sha256(changed).hexdigest())
    assert new_name != old_name
    assert sorted(p.name for p in (report.build_dir / "images").iterdir()) == [new_name]


def test_image_problems_are_reported_with_path_and_line(content_dir, write):
    line = add_image(
        content_dir,
        write,
        "![Missing](images/nowhere.png)\n"
        "![A bitmap](images/old.bmp)\n"
        "![Not really a PNG](images/fake.png)\n"
        "![Outside](../../secret.png)\n"
        "![](images/fine.png)\n"
        "![Far away](https://example.com/x.png) and ![](https://example.com/y.png)\n",
        {
            "articles/hub/images/old.bmp": b"BM" + bytes(40),
            "articles/hub/images/fake.png": b"<html><script>alert(1)</script></html>",
            "articles/hub/images/fine.png": PNG,
            "secret.png": PNG,
        },
    )
    report = check(content_dir)[1]
    assert report.failed
    assert [m for m in messages(report) if "image" in m] == [
        f"{LIGHTS}:{line}: image 'images/nowhere.png' points at articles/hub/images/nowhere.png, which does not exist",
        f"{LIGHTS}:{line + 1}: image 'images/old.bmp' is not an image type the site serves; "
        "use one of gif, jpeg, jpg, png, svg, webp",
        f"{LIGHTS}:{line + 2}: image 'images/fake.png' is not a PNG file; save it in the format its name says",
        f"{LIGHTS}:{line + 3}: image '../../secret.png' is outside articles/; "
        "keep images beside the articles, in articles/<area>/images/",
        f"{LIGHTS}:{line + 4}: warning: image 'images/fine.png' has no alt text; "
        "say what it shows, as in ![The Hub's front light](...)",
        f"{LIGHTS}:{line + 5}: warning: image 'https://example.com/y.png' has no alt text; "
        "say what it shows, as in ![The Hub's front light](...)",
    ]


def test_missing_alt_text_is_a_warning_and_an_error_with_strict(content_dir, write, tmp_path):
    add_image(content_dir, write, "![](images/lights.png)\n", {"articles/hub/images/lights.png": PNG})
    report = build(content_dir, tmp_path / "index")
    assert not report.failed
    assert any("has no alt text" in m for m in messages(report))
    strict = build(content_dir, tmp_path / "strict-index", strict=True)
    assert strict.failed and strict.build_dir is None


def test_a_large_image_is_a_warning(content_dir, write):
    big = PNG + bytes(MAX_BYTES)
    line = add_image(content_dir, write, "![Lights](images/big.png)\n", {"articles/hub/images/big.png": big})
    report = check(content_dir)[1]
    assert not report.failed
    assert (
        f"{LIGHTS}:{line}: warning: image 'images/big.png' is 2.0 MB; keep images under 2 MB "
        "(customers on phones download every one)"
    ) in messages(report)


def test_an_image_linked_out_of_the_content_is_refused(content_dir, write, tmp_path):
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(PNG)
    (content_dir / "articles/hub/images").mkdir(parents=True)
    (content_dir / "articles/hub/images/linked.png").symlink_to(outside)
    line = add_image(content_dir, write, "![Lights](images/linked.png)\n", {})
    assert (
        f"{LIGHTS}:{line}: image 'images/linked.png' is a link to a file outside articles/; "
        "copy the image into articles/<area>/images/"
    ) in messages(check(content_dir)[1])


@pytest.mark.parametrize("src", ["images/x.png", "images/x.png#frag", "images/x.png?v=2"])
def test_every_spelling_of_the_same_image_is_rewritten(content_dir, write, tmp_path, src):
    add_image(content_dir, write, f"![Lights]({src})\n", {"articles/hub/images/x.png": PNG})
    report = build(content_dir, tmp_path / "index")
    assert not report.failed, messages(report)
    import sqlite3

    with sqlite3.connect(report.build_dir / "catalog.sqlite3") as db:
        html = db.execute("SELECT html FROM articles WHERE slug = 'harbor-hub-lights'").fetchone()[0]
    db.close()
    assert re.search(r'<img src="/articles/images/x\.[0-9a-f]{12}\.png"', html), html


def test_svg_is_served_sandboxed(content_dir, write, tmp_path):
    add_image(content_dir, write, "![A diagram](images/diagram.svg)\n", {"articles/hub/images/diagram.svg": SVG})
    index = tmp_path / "index"
    assert not build(content_dir, index).failed
    from portal import create_app

    app = create_app({"TESTING": True, "CONTENT_DIR": content_dir, "INDEX_DIR": index, "INSTANCE_DIR": tmp_path / "i"})
    try:
        client = app.test_client()
        name = published_name("articles/hub/images/diagram.svg", hashlib.sha256(SVG).hexdigest())
        with client.get(f"/articles/images/{name}") as response:
            assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        policy = response.headers["Content-Security-Policy"]
        assert "sandbox" in policy and "default-src 'none'" in policy and "script" not in policy
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()


def test_the_sample_content_shows_a_real_image_with_alt_text():
    from portal.content import load_site

    root = Path(__file__).resolve().parent.parent
    site, _ = load_site(root)
    images = [(a, i) for a in site.articles for i in a.images if i.target]
    assert images, "the sample help centre should show at least one image beside an article"
    for article, image in images:
        assert image.alt, f"{article.path}:{image.line}"
        assert (root / image.target).read_bytes().startswith(b"\x89PNG")
