"""scripts/reports/learn_report.py: the measurements it keeps between sessions (a later run measures only what is
missing)."""

from __future__ import annotations

import json

import pytest

import scripts.reports.learn_report as lr
from models.quality import Distances


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "measured.json"
    monkeypatch.setattr(lr, "MEASURED", path)
    return path


def test_a_stored_method_is_used_only_when_it_covers_every_photo(store):
    lr.store_outputs("klee", "learn 5 min", {"a": Distances((1.0, 2.0, 3.0, 4.0, 5.0), 6.0)}, 0.25)
    entry = lr.stored_outputs("klee", "learn 5 min", ["a"])
    assert entry["photos"]["a"] == {"style": [1.0, 2.0, 3.0, 4.0, 5.0], "content": 6.0}
    assert entry["seconds_640x480"] == 0.25 and entry["commit"]
    assert lr.stored_outputs("klee", "learn 5 min", ["a", "b"]) is None  # photo b never measured
    assert lr.stored_outputs("klee", "learn 15 min", ["a"]) is None
    assert lr.stored_outputs("turner", "learn 5 min", ["a"]) is None


def test_storing_keeps_what_another_job_added_and_an_untimed_run_stores_no_time(store):
    lr.store_outputs("klee", "picture", {"a": Distances((1.0,) * 5, 1.0)}, 1.5)
    lr.store_outputs("turner", "picture", {"a": Distances((2.0,) * 5, 2.0)}, float("nan"))
    outputs = json.loads(store.read_text())["outputs"]
    assert set(outputs) == {"klee", "turner"}
    assert outputs["turner"]["picture"]["seconds_640x480"] is None


def test_the_table_divides_stored_outputs_by_the_references_and_marks_what_is_missing(store, tmp_path, monkeypatch):
    refs = tmp_path / "refs.json"
    monkeypatch.setattr(lr, "REFERENCES", refs)
    refs.write_text(json.dumps({"references": {"klee__a": lr.as_entry(Distances((1.0,) * 5, 2.0)),
                                               "klee__b": lr.as_entry(Distances((2.0,) * 5, 2.0))}}))
    lr.store_outputs("klee", "picture", {"a": Distances((3.0,) * 5, 1.0), "b": Distances((2.0,) * 5, 3.0)}, 1.5)
    lr.store_outputs("turner", "picture", {"a": Distances((3.0,) * 5, 1.0), "b": Distances((2.0,) * 5, 3.0)}, 1.0)
    lines = lr.table(["klee", "turner"], ["a", "b"], ["picture", "wct 1"]).splitlines()
    # klee: style ratios 3 and 1 (median 2, worst 3), content 0.5 and 1.5 (median 1, worst 1.5)
    assert lines[2] == "| klee | ×2.00 (×3.00) / 1.00 (1.50) | – |"
    assert lines[3] == "| turner | – | – |"  # no references for turner
    assert lines[4].endswith("| 1.50 | – |")  # seconds: only where the figures count


def test_the_contact_sheet_leaves_out_a_column_this_machine_has_no_picture_of():
    import numpy as np

    photos = [np.zeros((4, 6, 3), np.uint8), np.zeros((5, 5, 3), np.uint8)]
    ours = np.ones((4, 6, 3), np.uint8)
    sheet = [[(photos[0], None, None), (photos[1], None, None)],  # measured earlier: no pictures here
             [(photos[0], ours, None), (photos[1], None, None)]]  # one picture: kept, a blank for the other
    columns = lr.sheet_columns(sheet, ["picture", "learn 15 min"])
    assert [label for label, _ in columns] == ["learn 15 min"]  # Gatys too has no picture here
    kept = columns[0][1]
    assert kept[0] is ours and kept[1].shape == photos[1].shape and (kept[1] == 255).all()
    with_gatys = lr.sheet_columns([[(photos[0], ours, ours), (photos[1], ours, None)]], ["learn 5 min"])
    assert [label for label, _ in with_gatys] == ["learn 5 min", "Gatys"]
