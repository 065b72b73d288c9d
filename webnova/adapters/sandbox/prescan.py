"""A static pre-scan that flags hostile programs before they run.

Defense in depth, not the barrier: the rules are regular expressions over the source, so they catch
the common shapes (fork bombs, `rm -rf /`, reverse shells, raw sockets, credential and host-file
reads, miners, process tampering, obfuscated payloads) and miss anything clever. The sandbox's
isolation must hold when a program gets past this scan; the hostile corpus tests prove it does.
High findings block the run unless an owner overrides, and every override is audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from webnova.adapters.sandbox.port import (
    AuditSink,
    Finding,
    PrescanOverride,
    PrescanVerdict,
    SandboxError,
)
from webnova.i18n import N_, _

Category = Literal["fork_bomb", "destructive_fs", "network", "host_secrets", "crypto_mining",
                   "process_tampering", "obfuscation"]
OWNER_ROLES = frozenset({"OWNER", "ROOT_OWNER"})

_FORK_BOMB = N_("Spawns processes in an endless loop (fork bomb).")
_DESTRUCTIVE = N_("Deletes or overwrites system files or devices.")
_REVERSE_SHELL = N_("Opens a reverse shell or pipes a shell over the network.")
_RAW_NET = N_("Opens raw network connections.")
_HTTP = N_("Makes network requests; the sandbox has no network unless the session allows it.")
_SECRETS = N_("Reads credentials or private host files.")
_ENV_DUMP = N_("Dumps the whole environment, where secrets usually live.")
_MINER = N_("Looks like a cryptocurrency miner.")
_KILL = N_("Signals processes it did not start (its parent, every process, or by name).")
_DAEMON = N_("Detaches a background process meant to outlive the run.")
_KERNEL = N_("Tampers with the kernel, system services or privileges.")
_LIMITS = N_("Tries to raise its own resource limits.")
_OBFUSCATED = N_("Runs obfuscated code that is decoded at run time.")

_ALL: frozenset[str] = frozenset()  # empty = every language
_PY = frozenset({"python"})
_JS = frozenset({"node", "typescript"})
_SH = frozenset({"bash"})
_PHP = frozenset({"php"})
_GO = frozenset({"go"})
_RS = frozenset({"rust"})
_SYS_DIRS = r"(?:etc|usr|bin|sbin|boot|var|root|home|lib|lib64|dev|sys|proc|opt|srv)"
_WRITABLE = r"(?:etc|usr|bin|sbin|boot|root|lib|sys|proc/sys)\b[^'\"`]*['\"`]"


@dataclass(frozen=True)
class Rule:
    """One pattern, the languages it applies to, and what a match means."""

    id: str
    category: Category
    severity: Literal["high", "medium"]
    languages: frozenset[str]
    pattern: re.Pattern[str]
    reason: str

    def applies_to(self, language: str) -> bool:
        """Whether the rule is checked for `language`."""
        return not self.languages or language in self.languages


def _rule(rule_id: str, category: Category, severity: Literal["high", "medium"],
          languages: frozenset[str], pattern: str, reason: str) -> Rule:
    return Rule(rule_id, category, severity, languages,
                re.compile(pattern, re.IGNORECASE | re.MULTILINE), reason)


RULES: tuple[Rule, ...] = (
    # Fork bombs with a recognisable shape; fork-in-a-loop is handled by _fork_loop below.
    _rule("fork-bomb.shell", "fork_bomb", "high", _ALL,
          r"([\w:.]+)\s*\(\)\s*\{\s*\1\s*\|\s*\1\s*&", _FORK_BOMB),
    _rule("fork-bomb.self-exec", "fork_bomb", "high", _SH,
          r"(?:\$0|\$\{0\}|\$BASH_SOURCE)\s*[|&]", _FORK_BOMB),
    # Destructive file operations.
    _rule("destructive.rm-root", "destructive_fs", "high", _ALL,
          r"\brm\s+(?:-{1,2}[\w-]+\s+)*(?:/|/\*|~|\$HOME|\.\./\.\.|/" + _SYS_DIRS
          + r")(?:[\s'\"/*]|$)",
          _DESTRUCTIVE),
    _rule("destructive.disk", "destructive_fs", "high", _ALL,
          r"\b(?:mkfs(?:\.\w+)?|wipefs|shred)\s|\bdd\s[^\n]*\bof=/dev/|>\s*/dev/(?:sd|hd|vd|nvme|xvd)",
          _DESTRUCTIVE),
    _rule("destructive.chmod-root", "destructive_fs", "high", _ALL,
          r"\bch(?:mod|own)\s+-R\s+\S+\s+/(?:\s|$|" + _SYS_DIRS + r")", _DESTRUCTIVE),
    _rule("destructive.delete-system", "destructive_fs", "high", _ALL,
          r"(?:rmtree|remove|unlink|rmdir|rmSync|rmdirSync|unlinkSync|RemoveAll|Remove|"
          r"remove_dir_all|remove_file)\s*\(\s*[rbf]?['\"`](?:/|~|/" + _SYS_DIRS
          + r"\b)[^'\"`]*['\"`]",
          _DESTRUCTIVE),
    _rule("destructive.write-system", "destructive_fs", "high", _ALL,
          r"(?:\bopen\s*\(\s*[rbf]?['\"`]/" + _WRITABLE + r"\s*,\s*['\"][rb]*[wax+]"
          r"|(?:writeFileSync|appendFileSync|writeFile|file_put_contents|WriteFile|File::create)"
          r"\s*\(\s*[rbf]?['\"`]/" + _WRITABLE + r")", _DESTRUCTIVE),
    # Reverse shells and raw network access.
    _rule("network.dev-tcp", "network", "high", _ALL, r"/dev/(?:tcp|udp)/", _REVERSE_SHELL),
    _rule("network.reverse-shell", "network", "high", _ALL,
          r"\b(?:nc|ncat|netcat)\b[^\n]*\s-[a-z]*[ec]\b|\bsocat\b[^\n]*exec:|\bbash\s+-i\s*[<>]&"
          r"|pty\.spawn\(|\bmkfifo\b[^\n]*\b(?:nc|ncat|netcat)\b", _REVERSE_SHELL),
    _rule("network.shell-tools", "network", "high", _SH,
          r"^\s*(?:[^#\n]*[;&|]\s*)?(?:nc|ncat|netcat|telnet|socat|ssh)\b", _RAW_NET),
    _rule("network.python-socket", "network", "high", _PY,
          r"\bsocket\.(?:socket|create_connection|socketpair|fromfd)\s*\(|\bfrom\s+socket\s+import\b",
          _RAW_NET),
    _rule("network.node-socket", "network", "high", _JS,
          r"require\(\s*['\"](?:node:)?(?:net|dgram|tls)['\"]\s*\)"
          r"|from\s+['\"](?:node:)?(?:net|dgram|tls)['\"]|\bnet\.(?:connect|createConnection|Socket)\b",
          _RAW_NET),
    _rule("network.php-socket", "network", "high", _PHP,
          r"\b(?:fsockopen|pfsockopen|socket_create|stream_socket_client)\s*\(", _RAW_NET),
    _rule("network.go-socket", "network", "high", _GO, r"\bnet\.(?:Dial\w*|Listen\w*)\s*\(",
          _RAW_NET),
    _rule("network.rust-socket", "network", "high", _RS,
          r"\b(?:TcpStream|UdpSocket|TcpListener)::(?:connect|bind)", _RAW_NET),
    _rule("network.http-client", "network", "medium", _ALL,
          r"\b(?:urllib\.request|urlopen|requests\.(?:get|post|put)|http\.client|httpx\.|aiohttp"
          r"|fetch\s*\(|require\(\s*['\"](?:node:)?(?:https?|dns)['\"]\s*\)|curl_init"
          r"|http\.Get|reqwest::|getaddrinfo|gethostbyname|\b(?:curl|wget|dig|nslookup)\s)",
          _HTTP),
    # Credentials and host files.
    _rule("secrets.host-files", "host_secrets", "high", _ALL,
          r"/etc/(?:shadow|gshadow|sudoers|ssh/)|\.ssh/|\bid_(?:rsa|dsa|ecdsa|ed25519)\b"
          r"|\.aws/credentials|\.kube/config|\.docker/config\.json|docker\.sock|\.git-credentials"
          r"|\.netrc\b|\.npmrc\b|\.pypirc\b|/var/run/secrets|/root/|\$HOME/\.", _SECRETS),
    _rule("secrets.proc", "host_secrets", "high", _ALL,
          r"/proc/(?:self|\d+|\$\$|\$PPID|\*|[\"'`]?\s*\+[^\n]*|\{[^}]*\}|%d)/(?:environ|root|mem|maps"
          r"|cwd|fd)\b|/proc/[^\s'\"`]*/environ", _SECRETS),
    _rule("secrets.env-dump", "host_secrets", "medium", _ALL,
          r"dict\(\s*os\.environ\s*\)|os\.environ\.(?:items|copy)\(\)|print\(\s*os\.environ\s*\)"
          r"|JSON\.stringify\(\s*process\.env\s*\)|Object\.(?:keys|entries|values)\(\s*process\.env"
          r"|^\s*(?:printenv|env|export\s+-p)\s*$|getenv\(\s*\)|os\.Environ\(\)|env::vars\(\)",
          _ENV_DUMP),
    # Miners.
    _rule("mining.pool", "crypto_mining", "high", _ALL,
          r"stratum\+(?:tcp|ssl|tls)://|\b(?:xmrig|xmr-stak|minerd|cpuminer|ethminer|cryptonight"
          r"|randomx|coinhive|nicehash|nanopool|minexmr|supportxmr|moneroocean)\b", _MINER),
    # Process tampering.
    _rule("process.kill-others", "process_tampering", "high", _ALL,
          r"\bkill\s+(?:-\w+\s+)*(?:-1|1|\$PPID|\$\(\s*pgrep)\b|\b(?:pkill|killall)\b"
          r"|os\.kill\(\s*(?:-1|1\s*,|os\.getppid\(\))|os\.killpg\(|process\.kill\(\s*(?:-1|1\s*,"
          r"|process\.ppid)|posix_kill\(|syscall\.Kill\(|libc::kill\(", _KILL),
    _rule("process.daemon", "process_tampering", "medium", _ALL,
          r"\b(?:nohup|setsid|disown|daemonize)\b|os\.setsid\(\)|detached\s*:\s*true|\.unref\(\)"
          r"|os\.daemon", _DAEMON),
    _rule("process.kernel", "process_tampering", "high", _ALL,
          r"\bptrace\b|/proc/sys/|/sys/(?:kernel|fs/cgroup)|\b(?:sysctl|insmod|modprobe|rmmod"
          r"|crontab|systemctl|chattr|setcap|sudo|nsenter|unshare|chroot)\s"
          r"|\bu?mount\s+(?:-[a-z]|--bind|/dev/)"
          r"|LD_PRELOAD|ld\.so\.preload", _KERNEL),
    _rule("process.raise-limits", "process_tampering", "medium", _ALL,
          r"\bulimit\s+-\w*\s+unlimited|setrlimit\(|\bprlimit\b", _LIMITS),
    # Obfuscated payloads.
    _rule("obfuscation.decode-exec", "obfuscation", "high", _ALL,
          r"\b(?:exec|eval)\s*\(\s*(?:base64|codecs|zlib|marshal|bytes\.fromhex|__import__|compile"
          r"|atob|Buffer\.from|base64_decode|gzinflate|str_rot13)"
          r"|base64\s+(?:-d|--decode)[^\n]*\|\s*(?:ba|z|da)?sh\b"
          r"|\b(?:curl|wget)\b[^\n]*\|\s*(?:ba|z|da)?sh\b", _OBFUSCATED),
)

# Loops a program does not leave by itself: `while True`, `for (;;)`, `loop {}`, or a loop
# that only a clock ends (the usual disguise of a bomb).
_ENDLESS_LOOP = re.compile(
    r"\bwhile\s*\(?\s*(?:True|1|true|:)\s*\)?|\bfor\s*\(\s*;\s*;\s*\)|\bloop\s*\{|\bfor\s*\{"
    r"|\bwhile\s+true\b|\bwhile\s+:|\bwhile\b[^\n]*(?:time|Date\.now|deadline|Instant|clock)",
    re.MULTILINE)
_ANY_LOOP = re.compile(r"\b(?:while|for|loop|until)\b", re.MULTILINE)
# Raw forks are a bomb in any loop; spawning programs only in an endless one.
_RAW_FORKS: dict[str, re.Pattern[str]] = {
    "python": re.compile(r"\bos\.fork(?:pty)?\s*\("),
    "node": re.compile(r"\bchild_process\.fork\s*\(|\bcluster\.fork\s*\("),
    "typescript": re.compile(r"\bchild_process\.fork\s*\(|\bcluster\.fork\s*\("),
    "php": re.compile(r"\bpcntl_fork\s*\("),
    "rust": re.compile(r"libc::fork\s*\("),
}
_SPAWNS: dict[str, re.Pattern[str]] = {
    "python": re.compile(
        r"multiprocessing\.Process\(|subprocess\.(?:Popen|run|call)\(|os\.system\("),
    "node": re.compile(r"\b(?:fork|spawn|exec|execFile)(?:Sync)?\s*\(|new\s+Worker\("),
    "typescript": re.compile(r"\b(?:fork|spawn|exec|execFile)(?:Sync)?\s*\(|new\s+Worker\("),
    "bash": re.compile(r"&\s*(?:done\b|;|$)", re.MULTILINE),
    "php": re.compile(r"\bproc_open\s*\(|\bpopen\s*\(|\bexec\s*\("),
    "go": re.compile(r"syscall\.(?:ForkExec|RawSyscall\(\s*syscall\.SYS_FORK)|exec\.Command\("),
    "rust": re.compile(r"Command::new\("),
}


def scan(code: str, language: str) -> PrescanVerdict:
    """Every finding in `code`, in source order; `blocked` is left to `screen`."""
    findings = [*_rule_findings(code, language), *_fork_loop(code, language)]
    findings.sort(key=lambda f: (f.line, f.rule))
    return PrescanVerdict(language=language, blocked=False, findings=tuple(_dedupe(findings)))


def screen(code: str, language: str, *, block: bool, override: PrescanOverride | None,
           audit: AuditSink | None, target: str) -> PrescanVerdict:
    """Scan, then decide: block on a high finding unless an owner's override is audited.

    Raises:
        SandboxError: An override from a role that may not override, or one that cannot be
            audited because no audit sink is configured.
    """
    verdict = scan(code, language)
    high = [f for f in verdict.findings if f.severity == "high"]
    if not high or not block:
        return verdict
    if override is None:
        if audit is not None:
            audit.record("sandbox", "sandbox.prescan.blocked", target,
                         {"language": language, "rules": [f.rule for f in high]})
        return verdict.model_copy(update={"blocked": True})
    if override.role not in OWNER_ROLES:
        raise SandboxError(_("Only an owner may run code the pre-scan blocked."),
                           role=override.role)
    if audit is None:
        raise SandboxError(_("An override must be audited, and no audit log is configured."))
    audit.record(override.actor, "sandbox.prescan.override", target,
                 {"language": language, "role": override.role, "reason": override.reason,
                  "rules": [f.rule for f in high]})
    return verdict.model_copy(update={"overridden": True})


def _rule_findings(code: str, language: str) -> Iterable[Finding]:
    for rule in RULES:
        if not rule.applies_to(language):
            continue
        for match in rule.pattern.finditer(code):
            yield _finding(code, match.start(), match.group(0), rule.id, rule.category,
                           rule.severity, rule.reason)


def _fork_loop(code: str, language: str) -> Iterable[Finding]:
    for loops, forks in ((_ANY_LOOP, _RAW_FORKS.get(language)),
                         (_ENDLESS_LOOP, _SPAWNS.get(language))):
        loop = loops.search(code)
        if forks is None or loop is None:
            continue
        match = forks.search(code, loop.start())
        if match is not None:
            yield _finding(code, match.start(), match.group(0), "fork-bomb.loop", "fork_bomb",
                           "high", _FORK_BOMB)
            return


def _finding(code: str, offset: int, text: str, rule: str, category: Category,
             severity: Literal["high", "medium"], reason: str) -> Finding:
    line = code.count("\n", 0, offset) + 1
    excerpt = text.strip().replace("\n", " ")
    return Finding(rule=rule, category=category, severity=severity, line=line,
                   excerpt=excerpt[:80], reason=_(reason))


def _dedupe(findings: list[Finding]) -> Iterable[Finding]:
    seen: set[tuple[str, int]] = set()
    for finding in findings:
        if (finding.rule, finding.line) not in seen:
            seen.add((finding.rule, finding.line))
            yield finding
