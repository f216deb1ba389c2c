"""python -m conformance.readme_counts: the case counts in README.md and
conformance/README.md, written from one full run and one quick run, so that they agree.

    python -m conformance.readme_counts                  # run both tiers (~3 min), rewrite
    python -m conformance.readme_counts full.json quick.json   # from earlier --counts runs

Each README holds blocks between `<!-- counts:NAME -->` and `<!-- /counts:NAME -->`; this
rewrites every block it finds and nothing else. `summary` and `divergences` are the same
text in both files; README.md shows the first three layers of the table (`excerpt`),
conformance/README.md all of it (`table`). tests/test_readme_counts.py checks that the
files agree.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
READMES = (os.path.join(ROOT, "README.md"), os.path.join(HERE, "README.md"))
SEED = 12345
EXCERPT_LAYERS = ("Conv2D", "MaxPool2D", "Dense")
BLOCK = re.compile(r"(<!-- counts:(\w+) -->\n)(.*?)(<!-- /counts:\2 -->)", re.S)


def run(tier_args, path):
    """`python -m conformance` with --counts into `path`; its exit status is not ours."""
    subprocess.run([sys.executable, "-m", "conformance", *tier_args, "--seed", str(SEED),
                    "--counts", path], cwd=ROOT, check=False)
    with open(path) as f:
        return json.load(f)


def total(counts):
    """(cases, outputs compared, failed) from the table's total row."""
    row = counts["table"][-1]
    return row[2], row[3], row[5]


def summary(full, quick):
    cases, outputs, failed = total(full)
    versions = ", ".join(f"{name} {full['versions'][name]}"
                         for name in ("tensorflow", "keras", "numpy"))
    return (f"Full tier, `python -m conformance --seed {full['seed']}`: **{cases:,} cases**, "
            f"{outputs:,} outputs compared, {failed} failed, {full['seconds']} s wall on 2 "
            f"cores; `--quick`: {total(quick)[0]:,} cases, {quick['seconds']} s "
            f"({versions}).\n")


def markdown_table(rows):
    lines = ["| " + " | ".join(str(c) for c in rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in r) + " |"
                              for r in rows[1:]]) + "\n"


def divergences(full):
    kinds = ", ".join(f"`{kind}` ({n} cases)" for kind, n in full["divergences"].items())
    return f"TensorFlow divergences in that run: {kinds or 'none'}.\n"


def blocks(full, quick):
    table = full["table"]
    excerpt = [table[0], *[r for r in table[1:-1] if r[0] in EXCERPT_LAYERS], table[-1]]
    return {"summary": summary(full, quick), "table": markdown_table(table),
            "excerpt": markdown_table(excerpt), "divergences": divergences(full)}


def rewrite(path, texts):
    with open(path) as f:
        old = f.read()
    new = BLOCK.sub(lambda m: m.group(1) + texts[m.group(2)] + m.group(4), old)
    with open(path, "w") as f:
        f.write(new)


def main(argv):
    if argv:
        full, quick = (json.load(open(p)) for p in argv)
    else:
        with tempfile.TemporaryDirectory() as folder:
            full = run([], os.path.join(folder, "full.json"))
            quick = run(["--quick"], os.path.join(folder, "quick.json"))
    texts = blocks(full, quick)
    for path in READMES:
        rewrite(path, texts)
        print(f"rewrote the counts in {os.path.relpath(path, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
