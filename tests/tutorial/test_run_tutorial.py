"""Tests for run_tutorial.py: the matcher, the page parser, and whole runs of
the small pages in fixtures/ (with --no-daemon, or with fixtures/fake_daemon.py).

Run: python3 -m unittest -v test_run_tutorial   (from this directory)
"""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_tutorial as rt  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures")
RUNNER = os.path.join(HERE, "run_tutorial.py")


def run_page(name, *extra, env=None):
    """Run the runner on fixtures/<name>; return (exit status, output)."""
    args = [sys.executable, RUNNER, "--page", os.path.join(FIXTURES, name)]
    args += list(extra) or ["--no-daemon"]
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=60, env=env)
    return proc.returncode, proc.stdout


class MatcherTest(unittest.TestCase):
    def test_exact_lines_match(self):
        self.assertTrue(rt.output_matches(["a", "b"], ["a", "b"]))

    def test_different_line_does_not_match(self):
        self.assertFalse(rt.output_matches(["a", "b"], ["a", "c"]))

    def test_missing_and_extra_lines_do_not_match(self):
        self.assertFalse(rt.output_matches(["a", "b"], ["a"]))
        self.assertFalse(rt.output_matches(["a"], ["a", "b"]))

    def test_empty_expected_needs_empty_output(self):
        self.assertTrue(rt.output_matches([], []))
        self.assertTrue(rt.output_matches([], ["", "  "]))
        self.assertFalse(rt.output_matches([], ["x"]))

    def test_trailing_whitespace_and_blank_lines_are_ignored(self):
        self.assertTrue(rt.output_matches(["a  ", ""], ["a", "", ""]))

    def test_leading_whitespace_counts(self):
        self.assertFalse(rt.output_matches(["a"], ["  a"]))

    def test_placeholder_matches_text_within_a_line(self):
        self.assertTrue(rt.output_matches(["id <...> ok"], ["id 4f2a9c ok"]))
        self.assertTrue(rt.output_matches(["id <...> ok"], ["id  ok"]))
        self.assertTrue(rt.output_matches(["<...>"], ["anything"]))
        self.assertTrue(rt.output_matches(["<...>:<...>"], ["a:b:c"]))

    def test_placeholder_does_not_cross_lines(self):
        self.assertFalse(rt.output_matches(["a<...>b"], ["a", "b"]))
        self.assertFalse(rt.output_matches(["id <...> ok"], ["id 1 ok", "x"]))

    def test_placeholder_keeps_the_rest_literal(self):
        self.assertFalse(rt.output_matches(["id <...> ok"], ["id 1 OK"]))
        self.assertFalse(rt.output_matches(["a.c <...>"], ["abc x"]))
        self.assertTrue(rt.output_matches(["(x) [y] <...>*"], ["(x) [y] z*"]))

    def test_dots_match_zero_or_more_lines(self):
        self.assertTrue(rt.output_matches(["a", "...", "z"], ["a", "z"]))
        self.assertTrue(rt.output_matches(["a", "...", "z"],
                                          ["a", "b", "c", "z"]))
        self.assertTrue(rt.output_matches(["..."], []))
        self.assertTrue(rt.output_matches(["a", "..."], ["a", "b", "c"]))
        self.assertTrue(rt.output_matches(["...", "z"], ["x", "y", "z"]))
        self.assertFalse(rt.output_matches(["a", "...", "z"], ["a", "b"]))
        self.assertFalse(rt.output_matches(["a", "...", "z"], ["b", "z"]))

    def test_dots_only_as_a_whole_line(self):
        self.assertFalse(rt.output_matches(["a..."], ["a", "b"]))
        self.assertTrue(rt.output_matches(["a..."], ["a..."]))

    def test_crlf_is_read_as_lf(self):
        self.assertEqual(rt.split_output(b"a\r\nb\r\n\r\n"), ["a", "b"])


