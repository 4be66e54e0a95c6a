"""The assets a recording references (replay_core.assets), found as the app will fetch them."""

from __future__ import annotations

import json

from replay_core.assets import (
    CSS_URL,
    ICON,
    IMAGE,
    IMPORT,
    STYLESHEET,
    absolutize_css,
    asset_urls,
    css_urls,
    key,
)
from tests.paths import FIXTURES
from tests.snapshot_nodes import el

PAGE = "http://shop.test/app/index.html"


def page_events() -> list[dict]:
    head = el(
        3,
        "head",
        {},
        [
            el(4, "link", {"rel": "stylesheet", "href": "css/site.css"}),
            el(
                5,
                "link",
                {
                    "rel": "stylesheet",
                    "href": "css/inlined.css",
                    "_cssText": ".a{background:url(img/a.png)}@import url('more.css');",
                },
            ),
            el(6, "link", {"rel": "shortcut icon", "href": "/favicon.ico"}),
            el(
                7,
                "style",
                {},
                [{"type": 3, "id": 8, "textContent": "@font-face{src:url(/f/x.woff2)}", "isStyle": True}],
            ),
            el(9, "script", {"src": "app.js"}),
        ],
    )
    body = el(
        10,
        "body",
        {"style": "background-image: url('bg.jpg')"},
        [
            el(
                11,
                "img",
                {"src": "https://cdn.test/logo.svg#icon", "srcset": "logo-1x.png 1x, logo-2x.png 2x"},
            ),
            el(
                12,
                "picture",
                {},
                [
                    el(13, "source", {"srcset": "hero.webp 800w"}),
                    el(14, "img", {"src": "data:image/png;base64,AA"}),
                ],
            ),
            el(15, "a", {"href": "/elsewhere"}),
        ],
    )
    snapshot = {"type": 0, "id": 1, "childNodes": [el(2, "html", {}, [head, body])]}
    return [
        {"type": 4, "timestamp": 1, "data": {"href": PAGE, "width": 800, "height": 600}},
        {"type": 2, "timestamp": 2, "data": {"node": snapshot, "initialOffset": {"top": 0, "left": 0}}},
        {"type": 3, "timestamp": 3, "data": {"source": 0, "texts": [], "removes": [],
         "adds": [{"parentId": 10, "nextId": None, "node": el(20, "img", {"src": "late.gif"})}],
         "attributes": [{"id": 11, "attributes": {"src": "logo-v2.svg"}},
                        {"id": 10, "attributes": {"style": {"background": "url(changed.png)"}}}]}},
        {"type": 3, "timestamp": 4, "data": {"source": 8, "id": 7, "adds": [{"rule": ".b{background:url(rule.png)}", "index": 0}]}},
        {"type": 4, "timestamp": 5, "data": {"href": "http://other.test/next/", "width": 800, "height": 600}},
        {"type": 2, "timestamp": 6, "data": {"node": {"type": 0, "id": 1, "childNodes": [el(2, "html", {}, [
            el(3, "body", {}, [el(4, "img", {"src": "page2.png"})])])]}, "initialOffset": {"top": 0, "left": 0}}},
    ]  # fmt: skip


def test_a_recording_references_its_stylesheets_images_fonts_and_icons_resolved_against_the_page() -> None:
    found = {ref.url: ref.kind for ref in asset_urls(page_events())}
    assert found == {
        "http://shop.test/app/css/site.css": STYLESHEET,
        "http://shop.test/app/css/img/a.png": CSS_URL,  # inlined sheet: against the sheet's own URL
        "http://shop.test/app/css/more.css": IMPORT,
        "http://shop.test/favicon.ico": ICON,
        "http://shop.test/f/x.woff2": CSS_URL,
        "http://shop.test/app/bg.jpg": CSS_URL,
        "https://cdn.test/logo.svg": IMAGE,
        "http://shop.test/app/logo-1x.png": IMAGE,
        "http://shop.test/app/logo-2x.png": IMAGE,
        "http://shop.test/app/hero.webp": IMAGE,
        "http://shop.test/app/late.gif": IMAGE,
        "http://shop.test/app/logo-v2.svg": IMAGE,
        "http://shop.test/app/changed.png": CSS_URL,
        "http://shop.test/app/rule.png": CSS_URL,
        "http://other.test/next/page2.png": IMAGE,  # after the second page load, against its URL
    }
    # Never the inlined sheet itself, scripts, links, or data: URLs.
    assert not any(url.endswith(("inlined.css", "app.js", "elsewhere")) for url in found)


def test_fetched_css_is_read_and_rewritten_against_where_it_came_from() -> None:
    css = ("@import 'reset.css'; @import url(\"theme.css\");"
           "@font-face{src:url(../fonts/a.woff2) format('woff2'),url(data:font/woff;base64,AA)}"
           ".hero{background:url( img/hero.jpg )}")  # fmt: skip
    base = "http://shop.test/static/css/site.css"
    assert [(r.url, r.kind) for r in css_urls(css, base)] == [
        ("http://shop.test/static/css/theme.css", IMPORT),
        ("http://shop.test/static/css/reset.css", IMPORT),
        ("http://shop.test/static/fonts/a.woff2", CSS_URL),
        ("http://shop.test/static/css/img/hero.jpg", CSS_URL),
    ]
    rewritten = absolutize_css(css, base)
    assert '@import "http://shop.test/static/css/reset.css"' in rewritten
    assert 'url("http://shop.test/static/fonts/a.woff2")' in rewritten
    assert 'url("data:font/woff;base64,AA")' in rewritten
    # Rewritten, it references the same assets from anywhere.
    assert css_urls(rewritten, "replay-player://local/assets/x") == css_urls(css, base)


def test_urls_compare_in_one_form() -> None:
    assert key("HTTP://Shop.TEST:80/a b.png?x=1#frag") == "http://shop.test/a%20b.png?x=1"
    assert key("https://shop.test:8443/") == "https://shop.test:8443/"
    assert key("ftp://shop.test/x") is None and key("javascript:alert(1)") is None


def test_the_real_fixtures_reference_a_font_made_by_script_and_a_favicon() -> None:
    """The TodoMVC recordings inline their stylesheets and have no images: the svelte one's FontFace and the
    vue one's favicon are all they reference."""
    everything = {}
    for path in sorted((FIXTURES / "rrweb").glob("*.json")):
        everything[path.stem] = [ref.url for ref in asset_urls(json.loads(path.read_bytes()))]
    assert everything.pop("todomvc-svelte_media-canvas-font-drag") == [
        "http://127.0.0.1:8780/fonts/truetype/dejavu/DejaVuSerif.ttf"
    ]
    assert everything.pop("todomvc-vue_idle-gap") == [
        "http://127.0.0.1:8780/todomvc/examples/vue/dist/favicon.ico"
    ]
    assert all(urls == [] for urls in everything.values()), everything


def test_a_page_with_thousands_of_images_gives_the_first_ones_only() -> None:
    body = el(3, "body", {}, [el(10 + i, "img", {"src": f"/i/{i}.png"}) for i in range(2000)])
    events = [
        {"type": 4, "timestamp": 1, "data": {"href": PAGE, "width": 8, "height": 6}},
        {
            "type": 2,
            "timestamp": 2,
            "data": {"node": {"type": 0, "id": 1, "childNodes": [el(2, "html", {}, [body])]}},
        },
    ]
    found = asset_urls(events, limit=50)
    assert [ref.url for ref in found] == [f"http://shop.test/i/{i}.png" for i in range(50)]
