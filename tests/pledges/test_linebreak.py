"""Chinese line breaking (禁则) for print: pledges/linebreak.py."""

from pledges.linebreak import break_lines


def lines(text, width):
    """Lines of at most `width` characters."""
    return [text[a:b] for a, b in break_lines(text, lambda a, b: b - a <= width)]


def test_it_breaks_greedily_where_nothing_forbids_it():
    assert lines("一二三四五六七", 3) == ["一二三", "四五六", "七"]


def test_it_moves_a_character_down_rather_than_start_a_line_with_a_comma():
    assert lines("一二三，四五六", 3) == ["一二", "三，四", "五六"]


def test_it_moves_two_when_two_closing_marks_follow_each_other():
    assert lines("一二三）。四", 3) == ["一二", "三）。", "四"]


def test_it_never_ends_a_line_with_an_opening_bracket():
    assert lines("一二（三四", 3) == ["一二", "（三四"]


def test_it_keeps_latin_words_and_numbers_whole():
    assert lines("共 2026 年", 4) == ["共", "2026", "年"]


def test_it_breaks_a_line_of_punctuation_anyway_rather_than_overflow():
    assert lines("，，，，，，", 3) == ["，，，", "，，，"]
