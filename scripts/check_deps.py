#!/usr/bin/env python3
"""Checks that every module under src/ includes only what src/README.md lets it use.

The table in src/README.md gives, for each module, the modules it "may use":
a comma-separated list of `names`, `everything` or `—` (none). `common` may be
used by every module, and a module may always include its own headers. Use is
direct: if api may use invoke and invoke may use pool, api still may not
include pool/ headers.

Every `#include "X/..."` (and `#include <X/...>` naming a file under src/) in
src/<module>/**/*.{h,hpp,cpp,cc} where X is a module is checked. The .cpp files
directly in src/ belong to the module whose library their executable links:
see TOP_LEVEL_OWNERS (default: server).

The `yunfn_module(NAME ...)` link lists in src/CMakeLists.txt are checked against
the same table: a module links exactly the yunfn_* libraries it may use
(yunfn_common may always be listed or left out).

Usage: check_deps.py [--root REPO]   prints violations, exits 1 if any
       check_deps.py --self-test     checks the checker on a temporary fake tree
"""
import argparse
import os
import re
import sys
import tempfile

# Top-level sources of src/ -> the module they belong to (the library their
# executable links); anything not listed belongs to server.
TOP_LEVEL_OWNERS = {"sandbox_init_main.cpp": "sandbox", "go_runtime_main.cpp": "runtime"}
DEFAULT_TOP_LEVEL_OWNER = "server"
COMMON = "common"
SOURCE_EXTS = (".h", ".hpp", ".cpp", ".cc")

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
ROW_RE = re.compile(r"^\|\s*`([A-Za-z0-9_]+)/?`\s*\|.*\|\s*([^|]*?)\s*\|\s*$")
NAME_RE = re.compile(r"`?([A-Za-z0-9_]+)/?`?")
NONE_WORDS = {"—", "-", "–", "none", ""}


class TableError(Exception):
    pass


