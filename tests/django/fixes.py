"""Every piece of Python in the fix texts zdm gives on Django projects parses
(run by tests/django/run with /usr/bin/python3; ZDM names the binary).

Runs `zdm plan ... --format json` on each golden case that plans a Django
project, and checks with ast.parse: each block of lines indented by four
spaces (how the fixes show code), and each inline call starting with
"migrations." or "models." (balanced parentheses). Prints one line per case
with Python in its fixes, then "N passed, N failed".
"""
import ast
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap

ZDM = os.environ["ZDM"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def snippets(fix):
    out, block = [], []
    for line in fix.split("\n") + [""]:
        if line.startswith("    "):
            block.append(line)
            continue
        if block:
            out.append(textwrap.dedent("\n".join(block)))
            block = []
    for m in re.finditer(r"(?<![\w.])(migrations|models)\.\w+\(", fix):
        depth, i = 0, m.end() - 1
        while i < len(fix):
            depth += {"(": 1, ")": -1}.get(fix[i], 0)
            if depth == 0:
                break
            i += 1
        text = fix[m.start():i + 1]
        if depth == 0 and "\n" not in text:
            out.append(text)
    return out


def is_django(case):
    for dirpath, _, files in os.walk(case):
        if os.path.basename(dirpath) == "migrations" and any(f.endswith(".py") for f in files):
            return True
    return False


passed = failed = 0
cases = sorted(d for d, _, files in os.walk(os.path.join(ROOT, "tests/golden")) if "cmd" in files)
for case in cases:
    args = shlex.split(open(os.path.join(case, "cmd")).read())
    if not args or args[0] not in ("plan", "check") or not is_django(case):
        continue
    r = subprocess.run([ZDM, *args, "--format", "json"], cwd=case, capture_output=True, text=True)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        continue  # an error case: no plan, no fixes
    bad, n = [], 0
    for m in doc.get("migrations", []):
        for f in m.get("findings", []):
            for code in snippets(f.get("fix") or ""):
                n += 1
                try:
                    ast.parse(code)
                except SyntaxError as e:
                    bad.append("%s [%s]: %s\n%s" % (m["name"], f.get("rule"), e, code))
    if not n:
        continue
    name = os.path.relpath(case, os.path.join(ROOT, "tests/golden"))
    if bad:
        failed += 1
        print("FAIL Python in the fixes of %s" % name)
        print("\n".join(bad))
    else:
        passed += 1
        print("ok Python in the fixes of %s (%d snippets)" % (name, n))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
