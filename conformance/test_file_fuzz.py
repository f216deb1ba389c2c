"""A seeded sample of the file fuzzer against tf.keras (conformance/file_fuzz.py): files
tf.keras wrote, mutated, read by kerasmini, tf.keras and the model check's loader.
Where tf.keras refuses a mutant kerasmini refuses it too; where both load, they agree.
Long runs: `python -m conformance.file_fuzz --count 300`."""
import tempfile
import unittest

from conformance import file_fuzz as tf_fuzz
from tests import file_fuzz
from tests.file_mutants import FAMILIES, Mutant

MUTANTS_PER_FAMILY = 6  # 48 mutants, ~100 reads in each library


class TfKerasFilesUnmutated(unittest.TestCase):
    def test_kerasmini_reads_what_tf_keras_wrote_as_tf_keras_does(self):
        """The seeds themselves: every reader of kerasmini loads each tf.keras file, with
        tf.keras's outputs and weights (the fuzzer's neutral mutants rely on it)."""
        tf, keras = tf_fuzz.load_tf()
        file_fuzz.fuzz_net_class(keras)
        with tempfile.TemporaryDirectory() as folder:
            seeds = tf_fuzz.make_tf_seeds(tf_fuzz.TF_SEEDS, folder, keras)
            for (name, kind), seed in seeds.items():
                with self.subTest(seed=f"{name}/{kind}"):
                    outcomes = file_fuzz.read_mutant(seed, Mutant(seed.data, "none", True),
                                                     folder)
                    self.assertEqual(set(outcomes.values()), {"ok"}, outcomes)


class TfKerasFilesMutated(unittest.TestCase):
    def test_sample(self):
        records = tf_fuzz.run(list(FAMILIES), MUTANTS_PER_FAMILY, run_seed=0)
        self.assertEqual(len(records), MUTANTS_PER_FAMILY * len(FAMILIES))
        problems = [f"{r['family']}:{r['index']} ({r['seed']}: {r['mutant'][:100]}) "
                    f"{reader}: {verdict}" for r, reader, verdict in tf_fuzz.problems(records)]
        self.assertEqual(problems, [], "replay one: python -m conformance.file_fuzz "
                                       "--families FAMILY --only INDEX\n" + "\n".join(problems))


if __name__ == "__main__":
    unittest.main()
