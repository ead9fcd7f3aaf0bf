"""Every output format of a scan: JSON shape, SARIF as code scanning wants it, GitHub escaping."""

from __future__ import annotations

import json

import jsonschema
import pytest

from heal.model import Category, Finding, Priority, Span
from heal.report.github import annotation, escape_data, escape_property

# The parts of SARIF 2.1.0 that GitHub code scanning requires or reads, as a JSON schema.
SARIF_SHAPE = {
    "type": "object",
    "required": ["version", "runs", "$schema"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool", "results"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name", "rules"],
                    "properties": {"rules": {"type": "array", "items": {
                        "type": "object",
                        "required": ["id", "shortDescription", "help", "helpUri"],
                        "properties": {
                            "id": {"type": "string"},
                            "shortDescription": {"type": "object", "required": ["text"]},
                            "help": {"type": "object", "required": ["text"]},
                            "defaultConfiguration": {"type": "object", "properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]}}},
                        },
                    }}},
                }}},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["ruleId", "ruleIndex", "message", "locations", "partialFingerprints"],
                    "properties": {
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": {"type": "object", "required": ["text"]},
                        "locations": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["physicalLocation"],
                            "properties": {"physicalLocation": {
                                "type": "object", "required": ["artifactLocation", "region"],
                                "properties": {
                                    "artifactLocation": {"type": "object", "required": ["uri"],
                                                         "properties": {"uri": {
                                                             "type": "string",
                                                             "pattern": "^[^/][^:]*$"}}},
                                    "region": {"type": "object", "required": ["startLine"],
                                               "properties": {
                                                   "startLine": {"type": "integer", "minimum": 1},
                                                   "startColumn": {"type": "integer", "minimum": 1},
                                                   "endColumn": {"type": "integer", "minimum": 1},
                                               }},
                                },
                            }},
                        }},
                        "partialFingerprints": {"type": "object", "minProperties": 1},
                    },
                }},
            },
        }},
    },
}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    from conftest import init_repo, run_heal

    repo = init_repo(tmp_path_factory.mktemp("formats") / "r", {
        "src/app.py": "import os\nimport subprocess\n\n\ndef go(c):\n"
                      "    return subprocess.call(c, shell=True)\n",
    })
    return repo, run_heal


def test_json_shape(scanned):
    repo, heal = scanned
    out = heal("--scan", "-f", "json", cwd=repo).stdout
    doc = json.loads(out)
    # one finding per line, so the report greps and diffs well
    assert sum(line.startswith('    {"rule": ') for line in out.splitlines()) == len(doc["findings"])
    assert doc["version"] == 1
    assert set(doc["summary"]) == {"by_category", "by_priority", "by_tool", "files", "duration_s"}
    finding = doc["findings"][0]
    assert set(finding) == {"rule", "category", "priority", "path", "span", "message", "tool",
                            "fingerprint", "fixable"}
    assert set(finding["span"]) == {"start", "end"}
    assert doc["summary"]["by_priority"]["P0"] >= 1


def test_sarif_matches_what_code_scanning_reads(scanned):
    repo, heal = scanned
    doc = json.loads(heal("--scan", "-f", "sarif", cwd=repo).stdout)
    jsonschema.validate(doc, SARIF_SHAPE)
    run = doc["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(ids) == len(set(ids))  # one rules[] entry per rule
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
    f401 = next(r for r in run["results"] if r["ruleId"] == "ruff:F401")
    location = f401["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "src/app.py"
    assert location["region"]["startColumn"] == 8  # 1-based, as ruff prints it
    b602 = run["tool"]["driver"]["rules"][ids.index("bandit:B602")]
    assert float(b602["properties"]["security-severity"]) >= 7.0


def test_github_annotations(scanned):
    repo, heal = scanned
    out = heal("--scan", "-f", "github", cwd=repo).stdout.splitlines()
    assert any(line.startswith("::error file=src/app.py,line=6") for line in out)
    assert any(line.startswith("::warning file=src/app.py,line=1,endLine=1,title=ruff%3AF401")
               for line in out)


def test_github_escaping():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    finding = Finding(rule="ruff:E501", category=Category.STYLE, priority=Priority.P3,
                      path="dir,odd/x:y.py", span=Span.of(3, 0, 3, 10),
                      message="line too long\n(120 > 100)", tool="ruff", fingerprint="f")
    line = annotation(finding)
    assert line.startswith("::notice file=dir%2Codd/x%3Ay.py,line=3,endLine=3,")
    assert line.endswith("::line too long%0A(120 > 100)")
    assert line.count("::") == 2
