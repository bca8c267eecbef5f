"""Writing a student's repository for one chapter (scripts/make-lab).

The lab is the project at chapter NN: every file of the repository,
without the chapters after NN (nor their pages in docs/), with chapter NN's
lab regions replaced by stubs, and a LAB.md on top. Variants with only some
regions stubbed are what the coverage run builds (labkit/coverage.py).
"""

import os
import re
import shutil
import subprocess

from . import regions

CHAPTER_DIR = re.compile(r"^(\d{2})-[a-z0-9-]+$")


class LabError(Exception):
    pass


def chapters(repo):
    """{"01": "chapters/01-socket-api", ...} for the chapters in repo."""
    found = {}
    top = os.path.join(repo, "chapters")
    for name in sorted(os.listdir(top)) if os.path.isdir(top) else []:
        m = CHAPTER_DIR.match(name)
        if m and os.path.isfile(os.path.join(top, name, "CMakeLists.txt")):
            found[m.group(1)] = f"chapters/{name}"
    return found


def chapter_dir(repo, nn):
    found = chapters(repo)
    if nn not in found:
        have = ", ".join(found) or "none"
        raise LabError(f"there is no chapter {nn} in {repo} (chapters: {have})")
    return found[nn]


def lab_regions(repo, nn):
    """Chapter nn's regions, with paths relative to the repository."""
    rel = chapter_dir(repo, nn)
    found = regions.chapter_regions(os.path.join(repo, rel), nn)
    for region in found:
        region.path = f"{rel}/{region.path}"
    return found


def tracked_files(repo):
    """The repository's files as git sees them: tracked, or new and not
    ignored (so no build trees); without git, every file outside build/
    and .git/."""
    try:
        out = subprocess.run(["git", "-C", repo, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], check=True,
                             capture_output=True).stdout.decode()
        files = [f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for root, dirs, names in os.walk(repo):
            rel_root = os.path.relpath(root, repo)
            dirs[:] = [d for d in dirs
                       if not (rel_root == "." and d in ("build", ".git"))]
            files += [os.path.normpath(os.path.join(rel_root, n)) for n in names]
    return sorted(f for f in files if os.path.isfile(os.path.join(repo, f)))


def _later(rel, nn):
    """Whether rel belongs to a chapter after nn: its folder or its page."""
    m = re.match(r"^(?:chapters/|docs/chapters/)(\d{2})-", rel)
    return bool(m) and m.group(1) > nn


def write_if_changed(path, text):
    """Writes text unless the file already holds it, so that ninja rebuilds
    only what a variant changed."""
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return False
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return True


def apply_variant(repo, dest, found, stub_ids):
    """Writes chapter files into dest with the regions in stub_ids stubbed
    and every other region as in the reference. Returns the changed paths."""
    changed = []
    for path in sorted({r.path for r in found}):
        with open(os.path.join(repo, path), encoding="utf-8") as f:
            text = f.read()
        if write_if_changed(os.path.join(dest, path), regions.render(path, text, stub_ids)):
            changed.append(path)
    return changed


def _drop_later_toc_entries(dest, nn):
    """docs/index.md lists chapter pages; the lab has none after nn."""
    index = os.path.join(dest, "docs", "index.md")
    if not os.path.isfile(index):
        return
    with open(index, encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    kept = [line for line in lines if not _later(line.strip(), nn)]
    write_if_changed(index, "".join(kept))


def make_lab(repo, nn, dest, git=True, lab_md=None):
    """Writes chapter nn's lab into dest (which must not exist or be empty)."""
    found = lab_regions(repo, nn)
    if not found:
        raise LabError(f"chapter {nn} has no lab regions (// LAB({nn}) id: task ... "
                       "// LAB-END in its src/ or include/)")
    if os.path.exists(dest) and os.listdir(dest):
        raise LabError(f"{dest} exists and is not empty")
    for rel in tracked_files(repo):
        if _later(rel, nn):
            continue
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(repo, rel), target)
    apply_variant(repo, dest, found, {r.id for r in found})
    _drop_later_toc_entries(dest, nn)
    with open(os.path.join(dest, "LAB.md"), "w", encoding="utf-8") as f:
        f.write(lab_md(found) if lab_md else "")
    if git:
        _commit(dest, nn)
    return found


def _commit(dest, nn):
    """The lab as handed out is the first commit: `git diff` shows the work."""
    quiet = {"capture_output": True, "check": True}
    try:
        subprocess.run(["git", "init", "-q", "-b", "main", dest], **quiet)
        subprocess.run(["git", "-C", dest, "add", "-A"], **quiet)
        subprocess.run(["git", "-C", dest, "-c", "user.name=gorae make-lab",
                        "-c", "user.email=make-lab@gorae.invalid", "commit", "-q",
                        "-m", f"Chapter {nn} lab, as handed out"], **quiet)
    except (OSError, subprocess.CalledProcessError) as e:
        raise LabError(f"git init in {dest} failed: {e}") from e
