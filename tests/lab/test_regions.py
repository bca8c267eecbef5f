"""Unit tests for the lab region parser and the stub renderer
(scripts/labkit/regions.py)."""

import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
from labkit import regions  # noqa: E402


def src(text):
    return textwrap.dedent(text).lstrip("\n")


ROUTER = src("""
    #include <string>
    #include "gorae/api/router.hpp"

    int match(int a, int b) {
      // LAB(01) route-match: Match a path against a pattern
      // Literal segments must be equal.
      if (a == b) return 1;
      return 0;
      // LAB-END
    }

    void other() {
      // LAB(01): Say hello
      hello();
      // LAB-STUB: gorae::lab::child_not_implemented(2, @TASK@);
      // LAB-END
    }
""")


class Parser(unittest.TestCase):
    def test_finds_regions_with_ids_tasks_and_lines(self):
        found = regions.parse("src/router.cpp", ROUTER)
        self.assertEqual([r.id for r in found], ["route-match", "router-2"])
        first = found[0]
        self.assertEqual((first.chapter, first.task, first.line), ("01", "Match a path against a pattern", 5))
        self.assertEqual(first.details, ["Literal segments must be equal."])
        self.assertEqual(found[1].stub, ["gorae::lab::child_not_implemented(2, @TASK@);"])

    def test_nested_marker_is_an_error_naming_both_lines(self):
        text = src("""
            // LAB(01) outer: Outer
            a();
            // LAB(01) inner: Inner
            b();
            // LAB-END
            // LAB-END
        """)
        with self.assertRaises(regions.RegionError) as caught:
            regions.parse("src/x.cpp", text)
        message = str(caught.exception)
        self.assertIn("src/x.cpp:3", message)
        self.assertIn("'outer' opened at line 1", message)
        self.assertIn("do not nest", message)

    def test_missing_end_marker_is_an_error_at_the_marker(self):
        text = src("""
            void f() {
              // LAB(02) resolve: Resolve a reference
              return;
            }
        """)
        with self.assertRaisesRegex(regions.RegionError,
                                    r"^src/store\.cpp:2: LAB region 'resolve' has no // LAB-END"):
            regions.parse("src/store.cpp", text)

    def test_end_without_marker_is_an_error(self):
        with self.assertRaisesRegex(regions.RegionError, r"^a\.cpp:2: LAB-END without"):
            regions.parse("a.cpp", "x();\n// LAB-END\n")

    def test_stub_outside_a_region_is_an_error(self):
        with self.assertRaisesRegex(regions.RegionError, r"^a\.cpp:1: LAB-STUB outside"):
            regions.parse("a.cpp", "// LAB-STUB: return 1;\n")

    def test_a_misspelt_marker_is_an_error_not_reference_code(self):
        for line in ("// LAB(1) x: task", "// LAB(01) Bad_Id: task", "// LAB(01) id task",
                     "// LAB-ENDS"):
            with self.subTest(line=line), self.assertRaisesRegex(regions.RegionError,
                                                                 "malformed LAB marker"):
                regions.parse("a.cpp", line + "\n")

    def test_words_that_only_start_with_lab_are_not_markers(self):
        self.assertEqual(regions.parse("a.cpp", "// LABELS are fine\nint x;\n"), [])

    def test_markers_in_headers_are_regions_too(self):
        header = src("""
            #pragma once
            #include <string>
            inline int twice(int x) {
              // LAB(03) twice: Double it
              return 2 * x;
              // LAB-END
            }
        """)
        found = regions.parse("include/gorae/ns/twice.hpp", header)
        self.assertEqual([r.id for r in found], ["twice"])
        lab = regions.render("include/gorae/ns/twice.hpp", header, {"twice"})
        # A header gets the pragma-free include: its pragmas would reach every includer.
        self.assertIn('#include "gorae/lab/not_implemented.hpp"', lab)
        self.assertNotIn("stubs.hpp", lab)
        self.assertIn("throw gorae::NotImplemented(", lab)
        self.assertNotIn("2 * x", lab)


class Render(unittest.TestCase):
    def test_stubs_only_the_chosen_regions_and_keeps_the_task_text(self):
        lab = regions.render("src/router.cpp", ROUTER, {"route-match"})
        self.assertEqual(lab, src("""
            #include <string>
            #include "gorae/api/router.hpp"
            #include "gorae/lab/stubs.hpp"  // scripts/make-lab: the stubs below

            int match(int a, int b) {
              // LAB(01) route-match: Match a path against a pattern
              // Literal segments must be equal.
              throw gorae::NotImplemented("chapter 01, route-match: Match a path against a pattern (src/router.cpp)");
              // LAB-END
            }

            void other() {
              // LAB(01): Say hello
              hello();
              // LAB-STUB: gorae::lab::child_not_implemented(2, @TASK@);
              // LAB-END
            }
        """))

    def test_lab_stub_lines_replace_the_default_stub(self):
        lab = regions.render("src/router.cpp", ROUTER, {"router-2"})
        self.assertIn('  gorae::lab::child_not_implemented(2, "chapter 01, router-2: Say hello '
                      '(src/router.cpp)");\n  // LAB-END', lab)
        self.assertNotIn("hello();", lab)

    def test_nothing_to_stub_leaves_the_file_byte_for_byte(self):
        self.assertEqual(regions.render("src/router.cpp", ROUTER, set()), ROUTER)

    def test_the_task_is_escaped_into_a_valid_literal(self):
        text = '// LAB(01) q: Say "hi" \\ bye\nx();\n// LAB-END\n'
        lab = regions.render("a.cpp", text, {"q"})
        self.assertIn(r'NotImplemented("chapter 01, q: Say \"hi\" \\ bye (a.cpp)");', lab)


class Chapter(unittest.TestCase):
    def write(self, root, rel, text):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def test_collects_src_and_include_with_relative_paths(self):
        with tempfile.TemporaryDirectory() as root:
            self.write(root, "src/a.cpp", "// LAB(02) one: One\nx();\n// LAB-END\n")
            self.write(root, "include/gorae/x/b.hpp", "// LAB(02) two: Two\ny();\n// LAB-END\n")
            self.write(root, "tests/c_test.cpp", "// LAB(02) three: Not a source\n")
            found = regions.chapter_regions(root, "02")
        self.assertEqual([(r.path, r.id) for r in found],
                         [("src/a.cpp", "one"), ("include/gorae/x/b.hpp", "two")])

    def test_duplicate_ids_and_foreign_chapters_are_errors(self):
        with tempfile.TemporaryDirectory() as root:
            self.write(root, "src/a.cpp", "// LAB(02) one: One\nx();\n// LAB-END\n")
            self.write(root, "src/b.cpp", "// LAB(02) one: Again\nx();\n// LAB-END\n")
            with self.assertRaisesRegex(regions.RegionError,
                                        r"src/b\.cpp:1: region id 'one' is already used at src/a\.cpp:1"):
                regions.chapter_regions(root, "02")
        with tempfile.TemporaryDirectory() as root:
            self.write(root, "src/a.cpp", "// LAB(03) one: One\nx();\n// LAB-END\n")
            with self.assertRaisesRegex(regions.RegionError, r"LAB\(03\) in chapter 02's sources"):
                regions.chapter_regions(root, "02")


if __name__ == "__main__":
    unittest.main()
