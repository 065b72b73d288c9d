# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: memory_limit
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
hoard = []
for _ in range(800):  # 8 GB if nothing stops it
    hoard.append(bytearray(10 * 1024 * 1024))
print("ESCAPED: allocated 8 GB")
