"""Pre-started sandboxes: a session running code again starts the next run's bwrap ahead.

The pre-started sandbox must be used only for exactly the launch it was made for, must carry the
same limits as a cold start, and must never outlive its session.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from webnova.adapters.sandbox import local
from webnova.adapters.sandbox.local import HeldLaunch, LocalSandbox, processes_of
from webnova.adapters.sandbox.port import SandboxLimits
from webnova.adapters.sandbox.probe import probe_isolation

REPORT = probe_isolation()
pytestmark = pytest.mark.skipif(REPORT.level != "bubblewrap",
                                reason=f"bubblewrap is not usable here: {REPORT.warnings}")
LIMITS = SandboxLimits(wall_timeout_s=5.0, cpu_seconds=1, prescan_block=False)


def _bwraps_of(workspace: Path, *, ours: bool = False) -> list[int]:
    """Live bwrap processes whose command line binds `workspace` (`ours`: started by us)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                cmdline = Path(entry.path, "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if cmdline and cmdline[0].endswith(b"bwrap") and str(workspace).encode() in cmdline:
                ppid = int(Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()[1])
                if not ours or ppid == os.getpid():
                    found.append(int(entry.name))
    return found


def _ppid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _left_of_runs(uid: int, prestarted: list[HeldLaunch]) -> list[int]:
    """Processes of `uid` once background work is done, but the next run's gated program.

    A pre-started sandbox already runs its gate (a shell waiting for the go line) as the
    session uid; that process belongs to the next run, not to any run that returned.
    """
    gates = {held.child for held in prestarted if held.proc.returncode is None}
    return [pid for pid in processes_of(uid) if _ppid(pid) not in gates]


@pytest.fixture
def prestarted(monkeypatch: pytest.MonkeyPatch) -> list[HeldLaunch]:
    made: list[HeldLaunch] = []
    real = local._prestart

    def spy(launch: local.Launch) -> HeldLaunch | None:
        held = real(launch)
        if held is not None:
            made.append(held)
        return held

    monkeypatch.setattr(local, "_prestart", spy)
    return made


def test_repeated_runs_use_the_sandbox_started_for_them(prestarted: list[HeldLaunch],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[HeldLaunch] = []
    real_go = HeldLaunch.go

    def go(self: HeldLaunch) -> HeldLaunch:
        started.append(self)
        return real_go(self)

    monkeypatch.setattr(HeldLaunch, "go", go)
    with LocalSandbox(LIMITS, report=REPORT).create(envs={"MARK": "m1"}) as session:
        results = [session.run_code(f"import os\nprint({i}, os.environ['MARK'], os.getuid())",
                                    "python") for i in range(4)]
        assert [r.stdout.split() for r in results] == [
            [str(i), "m1", str(session.uid)] for i in range(4)]
        assert all(r.ok and r.isolation == "bubblewrap" for r in results)
    # Runs 1 and 2 start cold; runs 2, 3 and 4 each pre-start the next one; 3 and 4 use theirs.
    assert len(prestarted) == 3
    assert started[2] is prestarted[0]
    assert started[3] is prestarted[1]


def test_a_prestarted_run_has_the_same_limits(prestarted: list[HeldLaunch]) -> None:
    with LocalSandbox(LIMITS, report=REPORT).create() as session:
        for _ in range(2):
            assert session.run_code("pass", "python").ok
        spin = session.run_code("while True:\n    pass", "python")
        assert prestarted, "the third run should have had a pre-started sandbox"
        assert spin.stop_reason == "cpu_limit", spin.detail
        fork = session.run_code(
            "import os, time\nn = 0\ntry:\n    for _ in range(300):\n"
            "        if os.fork() == 0:\n            time.sleep(3)\n            os._exit(0)\n"
            "        n += 1\nexcept OSError:\n    print('limited', n)", "python")
        assert fork.stdout.startswith("limited"), fork.stdout
        assert int(fork.stdout.split()[1]) < LIMITS.max_processes
        uid = session.uid
        assert uid is not None
        session.settle()
        assert _left_of_runs(uid, prestarted) == []


def test_a_different_program_shape_discards_the_prestarted_sandbox(
        prestarted: list[HeldLaunch]) -> None:
    with LocalSandbox(LIMITS, report=REPORT).create() as session:
        session.run_code("pass", "python")
        session.run_code("pass", "python")
        session.settle()
        assert len(_bwraps_of(session.workspace, ours=True)) == 1  # held for a third python run
        result = session.run_code("echo hi", "bash")  # not the launch it was made for
        assert result.stdout == "hi\n"
        assert prestarted[0].proc.returncode is not None  # killed and reaped
        # The bash run pre-starts the next bash run in the background; wait for it, then the
        # only sandbox left is that one.
        session.settle()
        assert len(prestarted) == 2
        assert _bwraps_of(session.workspace, ours=True) == [prestarted[1].proc.pid]
        discarded = {prestarted[0].proc.pid, prestarted[0].child}
        assert discarded.isdisjoint(_bwraps_of(session.workspace))


def test_closing_the_session_kills_its_prestarted_sandbox() -> None:
    with LocalSandbox(LIMITS, report=REPORT).create() as session:
        for _ in range(2):
            session.run_code("pass", "python")
        session.settle()
        workspace = session.workspace
        assert len(_bwraps_of(workspace, ours=True)) == 1
    assert _bwraps_of(workspace) == []


def test_a_detached_daemon_is_gone_when_the_run_returns(prestarted: list[HeldLaunch]) -> None:
    code = ("import subprocess\nsubprocess.Popen(['/bin/sleep', '60'], start_new_session=True,"
            " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\nprint('left')")
    with LocalSandbox(LIMITS, report=REPORT).create() as session:
        for _ in range(3):  # cold and pre-started runs alike
            result = session.run_code(code, "python")
            assert result.stdout == "left\n"
            uid = session.uid
            assert uid is not None
            session.settle()
            assert _left_of_runs(uid, prestarted) == []
        assert len(prestarted) == 2


def test_a_prestarted_program_waits_unprivileged_and_runs_only_when_asked(
        prestarted: list[HeldLaunch]) -> None:
    with LocalSandbox(LIMITS, report=REPORT).create() as session:
        for _ in range(2):
            assert session.run_code("pass", "python").ok
        session.settle()
        uid = session.uid
        assert uid is not None
        (gate,) = processes_of(uid)  # the next run's program, held at its gate
        assert _ppid(gate) == prestarted[0].child
        status = dict(line.split(":\t", 1) for line in
                      Path(f"/proc/{gate}/status").read_text().splitlines() if ":\t" in line)
        assert status["Uid"].split() == [str(uid)] * 4
        assert status["CapEff"] == status["CapPrm"] == status["CapBnd"] == "0" * 16
        assert status["NoNewPrivs"] == "1"
        assert not (session.workspace / ".webnova" / "run-3.py").exists()
        third = session.run_code("import os\nprint(os.getpid(), os.getuid())", "python")
        assert third.stdout.split() == ["2", str(uid)]
    assert processes_of(uid) == []


def test_without_prewarm_nothing_is_prestarted(prestarted: list[HeldLaunch]) -> None:
    limits = SandboxLimits(prescan_block=False, prewarm=False)
    with LocalSandbox(limits, report=REPORT).create() as session:
        for _ in range(3):
            assert session.run_code("pass", "python").ok
        session.settle()
        assert _bwraps_of(session.workspace) == []
    assert prestarted == []


def test_an_environment_value_of_double_dash_reaches_cold_and_prestarted_runs(
        prestarted: list[HeldLaunch]) -> None:
    # bwrap's own options end at a "--"; a variable whose value is "--" used to be taken for
    # it, and bwrap then tried to run its --info-fd number as the program.
    with LocalSandbox(LIMITS, report=REPORT).create(envs={"SEP": "--"}) as session:
        results = [session.run_code("import os\nprint(os.environ['SEP'])", "python")
                   for _ in range(3)]
    assert [r.stdout for r in results] == ["--\n"] * 3, [r.stderr for r in results]
    assert len(prestarted) == 2


def test_a_sandbox_that_never_reaches_its_gate_leaves_the_next_run_cold(
        prestarted: list[HeldLaunch], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "_GATE", ("/nonexistent/sh", "-c", "exit 0", "sh"))
    with LocalSandbox(LIMITS, report=REPORT).create() as session:
        results = [session.run_code(f"print({i})", "python") for i in range(4)]
        assert [r.stdout for r in results] == [f"{i}\n" for i in range(4)]
        uid = session.uid
        assert uid is not None
        session.settle()
        assert processes_of(uid) == []
    assert prestarted == []
