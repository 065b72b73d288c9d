# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
import os
import subprocess

for attempt in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.chroot("/")):
    try:
        attempt()
        print("ESCAPED: privileged call worked, uid", os.getuid())
    except OSError as exc:
        print("refused", exc.strerror)
for argv in (["su", "-c", "id"], ["mount", "-t", "tmpfs", "x", "/mnt"]):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=5, stdin=subprocess.DEVNULL)
        if done.returncode == 0 and "uid=0" in done.stdout:
            print("ESCAPED:", argv)
        else:
            print("refused", argv[0], done.returncode)
    except (OSError, subprocess.SubprocessError) as exc:
        print("refused", argv[0], exc)
if os.getuid() == 0:
    print("ESCAPED: running as root")
