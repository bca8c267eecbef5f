"""Lab regions: the parts of a chapter's sources that a student writes.

A region is marked in the reference sources with comment lines:

    // LAB(02) resolve: Find a container by full ID, by name, or by unique ID prefix
    // Comment lines right after the marker are more of the task's text; the
    // lab keeps them.
    ... the reference code ...
    // LAB-STUB: optional stub code, one line per marker (see below)
    // LAB-END

`LAB(NN)` is the chapter, then a short id (lowercase letters, digits and
dashes; unique in the chapter), a colon and the task in a few words. The id
can be left out (`// LAB(02): task`); the region is then called FILE-N.

In a lab (scripts/make-lab) the marker and its comment lines stay, the code
up to LAB-END is replaced by the stub, and LAB-END stays. The stub is the
region's LAB-STUB lines, uncommented, or, when there are none,
`throw gorae::NotImplemented(@TASK@);`. In either, @TASK@ becomes a string
literal naming the chapter, the id, the task and the file. The stub is
indented like the marker; spaces after "LAB-STUB: " are kept.

Regions do not nest, and every LAB marker needs its LAB-END: anything else is
a RegionError that names the file and line.
"""

import dataclasses
import os
import re

MARKER = re.compile(r"^(?P<indent>\s*)//\s*LAB\((?P<chapter>\d{2})\)"
                    r"(?:\s+(?P<id>[a-z0-9][a-z0-9-]*))?:\s*(?P<task>\S.*?)\s*$")
END = re.compile(r"^\s*//\s*LAB-END\s*$")
STUB = re.compile(r"^\s*//\s*LAB-STUB:(?: (?P<code>.*))?$")
# Anything that looks like it means to be a marker, so a typo is an error
# rather than reference code silently handed to the student.
LOOKS_LIKE = re.compile(r"^\s*//\s*LAB\b")
COMMENT = re.compile(r"^\s*//")

STUBBED_INCLUDE = '#include "gorae/lab/stubs.hpp"  // scripts/make-lab: the stubs below'
HEADER_INCLUDE = '#include "gorae/lab/not_implemented.hpp"  // scripts/make-lab: the stubs below'


class RegionError(Exception):
    """A malformed region; str() is "FILE:LINE: what is wrong"."""


@dataclasses.dataclass
class Region:
    chapter: str      # "02"
    id: str           # "resolve"
    task: str         # the marker's short task
    path: str         # the file, as given to parse()
    start: int        # 0-based index of the marker line
    end: int          # 0-based index of the LAB-END line
    details: list     # the comment lines after the marker, without "//"
    stub: list        # LAB-STUB code lines, without the marker prefix
    indent: str

    @property
    def line(self):
        """1-based line of the marker, for people."""
        return self.start + 1


def _literal(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse(path, text):
    """The regions of one file's text, in order; RegionError if malformed."""
    lines = text.splitlines()
    regions = []
    open_region = None
    for i, line in enumerate(lines):
        where = f"{path}:{i + 1}"
        if END.match(line):
            if open_region is None:
                raise RegionError(f"{where}: LAB-END without a LAB marker before it")
            open_region.end = i
            regions.append(open_region)
            open_region = None
            continue
        stub = STUB.match(line)
        if stub:
            if open_region is None:
                raise RegionError(f"{where}: LAB-STUB outside a LAB region")
            open_region.stub.append(stub.group("code") or "")
            continue
        marker = MARKER.match(line)
        if marker:
            if open_region is not None:
                raise RegionError(
                    f"{where}: LAB marker inside the region "
                    f"'{open_region.id}' opened at line {open_region.line}; "
                    "regions do not nest (end the first with // LAB-END)")
            open_region = Region(
                chapter=marker.group("chapter"), id=marker.group("id") or "",
                task=marker.group("task"), path=path, start=i, end=-1,
                details=[], stub=[], indent=marker.group("indent"))
            # The task's text goes on over the comment lines right after it.
            j = i + 1
            while j < len(lines) and COMMENT.match(lines[j]) \
                    and not LOOKS_LIKE.match(lines[j]):
                open_region.details.append(re.sub(r"^\s*// ?", "", lines[j]))
                j += 1
            continue
        if LOOKS_LIKE.match(line):
            raise RegionError(
                f"{where}: malformed LAB marker {line.strip()!r}; expected "
                "'// LAB(NN) id: task', '// LAB-STUB: code' or '// LAB-END'")
    if open_region is not None:
        raise RegionError(
            f"{path}:{open_region.line}: LAB region '{open_region.id or open_region.task}' "
            "has no // LAB-END before the end of the file")
    stem = os.path.splitext(os.path.basename(path))[0]
    for n, region in enumerate(regions, 1):
        if not region.id:
            region.id = f"{stem}-{n}"
    return regions


def task_literal(region):
    """The C++ string literal a stub fails with."""
    return _literal(f"chapter {region.chapter}, {region.id}: {region.task} ({region.path})")


def stub_lines(region):
    """The code that stands in for the region in a lab."""
    task = task_literal(region)
    code = region.stub or ["throw gorae::NotImplemented(@TASK@);"]
    return [region.indent + line.replace("@TASK@", task) if line else ""
            for line in code]


def render(path, text, stub_ids):
    """The file's text with the regions whose id is in stub_ids stubbed.

    The file gets the lab's include after its last #include when anything
    was stubbed. Everything else is left byte for byte, so an unchanged file
    renders to its own text.
    """
    regions = [r for r in parse(path, text) if r.id in stub_ids]
    if not regions:
        return text
    lines = text.splitlines(keepends=True)
    newline = "\n"
    out = []
    position = 0
    for region in regions:
        keep_to = region.start + 1 + len(region.details)
        out.extend(lines[position:keep_to])
        out.extend(line + newline for line in stub_lines(region))
        position = region.end  # the LAB-END line stays
    out.extend(lines[position:])
    header = os.path.splitext(path)[1] in (".h", ".hpp", ".hh")
    include = (HEADER_INCLUDE if header else STUBBED_INCLUDE) + newline
    last_include = max((i for i, line in enumerate(out)
                        if line.startswith("#include")), default=-1)
    out.insert(last_include + 1, include)
    return "".join(out)


def source_files(chapter_dir):
    """The files of a chapter that may hold regions: src/ and include/."""
    found = []
    for sub in ("src", "include"):
        top = os.path.join(chapter_dir, sub)
        for root, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(files):
                if name.endswith((".cpp", ".cc", ".hpp", ".hh", ".h")):
                    found.append(os.path.join(root, name))
    return found


def chapter_regions(chapter_dir, nn):
    """Every region of a chapter, checked: the chapter number in each marker
    is the folder's, and ids are unique. Paths are relative to chapter_dir."""
    regions = []
    seen = {}
    for path in source_files(chapter_dir):
        rel = os.path.relpath(path, chapter_dir)
        with open(path, encoding="utf-8") as f:
            found = parse(rel, f.read())
        for region in found:
            where = f"{rel}:{region.line}"
            if region.chapter != nn:
                raise RegionError(f"{where}: LAB({region.chapter}) in chapter {nn}'s "
                                  "sources; a region belongs to the chapter it is in")
            if region.id in seen:
                raise RegionError(f"{where}: region id '{region.id}' is already used "
                                  f"at {seen[region.id]}")
            seen[region.id] = where
        regions.extend(found)
    return regions
