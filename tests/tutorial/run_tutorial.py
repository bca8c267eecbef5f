#!/usr/bin/python3
"""Run the console sessions of a chapter page against a live daemon.

Every chapter's README.md is a page of the book, and the commands it shows are
tests: this script runs each one and compares what it prints with what the
page says it prints.

    run_tutorial.py --page chapters/01-socket-api/README.md \\
                    --daemon build/dev/bin/goraed-ch01 --bin-dir build/dev/bin

Page conventions
----------------
* Only ```console fenced blocks run. ```sh, ```text and other blocks are for
  reading only.
* In a console block a line starting with "$ " is a command. A command goes on
  over the following lines while a line ends with " \\" (bash sees the
  backslash-newline as a line continuation, as a reader's shell would).
* The lines after a command, up to the next "$ " line or the end of the block,
  are its expected output. A command with no expected output must print
  nothing.
* If the last expected line is "[exit N]", the command must exit with status N
  (that line is not output). Otherwise it must exit 0.
* Matching: stdout and stderr are read together, as a terminal shows them.
  Trailing whitespace on each line, trailing blank lines and "\\r" before "\\n"
  are ignored. In an expected line, "<...>" matches any text within that line
  (IDs, dates, sizes); a line that is exactly "..." matches zero or more whole
  lines.

How commands run
----------------
The runner makes a fresh temporary directory TMP, starts
    DAEMON -H unix://TMP/gorae.sock --data-root TMP/data --exec-root TMP/exec
           --pidfile TMP/goraed.pid
with its output in TMP/daemon.log, and waits (up to 20 s) until GET /_ping on
the socket answers 200. Each command then runs as `bash -o pipefail -c CMD` in
TMP/work (shared by all commands of the page, so files carry over), with stdin
from /dev/null, a timeout (30 s by default), and this environment:
    PATH        BIN_DIR prepended
    SOCK        TMP/gorae.sock
    GORAE_HOST  unix://TMP/gorae.sock
    DOCKER_HOST unset
Readers export the same two variables for their own daemon. A command must not
leave background processes holding its output open: it would time out.

At the end (also after a failure, an exception or SIGTERM) the daemon gets
SIGTERM, then SIGKILL after 10 s. It must exit 0 and remove its socket file,
and nothing may stay mounted under TMP (what is, is unmounted), or the page
fails. On failure the tail of the daemon log is printed.

Report: one line per command, "ok   LINE COMMAND" or "FAIL LINE COMMAND"
followed by a diff of expected and actual output, then
"tutorial PAGE: N passed, M failed". Exit status 0 only if every command
passed, at least one ran, and the daemon stopped cleanly.

--no-daemon runs the commands without starting a daemon (the runner's own
tests); --list prints what was parsed and runs nothing.
"""

import argparse
import dataclasses
import difflib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DEFAULT_TIMEOUT = 30.0
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
LOG_TAIL_LINES = 40
MAX_DIFF_LINES = 80

