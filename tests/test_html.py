"""report.html: the markdown report as one self-contained page, and that page opened in a real browser."""
import base64
import json
import os
import re
import shutil

import pytest

from bench.cli import main
from bench.outputs.write import write_html
from reports.html import linked_pages, render_html

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5Erk"
                       "Jggg==")  # 1 x 1
DOC = """# Report: grid `toy`

## Answers

| model | a | b |
|-------|---|---|
| gru   | 1 | 2 |

![toy: loss](figures/loss.png)
*toy: loss*

More in [the details](details.md#toy), [a site](https://example.org) and ![far](https://example.org/x.png).
<script>alert(1)</script>

## toy

### Protocol

### Protocol
"""


def test_the_page_is_the_markdown_with_figures_embedded_and_nothing_fetched():
    asked = []

    def load(path):
        asked.append(path)
        return PNG if path == "figures/loss.png" else None

    html = render_html(DOC, load, "en", frozenset({"details.md"}))
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert "<title>Report: grid toy</title>" in html
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}" alt="toy: loss"' in html
    assert asked == ["figures/loss.png"]  # a URL is never read or fetched
    assert re.search(r"<figure><img [^>]+><figcaption><em>toy: loss</em></figcaption></figure>", html)
    assert '<div class="scroll">\n<table>' in html and "</table>\n</div>" in html
    assert 'href="details.html#toy"' in html and 'href="https://example.org"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # raw HTML in the text stays text
    # The policy forbids every fetch; an image from elsewhere keeps its URL and is blocked, not loaded.
    assert "default-src 'none'; img-src data:; style-src 'unsafe-inline'" in html
    assert not re.search(r"<(link|script)\b", html) and "@import" not in html and "url(" not in html
    # Contents: every ## and ### heading, ids as GitHub makes them (a repeat gets -1).
    assert re.findall(r'<h[23] id="([^"]+)"', html) == ["answers", "toy", "protocol", "protocol-1"]
    nav = html[html.index("<nav>"):]
    assert re.findall(r'href="#([^"]+)"', nav) == ["answers", "toy", "protocol", "protocol-1"]
    assert nav.count("<ul>") == 2 and nav.count("<li>") == nav.count("</li>") == 4


def test_japanese_page_says_so_and_names_japanese_fonts():
    html = render_html(DOC, lambda p: None, "ja")
    assert '<html lang="ja">' in html and "目次" in html
    fonts = re.search(r"font-family: ([^;]+);", html).group(1)
    assert fonts.startswith('"Noto Sans CJK JP", "IPAexGothic"') and fonts.endswith("sans-serif")
    assert 'href="details.md#toy"' in html  # a page not written stays linked as it is


def test_linked_markdown_pages_are_written_too(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "loss.png").write_bytes(PNG)
    (tmp_path / "outside.png").write_bytes(PNG)
    (tmp_path / "figures" / "link.png").symlink_to(tmp_path / "outside.png")
    (tmp_path / "details.md").write_text("# Details\n\n![l](figures/loss.png)\n![s](figures/link.png)\n"
                                         "[back](report.md)\n")
    report = DOC + "\n[gone](missing.md) [up](../x.md)\n"
    assert linked_pages(report) == ["details.md", "missing.md"]
    written = write_html(tmp_path, report)
    assert [p.name for p in written] == ["report.html", "details.html"]
    details = (tmp_path / "details.html").read_text()
    assert details.count("data:image/png;base64,") == 1 and 'src="figures/link.png"' in details  # no symlink
    assert 'href="report.html"' in details
    page = (tmp_path / "report.html").read_text()
    assert 'href="details.html#toy"' in page and 'href="missing.md"' in page


# ---------------------------------------------------------------- a real run, opened in Chromium

def _browser():
    """A headless Chromium driven by selenium, or a skip (a failure under CI=true, where it must be there)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = None
    if not (chromium and driver and webdriver):
        why = "needs chromium, chromium-driver (Debian) and selenium (the test extra)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: {why}")
        pytest.skip(why)
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,800", "--no-first-run", "--disable-extensions"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=opts)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A real sine grid at tiny size, reported in English and (in a copy) in Japanese."""
    en = tmp_path_factory.mktemp("html") / "en"
    assert main(["run", "--grid", "sine", "--seeds", "2", "--epochs", "2", "--executor", "local",
                 "--out", str(en)]) == 0
    ja = en.parent / "ja"
    shutil.copytree(en, ja)
    assert main(["report", "--out", str(ja), "--lang", "ja"]) == 0
    return {"en": en, "ja": ja}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_report_html_opens_whole_in_a_browser(small_run, lang, tmp_path):
    page = small_run[lang] / "report.html"
    md = (small_run[lang] / "report.md").read_text()
    first = re.sub(r"[`*]", "", re.search(r"^## (.+)$", md, flags=re.M).group(1))  # the first section: the answers
    browser = _browser()
    try:
        browser.get(page.as_uri())
        images = browser.execute_script(
            "return [...document.images].map(i => [i.complete, i.naturalWidth, i.src.slice(0, 21)])")
        top = browser.execute_script(
            "const h = document.querySelector('main h2'); const r = h.getBoundingClientRect();"
            "return [h.textContent, r.top, r.bottom, window.innerHeight, getComputedStyle(h).visibility]")
        lang_attr = browser.execute_script("return document.documentElement.lang")
        resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        shot = tmp_path / f"first_screen_{lang}.png"
        assert browser.save_screenshot(str(shot))
        console = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
        requested = [json.loads(e["message"])["message"]["params"].get("request", {}).get("url", "")
                     for e in browser.get_log("performance")
                     if json.loads(e["message"])["message"]["method"] == "Network.requestWillBeSent"]
    finally:
        browser.quit()
    n_figures = len(re.findall(r"^!\[", md, flags=re.M))
    assert n_figures >= 1 and len(images) == n_figures
    assert all(done and width > 0 and src == "data:image/png;base64" for done, width, src in images), images
    assert console == []
    assert all(u.startswith(("file:", "data:")) for u in requested + resources), requested + resources
    assert lang_attr == lang
    heading, y0, y1, screen, visible = top
    assert heading == first and 0 <= y0 < y1 <= screen and visible == "visible"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
