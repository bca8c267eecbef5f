"""Sphinx configuration for the gorae book.

Built by the `docs` CMake target (docs/CMakeLists.txt), which runs Doxygen
first and passes the XML directory in two ways: `-D breathe_projects.gorae=DIR`
on the command line and the GORAE_DOXYGEN_XML environment variable. To build by
hand from the repository root (after `cmake --preset docs`, which configures
the Doxyfile into build/docs/docs/):

    doxygen build/docs/docs/Doxyfile
    GORAE_DOXYGEN_XML=build/docs/docs/doxygen/xml \
        /usr/bin/sphinx-build -W --keep-going -n -b html docs build/docs/docs/html
"""

import os
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ConfigError

DOCS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOCS_DIR.parent

# -- Project ------------------------------------------------------------------

project = "gorae"
author = "the gorae authors"
copyright = "the gorae authors"
release = os.environ.get("GORAE_VERSION", "")

# -- General ------------------------------------------------------------------

extensions = [
    "myst_parser",
    "breathe",
]

source_suffix = {
    ".rst": "restructuredtext",
    ".md": "markdown",
}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# Roles without a domain ({class}`gorae::api::Router`) mean C++; code blocks
# without a language are shown as they are, not guessed at.
primary_domain = "cpp"
highlight_language = "none"

# Names from libraries we do not document. In nitpicky mode (-n) every
# unresolved name in a signature is a warning; these are known to be external,
# so they are declared here instead of silencing the check.
nitpick_ignore_regex = [
    (r"cpp:.*", r"(std|tl|nlohmann|boost|asio|CLI)(::.*)?"),
    (r"cpp:.*", r"(size_t|ssize_t|pid_t|uid_t|gid_t|mode_t|off_t|va_list)"),
    # The kernel's BPF program types (linux/filter.h), held by SeccompProgram.
    (r"cpp:.*", r"(sock_filter|sock_fprog)"),
    # The top-level namespace has no entry of its own: docs/reference/index.md
    # lists its few members one by one (a `doxygennamespace gorae` block would
    # repeat every nested namespace).
    ("cpp:identifier", "gorae"),
    # Chapter 02's names that Sphinx cannot resolve from inside gorae::engine:
    # the Clock alias's member type, Subscriber (declared in engine.hpp, defined
    # privately in the engine's sources) and a namespace-relative
    # runtime::Runtime.
    ("cpp:identifier", r"Clock::time_point"),
    ("cpp:identifier", r"Subscriber"),
    ("cpp:identifier", r"runtime::Runtime"),
    # Chapter 05's media type constants are inline variables of a nested
    # namespace, which Breathe lists without a target for a default argument.
    ("cpp:identifier", r"media_type::\w+"),
]

# -- MyST ---------------------------------------------------------------------

myst_enable_extensions = [
    "colon_fence",  # ::: directives, readable on GitHub too
    "deflist",
]
# Slugs for "#how-it-works" links inside a chapter README.
myst_heading_anchors = 3

# -- Breathe ------------------------------------------------------------------

# The Doxygen XML directory. `-D breathe_projects.gorae=DIR` overrides this
# after conf.py runs; check_breathe_project() verifies the final value.
breathe_projects = {
    "gorae": os.environ.get(
        "GORAE_DOXYGEN_XML", str(REPO_ROOT / "build" / "docs" / "docs" / "doxygen" / "xml")
    ),
}
breathe_default_project = "gorae"
breathe_domain_by_extension = {"hpp": "cpp", "h": "cpp"}
breathe_show_include = True

# -- HTML ---------------------------------------------------------------------

html_theme = "alabaster"
html_title = "The gorae book"
html_theme_options = {
    "description": "A container engine to read and rebuild, chapter by chapter",
    "fixed_sidebar": True,
    "show_relbars": True,
}
html_sidebars = {
    "**": ["about.html", "navigation.html", "relations.html", "searchbox.html"],
}
html_static_path = []
html_show_sourcelink = False
html_copy_source = False

# Optional: when set (e.g. "https://git.example.org/gorae/blob/main/"), links
# from a chapter README to repository files point there.
gorae_repo_url = os.environ.get("GORAE_REPO_URL", "")


# -- Checks and link handling -------------------------------------------------


