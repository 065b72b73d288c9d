# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
# hostile-network: registry
# Cloud metadata, the LAN and the outside world through the proxy, and directly.
import os
import urllib.request

for url in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://192.0.2.1/",
            "https://192.0.2.1/", "https://example.com/", "http://[fd00::1]/"):
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            print("ESCAPED: fetched", url, response.status)
    except OSError as exc:
        print("refused", url, exc)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy: direct
for url in ("http://169.254.169.254/latest/meta-data/", "http://192.0.2.1/",
            f"http://127.0.0.1:{os.environ['HOST_PORT']}/"):
    try:
        with opener.open(url, timeout=3) as response:
            print("ESCAPED: direct", url, response.status)
    except OSError as exc:
        print("refused direct", url, exc)
