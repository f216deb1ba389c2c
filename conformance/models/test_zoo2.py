"""The second zoo (conformance/models/zoo2.py), both ways: files (.keras, .weights.h5,
legacy .h5) from tf.keras into kerasmini and back, `kerasmini check` on the file itself
(every custom layer is registered as `zoo2>Name` in both libraries, so no
custom_objects), summaries, and a fit for a few (zoo_harness.py says what each step
does).

Quick tier: QUICK only; the full tier (CI) runs all of them.
"""
import os
import unittest

from parameterized import parameterized

import kerasmini
from conformance.models import zoo2
from conformance.models.zoo2_layers import user_layers
from conformance.models.zoo_harness import ZooChecks

user_layers(kerasmini)  # registers kerasmini's twins of the zoo's layers

QUICK = ("mini_gpt", "convnext", "wide_and_deep", "regularized_mlp")
NAMES = QUICK if os.environ.get("KM_CONFORMANCE_TIER") == "quick" else list(zoo2.ZOO)
# name -> (loss, optimizer): the models that also fit an epoch in both libraries (SGD
# where an Embedding is: see test_zoo.FITS)
FITS = {"regularized_mlp": ("categorical_crossentropy", "adam"),
        "convnext": ("categorical_crossentropy", "adam"),
        "pointnet": ("categorical_crossentropy", "rmsprop"),
        "deepfm": ("binary_crossentropy", "sgd"),
        "denoising_autoencoder": ("binary_crossentropy", "adam")}


class Zoo2(ZooChecks):
    ZOO = zoo2.ZOO
    NO_CUSTOM = list(zoo2.ZOO)
    # kerasmini check feeds tf.keras's nested decoder model a NumPy array next to a
    # tensor carrying a mask, which tf.keras refuses ("cannot mix tensors and
    # non-tensors"), and reports it as a TensorFlow divergence: check's own limit
    CHECK_FAILS_ON = {"nmt_transformer": "check mixes arrays and masked tensors in a "
                                         "nested model's call"}
    # check's random integers (0..9) are not valid ids for these: it gets the sample
    CHECK_WITH_SAMPLE = ("bert_like", "wide_and_deep")
    LEGACY_H5_REFUSED_BY_TF = ()

    def sample_input(self, model, name, batch, seed):
        x = super().sample_input(model, name, batch, seed)
        for key, bound in zoo2.INT_RANGES.items():  # ids that are not tokens
            if isinstance(x, dict) and key in x:
                x[key] %= bound
        return x


class Zoo2Test(Zoo2, unittest.TestCase):
    @parameterized.expand([(name,) for name in NAMES])
    def test_files_both_ways_and_check(self, name):
        self.check_files_both_ways(name)


class Zoo2FitTest(Zoo2, unittest.TestCase):
    @parameterized.expand([(name,) for name in FITS if name in NAMES])
    def test_one_epoch_same_loss(self, name):
        self.fit_one_epoch(name, *FITS[name])
