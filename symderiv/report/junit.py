"""JUnit XML: one testsuite per spec file, one testcase per check (what CI test tabs read)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from symderiv.report import failure
from symderiv.report.safe_text import xml_document
from symderiv.results import Report


def render(report: Report) -> str:
    checks = report.checks
    root = ET.Element("testsuites", name="symderiv", tests=str(len(checks)),
                      failures=str(sum(1 for c in checks if not c.ok)),
                      errors=str(report.file_errors),
                      time=f"{sum(c.seconds for c in checks):.3f}")
    for result in report.files:
        suite = ET.SubElement(
            root, "testsuite", name=result.path, tests=str(len(result.checks)),
            failures=str(sum(1 for c in result.checks if not c.ok)),
            errors=str(len(result.errors)), skipped="0",
            time=f"{sum(c.seconds for c in result.checks):.3f}")
        if result.errors:
            case = ET.SubElement(suite, "testcase", classname=result.path, name="load",
                                 file=result.path, line=str(_line(result.errors[0])), time="0")
            first = result.errors[0]
            error = ET.SubElement(case, "error", message=first.message, type=first.code)
            error.text = "\n".join(e.render() for e in result.errors)
        for check in result.checks:
            case = ET.SubElement(suite, "testcase", classname=result.path, name=check.id,
                                 file=result.path, line=str(check.location.line),
                                 time=f"{check.seconds:.3f}")
            if not check.ok:
                node = ET.SubElement(case, "failure", message=failure.headline(check),
                                     type=check.verdict.value)
                node.text = "\n".join(failure.lines(check))
    ET.indent(root)
    # ElementTree writes any character; a spec's "\uffff" or lone surrogate would make the
    # document ill-formed (or unwritable as UTF-8)
    return '<?xml version="1.0" encoding="utf-8"?>\n' \
        + xml_document(ET.tostring(root, encoding="unicode")) + "\n"


def _line(error: object) -> int:
    location = getattr(error, "location", None)
    return location.line if location is not None else 1
