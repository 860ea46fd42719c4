#!/usr/bin/python3
"""Runs the code blocks of README.md and docs/*.md (ctest `docs`, label `docs`).

Info strings, as docs/README.md documents them:
  ```sh   run by bash (set -euo pipefail), every block in one process, each in its own subshell,
          in a scratch folder holding tests/cli/data/* and build/examples/ranktopo (the built tool),
          with the tool's folder first on PATH, so `ranktopo ...` and `build/examples/ranktopo ...` work
  ```cpp  compiled against the library, all blocks in one translation unit, then run:
          `#include` lines go to the top; a block with `int main(` is a complete program (its main is
          renamed and called); any other block is a function body, wrapped and called
  ```python  run by the build's Python (--python) with the module on its path (--python-path), each block in its
          own interpreter; every function the block defines whose name starts with `test_` is then called,
          as pytest would (not run, and counted so, when the build has no Python module)
  anything else (`shell`, `console`, `text`, `cmake`, `cpp-sketch`, `python-sketch`, ...): shown, not run.

Usage: run_doc_blocks.py --source-dir DIR --tool FILE --cxx COMPILER --include DIR --lib FILE [--cxxflags FLAGS]
       [FILE.md ...] (no files: README.md and docs/*.md)
Exit 0 when every block ran, 1 naming the file and line of each block that failed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

RUN = {"sh", "cpp", "python"}

# Runs one python block (argv[1]: its file:line) from stdin, then its test_* functions.
PYTHON_HARNESS = """
import sys
where, body = sys.argv[1], sys.stdin.read()
namespace = {"__name__": "__doc_block__"}
exec(compile(body, where, "exec"), namespace)
for name, value in list(namespace.items()):
    if name.startswith("test_") and callable(value):
        value()
