"""The tests that grade a chapter's lab, kept in chapters/NN-*/tests/lab-graded.txt.

They are the chapter's tests that fail while all of the lab's stubs are in
place, so a lab as handed out scores 0 of them and a finished one all of
them; the chapter's other tests pass without the student's code. The
coverage run (scripts/grade NN --coverage) measures the list and fails when
the file says otherwise; --update writes it.
"""

import os

FILE = "tests/lab-graded.txt"


def path(repo, chapter_rel):
    return os.path.join(repo, chapter_rel, FILE)


def load(repo, chapter_rel):
    """The graded test names, or None when the chapter has no list."""
    try:
        with open(path(repo, chapter_rel), encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return None
    return [x.strip() for x in lines if x.strip() and not x.startswith("#")]


def text(nn, names):
    header = [
        f"# Chapter {nn}'s tests that fail while every lab stub is in place: they",
        f"# grade the lab (scripts/grade {nn}); the chapter's other tests pass without",
        "# the student's code. Measured and checked by CI's coverage run; after",
        f"# adding or changing tests, rewrite it with: scripts/grade {nn} --coverage --update",
    ]
    return "\n".join(header + sorted(names)) + "\n"


def save(repo, chapter_rel, nn, names):
    with open(path(repo, chapter_rel), "w", encoding="utf-8") as f:
        f.write(text(nn, names))