def parse_table(readme):
    """Returns {module: list of modules it may use (in the README's order), or None
    for everything}, in table order."""
    table = {}
    with open(readme, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            m = ROW_RE.match(line.rstrip("\n"))
            if not m:
                continue
            module, may_use = m.group(1), m.group(2).strip()
            if module in table:
                raise TableError(f"{readme}:{lineno}: module {module} listed twice")
            if may_use.lower() == "everything":
                table[module] = None
            elif may_use in NONE_WORDS:
                table[module] = []
            else:
                uses = []
                for item in may_use.split(","):
                    n = NAME_RE.fullmatch(item.strip())
                    if not n:
                        raise TableError(f"{readme}:{lineno}: cannot read module name {item!r}")
                    if n.group(1) not in uses:
                        uses.append(n.group(1))
                table[module] = uses
    if not table:
        raise TableError(f"{readme}: no module table found")
    for module, uses in table.items():
        for u in uses or ():
            if u not in table:
                raise TableError(f"{readme}: {module} may use {u}, which is not in the table")
    return table


def allowed(table, module):
    """The modules `module` may include, itself and common included."""
    uses = table[module]
    if uses is None:
        return set(table)
    return set(uses) | {module, COMMON}


def describe(table, module):
    uses = table[module]
    if uses is None:
        return "everything"
    listed = list(uses)
    if module != COMMON and COMMON not in listed:
        listed.append(COMMON)
    return ", ".join(listed) if listed else "—"


def source_files(src):
    """Yields (path, module) for every source file under src."""
    for entry in sorted(os.listdir(src)):
        path = os.path.join(src, entry)
        if os.path.isfile(path):
            if entry.endswith(SOURCE_EXTS):
                yield path, TOP_LEVEL_OWNERS.get(entry, DEFAULT_TOP_LEVEL_OWNER)
        elif os.path.isdir(path):
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames.sort()
                for name in sorted(filenames):
                    if name.endswith(SOURCE_EXTS):
                        yield os.path.join(dirpath, name), entry


def check_includes(root, table):
    src = os.path.join(root, "src")
    problems = []
    for path, module in source_files(src):
        rel = os.path.relpath(path, root)
        if module not in table:
            problems.append(f"{rel}:1: module {module} has no row in src/README.md")
            continue
        ok = allowed(table, module)
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                bracket, target = m.group(1), m.group(2).strip()
                top = target.split("/", 1)[0]
                if "/" not in target or top not in table:
                    continue
                # <X/...> is ours only if src/ has that file (else a system header).
                if bracket == "<" and not os.path.isfile(os.path.join(src, target)):
                    continue
                if top not in ok:
                    problems.append(f"{rel}:{lineno}: {module} may not include {target} "
                                    f"(src/README.md allows: {describe(table, module)})")
    return problems


def parse_cmake_modules(cmakelists):
    """Returns {module: (lineno, set of yunfn_* modules linked)} from yunfn_module(...) calls."""
    with open(cmakelists, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"#[^\n]*", lambda m: " " * len(m.group(0)), text)  # drop comments, keep offsets
    modules = {}
    for m in re.finditer(r"\byunfn_module\s*\(([^)]*)\)", text):
        args = m.group(1).split()
        if not args or args[0] == "name":  # the macro's own definition
            continue
        lineno = text.count("\n", 0, m.start()) + 1
        deps = {a[len("yunfn_"):] for a in args[1:] if a.startswith("yunfn_")}
        modules[args[0]] = (lineno, deps)
    return modules


def check_cmake(root, table):
    cmakelists = os.path.join(root, "src", "CMakeLists.txt")
    if not os.path.isfile(cmakelists):
        return []
    rel = os.path.relpath(cmakelists, root)
    problems = []
    modules = parse_cmake_modules(cmakelists)
    for module, (lineno, deps) in modules.items():
        if module not in table:
            problems.append(f"{rel}:{lineno}: module {module} has no row in src/README.md")
            continue
        want = (set(table) if table[module] is None else set(table[module])) - {module, COMMON}
        have = deps - {COMMON}
        extra, missing = sorted(have - want), sorted(want - have)
        if extra or missing:
            what = []
            if extra:
                what.append("links " + ", ".join("yunfn_" + e for e in extra) + " it may not use")
            if missing:
                what.append("does not link " + ", ".join("yunfn_" + e for e in missing))
            problems.append(f"{rel}:{lineno}: {module} " + " and ".join(what) +
                            f" (src/README.md allows: {describe(table, module)})")
    for module in table:
        if module not in modules and os.path.isdir(os.path.join(root, "src", module)):
            problems.append(f"{rel}:1: module {module} has no yunfn_module() line")
    return problems


def run(root):
    readme = os.path.join(root, "src", "README.md")
    try:
        table = parse_table(readme)
    except (OSError, TableError) as e:
        return [f"error: {e}"]
    return check_includes(root, table) + check_cmake(root, table)


FAKE_README = """# fake
| module | owns | may use |
| --- | --- | --- |
| `server/` | main | everything |
| `api/` | api | `triggers` |
| `triggers/` | triggers | store |
| `store/` | store | common |
| `common/` | common | — |
"""


def self_test():
    def write(root, rel, text):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    failures = []

    def expect(name, got, want):
        if got != want:
            failures.append(f"{name}:\n  got  {got!r}\n  want {want!r}")

    with tempfile.TemporaryDirectory() as root:
        write(root, "src/README.md", FAKE_README)
        write(root, "src/common/x.h", "#pragma once\n")
        write(root, "src/store/s.h", '#include "common/x.h"\n#include <vector>\n')
        write(root, "src/triggers/t.h", '#include "store/s.h"\n')
        write(root, "src/api/a.h", '#include "api/b.h"\n#include "triggers/t.h"\n'
                                   '// #include "server/s.h" is only a comment\n')
        write(root, "src/api/b.h", '#include "common/x.h"\n')
        write(root, "src/server/s.cpp", '#include "api/a.h"\n#include "store/s.h"\n')
        write(root, "src/main.cpp", '#include "server/s.h"\n#include "api/a.h"\n')
        expect("allowed includes only", run(root), [])

        # Forbidden: upward (store -> triggers), only transitively allowed
        # (api -> triggers -> store), and <store/...> from common.
        write(root, "src/store/bad.cpp", '#include "common/x.h"\n\n  #  include "triggers/t.h"\n')
        write(root, "src/api/bad.cpp", '#include "triggers/t.h"\n#include "store/s.h"\n')
        write(root, "src/common/y.cpp", '#include <store/s.h>\n#include <sys/types.h>\n')
        expect("forbidden includes", run(root), [
            "src/api/bad.cpp:2: api may not include store/s.h "
            "(src/README.md allows: triggers, common)",
            "src/common/y.cpp:1: common may not include store/s.h (src/README.md allows: —)",
            "src/store/bad.cpp:3: store may not include triggers/t.h "
            "(src/README.md allows: common)",
        ])
        for f in ("src/store/bad.cpp", "src/api/bad.cpp", "src/common/y.cpp"):
            os.remove(os.path.join(root, f))

        write(root, "src/CMakeLists.txt",
              "macro(yunfn_module name)\nendmacro()\n"
              "yunfn_module(common fmt::fmt)\nyunfn_module(store yunfn_common SQLite::SQLite3)\n"
              "yunfn_module(triggers yunfn_store)\n"
              "yunfn_module(api yunfn_server  # not yunfn_triggers\n  SQLite::SQLite3)\n"
              "yunfn_module(server yunfn_api yunfn_triggers yunfn_store yunfn_common)\n")
        expect("cmake link lists", run(root), [
            "src/CMakeLists.txt:6: api links yunfn_server it may not use and does not link "
            "yunfn_triggers (src/README.md allows: triggers, common)",
        ])
        os.remove(os.path.join(root, "src/CMakeLists.txt"))

        write(root, "src/extra/e.h", '#include "common/x.h"\n')
        expect("module missing from the table", run(root),
               ["src/extra/e.h:1: module extra has no row in src/README.md"])

    if failures:
        print("check_deps self-test FAILED:\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print("check_deps self-test passed")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help="repository root (default: this script's ../)")
    parser.add_argument("--self-test", action="store_true", help="test the checker itself")
    parser.add_argument("--stamp", help="on success, touch this file (for the build)")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    problems = run(args.root)
    for p in problems:
        print(p)
    if problems:
        print(f"check_deps: {len(problems)} module dependency violation(s); the allowed "
              "dependencies are the table in src/README.md (to build anyway, configure "
              "with -DYUNFN_CHECK_DEPS=OFF or run CHECK_DEPS=0 scripts/build.sh)",
              file=sys.stderr)
        return 1
    if args.stamp:
        os.makedirs(os.path.dirname(os.path.abspath(args.stamp)), exist_ok=True)
        with open(args.stamp, "w", encoding="utf-8"):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
