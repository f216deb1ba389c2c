"""The zoo (conformance/models/zoo.py), both ways: files (.keras, .weights.h5, legacy
.h5) from tf.keras into kerasmini and back, `kerasmini check`, summaries, and a fit for
a few (what each step does: zoo_harness.py). The user's layers travel as custom_objects,
Sampling from the registry.

Quick tier: QUICK only; the full tier (CI) runs all of them, about a second each.
"""
import os
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance.models import zoo
from conformance.models.zoo_harness import ZooChecks

QUICK = ("unet_xception", "vit", "transformer_masked", "vae", "ticket_classifier", "tcn",
         "two_tower")  # two_tower: one of FITS, so the quick tier fits one model too
NAMES = QUICK if os.environ.get("KM_CONFORMANCE_TIER") == "quick" else list(zoo.ZOO)
# name -> (loss, optimizer): the models that also fit an epoch in both libraries. SGD for
# those with an Embedding: tf.keras's Adam and RMSprop square Embedding's sparse gradient
# one occurrence at a time (a TensorFlow divergence, models/test_text_model.py), so
# their fits differ wherever a batch repeats a token (transformer_tpe's loss: 0.82 vs
# kerasmini's 0.76 after 3 Adam steps; the gradients themselves agree).
FITS = {"unet_concat": ("binary_crossentropy", "adam"), "wavenet": ("mse", "rmsprop"),
        "bigru_tagger": ("sparse_categorical_crossentropy", "sgd"),
        "transformer_tpe": ("sparse_categorical_crossentropy", "sgd"),
        "two_tower": ("binary_crossentropy", "sgd")}


class Zoo(ZooChecks):
    ZOO = zoo.ZOO
    TF_OBJECTS = {k: v for k, v in zoo.TF_LAYERS.items() if k != "Sampling"}
    KM_OBJECTS = {k: v for k, v in zoo.user_layers(kerasmini).items()
                  if k != "Sampling"}  # found registered
    NO_CUSTOM = [n for n in zoo.ZOO if n not in ("vit", "transformer_tpe", "siamese_lambda")]
    # tf.keras 3.15 itself cannot write these as legacy .h5 (its random layers' seed
    # generators do not pickle): the legacy file is not tried
    LEGACY_H5_REFUSED_BY_TF = ("augmented",)

    def sample_input(self, model, name, batch, seed):
        x = super().sample_input(model, name, batch, seed)
        if name == "transformer_masked":  # positions
            x[1] = np.broadcast_to(np.arange(10, dtype="int32"), x[1].shape).copy()
        elif name == "masked_lstm":
            x[:, -2:] = 0.0  # padded steps: all-zero rows
        return x


class ZooTest(Zoo, unittest.TestCase):
    @parameterized.expand([(name,) for name in NAMES])
    def test_files_both_ways_and_check(self, name):
        self.check_files_both_ways(name)


class ZooFitTest(Zoo, unittest.TestCase):
    @parameterized.expand([(name,) for name in FITS if name in NAMES])
    def test_one_epoch_same_loss(self, name):
        self.fit_one_epoch(name, *FITS[name])
