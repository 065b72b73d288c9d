# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: disk_limit, file_size_limit, exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
import os

# Shared temporary directories are outside the workspace: filling them must count against the
# run's quota (or hit a small private tmpfs), and whatever is left must go with the session.
written = 0
for directory in ("/tmp", "/var/tmp", "/dev/shm"):
    for i in range(40):  # up to 160 MB per directory
        try:
            with open(os.path.join(directory, f"litter-{os.getpid()}-{i}"), "wb") as handle:
                handle.write(b"x" * (4 * 1024 * 1024))
            written += 4
        except OSError as exc:
            print("refused", directory, exc.strerror)
            break
if written >= 480:
    print("ESCAPED: wrote", written, "MB outside the workspace")
