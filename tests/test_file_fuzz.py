"""A seeded sample of the file fuzzer (tests/file_fuzz.py): every family of mutants read
by every reader, in a worker process under a memory limit, each read under a time limit.
A failure prints each mutant's reproducer (`python -m tests.file_fuzz --replay
family:index`). Long runs: `python -m tests.file_fuzz --count 2000`.

The regressions the fuzzer found, each as a small file built here, are in
test_fuzz_findings.py; the harness's own verdicts are checked below (a fuzzer that
cannot fail finds nothing)."""
import os
import tempfile
import time
import unittest
from unittest import mock
import zipfile

from parameterized import parameterized

from tests import file_fuzz
from tests.file_mutants import FAMILIES, Mutant

MUTANTS_PER_FAMILY = 60  # 420 mutants, ~1,100 reads; ~2 s of CPU per family


class FileFuzzSample(unittest.TestCase):
    @parameterized.expand([(family,) for family in FAMILIES])
    def test_every_reader_refuses_or_loads_right(self, family):
        records = file_fuzz.run([family], MUTANTS_PER_FAMILY, run_seed=0)
        self.assertEqual(len(records), MUTANTS_PER_FAMILY)
        problems = [f"{r['family']}:{r['index']} ({r['seed']}: {r['mutant'][:100]}) "
                    f"{reader}: {outcome}" for r, reader, outcome in file_fuzz.failures(records)]
        self.assertEqual(problems, [], "replay one: python -m tests.file_fuzz --replay "
                                       "family:index\n" + "\n".join(problems))


class FuzzHarnessVerdicts(unittest.TestCase):
    """read_mutant's verdicts, on readers that misbehave on purpose."""

    def outcome(self, read, data=b"x"):
        seed = file_fuzz.Seed("none", "weights", data)
        mutant = Mutant(data, "test", neutral=False)
        with tempfile.TemporaryDirectory() as folder, \
                mock.patch.object(file_fuzz, "_readers",
                                           return_value={"reader": read}):
            return file_fuzz.read_mutant(seed, mutant, folder, time_limit_s=0.5)["reader"]

    def test_allowed_refusals_pass_and_others_fail(self):
        def refuse(path, *_):
            raise ValueError(f"{path} is not a model file")

        def key_error(path, *_):
            return {}["layers"]

        def recursion(path, *_):
            raise RecursionError("maximum recursion depth exceeded")

        self.assertEqual(self.outcome(refuse), "refused: ValueError")
        self.assertRegex(self.outcome(key_error), "^FAIL KeyError")
        self.assertRegex(self.outcome(recursion), "^FAIL RecursionError")

    def test_an_error_leaked_from_a_library_fails(self):
        def leak(path, *_):
            zipfile.ZipFile(path)  # zipfile's own BadZipFile; an OSError from open()

        def leak_value_error(path, *_):
            import json
            json.loads("{")  # a ValueError, but JSON's words, not kerasmini's

        self.assertRegex(self.outcome(leak), "^FAIL BadZipFile")
        self.assertRegex(self.outcome(leak_value_error), "^FAIL JSONDecodeError from json")

    def test_a_hang_and_a_changed_file_fail(self):
        def hang(path, *_):
            time.sleep(5)

        def scribble(path, *_):
            with open(path, "ab") as f:
                f.write(b"!")

        self.assertRegex(self.outcome(hang), "^FAIL hang")
        self.assertEqual(self.outcome(scribble), "FAIL the reader changed the file")

    def test_a_neutral_mutant_must_load_the_seed_weights(self):
        with tempfile.TemporaryDirectory() as folder:
            seeds = file_fuzz.make_seeds(["sequential"], folder)
        seed = seeds[("sequential", "weights")]
        readers = file_fuzz._readers("weights")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.weights.h5")
            with open(path, "wb") as f:
                f.write(seed.data)
            self.assertIsNone(readers["load_weights"](path, seed, True, {}))
            seed.weights[0] = seed.weights[0] + 1  # as if the file held other weights
            self.assertRegex(readers["load_weights"](path, seed, True, {}),
                             "different weights")


if __name__ == "__main__":
    unittest.main()