"""
FENCE = re.compile(r"^```(\S*)\s*$")


def blocks(path):
    """(info string, first line number of the body, body text) of each fenced block."""
    found, info, start, body = [], None, 0, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            m = FENCE.match(line.rstrip("\n"))
            if info is None:
                if m:
                    info, start, body = m.group(1), number + 1, []
            elif line.rstrip("\n") == "```":
                found.append((info, start, "".join(body)))
                info = None
            else:
                body.append(line)
    if info is not None:
        raise SystemExit(f"{path}:{start - 1}: unterminated code block")
    return found


def run_sh(snippets, args, work):
    if not snippets:
        return True
    os.makedirs(os.path.join(work, "build", "examples"))
    os.symlink(args.tool, os.path.join(work, "build", "examples", "ranktopo"))
    data = os.path.join(args.source_dir, "tests", "cli", "data")
    for name in os.listdir(data):
        shutil.copy(os.path.join(data, name), work)
    script = ["set -u", "failed=0"]
    for where, body in snippets:
        script.append(f"echo '--- {where}'")
        script.append(f"( set -euo pipefail\n{body}) || {{ echo 'FAILED: sh block at {where}' >&2; failed=1; }}")
    script.append("exit $failed")
    env = dict(os.environ, PATH=os.path.dirname(args.tool) + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env).returncode == 0


def run_cpp(snippets, args, work):
    if not snippets:
        return True
    includes, parts, calls = [], [], []
    for i, (where, body) in enumerate(snippets):
        lines = body.splitlines()
        includes += [l for l in lines if l.startswith("#include")]
        rest = "\n".join(l for l in lines if not l.startswith("#include"))
        ns = f"doc_block_{i}"
        line = where.rsplit(":", 1)[1]
        source = where.rsplit(":", 1)[0]
        directive = f'#line {line} "{source}"\n'
        if re.search(r"\bint main\(", rest):
            rest = re.sub(r"\bint main\(", "int doc_main(", rest)
            parts.append(f"namespace {ns} {{\n{directive}{rest}\n}}  // namespace {ns}\n")
        else:
            parts.append(f"namespace {ns} {{\nint doc_main() {{\n{directive}{rest}\nreturn 0;\n}}\n}}  // namespace {ns}\n")
        calls.append(f'    if ({ns}::doc_main() != 0) {{ std::cerr << "FAILED: cpp block at {where}\\n"; failed = 1; }}')
    unique = list(dict.fromkeys(includes + ["#include <iostream>"]))
    text = "\n".join(unique) + "\n\n" + "\n".join(parts)
    text += "\nint main() {\n    int failed = 0;\n" + "\n".join(calls) + "\n    return failed;\n}\n"
    source = os.path.join(work, "doc_blocks.cpp")
    with open(source, "w", encoding="utf-8") as f:
        f.write(text)
    exe = os.path.join(work, "doc_blocks")
    command = [args.cxx, "-std=c++20", "-Wall", "-Wextra", "-Wpedantic", "-Wconversion", "-Wshadow", "-Werror",
               "-Wno-unused-variable", "-Wno-unused-but-set-variable", *args.cxxflags.split(), "-I", args.include,
               source, args.lib, "-o", exe]
    if subprocess.run(command).returncode != 0:
        print(f"FAILED: the cpp blocks do not compile (translation unit kept in {source})", file=sys.stderr)
        return False
    return subprocess.run([exe], cwd=work).returncode == 0


def run_python(snippets, args, work):
    if not snippets:  # none, or no module in this build (--python-path not given)
        return True
    env = dict(os.environ, PYTHONPATH=args.python_path + os.pathsep + os.environ.get("PYTHONPATH", ""))
    ok = True
    for where, body in snippets:
        # Line numbers in tracebacks: pad so that the body's first line is its line in the file.
        line = int(where.rsplit(":", 1)[1])
        done = subprocess.run([args.python, "-c", PYTHON_HARNESS, where], input="\n" * (line - 1) + body, text=True,
                              cwd=work, env=env)
        if done.returncode != 0:
            print(f"FAILED: python block at {where}", file=sys.stderr)
            ok = False
    return ok


def main():
    p = argparse.ArgumentParser()
    for name in ("--source-dir", "--tool", "--cxx", "--include", "--lib"):
        p.add_argument(name, required=True)
    p.add_argument("--cxxflags", default="", help="more compiler flags, space-separated (the build's sanitizers)")
    p.add_argument("--python", default="/usr/bin/python3", help="the interpreter the module was built for")
    p.add_argument("--python-path", help="the build's Python package folder; without it python blocks do not run")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder")
    p.add_argument("files", nargs="*")
    args = p.parse_args()
    files = args.files or [os.path.join(args.source_dir, "README.md")] + sorted(
        os.path.join(args.source_dir, "docs", f) for f in os.listdir(os.path.join(args.source_dir, "docs"))
        if f.endswith(".md"))
    sh, cpp, python, shown = [], [], [], 0
    for path in files:
        rel = os.path.relpath(path, args.source_dir)
        for info, line, body in blocks(path):
            if info == "sh":
                sh.append((f"{rel}:{line}", body))
            elif info == "cpp":
                cpp.append((f"{rel}:{line}", body))
            elif info == "python" and args.python_path:
                python.append((f"{rel}:{line}", body))
            else:
                shown += 1
    work = tempfile.mkdtemp(prefix="ranktopo-docs-")
    start = time.monotonic()
    ok_sh = run_sh(sh, args, os.path.join(work, "sh"))
    ok_cpp = run_cpp(cpp, args, work)
    ok_python = run_python(python, args, work)
    ok = ok_sh and ok_cpp and ok_python
    print(f"docs: {len(sh)} sh blocks {'ran' if ok_sh else 'FAILED'}, {len(cpp)} cpp blocks "
          f"{'compiled and ran' if ok_cpp else 'FAILED'}, {len(python)} python blocks "
          f"{'ran' if ok_python else 'FAILED'}{'' if args.python_path else ' (no Python module: not run)'}, "
          f"{shown} blocks shown only, {len(files)} files, {time.monotonic() - start:.1f} s")
    if args.keep or not ok:
        print(f"docs: scratch folder {work}")
    else:
        shutil.rmtree(work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