PLACEHOLDER = "<...>"
ANY_LINES = "..."
EXIT_LINE = re.compile(r"^\[exit (\d+)\]$")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^\s`]*)")


@dataclasses.dataclass
class Command:
    line: int            # 1-based line of the "$ " line in the page
    text: str            # the command, continuation lines joined with "\n"
    expected: list       # expected output lines (without the [exit N] line)
    exit_status: int = 0

    def title(self):
        """The command on one line, for the report."""
        return re.sub(r"\s*\\\n\s*", " ", self.text)


class PageError(Exception):
    pass


# --------------------------------------------------------------------------
# Parsing the page

def _console_blocks(lines):
    """Yield (first_line_number, [lines]) for each ```console block."""
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m.group("fence"), len(m.group("indent"))
        runs = m.group("info").lower() == "console"
        start, body = i + 2, []
        i += 1
        while i < len(lines):
            close = FENCE.match(lines[i])
            if (close and close.group("fence")[0] == fence[0]
                    and len(close.group("fence")) >= len(fence)
                    and lines[i].strip() == close.group("fence")):
                break
            line = lines[i]
            strip = min(indent, len(line) - len(line.lstrip(" ")))
            body.append(line[strip:])
            i += 1
        i += 1  # past the closing fence (or the end of the page)
        if runs:
            yield start, body


def parse_page(text):
    """Return the Commands of a page's console blocks, in page order."""
    commands = []
    for start, body in _console_blocks(text.splitlines()):
        current = None
        i = 0
        while i < len(body):
            number, line = start + i, body[i]
            if line.startswith("$ ") or line.rstrip() == "$":
                cmd_lines = [line[2:]]
                while cmd_lines[-1].endswith(" \\") and i + 1 < len(body):
                    i += 1
                    cmd_lines.append(body[i])
                current = Command(number, "\n".join(cmd_lines), [])
                commands.append(current)
            elif current is None:
                if line.strip():
                    raise PageError(f"line {number}: output before any "
                                    f"'$ ' command in a console block")
            else:
                current.expected.append(line)
            i += 1
    for cmd in commands:
        cmd.expected = normalize(cmd.expected)
        if not cmd.text.strip():
            raise PageError(f"line {cmd.line}: empty command")
        if cmd.expected:
            m = EXIT_LINE.match(cmd.expected[-1])
            if m:
                cmd.exit_status = int(m.group(1))
                cmd.expected = normalize(cmd.expected[:-1])
    return commands


# --------------------------------------------------------------------------
# Matching

def normalize(lines):
    """Strip trailing whitespace of each line and trailing blank lines."""
    out = [line.rstrip() for line in lines]
    while out and not out[-1]:
        out.pop()
    return out


