"""README.md and conformance/README.md state the same conformance counts: the blocks that
conformance/readme_counts.py writes agree with each other and with their own totals."""
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK = re.compile(r"<!-- counts:(\w+) -->\n(.*?)<!-- /counts:\1 -->", re.S)


def blocks(path):
    with open(os.path.join(ROOT, path)) as f:
        return dict(BLOCK.findall(f.read()))


def rows(table):
    return [[cell.strip() for cell in line.strip("|").split("|")]
            for line in table.splitlines()[2:]]


class ReadmeCountsTest(unittest.TestCase):
    def test_both_readmes_state_the_same_run(self):
        top, suite = blocks("README.md"), blocks("conformance/README.md")
        self.assertEqual(set(top), {"summary", "excerpt", "divergences"})
        self.assertEqual(set(suite), {"summary", "table", "divergences"})
        for name in ("summary", "divergences"):
            self.assertTrue(top[name].strip(), f"the {name} block is empty")
            self.assertEqual(top[name], suite[name], f"the {name} blocks differ")
        table, excerpt = rows(suite["table"]), rows(top["excerpt"])
        self.assertTrue(all(row in table for row in excerpt),
                        "the README excerpt has rows the full table does not")
        total = table[-1]
        self.assertEqual(total[0], "total")
        for column in (2, 3, 4, 5, 6):  # cases, outputs, passed, failed, divergences
            self.assertEqual(int(total[column]), sum(int(r[column]) for r in table[:-1]),
                             f"column {column} of the table does not add up")
        cases = re.search(r"\*\*([\d,]+) cases\*\*", top["summary"]).group(1)
        self.assertEqual(int(cases.replace(",", "")), int(total[2]))


if __name__ == "__main__":
    unittest.main()
