# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap
# hostile-prescan: miss
import os

directory = os.environ["CANARY_OPEN"]
for name in ("canary.txt", "pwned.txt"):
    try:
        with open(os.path.join(directory, name), "w") as handle:
            handle.write("pwned")
        print("ESCAPED: wrote", name)
    except OSError as exc:
        print("refused", name, exc.strerror)
try:
    print("ESCAPED: read", open(os.path.join(directory, "canary.txt")).read())
except OSError as exc:
    print("refused read", exc.strerror)