def split_output(data):
    """Decode command output into normalized lines."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return normalize(text.replace("\r\n", "\n").split("\n"))


def expected_regex(expected):
    """Compile expected lines to a regex over the actual lines joined by "\\n",
    each line followed by "\\n"."""
    parts = []
    for line in expected:
        if line == ANY_LINES:
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            pieces = (re.escape(p) for p in line.split(PLACEHOLDER))
            parts.append(r"[^\n]*?".join(pieces) + r"\n")
    return re.compile("".join(parts))


def output_matches(expected, actual):
    """True if the actual lines match the expected lines (with <...> and ...)."""
    expected, actual = normalize(expected), normalize(actual)
    text = "".join(line + "\n" for line in actual)
    return expected_regex(expected).fullmatch(text) is not None


def output_diff(expected, actual):
    diff = list(difflib.unified_diff(expected, actual, "expected", "actual",
                                     lineterm="", n=2))
    if len(diff) > MAX_DIFF_LINES:
        diff = diff[:MAX_DIFF_LINES] + [f"... ({len(diff) - MAX_DIFF_LINES} "
                                        f"more diff lines)"]
    return diff


# --------------------------------------------------------------------------
# Running commands

@dataclasses.dataclass
class Result:
    output: list
    status: int = None   # None when timed out
    timed_out: bool = False


def run_command(cmd, cwd, env, timeout):
    proc = subprocess.Popen(["bash", "-o", "pipefail", "-c", cmd.text],
                            cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return Result(split_output(out), proc.returncode)
    except subprocess.TimeoutExpired:
        # Kill the whole group: a curl or sleep below bash holds the pipe.
        _killpg(proc.pid)
        out, _ = proc.communicate()
        return Result(split_output(out), None, timed_out=True)
    finally:
        if proc.poll() is None:
            _killpg(proc.pid)
            proc.wait()


def _killpg(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def describe_status(status):
    """"status 2" or "signal 9 (SIGKILL)", from a subprocess returncode."""
    if status >= 0:
        return f"status {status}"
    try:
        return f"signal {-status} ({signal.Signals(-status).name})"
    except ValueError:
        return f"signal {-status}"


def check_command(cmd, result, timeout):
    """Return the report lines explaining a failure ([] if it passed)."""
    problems = []
    if not output_matches(cmd.expected, result.output):
        if not cmd.expected:
            problems.append("expected no output, got:")
        problems += output_diff(cmd.expected, result.output)
    if result.timed_out:
        problems.append(f"timed out after {timeout:g} s")
    elif result.status != cmd.exit_status:
        got = (result.status if result.status >= 0
               else "killed by " + describe_status(result.status))
        problems.append(f"exit status: expected {cmd.exit_status}, got {got}")
    return problems


# --------------------------------------------------------------------------
# The daemon

class DaemonError(Exception):
    pass


def ping(sock_path, timeout=2.0):
    """True if GET /_ping on the unix socket answers 200."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(sock_path)
            s.sendall(b"GET /_ping HTTP/1.1\r\nHost: gorae\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return False
    status_line = data.split(b"\r\n", 1)[0].split()
    return len(status_line) >= 2 and status_line[1] == b"200"


class Daemon:
    def __init__(self, path, tmp):
        self.path = path
        self.sock = os.path.join(tmp, "gorae.sock")
        self.log_path = os.path.join(tmp, "daemon.log")
        self.args = [path, "-H", "unix://" + self.sock,
                     "--data-root", os.path.join(tmp, "data"),
                     "--exec-root", os.path.join(tmp, "exec"),
                     "--pidfile", os.path.join(tmp, "goraed.pid")]
        self.cwd = tmp
        self.proc = None
        self.exit_reported = False

    def start(self):
        try:
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(self.args, cwd=self.cwd,
                                             stdin=subprocess.DEVNULL,
                                             stdout=log,
                                             stderr=subprocess.STDOUT)
        except OSError as e:
            raise DaemonError(f"cannot start {self.path}: {e.strerror}")
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.exit_reported = True
                raise DaemonError(f"daemon exited during start-up with "
                                  f"{describe_status(self.proc.returncode)}")
            if os.path.exists(self.sock) and ping(self.sock):
                return
            time.sleep(0.1)
        raise DaemonError(f"daemon did not answer GET /_ping on {self.sock} "
                          f"within {READY_TIMEOUT:g} s")

    def stop(self):
        """Stop the daemon; return a list of problems ([] if it was clean)."""
        if self.proc is None:
            return []
        problems = []
        if self.proc.poll() is not None:
            if not self.exit_reported:
                problems.append("daemon exited before the end of the page "
                                f"with {describe_status(self.proc.returncode)}")
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                problems.append(f"daemon did not exit within {STOP_TIMEOUT:g} s"
                                f" of SIGTERM (killed)")
            else:
                if self.proc.returncode != 0:
                    problems.append("daemon exited with "
                                    f"{describe_status(self.proc.returncode)}"
                                    " after SIGTERM")
        if os.path.exists(self.sock):
            problems.append(f"daemon left its socket {self.sock} behind")
        self.proc = None
        return problems

    def log_tail(self, n=LOG_TAIL_LINES):
        try:
            with open(self.log_path, "rb") as f:
                lines = split_output(f.read())
        except OSError:
            return []
        return lines[-n:]


# --------------------------------------------------------------------------
# Main

class Terminated(Exception):
    pass


def _on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once is enough
    raise Terminated("received SIGTERM")


def make_env(tmp, bin_dir):
    env = dict(os.environ)
    sock = os.path.join(tmp, "gorae.sock")
    if bin_dir:
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", os.defpath)
    env["SOCK"] = sock
    env["GORAE_HOST"] = "unix://" + sock
    env.pop("DOCKER_HOST", None)
    return env


def list_commands(commands):
    for cmd in commands:
        print(f"{cmd.line}: $ {cmd.text}")
        for line in cmd.expected:
            print(f"    | {line}")
        print(f"    [exit {cmd.exit_status}]")


def mounts_under(directory):
    """Mount points at or below directory, deepest first (mountinfo escapes
    spaces and the like as octal)."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
            if point == directory or point.startswith(directory + "/"):
                found.append(point)
    return sorted(found, key=len, reverse=True)


def release_mounts(tmp):
    """Unmounts what the page left mounted under TMP (a page's containers
    keep their overlays until removed), so TMP can go; returns a problem
    when there was any, since a reader following the page would keep them."""
    left = mounts_under(tmp)
    for point in left:
        if subprocess.run(["umount", point], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", point], capture_output=True)
    if not left:
        return []
    return [f"the page left {len(left)} mount(s) under {tmp}, e.g. {left[-1]}: "
            f"remove its containers at the end"]


def run_page(args, commands, tmp):
    """Run the commands; return (passed, failed, daemon problems)."""
    work = os.path.join(tmp, "work")
    os.mkdir(work)
    env = make_env(tmp, args.bin_dir)
    passed = failed = 0
    daemon = None if args.no_daemon else Daemon(args.daemon, tmp)
    problems = []
    try:
        if daemon:
            daemon.start()
        for cmd in commands:
            result = run_command(cmd, work, env, args.timeout)
            report = check_command(cmd, result, args.timeout)
            if report:
                failed += 1
                print(f"FAIL {cmd.line} {cmd.title()}")
                for line in report:
                    print("    " + line)
            else:
                passed += 1
                print(f"ok   {cmd.line} {cmd.title()}")
            sys.stdout.flush()
    except (DaemonError, Terminated, KeyboardInterrupt) as e:
        problems.append(str(e) or type(e).__name__)
    finally:
        if daemon:
            problems += daemon.stop()
        problems += release_mounts(tmp)
    for p in problems:
        print(f"FAIL {p}")
    if daemon and (failed or problems):
        print(f"--- daemon log (last {LOG_TAIL_LINES} lines):")
        for line in daemon.log_tail() or ["(empty)"]:
            print("    " + line)
    return passed, failed, problems


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run the ```console blocks of a tutorial page and check "
                    "their output.")
    parser.add_argument("--page", required=True, help="the README.md to run")
    parser.add_argument("--daemon", help="the daemon binary to start")
    parser.add_argument("--bin-dir", help="directory prepended to PATH "
                        "(default: the daemon's directory)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help="seconds per command (default %(default)g)")
    parser.add_argument("--no-daemon", action="store_true",
                        help="run the commands without starting a daemon")
    parser.add_argument("--list", action="store_true",
                        help="print the parsed commands; run nothing")
    args = parser.parse_args(argv)
    page_name = args.page

    try:
        with open(args.page, encoding="utf-8") as f:
            commands = parse_page(f.read())
    except (OSError, PageError) as e:
        print(f"{page_name}: {e}")
        print(f"tutorial {page_name}: 0 passed, 1 failed")
        return 1
    if not commands:
        print(f"{page_name}: no console commands found")
        print(f"tutorial {page_name}: 0 passed, 1 failed")
        return 1
    if args.list:
        list_commands(commands)
        return 0
    if not args.no_daemon and not args.daemon:
        parser.error("--daemon is required unless --no-daemon or --list")
    if args.daemon:
        args.daemon = os.path.abspath(args.daemon)
        if not args.bin_dir:
            args.bin_dir = os.path.dirname(args.daemon)
    if args.bin_dir:
        args.bin_dir = os.path.abspath(args.bin_dir)

    signal.signal(signal.SIGTERM, _on_sigterm)
    tmp = tempfile.mkdtemp(prefix="gorae-tut-")
    try:
        if len(os.path.join(tmp, "gorae.sock").encode()) >= 108:
            print(f"temporary directory {tmp} is too long for a unix socket "
                  f"path; set TMPDIR to a shorter one")
            return 1
        passed, failed, problems = run_page(args, commands, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"tutorial {page_name}: {passed} passed, {failed} failed")
    ok = failed == 0 and not problems and passed == len(commands)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
