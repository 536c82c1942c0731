"""The answer sheet's geometry: compact (short fields fill the room beside tall digit grids), in exam
order top to bottom, nothing overlapping and everything inside the marks."""

import pytest

from examkit.sheets import layout as L


def _numeric(pid, value=0.8123):
    return {"id": pid, "type": "numeric", "value": value, "tolerance": {"sigfigs": 3}, "points": 2}


def _choice(pid, letters="ABCD"):
    return {"id": pid, "type": "choice", "options": [{"letter": x} for x in letters], "points": 1}


def _written(pid, points=3):
    return {"id": pid, "type": "derivation", "points": points}


def final_like_version():
    """A 90-minute final's mix: 9 numeric parts, 6 choice parts, 3 written parts in 12 questions."""
    parts = [
        [_numeric("a"), _choice("b")],
        [_written("a", 4)],
        [_numeric("a"), _numeric("b", 12.5)],
        [_choice("a", "ABCDE")],
        [_numeric("a"), _written("b", 2)],
        [_choice("a")],
        [_numeric("a", -0.125), _numeric("b"), _choice("c")],
        [_written("a", 3)],
        [_numeric("a", 1234.5)],
        [_choice("a", "ABC"), _numeric("b")],
        [_choice("a")],
        [_numeric("a")],
    ]
    return {"questions": [{"number": i + 1, "parts": p} for i, p in enumerate(parts)]}


def _fields(pages):
    return [(page.number, f) for page in pages for f in page.fields]


def test_a_final_fits_two_pages():
    assert len(L.sheet_layout(final_like_version())) == 2


def test_fields_do_not_overlap_and_stay_inside_the_marks():
    pages = L.sheet_layout(final_like_version())
    for page in pages:
        boxes = [(f.x, f.y, f.x + f.w, f.y + f.h) for f in page.fields]
        for i, a in enumerate(boxes):
            assert L.LEFT <= a[0] and a[2] <= L.RIGHT + 1e-9
            assert L.page_top(page.number) <= a[1] and a[3] <= L.BOTTOM + 1e-9
            for b in boxes[i + 1 :]:
                assert (
                    a[2] + L.GAP <= b[0] + 1e-9
                    or b[2] + L.GAP <= a[0] + 1e-9
                    or a[3] + L.GAP <= b[1] + 1e-9
                    or b[3] + L.GAP <= a[1] + 1e-9
                )


def test_fields_follow_the_exam_top_to_bottom():
    placed = _fields(L.sheet_layout(final_like_version()))
    names = [f.name for _, f in placed]
    assert names[:3] == ["1(a)", "1(b)", "2"]
    assert len(names) == len(set(names)) == 18
    tops = [(number, f.y) for number, f in placed]
    assert tops == sorted(tops), "a later field sits higher on the page than the one before it"


@pytest.mark.parametrize("seed_parts", [1, 5, 30])
def test_any_number_of_fields_lays_out(seed_parts):
    version = {"questions": [{"number": i + 1, "parts": [_numeric("a"), _choice("b")]} for i in range(seed_parts)]}
    placed = _fields(L.sheet_layout(version))
    assert len(placed) == 2 * seed_parts
    assert all(f.y + f.h <= L.BOTTOM + 1e-9 for _, f in placed)
