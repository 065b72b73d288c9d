# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
import os

os.symlink("/etc/shadow", "shadow-link")
os.symlink(os.environ["CANARY_PRIVATE"], "private-link")
os.symlink("/", "root-link")
for path in ("shadow-link", "private-link/canary.txt", "root-link/root/.bashrc",
             "root-link/etc/shadow"):
    try:
        print("ESCAPED: read", path, open(path).read()[:40])
    except OSError as exc:
        print("refused", path, exc.strerror)
try:
    with open("private-link/pwned", "w") as handle:
        handle.write("pwned")
    print("ESCAPED: wrote through a symlink")
except OSError as exc:
    print("refused write", exc.strerror)
