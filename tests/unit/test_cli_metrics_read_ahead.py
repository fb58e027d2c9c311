"""metrics FILE reads the file on a worker thread while it imports; same output and errors."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from vsm_core.cli import importing, main
from vsm_core.importers import containers

ROOT = Path(__file__).resolve().parents[2]
EVENTS = "".join(
    f"K-{n},{status},2024-01-{day:02d}T{hour:02d}:00:00Z,Feature\n"
    for n in range(40)
    for day, hour, status in ((1 + n % 9, 9, "To Do"), (10 + n % 9, 10, "Doing"), (20, 11, "Done"))
)


@pytest.fixture
def events_csv(tmp_path) -> Path:
    path = tmp_path / "events.csv"
    path.write_text("Key,Status,Changed,Type\n" + EVENTS, encoding="utf-8")
    return path


def test_the_document_is_the_same_with_and_without_the_reading_thread(
    events_csv, capsys, monkeypatch
):
    assert main(["metrics", str(events_csv), "--json"]) == 0
    threaded = json.loads(capsys.readouterr().out)
    monkeypatch.setattr(containers, "read_ahead", lambda *args: None)
    assert main(["metrics", str(events_csv), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == threaded
    assert containers._READ_AHEAD == {}


def test_the_thread_read_the_file_and_its_arrow_table_was_used(events_csv, monkeypatch):
    started = []
    original = importing.PendingRead.__init__

    def spy(self, *args):
        started.append(args)
        original(self, *args)

    monkeypatch.setattr(importing.PendingRead, "__init__", spy)
    reads = []
    arrow = containers._arrow_read_text
    monkeypatch.setattr(
        containers,
        "_arrow_read_text",
        lambda *a: reads.append(threading.current_thread().name) or arrow(*a),
    )
    assert main(["metrics", str(events_csv), "--json"]) == 0
    assert len(started) == 1
    assert reads == ["flowlab-read"]  # read once, on the thread


def test_a_missing_file_is_reported_as_before(tmp_path, capsys):
    assert main(["metrics", str(tmp_path / "missing.csv"), "--json"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_file_and_dataset_together_start_no_thread(events_csv, capsys, monkeypatch):
    monkeypatch.setattr(importing.PendingRead, "__init__", None)  # would fail if made
    assert main(["metrics", str(events_csv), "--dataset", "1", "--json"]) == 2
    assert "either FILE or --dataset" in capsys.readouterr().err


def test_bad_options_are_reported_in_the_same_order(events_csv, capsys):
    assert main(["metrics", str(events_csv), "--map", "nonsense", "--json"]) == 2
    assert "--map expects ROLE=COLUMN" in capsys.readouterr().err


def test_the_command_in_its_own_process_prints_the_same_document(events_csv, capsys):
    assert main(["metrics", str(events_csv), "--json"]) == 0
    in_process = capsys.readouterr().out
    result = subprocess.run(
        [sys.executable, "-m", "vsm_core", "metrics", str(events_csv), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert result.stdout == in_process


def test_the_gil_switch_interval_is_back_as_it_was(events_csv, capsys):
    before = sys.getswitchinterval()
    assert main(["metrics", str(events_csv), "--json"]) == 0
    assert sys.getswitchinterval() == before
    assert main(["metrics", str(events_csv), "--version", "2", "--json"]) == 2  # data unread
    assert not [t for t in threading.enumerate() if t.name == "flowlab-read"]  # waited for
    assert sys.getswitchinterval() == before


def test_a_failing_head_start_changes_nothing(events_csv, capsys, monkeypatch):
    assert main(["metrics", str(events_csv), "--json"]) == 0
    expected = capsys.readouterr().out

    def broken(*args):
        raise RuntimeError("no head start today")

    monkeypatch.setattr(containers, "read_ahead", broken)
    assert main(["metrics", str(events_csv), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.out == expected
    assert "head start" not in captured.err
