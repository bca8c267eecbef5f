"""The proof that a chapter's tests bite (scripts/grade NN --coverage).

In one lab work tree (the chapter's lab, written again by make-lab and
synced so that unchanged files keep their times), four kinds of builds:

 1. the lab as handed out (every region stubbed): it must compile, and the
    tests that fail are the graded ones; they must be what the chapter's
    tests/lab-graded.txt says (--update rewrites it);
 2. the reference (no region stubbed): every chapter test must pass;
 3. each region stubbed alone: it must compile, and at least one of the
    chapter's tests must fail. Tiers run in order, unit, then root, then
    tutorial, each stopping at its first failure, so a region costs the
    recompile of its file and the tests up to the first one that catches it.

Only the region's file changes between two of these builds, so ninja
recompiles one or two translation units (ccache has the rest); the first
build of the work tree reuses the reference build's objects through ccache
(cmake/GoraeCcache.cmake).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

from . import graded, lab

TIERS = ("unit", "root", "tutorial")


class Work:
    """The lab work tree of one chapter and the commands run in it."""

    def __init__(self, repo, nn, preset):
        self.repo, self.nn, self.preset = repo, nn, preset
        self.root = os.path.join(repo, "build", preset, "lab-coverage", f"ch{nn}")
        self.build_dir = os.path.join(self.root, "build", preset)
        self.log_path = os.path.join(self.root, "coverage.log")
        self.runs = 0

    def prepare(self):
        """Writes the lab into the work tree, touching only what changed."""
        os.makedirs(self.root, exist_ok=True)
        with tempfile.TemporaryDirectory() as fresh:
            dest = os.path.join(fresh, "lab")
            found = lab.make_lab(self.repo, self.nn, dest, git=False)
            keep = set()
            for top, dirs, files in os.walk(dest):
                for name in files:
                    rel = os.path.relpath(os.path.join(top, name), dest)
                    keep.add(rel)
                    target = os.path.join(self.root, rel)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    if not same_bytes(os.path.join(top, name), target):
                        shutil.copy2(os.path.join(top, name), target)
        for top, dirs, files in os.walk(self.root):
            if os.path.relpath(top, self.root) == ".":
                dirs[:] = [d for d in dirs if d != "build"]
            for name in files:
                path = os.path.join(top, name)
                if os.path.relpath(path, self.root) not in keep | {"coverage.log"}:
                    os.remove(path)
        return found

    def command(self, cmd):
        with open(self.log_path, "a") as log:
            log.write(f"$ {' '.join(cmd)}\n")
            log.flush()
            proc = subprocess.run(cmd, cwd=self.root, stdout=log, stderr=subprocess.STDOUT)
        return proc.returncode

    def build(self):
        """Configures (first time) and builds; the compiler's first errors if it fails."""
        start = len(open(self.log_path, errors="replace").read()) \
            if os.path.exists(self.log_path) else 0
        ok = (os.path.exists(os.path.join(self.build_dir, "build.ninja"))
              or self.command(["cmake", "--preset", self.preset]) == 0) \
            and self.command(["cmake", "--build", "--preset", self.preset]) == 0
        if ok:
            return []
        with open(self.log_path, errors="replace") as f:
            f.seek(start)
            lines = f.read().splitlines()
        errors = [self.from_root(x.strip()) for x in lines
                  if re.search(r"\berror:|undefined reference|CMake Error", x)]
        return errors[:3] or ["the build failed (see " + self.log_path + ")"]

    def from_root(self, line):
        """"../../chapters/x.cpp" (relative to the build directory, see
        cmake/GoraeCcache.cmake) as "chapters/x.cpp": the lab has the
        repository's layout, so that is also the file in the repository."""
        def fix(m):
            return os.path.relpath(os.path.normpath(os.path.join(self.build_dir, m.group(0))),
                                   self.root)
        return re.sub(r"(?:\.\./)+[\w.+-]+(?:/[\w.+-]+)*", fix, line)

    def tests(self, label=None, stop_on_failure=False, retry=False):
        """Runs chapter tests (of one tier); {name: "pass"|"fail"|"skip"}.
        With retry, a test that fails runs once more: only a failure that
        repeats counts, so a flaky test neither fails the reference nor
        passes for a region's coverage."""
        self.runs += 1
        junit = os.path.join(self.build_dir, f"coverage-{self.runs}.xml")
        cmd = ["ctest", "--test-dir", self.build_dir, "-R", rf"^ch{self.nn}\.",
               "-j2", "--output-junit", junit]
        if label:
            cmd += ["-L", f"^{label}$"]
        if stop_on_failure:
            cmd.append("--stop-on-failure")
            # Without the costs of earlier runs ctest starts the tests in the
            # order they are declared, not the slowest first: the first
            # failure comes sooner.
            costs = os.path.join(self.build_dir, "Testing", "Temporary", "CTestCostData.txt")
            if os.path.exists(costs):
                os.remove(costs)
        if retry:
            cmd += ["--repeat", "until-pass:2"]
        self.command(cmd)
        return read_junit(junit)


def same_bytes(a, b):
    try:
        with open(a, "rb") as f, open(b, "rb") as g:
            return f.read() == g.read()
    except FileNotFoundError:
        return False


def read_junit(path):
    results = {}
    if not os.path.exists(path):
        return results
    for case in ET.parse(path).getroot().iter("testcase"):
        skip = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None \
                or (skip is not None and "find executable" in skip.get("message", "")):
            results[case.get("name")] = "fail"
        elif skip is not None or case.get("status") in ("notrun", "disabled"):
            results[case.get("name")] = "skip"
        else:
            results[case.get("name")] = "pass"
    return results


