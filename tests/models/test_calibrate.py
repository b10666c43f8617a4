"""Calibration (models/calibrate.py): the fitted temperature, the uncertain threshold, the calibration error."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models import calibrate


def overconfident(n: int = 20000, temperature: float = 2.5, seed: int = 0):
    """Logits whose calibrated form is softmax(z), scaled by `temperature`: a network that is too sure."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, 10, generator=g) * 2
    labels = torch.multinomial(torch.softmax(z, 1), 1, generator=g).squeeze(1)  # drawn from the true probabilities
    return z * temperature, labels


def test_the_fitted_temperature_undoes_overconfidence():
    logits, labels = overconfident(temperature=2.5)
    assert calibrate.fit_temperature(logits, labels) == pytest.approx(2.5, rel=0.05)


def test_calibration_lowers_the_calibration_error():
    logits, labels = overconfident()
    result = calibrate.calibration(logits, labels)
    assert result["validation"]["ece_after"] < 0.02 < result["validation"]["ece_before"]


def test_the_threshold_flags_at_most_the_budget_of_correct_answers():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.3, 1.0, 10000)
    correct = rng.uniform(0, 1, 10000) < confidence  # surer answers are right more often
    threshold = calibrate.uncertain_threshold(confidence, correct, budget=0.01)
    assert (confidence[correct] < threshold).mean() <= 0.01
    assert (confidence[~correct] < threshold).mean() > 0.02  # and it does flag mistakes


def test_expected_calibration_error_of_a_perfect_and_a_wrong_forecaster():
    confidence = np.full(1000, 0.8)
    assert calibrate.expected_calibration_error(confidence, np.arange(1000) < 800) == pytest.approx(0.0)
    assert calibrate.expected_calibration_error(confidence, np.zeros(1000, bool)) == pytest.approx(0.8)
