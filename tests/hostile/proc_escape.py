# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
import os

found = []
for path in ("/proc/1/root/etc/shadow", "/proc/1/environ", f"/proc/{os.getppid()}/environ",
             f"/proc/{os.getppid()}/root/etc/shadow", "/proc/1/cwd/etc/shadow"):
    try:
        data = open(path, "rb").read()
        print("ESCAPED: read", path, len(data))
    except OSError as exc:
        print("refused", path, exc.strerror)
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            found.append(open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace"))
        except OSError:
            pass
print("environments seen:", "\n".join(found)[:20000])
