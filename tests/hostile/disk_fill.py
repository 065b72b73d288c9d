# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: disk_limit, file_size_limit
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
chunk = b"x" * (4 * 1024 * 1024)
for i in range(500):  # 2 GB in 4 MB files
    with open(f"fill-{i}.bin", "wb") as handle:
        handle.write(chunk)
print("ESCAPED: wrote 2 GB")
