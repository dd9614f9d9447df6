"""A gateway process for the kill tests: the uplink plus a producer of results.

Run as ``python -m tests.uplink.gateway_proc --db F --gateway G --config JSON
[--produce N --rate R]``. Each result is committed on its own, as the
gateway does when a pen finishes an answer, so every sequence number in the
store was acknowledged to its producer before the process can be killed.
"""

from __future__ import annotations

import argparse
import json
import threading
import time

from edge.store import Store
from edge.uplink import Uplink, UplinkConfig
from tests.uplink.helpers import result_data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--produce", type=int, default=0)
    parser.add_argument("--rate", type=float, default=1000.0)
    args = parser.parse_args()

    store = Store(args.db, args.gateway)
    uplink = Uplink(store, UplinkConfig.from_mapping(json.loads(args.config)))
    uplink.start()
    start = time.monotonic()
    for i in range(args.produce):
        store.enqueue("result", result_data(i))
        delay = start + (i + 1) / args.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    threading.Event().wait()


if __name__ == "__main__":
    main()
