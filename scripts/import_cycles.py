#!/usr/bin/env python3
"""Checks that no module of src/ imports another that imports it back (directly or through
others), at the level of files.

    python3 scripts/import_cycles.py          # prints the cycles; exit status 1 if any

A file's imports are the `crate::…`, `super::…`, `self::…` and child-module paths in its code (in `use`
declarations, brace groups expanded, and in expressions), comments and `#[cfg(test)]`
modules left out. A path names the deepest module file it reaches (`crate::train::engine`
is src/train/engine/mod.rs; `crate::train::Trainer` is src/train/mod.rs). Declaring a child (`mod x;`)
and re-exporting a descendant's items (`pub use x::Y;`, the module's facade) are not imports,
nor is naming an item through the crate root's re-exports (`crate::Error`); everything else
is, a child naming its parent (`super::…`) and a parent using a child's items included, so a
parent that uses a child which uses the parent is a cycle. Binaries (src/bin) are crates of
their own and are left out.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def module_files():
    """Maps each module path (tuple of names, () for the crate root) to its file."""
    mods = {}
    for dirpath, dirs, files in os.walk(ROOT):
        rel = os.path.relpath(dirpath, ROOT)
        if rel.split(os.sep)[0] == "bin":
            continue
        parts = () if rel == "." else tuple(rel.split(os.sep))
        for f in files:
            if not f.endswith(".rs"):
                continue
            name = f[:-3]
            if parts == () and name == "lib":
                mods[()] = os.path.join(dirpath, f)
            elif name == "mod":
                mods[parts] = os.path.join(dirpath, f)
            elif parts == () and name == "main":
                continue
            else:
                mods[parts + (name,)] = os.path.join(dirpath, f)
    return mods


def strip_code(text):
    """The file's code without comments, string contents and #[cfg(test)] modules, as chunks
    of consecutive lines with the inline modules (`mod x { … }`) that enclose them."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    chunks, skip_depth, depth, pending_test = [((), [])], None, 0, False
    inline = []  # (name, depth at which it closes)
    for line in text.split("\n"):
        code = re.sub(r'"(\\.|[^"\\])*"', '""', line)
        code = code.split("//", 1)[0]
        if skip_depth is None and re.match(r"\s*#\[cfg\(test\)\]", code):
            pending_test = True
            continue
        opened, closed = code.count("{"), code.count("}")
        m = re.match(r"\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+(\w+)\s*\{", code)
        if pending_test and skip_depth is None:
            if re.match(r"\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+\w+\s*;", code):
                pending_test = False
                continue
            if m:
                skip_depth = depth
                pending_test = False
        if skip_depth is not None:
            depth += opened - closed
            if depth <= skip_depth:
                skip_depth = None
            continue
        if m:
            inline.append((m.group(1), depth))
            depth += opened - closed
            chunks.append((tuple(n for n, _ in inline), []))
            continue
        depth += opened - closed
        while inline and depth <= inline[-1][1]:
            inline.pop()
            chunks.append((tuple(n for n, _ in inline), []))
        pending_test = pending_test and not code.strip()
        chunks[-1][1].append(code)
    return [(path, "\n".join(lines)) for path, lines in chunks]


def expand_use(tree):
    """Expands a use tree such as `crate::{a::B, c::{d, e}}` into flat paths."""
    tree = tree.strip()
    i = tree.find("{")
    if i < 0:
        return [tree.split(" as ")[0].strip()]
    prefix, inner = tree[:i], tree[i + 1 : tree.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += (ch == "{") - (ch == "}")
        cur += ch
    parts.append(cur)
    return [p for part in parts if part.strip() for p in expand_use(prefix + part.strip())]


def paths_in(code):
    """The paths a file's code names, each with whether it is a re-export (`pub use`)."""
    paths = []
    for m in re.finditer(r"(\bpub(?:\([a-z]+\))?\s+)?\buse\s+([^;]+);", code):
        paths += [(p, m.group(1) is not None) for p in expand_use(m.group(2))]
    code = re.sub(r"\buse\s+[^;]+;", "", code)
    for p in re.findall(r"\b(?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+", code):
        paths.append((p, False))
    # Child modules named from their parent in expressions (`engine::train(…)`).
    for p in re.findall(r"(?<![:\w])[a-z_][a-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+", code):
        paths.append((p, False))
    return [(p.replace(" ", ""), r) for p, r in paths]


def resolve(path, here, mods):
    segs = path.split("::")
    if segs[0] == "crate":
        base, segs = (), segs[1:]
    elif segs[0] in ("super", "self"):
        # A file's own module path; `super` in x.rs or x/mod.rs is x's parent.
        base = here
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                base = base[:-1]
            segs = segs[1:]
    elif here + (segs[0],) in mods:
        # A path from a child module: `use engine::Call;`.
        base = here
    else:
        return None
    best = base if base in mods else None
    cur = base
    for s in segs:
        cur = cur + (s,)
        if cur in mods:
            best = cur
        else:
            break
    return best


def main():
    mods = module_files()
    graph = {m: set() for m in mods}
    for m, f in mods.items():
        for inner, code in strip_code(open(f, encoding="utf-8").read()):
            for p, reexport in paths_in(code):
                target = resolve(p, m + inner, mods)
                if target is None or target == m or target == ():
                    continue
                if reexport and target[: len(m)] == m:
                    continue
                graph[m].add(target)
    # Strongly connected components (Tarjan).
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    name = lambda m: os.path.relpath(mods[m], os.path.join(ROOT, ".."))
    if not sccs:
        print(f"no import cycles among {len(mods)} modules")
        return 0
    for comp in sccs:
        members = sorted(comp)
        print("cycle: " + " <-> ".join(name(m) for m in members))
        for a in members:
            for b in sorted(graph[a] & set(members)):
                print(f"    {name(a)} imports {name(b)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
