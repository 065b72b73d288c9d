# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
import os

targets = ["/etc/webnova-pwned", "/usr/webnova-pwned", "/root/webnova-pwned",
           "/tmp/../etc/webnova-pwned", os.path.join(os.environ["CANARY_PRIVATE"], "pwned"),
           os.path.join(os.environ["CANARY_PRIVATE"], "canary.txt")]
for target in targets:
    try:
        with open(target, "w") as handle:
            handle.write("pwned")
        print("ESCAPED: wrote", target)
    except OSError as exc:
        print("refused", target, exc.strerror)