def check_breathe_project(app, config):
    """Fail early, with a clear message, when the Doxygen XML is missing."""
    xml_dir = Path(config.breathe_projects.get("gorae", ""))
    if not xml_dir.is_absolute():
        xml_dir = (Path(app.confdir) / xml_dir).resolve()
    if not (xml_dir / "index.xml").is_file():
        raise ConfigError(
            f"no Doxygen XML at {xml_dir} (index.xml missing). Build with "
            "`cmake --build <dir> --target docs`, or run doxygen first and pass "
            "-D breathe_projects.gorae=DIR or GORAE_DOXYGEN_XML=DIR."
        )
    config.breathe_projects["gorae"] = str(xml_dir)


def _chapter_links_to_xrefs(app, doctree):
    """Send every relative link of a chapter page through resolve_repo_link.

    MyST turns a link into a download when the target happens to be a file
    relative to docs/chapters/ (only "../../x" links can be), and into a
    cross-reference otherwise. Turning those downloads back into
    cross-references makes every repository link of a README behave the same.
    Runs before Sphinx collects downloads (doctree-read, priority 100 < 500).
    """
    if not app.env.docname.startswith("chapters/"):
        return
    for node in list(doctree.findall(addnodes.download_reference)):
        if node.get("reftype") != "myst":
            continue
        xref = addnodes.pending_xref(
            "",
            *node.children,
            refdoc=node["refdoc"],
            reftarget=node["reftarget"],
            reftype="myst",
            refdomain=None,
            refexplicit=node.get("refexplicit", True),
            refwarn=True,
        )
        xref.source, xref.line = node.source, node.line
        node.replace_self(xref)


def resolve_repo_link(app, env, node, contnode):
    """Resolve a link from a chapter README to a file of the repository.

    docs/chapters/NN-name.md only includes chapters/NN-name/README.md, so a
    link such as ``[router](src/router.cpp)`` in that README is relative to
    chapters/NN-name/. A target that exists in the repository becomes a link to
    GORAE_REPO_URL when that is set, and plain text otherwise; a README of
    another chapter becomes a link to that chapter's page. A target that does
    not exist is left to Sphinx, which warns (an error under -W).
    """
    refdoc = node.get("refdoc", "")
    if not refdoc.startswith("chapters/") or node.get("refdomain") not in (None, ""):
        return None
    target = node.get("reftarget", "")
    path_part, _, fragment = target.partition("#")
    if not path_part or "://" in target:
        return None
    resolved = (REPO_ROOT / refdoc / path_part).resolve()
    try:
        rel = resolved.relative_to(REPO_ROOT)
    except ValueError:
        return None
    if not resolved.exists():
        return None
    if resolved.name == "README.md" and rel.parts[0] == "chapters" and len(rel.parts) == 3:
        docname = f"chapters/{rel.parts[1]}"
        if docname in env.all_docs:
            uri = app.builder.get_relative_uri(refdoc, docname)
            uri += f"#{fragment}" if fragment else ""
            return nodes.reference("", "", contnode, internal=True, refuri=uri)
    if gorae_repo_url:
        uri = gorae_repo_url + rel.as_posix() + (f"#{fragment}" if fragment else "")
        return nodes.reference("", "", contnode, internal=False, refuri=uri)
    return contnode


# Doxygen ids of header files, such as "api_2router_8hpp".
DOXYGEN_FILE_ID = re.compile(r"[A-Za-z0-9_]+_8(hpp|h)")


def unlink_header_ref(app, env, node, contnode):
    """Show Breathe's "#include <gorae/api/router.hpp>" lines as plain text.

    Breathe links the header named in each class's include line to the
    header's own entry, which exists only for headers rendered with a full
    `doxygenfile` block. The reference page documents namespaces instead (see
    docs/reference/index.md), so these links have no target. Only references
    to header-file ids are accepted here; a reference to a missing class,
    function or member still warns.
    """
    if node.get("refdomain") != "std" or node.get("reftype") != "ref":
        return None
    if DOXYGEN_FILE_ID.fullmatch(node.get("reftarget", "")):
        return contnode
    return None


def setup(app):
    app.connect("config-inited", check_breathe_project)
    app.connect("doctree-read", _chapter_links_to_xrefs, priority=100)
    app.connect("missing-reference", resolve_repo_link)
    app.connect("missing-reference", unlink_header_ref)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
