"""The occlusion map (backend/explain.py): the network is asked only about squares that hide something, and the
map is what asking about every square gives."""

import numpy as np

from backend import explain

BACKGROUND = -0.42


def softmax_of_a_linear_layer(weights: np.ndarray):
    def predict(batch: np.ndarray) -> np.ndarray:
        logits = batch.reshape(len(batch), -1) @ weights
        e = np.exp(logits - logits.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    return predict


def test_squares_of_background_alone_are_not_asked_about_and_the_map_stays_the_same():
    field = np.full((28, 28), BACKGROUND, np.float32)
    field[8:20, 12:15] = 2.8  # a stroke
    predict = softmax_of_a_linear_layer(np.random.default_rng(0).normal(0, 0.05, (28 * 28, 10)).astype(np.float32))
    asked = []
    saliency = explain.occlusion_map(field, 3, lambda batch: asked.append(len(batch)) or predict(batch), BACKGROUND)

    inputs, masks = explain.occlusions(field, BACKGROUND)
    probs = predict(np.concatenate([field[None], inputs])[:, None])[:, 3]
    every = np.tensordot(probs[0] - probs[1:], masks, axes=1) / np.maximum(masks.sum(0), 1)
    hiding_ink = int(masks[:, 8:20, 12:15].any((1, 2)).sum())
    assert asked == [1 + hiding_ink] and hiding_ink < len(masks) / 2
    np.testing.assert_allclose(saliency, every, atol=1e-6)
