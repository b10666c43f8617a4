"""The pen benchmark's summary reads the drawn digits by how far they were turned (bench/pen.py --angle)."""

from harness.pen import Item, summary


def _item(label: int, kind: str, angle: float) -> Item:
    return Item(b"", label, kind, "transparent", 0.1 if kind != "font" else 0.0, "", angle=angle)


def _reply(digit: int) -> dict:
    return {"digit": digit, "confidence": 0.9, "uncertain": False}


def test_drawn_digits_are_read_by_their_turn_either_way_and_fonts_are_left_out():
    batch = [_item(1, "pen", 3.0), _item(2, "pen", -7.5), _item(3, "style", 7.0), _item(4, "pen", 22.0)]
    batch.append(_item(5, "font", 2.0))
    replies = [_reply(1), _reply(7), _reply(3), _reply(4), _reply(6)]  # the -7.5 degree 2 and the font read wrong
    by_angle = summary(batch, replies)["by"]["angle"]
    assert by_angle == {
        "0-5": {"n": 1, "accuracy": 1.0},
        "5-10": {"n": 2, "accuracy": 0.5},
        "20-25": {"n": 1, "accuracy": 1.0},
    }
