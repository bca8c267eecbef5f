"""LAB.md: what a student reads first in a lab (scripts/make-lab)."""

import os
import re

from . import graded


def _title_and_goal(readme):
    """The chapter page's title and its Goal section's first paragraph."""
    try:
        with open(readme, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None, None
    title = re.search(r"^# (.+)$", text, re.M)
    # The first paragraph, and the list after it when it ends with a colon
    # ("... at the end a container sees only itself:").
    goal = re.search(r"^## Goal\n\n(.+?)\n\n(?:((?:[-*] |\d+\. ).+?)(?:\n\n|\Z))?",
                     text, re.M | re.S)
    if not goal:
        return (title.group(1) if title else None), None
    paragraph = goal.group(1).strip()
    if paragraph.endswith(":") and goal.group(2):
        paragraph += "\n\n" + goal.group(2).strip()
    return (title.group(1) if title else None), paragraph


def _example_group(nn, tests):
    """A test group to show in the ctest example: the first graded suite."""
    for name in tests or []:
        parts = name.split(".")
        if len(parts) == 3:
            return f"ch{nn}\\.{parts[1]}\\."
    return f"ch{nn}\\."


def render(repo, nn, chapter_rel, found):
    title, goal = _title_and_goal(os.path.join(repo, chapter_rel, "README.md"))
    tests = graded.load(repo, chapter_rel)
    needs_root = int(nn) >= 2
    sudo = "sudo " if needs_root else ""
    sock_dir = f"/tmp/gorae-lab{nn}"
    out = [f"# Lab: {title or 'chapter ' + nn}", ""]
    out += [
        f"This repository is gorae as it stands at the end of chapter {nn}, with the",
        f"chapter's central code taken out: {len(found)} tasks, listed below, are stubs",
        "that compile and fail loudly. Write them, and the chapter's own tests grade",
        "you. Nothing else needs to change.", ""]
    if goal:
        out += ["**The goal of the chapter.** " + goal, ""]
    out += [
        "## 1. Read", "",
        f"Read the chapter's page first, `{chapter_rel}/README.md`: what the chapter",
        "does (*See it*), the idea (*How it works*) and a tour of its code (*Build it*).",
        "Then read the files of the tasks below around the stubs: the code you are to",
        "write calls and is called by code that is already there.", "",
        "## 2. Build", "",
        "```sh",
        "sudo scripts/install-deps        # once per machine: compilers and libraries",
        "cmake --preset dev && cmake --build --preset dev",
        "```", "",
        "The lab builds as handed out. Each stub throws (or returns an error, or",
        "exits, where it runs in a forked child) with a message that names the",
        f"chapter, the task and the file: `not implemented yet: chapter {nn}, <task>: ...`.", "",
        "## 3. Your tasks", "",
        "Each task sits between `// LAB(NN) id: ...` and `// LAB-END`. Replace the",
        "stub between them with your code; keep the two marker lines, and the comment",
        "lines under the first, which say more about the task.", ""]
    for n, region in enumerate(found, 1):
        out.append(f"{n}. **{region.id}** ({region.path}, line {region.line}): {region.task}")
        for detail in region.details:
            out.append(f"   {detail}".rstrip())
        out.append("")
    out += [
        "## 4. Run your chapter's daemon", "",
        (f"`goraed-ch{nn}` is the chapter's daemon." if nn == "01" else
         f"`goraed-ch{nn}` is the daemon of chapters 01 to {nn}.")
        + " Start it on a socket of your own and", "talk to it as the chapter's page does:", "",
        "```sh",
        f"export SOCK={sock_dir}/gorae.sock GORAE_HOST=unix://{sock_dir}/gorae.sock",
        f"{sudo}build/dev/bin/goraed-ch{nn} -H unix://$SOCK --data-root {sock_dir}/data \\",
        f"     --exec-root {sock_dir}/exec --pidfile {sock_dir}/goraed.pid",
        "# in a second terminal, with the same two variables exported:",
        'curl -s --unix-socket "$SOCK" http://localhost/_ping',
        "build/dev/bin/gorae version",
        "```", ""]
    if needs_root:
        out += ["The daemon needs root from this chapter on: it forks containers and",
                "changes their root directory.", ""]
    out += [
        "## 5. Grade yourself", "",
        "```sh",
        f"{sudo}scripts/grade {nn}",
        "```", "",
        "builds the lab and runs the chapter's tests (unit, root and the page's",
        "tutorial), one line per test, then the score."
        + (f" {len(tests)} tests check your tasks; as handed out, the score is 0 of"
           " them (a test skipped here, say for want of the docker CLI, does not count)."
           if tests else ""),
        "The chapter's other tests pass without your code: they are run too, and",
        "listed only if you broke one. `--junit FILE` also writes a JUnit report.", "",
        "To run one group of tests while you work, with their full output:", "",
        "```sh",
        f"{sudo}ctest --test-dir build/dev -R '^{_example_group(nn, tests)}' --output-on-failure",
        "```", "",
        "The lab is a git repository whose first commit is the lab as handed out:",
        "`git diff` shows your work. A build that fails scores 0 and shows the",
        "compiler's first error.", ""]
    return "\n".join(out)
