"""report.md as one self-contained HTML page: figures embedded as data: URIs, no script, font or style
from outside (a Content-Security-Policy says so to the browser), a table of contents, wide tables
scrolling inside their box, each figure with its caption.

The markdown is the one document; markdown-it-py turns it into HTML, so no sentence exists twice.
"""
from __future__ import annotations

import base64
import re
from collections.abc import Callable
from posixpath import normpath
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from reports.messages import text

# Fonts the system has: Japanese needs a CJK face before the generic family (no web fonts: nothing is fetched).
FONTS = {
    "en": 'system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif',
    "ja": ('"Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "Hiragino Sans", "Hiragino Kaku Gothic ProN", '
           '"Yu Gothic", Meiryo, sans-serif'),
}
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
               ".gif": "image/gif"}
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body { margin: 0; font-family: %(fonts)s; line-height: 1.5; color: #1b1b1b; background: #fff; }
.page { display: grid; grid-template-columns: minmax(0, 1fr); max-width: 1400px; margin: 0 auto; }
main { padding: 0 1.5rem 3rem; min-width: 0; }
nav { padding: 0 1.5rem 2rem; font-size: 0.9rem; border-top: 1px solid #ddd; }
@media (min-width: 1100px) {
  .page { grid-template-columns: minmax(0, 1fr) 18rem; }
  nav { position: sticky; top: 0; max-height: 100vh; overflow-y: auto; border-top: 0;
        border-left: 1px solid #ddd; }
}
nav ul { list-style: none; padding-left: 0; margin: 0; }
nav ul ul { padding-left: 1rem; }
nav a { text-decoration: none; }
h1 { font-size: 1.6rem; margin: 1rem 0 0.5rem; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.scroll { overflow-x: auto; max-width: 100%%; margin: 0.5rem 0 1rem; }
table { border-collapse: collapse; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; white-space: nowrap; }
th { background: #f3f3f3; }
td:not(:first-child) { text-align: right; }
tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1rem 0; }
figure img, main img { max-width: 100%%; height: auto; }
figcaption { font-size: 0.9rem; color: #444; }
code { font-size: 0.9em; background: #f3f3f3; padding: 0 0.2em; }
"""

ImageLoader = Callable[[str], "bytes | None"]  # a relative path from the page -> its bytes, None when absent


def local_target(href: str) -> str | None:
    """A relative link's path inside the folder (normalised), or None for a URL, an anchor or a path that leaves it."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    path = normpath(unquote(parts.path))
    return None if path == ".." or path.startswith("../") else path


def linked_pages(markdown: str) -> list[str]:
    """The relative .md files a markdown text links (e.g. details.md), in order of first mention."""
    tokens = _parser().parse(markdown)
    found = [local_target(t.attrGet("href") or "") for block in tokens if block.children
             for t in block.children if t.type == "link_open"]
    return list(dict.fromkeys(p for p in found if p and p.endswith(".md")))


def render_html(markdown: str, load_image: ImageLoader, lang: str = "en",
                pages: frozenset[str] = frozenset()) -> str:
    """One HTML page of markdown: images the loader finds embedded as data: URIs, links to the .md files in
    pages pointed at their .html, a table of contents of the ## and ### headings, lang's font stack."""
    md = _parser()
    env: dict = {"load": load_image, "pages": pages, "toc": []}
    tokens = md.parse(markdown, env)
    _figures(tokens)
    _anchors(tokens, env["toc"])
    body = md.renderer.render(tokens, md.options, env)
    title = next((escapeHtml(_words(t)) for i, t in enumerate(tokens[1:], 1)
                  if t.type == "inline" and tokens[i - 1].tag == "h1"), "report")
    toc = _toc(env["toc"], text(lang, "html.contents"))
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n'
            f"<style>{STYLE % {'fonts': FONTS[lang]}}</style>\n</head>\n<body>\n<div class=\"page\">\n"
            f"<main>\n{body}</main>\n{toc}</div>\n</body>\n</html>\n")


def _parser() -> MarkdownIt:
    # commonmark plus GitHub tables; raw HTML off, so text recorded in a store (an error message) stays text
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link)
    md.add_render_rule("table_open", lambda self, tokens, i, options, env: '<div class="scroll">\n<table>\n')
    md.add_render_rule("table_close", lambda self, tokens, i, options, env: "</table>\n</div>\n")
    return md


def _image(self, tokens, i, options, env) -> str:
    token = tokens[i]
    src = token.attrGet("src") or ""
    path = local_target(src)
    kind = IMAGE_TYPES.get(path[path.rfind("."):].lower()) if path and "." in path else None
    data = env["load"](path) if kind and env else None
    if data is not None:
        token.attrSet("src", f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}")
    token.attrSet("alt", self.renderInlineAsText(token.children or [], options, env))
    return f"<img{self.renderAttrs(token)}>"


def _link(self, tokens, i, options, env) -> str:
    token = tokens[i]
    href = token.attrGet("href") or ""
    path = local_target(href)
    if env and path in env["pages"]:
        token.attrSet("href", urlsplit(href)._replace(path=path[:-3] + ".html").geturl())
    return self.renderToken(tokens, i, options, env)


def _figures(tokens) -> None:
    """A paragraph that is an image, a line break and an emphasised caption becomes <figure> with <figcaption>."""
    for i in range(1, len(tokens) - 1):
        kids = tokens[i].children or []
        if (tokens[i - 1].type == "paragraph_open" and len(kids) >= 3 and kids[0].type == "image"
                and kids[1].type == "softbreak" and kids[2].type == "em_open"):
            tokens[i - 1].tag = tokens[i + 1].tag = "figure"
            kids[1].type, kids[1].tag, kids[1].nesting = "figcaption_open", "figcaption", 1
            close = kids[1].copy()
            close.type, close.nesting = "figcaption_close", -1
            kids.append(close)


def _words(inline) -> str:
    """A heading's text as shown (markup gone)."""
    return "".join(k.content for k in inline.children or [] if k.type in ("text", "code_inline"))


def _anchors(tokens, toc: list) -> None:
    """An id on every ## and ### heading, GitHub's way (lower case, punctuation dropped, spaces to hyphens,
    -1, -2 on repeats), so links written for the markdown work here too; (level, text, id) into toc."""
    seen: dict[str, int] = {}
    for i, t in enumerate(tokens):
        if t.type == "heading_open" and t.tag in ("h2", "h3"):
            words = _words(tokens[i + 1])
            slug = re.sub(r"[^\w\- ]", "", words.lower()).replace(" ", "-")
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            t.attrSet("id", f"{slug}-{n}" if n else slug)
            toc.append((int(t.tag[1]), words, t.attrGet("id")))


def _toc(entries: list, heading: str) -> str:
    """A nested list of links: each ### inside the item of the ## before it."""
    close = {0: "", 2: "</li>", 3: "</ul></li>"}  # by what is open: nothing, a ## item, its list of ###
    out, state = [f"<nav>\n<h2>{escapeHtml(heading)}</h2>\n<ul>"], 0
    for level, words, slug in entries:
        link = f'<li><a href="#{slug}">{escapeHtml(words)}</a>'
        if level == 2:
            out.append(close[state] + link)
        else:
            out.append({0: "<li><ul>", 2: "<ul>", 3: ""}[state] + link + "</li>")
        state = level
    out.append(close[state] + "</ul>\n</nav>\n")
    return "\n".join(out)
