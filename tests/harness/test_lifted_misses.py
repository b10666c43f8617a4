"""bench/numbers.py's account of where numbers with a pen-lifted digit go wrong."""

from bench.numbers import lifted_misses


def row(text: str, said: str, lifted_at: int | None) -> dict:
    return {"text": text, "said": said, "ok": said == text, "lifted_at": lifted_at}


def test_each_miss_is_put_down_to_the_lifted_digit_another_digit_or_the_count():
    rows = [
        row("2026", "2026", 1),  # right
        row("2026", "2076", 2),  # the lifted digit misread
        row("2026", "7026", 2),  # another digit misread, the lifted one right
        row("2026", "7076", 2),  # both: put down to the lifted digit
        row("715", "7715", 0),  # a digit too many (a lifted 7 read as two)
        row("99", "98", None),  # no lifted digit: not counted
    ]
    result = lifted_misses(rows)
    assert result["misses"] == {"count": 1, "lifted_digit": 2, "other_digits_only": 1}
    assert result["lifted_digit_accuracy"] == 0.5  # 4 lifted digits read with the right count, 2 right
    assert result["other_digit_accuracy"] == round(10 / 12, 4)  # 2 of the 12 others misread


def test_nothing_lifted_gives_no_shares():
    result = lifted_misses([row("12", "12", None)])
    assert result == {
        "misses": {"count": 0, "lifted_digit": 0, "other_digits_only": 0},
        "lifted_digit_accuracy": None,
        "other_digit_accuracy": None,
    }
