# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap
# hostile-prescan: miss
import os

for path in (os.path.join(os.environ["CANARY_OPEN"], "canary.txt"), "/etc/npmrc",
             "/etc/environment", "/etc/hostname"):
    try:
        print("ESCAPED:", path, open(path).read()[:80])
    except OSError as exc:
        print("refused", path, exc.strerror)
for directory in ("/work", "/home", "/root", "/var/lib", "/srv"):
    try:
        print("ESCAPED: listed", directory, os.listdir(directory)[:5])
    except OSError as exc:
        print("refused", directory, exc.strerror)
