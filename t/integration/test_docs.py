"""
The API documentation as nginx serves it (issue 15, item 1), through the test stack:

  - GET /api/v1/openapi.yaml is docs/openapi.yaml itself, as YAML, with the same paths;
  - GET /docs/ is docs/API.md as HTML (scripts/docs-html): a heading per route, no
    script, no URL of another site in any src or href, no broken anchor, a
    same-origin style sheet;
  - both carry a strict Content-Security-Policy, X-Request-Id and nosniff; HSTS
    over TLS;
  - /docs redirects to /docs/, an unknown file under it or another method is the
    API's JSON error.
"""

import html.parser
import os
import re

import yaml

from test_openapi import SPEC, load_spec, norm, router_routes

CSP_DOCS_MUST = ("default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'",
                 "form-action 'none'")


class Page(html.parser.HTMLParser):
    """The headings' text, every src/href, the tags used."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.headings, self.urls, self.tags, self.ids = [], [], set(), set()
        self._in = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name == "id":
                self.ids.add(value)
            if name in ("src", "href", "action", "srcset", "poster", "data"):
                self.urls.append((tag, name, value or ""))
        if tag in ("h1", "h2", "h3", "h4"):
            self._in = []

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3", "h4") and self._in is not None:
            self.headings.append("".join(self._in).strip())
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self._in.append(data)


def csp(r):
    value = r.headers.get("Content-Security-Policy")
    assert value, "no Content-Security-Policy on %r" % r
    assert "unsafe-inline" not in value and "unsafe-eval" not in value, value
    return value


def test_openapi_yaml_is_served(http):
    r = http("GET", "/api/v1/openapi.yaml")
    assert r.status == 200, r
    ctype = r.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip() in ("application/yaml", "text/yaml"), ctype
    with open(SPEC, "rb") as f:
        assert r.body == f.read(), "the served file is not docs/openapi.yaml"
    served = yaml.safe_load(r.body)
    assert set(served["paths"]) == set(load_spec()["paths"])
    assert served["openapi"] == "3.0.3"
    assert "default-src 'none'" in csp(r)
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert r.headers.get("X-Request-Id")


def test_docs_page(http):
    r = http("GET", "/docs/")
    assert r.status == 200, r
    assert r.headers.get("Content-Type", "").split(";")[0] == "text/html"
    policy = csp(r)
    for directive in CSP_DOCS_MUST:
        assert directive in policy, (directive, policy)
    assert "script-src" not in policy       # default-src 'none' forbids every script
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert r.headers.get("X-Request-Id")

    text = r.body.decode("utf-8")
    page = Page()
    page.feed(text)
    page.close()
    # a heading per route, as docs/API.md writes it: "METHOD /api/v1/path"
    headings = {norm(h) for h in page.headings}
    for meth, pattern, _ in router_routes():
        assert norm("%s %s" % (meth, pattern)) in headings, \
            "no heading %s %s in /docs/ (headings: %r)" % (meth, pattern, sorted(page.headings))
    assert "Errors" in page.headings and "Webhooks" in page.headings
    # nothing runs, nothing comes from elsewhere (examples stay text inside <code>)
    assert not page.tags & {"script", "iframe", "object", "embed", "img", "form", "base"}, \
        page.tags
    assert page.urls, "no links at all: the table of contents is missing"
    for tag, attr, url in page.urls:
        assert not re.match(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", url, re.I), \
            "external or scheme URL in <%s %s=%r>" % (tag, attr, url)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
    # every link within the page has its target
    broken = sorted(u for _, _, u in page.urls if u.startswith("#") and u[1:] not in page.ids)
    assert broken == [], "links to no anchor: %r" % broken
    # the style sheet is same-origin, under the same policy
    sheets = [u for t, a, u in page.urls if t == "link"]
    assert sheets == ["docs.css"], sheets
    r = http("GET", "/docs/docs.css")
    assert r.status == 200, r
    assert r.headers.get("Content-Type", "").split(";")[0] == "text/css"
    assert b"@import" not in r.body and b"url(" not in r.body
    csp(r)


def test_docs_index_file_and_redirect(http):
    r = http("GET", "/docs/index.html")
    assert r.status == 200 and b"<h1" in r.body, r
    r = http("GET", "/docs")
    assert r.status == 301, r
    assert r.headers.get("Location") == "/docs/"


def test_docs_errors_are_the_apis(http):
    r = http("GET", "/docs/nope.html")
    assert r.status == 404 and r.json == {"error": "not_found", "message": "no such resource"}, r
    for path in ("/docs/", "/api/v1/openapi.yaml"):
        r = http("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
        assert r.status == 405 and r.json["error"] == "method_not_allowed", r
        assert r.headers.get("Allow") == "GET, HEAD"
    # a neighbour of the file is still the API's (and so a 404 of the router)
    r = http("GET", "/api/v1/openapi.json")
    assert r.status == 404 and r.json["error"] == "not_found", r


def test_docs_over_tls_keep_hsts(http):
    for path in ("/docs/", "/api/v1/openapi.yaml"):
        r = http("GET", path, https=True)
        assert r.status == 200, r
        assert r.headers.get("Strict-Transport-Security") == "max-age=31536000", path
        csp(r)
    r = http("GET", "/docs/")
    assert r.headers.get("Strict-Transport-Security") is None


def test_docs_files_are_generated_not_kept(stack):
    """The stack's copy is scripts/docs-html's output, beside nginx's prefix."""
    docs = os.path.join(stack.tmp, "nginx", "docs")
    assert sorted(f for f in os.listdir(docs) if not f.startswith(".")) == \
        ["docs.css", "index.html", "openapi.yaml"]
