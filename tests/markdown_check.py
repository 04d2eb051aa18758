"""Rendering Streamlit markdown the way a browser shows it, for tests: what is visible, and whether any link,
image or HTML tag came out of it.

markdown-it with GFM-style autolinking ("linkify": bare http://, www. and e-mail addresses become links, as
Streamlit's remark-gfm makes them) and raw HTML enabled (the strictest reading: Streamlit would drop raw HTML,
but then any tag that gets through here is a failure).
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"linkify": True, "html": True}).enable(["linkify", "table", "strikethrough"])
_MD.linkify.tlds(["example", "test", "invalid"], True)  # reserved names the hostile fixtures use
_TAG = re.compile(r"<[^>]+>")


def rendered(markdown: str) -> str:
    """The HTML a markdown renderer makes of it."""
    return _MD.render(markdown)


def visible(markdown: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, zero-width spaces removed."""
    return html.unescape(_TAG.sub("", rendered(markdown))).replace("\u200b", "").strip()


OWN_LINKS = ("http://timeline.knightlab.com",)  # links the dashboard's own sentences make (not from data)


def active_markup(markdown: str) -> list[str]:
    """Tags in the rendered HTML that fetch, link or were written as raw HTML: images, links (but the
    dashboard's own), and any tag markdown syntax does not make."""
    allowed = {"p", "strong", "em", "code", "ul", "ol", "li", "br", "hr", "s", "del", "blockquote"}
    allowed |= {f"h{level}" for level in range(1, 7)}  # headings markdown makes ("#### title")
    found = []
    for tag in _TAG.findall(rendered(markdown)):
        body = tag.strip("</ ")
        name = body.split()[0].rstrip("/>").lower() if body else ""
        if name in allowed or (name == "a" and (tag == "</a>" or any(f'href="{own}"' in tag for own in OWN_LINKS))):
            continue
        found.append(tag)
    return found
