"""The user guide stays a guide: a short README, links that resolve, real make targets, code that compiles.

README.md and docs/*.md are read as files; nothing here synthesizes the app's configuration
(the library example builds its own stack in-process).
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
# The contributors' page may name tests; every other page is for users.
USER_PAGES = [p for p in PAGES if p.name != "internals.md"]
# Task pages that say when they were last checked against AWS and the code.
DATED = [p for p in DOCS if p.name != "configuration.md"]  # configuration.md is generated

FENCE = re.compile(r"^(```|~~~)(\w*)\s*$")
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)\)")


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def prose_and_code(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text outside fenced blocks, and each fenced block as (language, body)."""
    prose: list[str] = []
    blocks: list[tuple[str, str]] = []
    body: list[str] | None = None
    lang = ""
    for line in text.splitlines():
        fence = FENCE.match(line.strip())
        if body is None and fence:
            body, lang = [], fence.group(2)
        elif body is not None and line.strip() in ("```", "~~~"):
            blocks.append((lang, "\n".join(body)))
            body = None
        elif body is not None:
            body.append(line)
        else:
            prose.append(line)
    assert body is None, "an unclosed code fence"
    return "\n".join(prose), blocks


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    prose, _ = prose_and_code(path.read_text())
    seen: dict[str, int] = {}
    out = set()
    for line in prose.splitlines():
        m = re.match(r"^#{1,6} (.+)$", line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


def make_targets() -> set[str]:
    out = subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60).stdout
    return {row.split()[0] for row in out.splitlines() if row.strip()}


def mentioned_targets(text: str) -> set[str]:
    """`make <target>` in inline code and in code blocks (prose uses "make" as an English verb)."""
    prose, blocks = prose_and_code(text)
    code = [m.group(1) for m in re.finditer(r"`([^`\n]+)`", prose)] + [b for _, b in blocks]
    return {m.group(1) for c in code for m in re.finditer(r"(?:^|[\s;&|(`])make ([a-z][\w-]*)", c, re.M)}


