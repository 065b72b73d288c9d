"""`webnova sandbox ...`: run a program in the configured sandbox, show the isolation level.

Mounted by the main CLI with `app.add_typer(sandbox_app, name="sandbox")`. Exit codes of `run`:
0 the program exited with status 0; 1 it failed or was stopped; 2 bad input or no sandbox;
3 the pre-scan blocked it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from webnova.adapters.sandbox import make_sandbox, sandbox_limits
from webnova.adapters.sandbox.port import ExecResult, SandboxError
from webnova.adapters.sandbox.probe import probe_isolation
from webnova.i18n import _
from webnova.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="Run code in the sandbox; show its isolation.")
_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


def _read_source(source: str, limit: int) -> str:
    try:
        raw = sys.stdin.buffer.read(limit + 1) if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise SandboxError(_("Cannot read {path}: {error}").format(
            path=source, error=exc.strerror or exc)) from exc
    if len(raw) > limit:
        raise SandboxError(_("The program is larger than {limit} bytes.").format(limit=limit))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SandboxError(_("The program is binary data, not UTF-8 text.")) from None


@app.command("run")
def run(
    source: Annotated[str, typer.Argument(help="Program file, or - for standard input.")],
    lang: Annotated[str, typer.Option("--lang", "-l", help="python, node, typescript, bash, "
                                      "php, go or rust.")],
    timeout: Annotated[float | None, typer.Option(help="Wall-clock limit in seconds.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run one program and print its exit code, output, stop reason and isolation level."""
    settings = load_settings()
    limits = sandbox_limits(settings)
    try:
        code = _read_source(source, limits.max_code_bytes)
        sandbox = make_sandbox(settings, limits=limits)
        with sandbox.create() as session:
            result = session.run_code(code, lang, timeout=timeout)
    except SandboxError as exc:
        if as_json:
            _out.print_json(json.dumps({"error": str(exc), "code": exc.code}))
        else:
            _err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        _out.print_json(result.model_dump_json())
    else:
        _print_result(result)
    raise typer.Exit(_exit_code(result))


def _exit_code(result: ExecResult) -> int:
    if result.stop_reason == "blocked":
        return 3
    return 0 if result.ok else 1


def _print_result(result: ExecResult) -> None:
    if result.stdout:
        _out.print(result.stdout, end="" if result.stdout.endswith("\n") else "\n", markup=False)
    if result.stderr:
        _err.print(result.stderr, end="" if result.stderr.endswith("\n") else "\n", markup=False)
    if result.prescan is not None:
        for reason in result.prescan.reasons:
            _err.print(_("pre-scan: {reason}").format(reason=reason), markup=False)
    rows = [
        (_("exit code"), "-" if result.exit_code is None else str(result.exit_code)),
        (_("timed out"), _("yes") if result.timed_out else _("no")),
        (_("stop reason"), f"{result.stop_reason}: {result.detail}"),
        (_("isolation"), result.isolation),
        (_("network"), result.network or "-"),
        (_("duration"), _("{seconds} s").format(seconds=f"{result.duration_s:.3f}")),
    ]
    for label, value in rows:
        _err.print(f"[bold]{label}[/bold]: {value}")


@app.command("probe")
def probe(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the isolation level this host gives sandboxed code, and its start-up latency."""
    settings = load_settings()
    report = probe_isolation(e2b=settings.sandbox_mode == "e2b",
                             network_mode=settings.sandbox_network)
    if as_json:
        _out.print_json(report.model_dump_json())
        return
    _out.print(_("isolation level: {level}").format(level=report.level))
    if report.latency_ms is not None:
        _out.print(_("start-to-exit of `true`: {ms} ms (bare: {bare} ms)").format(
            ms=report.latency_ms, bare=report.bare_latency_ms))
    _out.print(_("network sessions get: {network}").format(network=report.network))
    _out.print(_("features: {features}").format(features=", ".join(report.features)))
    for warning in report.warnings:
        _err.print(f"[yellow]{warning}[/yellow]")
