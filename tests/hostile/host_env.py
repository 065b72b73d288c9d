# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
import os

# The test looks for the host's secret in this output; printing everything is the attack.
for name, value in sorted(os.environ.items()):
    print(f"{name}={value}")