def test_the_readme_is_at_most_300_lines() -> None:
    lines = README.read_text().count("\n")
    assert lines <= 300, f"README.md has {lines} lines; move detail to a page under docs/ and link it."


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_relative_link_points_to_an_existing_file_and_anchor(page: Path) -> None:
    prose, _ = prose_and_code(page.read_text())
    prose = re.sub(r"`[^`\n]*`", "", prose)  # `[x](y)` in inline code is not a link
    broken = []
    for target in LINK.findall(prose):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.is_file():
            broken.append(f"{target} (no file {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest})")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target} (no heading with anchor #{anchor} in {rel(dest)})")
    assert not broken, f"{rel(page)}: " + "; ".join(broken)


def test_the_link_checker_sees_a_missing_file_and_a_missing_anchor(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## A `code` heading: yes\n\n[ok](#a-code-heading-yes) [no](#nothing) [gone](gone.md)\n")
    assert anchors(page) == {"title", "a-code-heading-yes"}
    prose, _ = prose_and_code(page.read_text())
    targets = LINK.findall(prose)
    assert targets == ["#a-code-heading-yes", "#nothing", "gone.md"]
    assert [t for t in targets if t.startswith("#") and t[1:] not in anchors(page)] == ["#nothing"]


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_make_target_mentioned_is_a_real_target(page: Path) -> None:
    unknown = mentioned_targets(page.read_text()) - make_targets()
    assert not unknown, f"{rel(page)} mentions make targets the Makefile does not have: {sorted(unknown)}"


def test_the_target_finder_reads_code_and_ignores_prose() -> None:
    text = "To make sure, run `make synth`.\n\n```bash\nmake deploy REGION=x   # then\nmake nonsense\n```\n"
    assert mentioned_targets(text) == {"synth", "deploy", "nonsense"}


@pytest.mark.parametrize("page", [README, ROOT / "docs" / "library.md"], ids=rel)
def test_python_snippets_compile(page: Path) -> None:
    _, blocks = prose_and_code(page.read_text())
    snippets = [body for lang, body in blocks if lang == "python"]
    assert snippets, f"{rel(page)} has no Python snippet to check"
    for body in snippets:
        ast.parse(body)  # a SyntaxError names the line


def test_the_readme_library_snippet_runs() -> None:
    _, blocks = prose_and_code(README.read_text())
    (snippet,) = [body for lang, body in blocks if lang == "python" and "from private_bedrock import" in body]
    scope: dict = {}
    exec(compile(snippet, "README.md", "exec"), scope)
    assert scope["access"].region == "eu-central-1" and scope["access"].inference_scope == "geography"


def test_the_library_example_synthesizes(tmp_path: Path) -> None:
    """docs/library.md's example runs as written and deploys the three constructs it names."""
    _, blocks = prose_and_code((ROOT / "docs" / "library.md").read_text())
    (example,) = [body for lang, body in blocks if lang == "python" and "app.synth()" in body]
    assert example.count("cdk.App()") == 1
    example = example.replace("cdk.App()", f"cdk.App(outdir={str(tmp_path)!r})")  # the one change: where it writes
    exec(compile(example, "docs/library.md", "exec"), {"__name__": "docs_library_example"})
    template = next(tmp_path.glob("Workload.template.json")).read_text()
    assert "AWS::EC2::VPCEndpoint" in template and "aws:SourceVpce" in template


@pytest.mark.parametrize("page", USER_PAGES, ids=rel)
def test_user_pages_name_no_test(page: Path) -> None:
    named = sorted(set(re.findall(r"\btest_\w+", page.read_text())))
    assert not named, f"{rel(page)} names tests ({', '.join(named)}); say what is proved, and keep test names in docs/internals.md."


HISTORY = re.compile(r"\bissue \d+|\bissues? #\d+|\bpreviously\b|\bnow\b|since the last round|\bthe old (layout|version|design)\b|\bearlier versions?\b", re.I)


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_pages_carry_no_project_history(page: Path) -> None:
    prose, _ = prose_and_code(page.read_text())
    found = sorted({m.group(0) for m in HISTORY.finditer(prose)})
    assert not found, f"{rel(page)} speaks of the project's history ({', '.join(found)}); say what is, not what changed."


@pytest.mark.parametrize("page", DATED, ids=rel)
def test_task_pages_are_dated(page: Path) -> None:
    assert re.search(r"^Last reviewed: \d{4}-\d{2}-\d{2}$", page.read_text(), re.M), f"{rel(page)} has no 'Last reviewed: YYYY-MM-DD' line"


def test_the_readme_links_every_page_and_answers_the_usual_questions_in_one_hop() -> None:
    text = README.read_text()
    for page in DOCS:
        assert f"(docs/{page.name}" in text, f"README.md does not link docs/{page.name}"
    assert "(docs/configuration.md)" in text
    for question, target in [("What it costs", None), ("make prove", "docs/proving-and-verifying.md"), ("add a model", "docs/models-and-residency.md")]:
        assert question.lower() in text.lower()
        if target:
            assert f"({target}" in text


REPO_PATH = re.compile(r"\b((?:private_bedrock|lambda_src|stacks|tests|bench|examples)/[\w./*-]*\w)")


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_repository_path_a_page_names_exists(page: Path) -> None:
    missing = sorted({p for p in REPO_PATH.findall(page.read_text()) if "*" not in p and not (ROOT / p).exists()})
    assert not missing, f"{rel(page)} names paths that do not exist: {', '.join(missing)}"


def test_the_readme_section_the_deployed_dashboard_names_exists_and_links_the_alarm_meanings() -> None:
    # The dashboard's text is in every deployed template, so the README keeps the section it names.
    source = (ROOT / "private_bedrock" / "monitoring" / "dashboard.py").read_text()
    named = re.search(r'see the README, section \\"([^"\\]+)\\"', source)
    assert named, "the dashboard's text no longer names a README section; drop this test's pointer check with it"
    sections = re.split(r"^#{2,3} ", README.read_text(), flags=re.M)
    section = next((s for s in sections if s.split("\n", 1)[0].strip() == named.group(1)), None)
    assert section is not None, f"README.md has no section {named.group(1)!r}, which the deployed dashboard names"
    assert "(docs/proving-and-verifying.md#what-an-alarm-means)" in section, f"README section {named.group(1)!r} does not link the alarm meanings"