class ParserTest(unittest.TestCase):
    def parse(self, text):
        return rt.parse_page(text)

    def test_only_console_blocks_run(self):
        page = ("```sh\n$ no\n```\n"
                "```console\n$ echo yes\nyes\n```\n"
                "```text\n$ no\n```\n")
        [cmd] = self.parse(page)
        self.assertEqual((cmd.line, cmd.text, cmd.expected, cmd.exit_status),
                         (5, "echo yes", ["yes"], 0))

    def test_commands_split_expected_output(self):
        page = "```console\n$ a\n1\n2\n$ b\n$ c\n3\n```\n"
        cmds = self.parse(page)
        self.assertEqual([(c.line, c.text, c.expected) for c in cmds],
                         [(2, "a", ["1", "2"]), (5, "b", []), (6, "c", ["3"])])

    def test_continuation_lines_join_the_command(self):
        page = "```console\n$ printf '%s' \\\n    x \\\n  y\nxy\n```\n"
        [cmd] = self.parse(page)
        self.assertEqual(cmd.text, "printf '%s' \\\n    x \\\n  y")
        self.assertEqual(cmd.expected, ["xy"])
        self.assertEqual(cmd.title(), "printf '%s' x y")

    def test_exit_line_sets_the_status(self):
        page = "```console\n$ f\nout\n[exit 3]\n$ g\n[exit 1]\n```\n"
        f, g = self.parse(page)
        self.assertEqual((f.expected, f.exit_status), (["out"], 3))
        self.assertEqual((g.expected, g.exit_status), ([], 1))

    def test_exit_line_only_counts_last(self):
        [cmd] = self.parse("```console\n$ f\n[exit 3]\nmore\n```\n")
        self.assertEqual((cmd.expected, cmd.exit_status),
                         (["[exit 3]", "more"], 0))

    def test_console_inside_a_longer_fence_does_not_run(self):
        page = "````markdown\n```console\n$ no\n```\n````\n"
        self.assertEqual(self.parse(page), [])

    def test_indented_block_in_a_list(self):
        page = "1. Run:\n\n   ```console\n   $ echo hi\n   hi\n   ```\n"
        [cmd] = self.parse(page)
        self.assertEqual((cmd.line, cmd.text, cmd.expected),
                         (4, "echo hi", ["hi"]))

    def test_output_before_a_command_is_an_error(self):
        with self.assertRaises(rt.PageError):
            self.parse("```console\nstray\n$ echo\n```\n")


class RunnerTest(unittest.TestCase):
    def test_passing_page(self):
        status, out = run_page("pass.md")
        self.assertEqual(status, 0, out)
        self.assertNotIn("FAIL", out)
        self.assertIn("ok   6 echo hello\n", out)
        self.assertIn("ok   42 echo 'not found' >&2; exit 3\n", out)
        self.assertTrue(out.endswith("pass.md: 11 passed, 0 failed\n"), out)

    def test_wrong_output_fails_with_a_diff(self):
        status, out = run_page("wrong_output.md")
        self.assertEqual(status, 1, out)
        self.assertIn("ok   2 echo fine\n", out)
        self.assertIn("FAIL 4 echo actual\n", out)
        self.assertIn("    -expected\n    +actual\n", out)
        self.assertTrue(out.endswith(": 1 passed, 1 failed\n"), out)

    def test_wrong_exit_status_fails(self):
        status, out = run_page("wrong_exit.md")
        self.assertEqual(status, 1, out)
        self.assertIn("FAIL 2 echo hi; exit 2\n", out)
        self.assertIn("exit status: expected 3, got 2", out)

    def test_missing_output_fails(self):
        status, out = run_page("missing_output.md")
        self.assertEqual(status, 1, out)
        self.assertIn("FAIL 2 true\n", out)
        self.assertIn("-something the command should have printed", out)

    def test_unexpected_output_fails(self):
        status, out = run_page("unexpected_output.md")
        self.assertEqual(status, 1, out)
        self.assertIn("FAIL 2 echo surprise\n", out)
        self.assertIn("+surprise", out)

    def test_page_without_commands_fails(self):
        status, out = run_page("empty.md")
        self.assertEqual(status, 1, out)
        self.assertIn("no console commands found", out)

    def test_timeout_fails(self):
        status, out = run_page("timeout.md", "--no-daemon", "--timeout", "1")
        self.assertEqual(status, 1, out)
        self.assertIn("timed out after 1 s", out)

    def test_list_prints_without_running(self):
        status, out = run_page("wrong_exit.md", "--list")
        self.assertEqual(status, 0, out)
        self.assertEqual(out, "2: $ echo hi; exit 2\n    | hi\n    [exit 3]\n")


class DaemonTest(unittest.TestCase):
    DAEMON = os.path.join(FIXTURES, "fake_daemon.py")

    def run_with_daemon(self, mode=""):
        env = dict(os.environ, FAKE_DAEMON_MODE=mode)
        return run_page("daemon.md", "--daemon", self.DAEMON, env=env)

    def test_daemon_answers_and_stops_cleanly(self):
        status, out = self.run_with_daemon()
        self.assertEqual(status, 0, out)
        self.assertIn("ok   2 curl", out)

    def test_socket_left_behind_fails(self):
        status, out = self.run_with_daemon("leave-socket")
        self.assertEqual(status, 1, out)
        self.assertIn("left its socket", out)
        self.assertIn("fake daemon listening", out)  # the log tail

    def test_nonzero_daemon_exit_fails(self):
        status, out = self.run_with_daemon("exit-1")
        self.assertEqual(status, 1, out)
        self.assertIn("daemon exited with status 1 after SIGTERM", out)

    def test_daemon_that_does_not_start_fails(self):
        status, out = run_page("daemon.md", "--daemon", "/bin/false")
        self.assertEqual(status, 1, out)
        self.assertIn("daemon exited during start-up with status 1", out)


if __name__ == "__main__":
    unittest.main()
