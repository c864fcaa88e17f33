"""Every benchmark script runs from a clean checkout and prints its figures (issue #8's "done
when"). Each runs once with the smallest sizes that still go through every phase of it (its
own Prosody, the real program, the reference where it has one); the figures themselves are not
judged here, only that the script finished and printed the lines it exists to print.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.prosody

#: script, tiny arguments, what its output must contain (case-insensitive).
SCRIPTS: list[tuple[str, list[str], list[str]]] = [
    ("launch.py", ["--contacts", "10", "--runs", "1"], ["online", "first screen", "bare slixmpp"]),
    ("flood_rate.py", ["--count", "200", "--runs", "1"], ["msg/s", "reference"]),
    ("flood.py", ["--count", "50", "--senders", "10", "--seconds", "1"], ["lag"]),
    (
        "room_join.py",
        ["--occupants", "20", "--history", "5", "--runs", "1"],
        ["worst frame", "reference"],
    ),
    ("mam_catchup.py", ["--messages", "200", "--runs", "1"], ["msg/s", "pager"]),
    # 12,000: enough that every seeded account has history (the big conversation alone is 10,000)
    ("history_search.py", ["--messages", "12000", "--runs", "1"], ["history", "search"]),
    ("open_conversation.py", ["--messages", "2000", "--runs", "1"], ["last screen"]),
    (
        "memory.py",
        [
            *("--runs", "1", "--only", "growth"),
            *("--contacts", "50", "--rooms", "2", "--messages", "1000"),
        ],
        ["MiB", "growth"],
    ),
    (
        "side_by_side.py",
        [
            *("--runs", "1", "--clients", "xmpp-tui,reference"),
            *("--scenarios", "online10,flood", "--flood-count", "200"),
        ],
        ["xmpp-tui", "reference", "msg/s"],
    ),
]


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("script", "args", "wanted"), SCRIPTS, ids=[s[0] for s in SCRIPTS])
def test_the_benchmark_runs_and_prints_its_figures(
    script: str, args: list[str], wanted: list[str], tmp_path: Path
) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{script} exited {proc.returncode}:\n{output[-3000:]}"
    assert "Traceback" not in output, output[-3000:]
    missing = [word for word in wanted if word.lower() not in proc.stdout.lower()]
    assert not missing, f"{script} printed no {missing}:\n{proc.stdout[-3000:]}"
