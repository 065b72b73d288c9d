# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
for path in ("/etc/shadow", "/etc/gshadow", "/root/.ssh/id_rsa", "/etc/sudoers"):
    try:
        print("ESCAPED:", path, open(path).read()[:80])
    except OSError as exc:
        print("refused", path, exc.strerror)