def failed(results):
    return sorted(n for n, r in results.items() if r == "fail")


def say(text=""):
    print(text, flush=True)


def seconds(start):
    return f"{time.monotonic() - start:.0f} s"


def run(repo, nn, preset="ci", update=False):
    """Runs the proof for chapter nn; returns (ok, report) where report is a
    list of (check, ok, detail) for a JUnit file."""
    began = time.monotonic()
    work = Work(repo, nn, preset)
    chapter_rel = lab.chapter_dir(repo, nn)
    report = []
    found = work.prepare()
    if os.path.exists(work.log_path):
        os.remove(work.log_path)
    say(f"chapter {nn} lab coverage: {len(found)} regions; "
        f"work tree {os.path.relpath(work.root, repo)} (log: coverage.log there)")

    # 1. The lab as handed out.
    step = time.monotonic()
    errors = work.build()
    if errors:
        say(f"FAIL the lab as handed out does not compile ({seconds(step)}):")
        for line in errors:
            say("       " + line)
        report.append(("lab-compiles", False, "\n".join(errors)))
        return False, report
    stubbed = work.tests()
    measured = set(failed(stubbed))
    say(f"PASS the lab compiles; {len(measured)} of {len(stubbed)} chapter tests "
        f"fail with every stub in place ({seconds(step)})")
    report.append(("lab-compiles", True, ""))
    # A listed test skipped here (no docker CLI, say) can be neither
    # confirmed nor refuted: it stays listed.
    listed = set(graded.load(repo, chapter_rel) or [])
    skipped = {n for n, r in stubbed.items() if r == "skip"}
    extra, missing = measured - listed, listed - measured - skipped
    list_ok = os.path.exists(graded.path(repo, chapter_rel)) and not extra and not missing
    if update and not list_ok:
        graded.save(repo, chapter_rel, nn, measured | (listed & skipped))
        say(f"     wrote {chapter_rel}/{graded.FILE}")
        list_ok = True
    elif not list_ok:
        say(f"FAIL {chapter_rel}/{graded.FILE} does not list the tests the stubs make fail:")
        for name in sorted(extra):
            say(f"       + {name}  (fails without the student's code: it grades the lab)")
        for name in sorted(missing):
            say(f"       - {name}  (" + ("passes with every stub in place" if name in stubbed
                                         else "no such test") + ")")
        say(f"     rewrite it with: scripts/grade {nn} --coverage --update")
    else:
        say(f"PASS {chapter_rel}/{graded.FILE} lists those tests")
    report.append(("graded-list", list_ok, ""))

    # 2. The reference.
    step = time.monotonic()
    lab.apply_variant(repo, work.root, found, set())
    errors = work.build()
    reference = {} if errors else work.tests(retry=True)
    broken = errors or failed(reference)
    if broken:
        say(f"FAIL the reference ({seconds(step)}): " + ("does not compile" if errors
                                                         else "these tests fail:"))
        for line in broken:
            say("       " + line)
    else:
        passed = sum(1 for r in reference.values() if r == "pass")
        say(f"PASS the reference passes all {passed} chapter tests ({seconds(step)})")
    report.append(("reference-passes", not broken, "\n".join(broken)))

    # 3. Each region alone.
    say("region -> the first test that fails with only that region stubbed:")
    uncovered = 0
    for region in found:
        step = time.monotonic()
        lab.apply_variant(repo, work.root, found, {region.id})
        where = f"{region.path.removeprefix(chapter_rel + '/')}:{region.line}"
        errors = work.build()
        caught = []
        tier = None
        if not errors:
            for tier in TIERS:
                caught = failed(work.tests(tier, stop_on_failure=True, retry=True))
                if caught:
                    break
        if errors:
            detail = "does not compile when stubbed alone: " + errors[0]
        elif caught:
            detail = ", ".join(caught[:3]) + f" ({tier})" \
                + (f" and {len(caught) - 3} more" if len(caught) > 3 else "")
        else:
            detail = "NOT COVERED: every chapter test passes with this region stubbed"
        ok = bool(caught) and not errors
        uncovered += not ok
        say(f"{'PASS' if ok else 'FAIL'} {region.id:<18} {where:<28} -> {detail} "
            f"({seconds(step)})")
        report.append((f"region.{region.id}", ok, detail))
    lab.apply_variant(repo, work.root, found, set())

    ok = all(r[1] for r in report)
    say(f"chapter {nn} lab coverage: {len(found) - uncovered} of {len(found)} regions "
        f"covered; {'all checks passed' if ok else 'FAILED'} ({seconds(began)})")
    return ok, report


def write_junit(path, nn, report):
    suite = ET.Element("testsuite", name=f"ch{nn}.lab-coverage", tests=str(len(report)),
                       failures=str(sum(1 for r in report if not r[1])))
    for check, ok, detail in report:
        case = ET.SubElement(suite, "testcase", classname=f"ch{nn}.lab-coverage", name=check)
        if not ok:
            ET.SubElement(case, "failure", message=detail.splitlines()[0] if detail else check)
        elif detail:
            ET.SubElement(case, "system-out").text = detail
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def chapters_with_regions(repo):
    return [nn for nn in lab.chapters(repo) if lab.lab_regions(repo, nn)]


if __name__ == "__main__":
    sys.exit("use scripts/grade NN --coverage")
