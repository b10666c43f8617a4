"""Confidence that means what it says: temperature scaling, the `uncertain` threshold, and their figures.

After training, one temperature T is fitted on the validation split (logits / T minimise the
negative log-likelihood; Guo et al. 2017): the network's ranking of classes is unchanged, only its
confidence. The card records T, which both engines apply, and a threshold under which an answer is
marked `uncertain`, chosen on the same split: as many mistakes under it as possible while at most
`MAX_CORRECT_FLAGGED` of the correct answers are.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

MAX_CORRECT_FLAGGED = 0.003  # at most this share of correct validation answers may be marked uncertain


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The temperature that minimises the NLL of softmax(logits / T) on (logits, labels)."""
    log_t = torch.zeros((), requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200, line_search_fn="strong_wolfe")
    logits, labels = logits.detach().double(), labels.detach()

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(logits / log_t.exp(), labels)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.detach().exp())


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    """Sum over equal-width confidence bins of |accuracy - mean confidence|, weighted by the bin's share."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    return float(
        sum(
            abs(correct[which == b].mean() - confidence[which == b].mean()) * (which == b).mean()
            for b in range(bins)
            if (which == b).any()
        )
    )


def uncertain_threshold(confidence: np.ndarray, correct: np.ndarray, budget: float = MAX_CORRECT_FLAGGED) -> float:
    """The largest threshold under which at most `budget` of the correct answers fall (so it flags the most
    mistakes that budget allows), rounded down to 3 decimals."""
    ranked = np.sort(confidence[correct])
    allowed = int(np.floor(budget * len(ranked)))
    threshold = ranked[allowed] if allowed < len(ranked) else 1.0
    return float(np.floor(threshold * 1000) / 1000)


def calibration(logits: torch.Tensor, labels: torch.Tensor) -> dict:
    """Temperature, threshold and what they do on (validation) logits: ECE before/after, who gets flagged."""
    t = fit_temperature(logits, labels)
    before = torch.softmax(logits.double(), 1).max(1).values.numpy()
    probs = torch.softmax(logits.double() / t, 1)
    confidence, correct = probs.max(1).values.numpy(), (probs.argmax(1) == labels).numpy()
    threshold = uncertain_threshold(confidence, correct)
    flagged = confidence < threshold
    return {
        "temperature": round(t, 4),
        "uncertain_below": threshold,
        "validation": {
            "n": len(labels),
            "ece_before": round(expected_calibration_error(before, correct), 4),
            "ece_after": round(expected_calibration_error(confidence, correct), 4),
            "mistakes_uncertain": round(float(flagged[~correct].mean()), 4) if (~correct).any() else None,
            "correct_uncertain": round(float(flagged[correct].mean()), 4),
        },
    }
