"""The asset fetcher (replay_fetch, shared by the app and the server) against a real HTTP server on
127.0.0.1: what it fetches, and each refusal with its reason. 127.0.0.1 is a loopback address, so the positive cases allow it explicitly, as a
user would in the settings; without that the same fetches are refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from replay_core import assets
from replay_fetch.fetcher import AssetFetcher, AssetRefused, fetch_replay_assets
from tests.assets.site import Site, dripping, endless

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    served = Site()
    served.file("/logo.png", "image/png", PNG)
    served.file("/page.html", "text/html; charset=utf-8", b"<p>hi</p>")
    served.file("/css/site.css", "text/css; charset=utf-8",
                b"@import 'more.css'; body{background:url(../img/bg.png)} @font-face{src:url(/f/a.woff2)}")  # fmt: skip
    served.file("/css/more.css", "text/css", b".x{background:url(data:image/png;base64,AA)}")
    served.file("/img/bg.png", "image/png", PNG + b"bg")
    served.file("/f/a.woff2", "font/woff2", b"wOF2" + b"\1" * 20)
    served.file("/f/b.ttf", "application/octet-stream", b"\0\1\0\0" + b"\2" * 20)
    served.routes["/huge.png"] = endless
    served.routes["/slow.woff2"] = dripping
    served.redirect("/moved.png", "/logo.png")
    served.redirect("/to-localhost.png", f"http://localhost:{served.port}/logo.png")
    for hop in range(8):
        served.redirect(f"/loop{hop}.png", f"/loop{hop + 1}.png")
    yield served
    served.stop()


def url(site: Site, path: str) -> str:
    return site.origin + path


def refusal(fetcher: AssetFetcher, address: str, kind: str = assets.IMAGE) -> str:
    with pytest.raises(AssetRefused) as refused:
        fetcher.fetch(address, kind)
    return str(refused.value)


def test_an_allowed_host_gives_the_image_through_a_redirect(site: Site) -> None:
    with AssetFetcher(allowed_hosts=["127.0.0.1"]) as fetcher:
        got = fetcher.fetch(url(site, "/moved.png"), assets.IMAGE)
        assert (got.content_type, got.body) == ("image/png", PNG)
        assert fetcher.fetch(url(site, "/f/b.ttf"), assets.CSS_URL).body.startswith(b"\0\1\0\0")


def test_loopback_is_refused_unless_the_user_allowed_the_host(site: Site) -> None:
    before = len(site.hits)
    with AssetFetcher() as fetcher:
        reason = refusal(fetcher, url(site, "/logo.png"))
    assert "127.0.0.1 is a loopback address 127.0.0.1" in reason and "allow the host" in reason
    assert len(site.hits) == before  # refused before any connection


def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    # A fake resolver stands in for a DNS answer we cannot get from a real one in a test: the check is
    # on the addresses a lookup gives, and nothing is connected to.
    answers = {"intranet.test": ["10.1.2.3"], "mixed.test": ["93.184.216.34", "169.254.169.254"]}
    with AssetFetcher(resolver=lambda host, port: answers[host]) as fetcher:
        assert "intranet.test is a private address 10.1.2.3" in refusal(fetcher, "http://intranet.test/a.png")
        assert "a link-local address 169.254.169.254" in refusal(fetcher, "http://mixed.test/a.png")
        assert "loopback" in refusal(fetcher, "http://[::ffff:127.0.0.1]/a.png")


def test_a_redirect_to_a_host_not_allowed_is_refused(site: Site) -> None:
    with AssetFetcher(allowed_hosts=["127.0.0.1"]) as fetcher:
        reason = refusal(fetcher, url(site, "/to-localhost.png"))
    assert "localhost is a loopback address" in reason
    assert "GET /logo.png" not in site.hits[-1:]


def test_too_many_redirects_are_refused(site: Site) -> None:
    with AssetFetcher(allowed_hosts=["127.0.0.1"], max_redirects=3) as fetcher:
        assert "more than 3 redirects" in refusal(fetcher, url(site, "/loop0.png"))


def test_a_50_mb_image_is_cut_off_at_the_cap(site: Site) -> None:
    with AssetFetcher(allowed_hosts=["127.0.0.1"]) as fetcher:
        assert "over the 10,485,760-byte cap" in refusal(fetcher, url(site, "/huge.png"))
        site.file("/declared.png", "image/png", b"\0" * 2000)
        small = AssetFetcher(allowed_hosts=["127.0.0.1"], max_bytes=1000)
        assert "2,000 bytes is over the 1,000-byte cap" in refusal(small, url(site, "/declared.png"))
        small.close()


def test_the_wrong_content_type_is_refused(site: Site) -> None:
    with AssetFetcher(allowed_hosts=["127.0.0.1"]) as fetcher:
        assert "text/html is not an allowed type for a image" in refusal(fetcher, url(site, "/page.html"))
        assert "image/png is not an allowed type for a stylesheet" in refusal(
            fetcher, url(site, "/logo.png"), assets.STYLESHEET
        )
        assert "the server answered 404" in refusal(fetcher, url(site, "/nothing.png"))


def test_a_slow_server_times_out(site: Site) -> None:
    with AssetFetcher(allowed_hosts=["127.0.0.1"], total_timeout_s=1.0) as fetcher:
        assert "timed out" in refusal(fetcher, url(site, "/slow.woff2"), assets.CSS_URL)


def test_a_replays_stylesheet_brings_its_imports_fonts_and_images_and_refusals_say_why(site: Site) -> None:
    refs = [
        assets.AssetRef(url(site, "/css/site.css"), assets.STYLESHEET),
        assets.AssetRef(url(site, "/page.html"), assets.IMAGE),
    ]
    with AssetFetcher(allowed_hosts=["127.0.0.1"]) as fetcher:
        got = fetch_replay_assets(refs, fetcher)
    fetched = {item.url.removeprefix(site.origin): item for item in got.fetched}
    assert sorted(fetched) == ["/css/more.css", "/css/site.css", "/f/a.woff2", "/img/bg.png"]
    css = fetched["/css/site.css"].body.decode()
    assert f'url("{site.origin}/img/bg.png")' in css and f'@import "{site.origin}/css/more.css"' in css
    assert [(m.url.removeprefix(site.origin), "not an allowed type" in m.reason) for m in got.missing] == [
        ("/page.html", True)
    ]
