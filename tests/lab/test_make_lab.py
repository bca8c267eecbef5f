"""Unit tests for writing a lab (scripts/labkit/lab.py), on a small fake repository."""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
from labkit import lab, lab_md  # noqa: E402

FILES = {
    "CMakeLists.txt": "project(x)\n",
    "chapters/01-one/CMakeLists.txt": "",
    "chapters/01-one/src/a.cpp": '#include "a.hpp"\nint a() {\n  // LAB(01) a: Return one\n'
                                 "  return 1;\n  // LAB-END\n}\n",
    "chapters/02-two/CMakeLists.txt": "",
    "chapters/02-two/src/b.cpp": "int b() {\n  // LAB(02) b: Return two\n  return 2;\n"
                                 "  // LAB-END\n}\n",
    "docs/index.md": "```{toctree}\nchapters/01-one\nchapters/02-two\nreference/index\n```\n",
    "docs/chapters/01-one.md": "one\n",
    "docs/chapters/02-two.md": "two\n",
}


class MakeLab(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.repo = os.path.join(self.tmp.name, "repo")
        for rel, text in FILES.items():
            path = os.path.join(self.repo, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        # Build trees are never part of a lab.
        os.makedirs(os.path.join(self.repo, "build", "dev"))
        with open(os.path.join(self.repo, "build", "dev", "x.o"), "w") as f:
            f.write("")

    def tearDown(self):
        self.tmp.cleanup()

    def read(self, *parts):
        with open(os.path.join(*parts)) as f:
            return f.read()

    def test_chapter_one_lab_drops_later_chapters_and_stubs_its_regions(self):
        dest = os.path.join(self.tmp.name, "lab01")
        found = lab.make_lab(self.repo, "01", dest, git=False, lab_md=lambda f: "tasks\n")
        self.assertEqual([r.path for r in found], ["chapters/01-one/src/a.cpp"])
        self.assertFalse(os.path.exists(os.path.join(dest, "chapters/02-two")))
        self.assertFalse(os.path.exists(os.path.join(dest, "docs/chapters/02-two.md")))
        self.assertFalse(os.path.exists(os.path.join(dest, "build")))
        self.assertNotIn("chapters/02-two", self.read(dest, "docs/index.md"))
        self.assertIn("chapters/01-one", self.read(dest, "docs/index.md"))
        stubbed = self.read(dest, "chapters/01-one/src/a.cpp")
        self.assertIn('throw gorae::NotImplemented("chapter 01, a: Return one '
                      '(chapters/01-one/src/a.cpp)");', stubbed)
        self.assertNotIn("return 1;", stubbed)
        self.assertEqual(self.read(dest, "LAB.md"), "tasks\n")

    def test_the_last_chapters_lab_keeps_earlier_chapters_as_the_reference(self):
        dest = os.path.join(self.tmp.name, "lab02")
        lab.make_lab(self.repo, "02", dest, git=False, lab_md=lambda f: "")
        self.assertIn("return 1;", self.read(dest, "chapters/01-one/src/a.cpp"))
        self.assertNotIn("return 2;", self.read(dest, "chapters/02-two/src/b.cpp"))

    def test_refuses_a_chapter_without_regions_or_a_missing_one(self):
        os.remove(os.path.join(self.repo, "chapters/02-two/src/b.cpp"))
        with self.assertRaisesRegex(lab.LabError, "chapter 02 has no lab regions"):
            lab.make_lab(self.repo, "02", os.path.join(self.tmp.name, "x"), git=False)
        with self.assertRaisesRegex(lab.LabError, r"no chapter 07 .*chapters: 01, 02"):
            lab.make_lab(self.repo, "07", os.path.join(self.tmp.name, "y"), git=False)

    def test_refuses_a_directory_that_is_not_empty(self):
        dest = os.path.join(self.tmp.name, "full")
        os.makedirs(dest)
        with open(os.path.join(dest, "mine"), "w") as f:
            f.write("")
        with self.assertRaisesRegex(lab.LabError, "exists and is not empty"):
            lab.make_lab(self.repo, "01", dest, git=False)

    def test_a_lab_is_a_git_repository_with_the_handout_as_first_commit(self):
        dest = os.path.join(self.tmp.name, "lab01")
        lab.make_lab(self.repo, "01", dest, lab_md=lambda f: "")
        log = subprocess.run(["git", "-C", dest, "log", "--format=%s"], check=True,
                             capture_output=True, text=True).stdout
        self.assertEqual(log, "Chapter 01 lab, as handed out\n")
        status = subprocess.run(["git", "-C", dest, "status", "--porcelain"], check=True,
                                capture_output=True, text=True).stdout
        self.assertEqual(status, "")


class LabMdGoal(unittest.TestCase):
    """LAB.md quotes the Goal of the chapter's page."""

    def goal(self, page):
        with tempfile.NamedTemporaryFile("w", suffix=".md") as f:
            f.write(page)
            f.flush()
            return lab_md._title_and_goal(f.name)

    def test_the_first_paragraph(self):
        self.assertEqual(self.goal("# Chapter 09: x\n\n## Goal\n\nOne\nparagraph.\n\nMore.\n"),
                         ("Chapter 09: x", "One\nparagraph."))

    def test_a_paragraph_ending_in_a_colon_keeps_its_list(self):
        page = "# T\n\n## Goal\n\nIt gets:\n\n- one;\n- two.\n\nAfter.\n"
        self.assertEqual(self.goal(page)[1], "It gets:\n\n- one;\n- two.")
        self.assertEqual(self.goal("# T\n\n## Goal\n\nIt gets:\n\n- one.\n")[1],
                         "It gets:\n\n- one.")

    def test_no_goal_section(self):
        self.assertEqual(self.goal("# T\n\ntext\n"), ("T", None))


if __name__ == "__main__":
    unittest.main()
