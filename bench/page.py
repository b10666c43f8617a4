"""How long a phone waits for the page: from asking for it to a pad it can draw on, over emulated phone networks.

    .venv/bin/python -m bench.page [--loads 5]

Real Chromium against the Procfile's gunicorn on 127.0.0.1, each load in a fresh context (nothing cached), the
network shaped by Chromium itself (CDP Network.emulateNetworkConditions, with DevTools' presets): "fast 3G" (1.44
Mbit/s down, 563 ms latency) and "slow 3G" (400 kbit/s down, 2 s latency). Each network twice: as the browser asks (it takes
Brotli, so it gets the build's compressed copies) and with `Accept-Encoding: identity` (the files themselves, what
every client got before the build compressed them). Also the Model tab opened once the page is up (its charts'
script loads then). Prints and writes bench/results/page.json: the median seconds and the bytes the page came in.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from harness import write_result
from harness.browser import chromium
from harness.server import Server
from models import argtypes

NETWORKS = {  # DevTools' presets: bytes/s down and up, added latency in ms
    "fast 3G": {"downloadThroughput": 1.6e6 / 8 * 0.9, "uploadThroughput": 750e3 / 8 * 0.9, "latency": 150 * 3.75},
    "slow 3G": {"downloadThroughput": 500e3 / 8 * 0.8, "uploadThroughput": 500e3 / 8 * 0.8, "latency": 400 * 5},
}
ENCODINGS = {"as the browser asks (Brotli)": None, "uncompressed (identity)": "identity"}


def load(browser, url: str, network: dict, encoding: str | None) -> dict:
    """One load in a fresh context: seconds to a pad, then to the Model tab's confusion matrix; bytes received."""
    context = browser.new_context()
    if encoding:
        context.set_extra_http_headers({"Accept-Encoding": encoding})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, **network})
    received = []
    cdp.on("Network.loadingFinished", lambda event: received.append(event["encodedDataLength"]))
    start = time.perf_counter()
    page.goto(url)
    page.get_by_test_id("pad").wait_for(timeout=120_000)
    pad = time.perf_counter() - start
    page_bytes = sum(received)
    start = time.perf_counter()
    page.get_by_role("button", name="Model").click()
    page.get_by_test_id("confusion").wait_for(timeout=120_000)
    model_tab = time.perf_counter() - start
    context.close()
    return {"pad_s": pad, "model_tab_s": model_tab, "page_bytes": page_bytes}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--loads", type=argtypes.COUNT, default=5, help="loads of each network and encoding (default: 5)")
    args = p.parse_args(argv)
    result: dict = {"networks": {name: dict(shape) for name, shape in NETWORKS.items()}, "loads": args.loads}
    with Server(env={"DEVICE": "cpu"}) as server, chromium() as browser:
        for net_name, network in NETWORKS.items():
            rows = {}
            for enc_name, encoding in ENCODINGS.items():
                runs = [load(browser, server.url + "/", network, encoding) for _ in range(args.loads)]
                rows[enc_name] = {
                    "pad_s_p50": round(statistics.median(r["pad_s"] for r in runs), 2),
                    "model_tab_s_p50": round(statistics.median(r["model_tab_s"] for r in runs), 2),
                    "page_kb": round(statistics.median(r["page_bytes"] for r in runs) / 1024, 1),
                }
            result[net_name] = rows
    print(json.dumps(result, indent=1))
    write_result("page", result)
    return result


if __name__ == "__main__":
    main()
