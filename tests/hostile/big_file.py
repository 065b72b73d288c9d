# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: file_size_limit
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
with open("big.bin", "wb") as handle:
    for _ in range(100):  # 400 MB in one file
        handle.write(b"x" * (4 * 1024 * 1024))
print("ESCAPED: wrote a 400 MB file")
