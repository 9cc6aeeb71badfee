#!/usr/bin/env python3
"""Fails when README.md or BENCHMARKS.md names something the repository no longer has.

Checked: every repository path they mention (`src/…`, `tests/…`, `benches/…`, `examples/…`,
`scripts/…`, `fuzz/…`, `.ci/…`), and every test named in the "file: `name`" form of the
README's bad-input table (a `fn name` must exist in that file, or in a file under that
folder). `--fix` rewrites a named test's stale path to the one file that defines it.
"""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["README.md", "BENCHMARKS.md"]
PATH = re.compile(r"(?<![\w./-])((?:src|tests|benches|examples|scripts|fuzz|\.ci)/[\w./{},-]*[\w}])")
# "path: `name`, `name`" inside a table cell or a sentence.
NAMED = re.compile(r"((?:src|tests)/[\w./{},-]+\.rs|(?:src|tests)/[\w/-]+/): ((?:`\w+`(?:, )?)+)")


def expand(path):
    """src/embeddings/{similarity,analogy}.rs → both files."""
    m = re.match(r"(.*)\{([^}]*)\}(.*)", path)
    if not m:
        return [path]
    return [m.group(1) + part + m.group(3) for part in m.group(2).split(",")]


def defines(path, name):
    p = ROOT / path
    files = sorted(p.rglob("*.rs")) if p.is_dir() else [p]
    pat = re.compile(r"\bfn " + re.escape(name) + r"\b")
    return any(f.is_file() and pat.search(f.read_text(encoding="utf-8")) for f in files)


def where_defined(name):
    out = subprocess.run(["git", "grep", "-l", "-E", rf"\bfn {name}\b", "--", "src", "tests"],
                         cwd=ROOT, capture_output=True, text=True).stdout.split()
    return out


def main():
    fix = "--fix" in sys.argv
    problems = []
    for doc in DOCS:
        f = ROOT / doc
        if not f.exists():
            continue
        text = f.read_text(encoding="utf-8")
        for m in PATH.finditer(text):
            for path in expand(m.group(1).rstrip(".,")):
                if not (ROOT / path).exists():
                    problems.append(f"{doc}: {path} does not exist")
        new_text = text
        for m in NAMED.finditer(text):
            path, names = m.group(1), re.findall(r"`(\w+)`", m.group(2))
            paths = expand(path)
            homes = set()
            for name in names:
                if any((ROOT / p).exists() and defines(p, name) for p in paths):
                    homes.add(path)
                    continue
                found = where_defined(name)
                # An old single-file path (src/vocab.rs) now a folder (src/vocab/mod.rs).
                stem = Path(path).with_suffix("").as_posix()
                near = [f for f in found if f.startswith(stem + "/")] or found
                hint = f" (defined in {', '.join(found)})" if found else " (defined nowhere)"
                problems.append(f"{doc}: {path} has no test `{name}`{hint}")
                homes.add(near[0] if len(near) == 1 else None)
            if fix and len(paths) == 1 and len(homes) == 1 and None not in homes:
                (home,) = homes
                if home != path:
                    new_text = new_text.replace(m.group(0), m.group(0).replace(path, home, 1), 1)
        if fix and new_text != text:
            f.write_text(new_text, encoding="utf-8")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} stale reference(s) in {' and '.join(DOCS)}")
        return 1
    print("docs: every path and named test exists")
    return 0


if __name__ == "__main__":
    sys.exit(main())
