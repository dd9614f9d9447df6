"""A stand-in for the city's ingest: subscribes to every uplink and counts it.

Runs as its own process so that its work does not share an interpreter with
the publisher being measured. With ``--record FILE`` it appends one line per
``result`` message (receipt time, gateway, student, question) for the load
test's outbox lag. Prints ``ready`` once subscribed and the message count
when it gets SIGTERM.

    python -m benchmarks.mqtt_sink --port PORT [--record FILE]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from typing import Any, TextIO

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

UPLINK = "homework/v1/+/up/#"


class Sink:
    """Counts uplink messages; optionally records when each result arrived."""

    def __init__(self, record: TextIO | None) -> None:
        self.count = 0
        self.record = record
        self.subscribed = threading.Event()

    def on_connect(self, client: mqtt.Client, *_: Any) -> None:
        client.subscribe(UPLINK, qos=0)

    def on_subscribe(self, *_: Any) -> None:
        self.subscribed.set()

    def on_message(self, client: mqtt.Client, userdata: Any, message: Any) -> None:
        self.count += 1
        if self.record is None or not message.topic.endswith("/up/result"):
            return
        envelope = json.loads(message.payload)
        records = envelope["data"]
        for data in records if isinstance(records, list) else [records]:
            line = [
                time.time(),
                envelope["gateway"],
                data["student"],
                data["question"],
                data["assignment"],
            ]
            self.record.write(json.dumps(line) + "\n")


def main() -> int:
    """Subscribe, say ready, count until SIGTERM, print the count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record")
    args = parser.parse_args()
    record = open(args.record, "a", buffering=1) if args.record else None  # noqa: SIM115
    sink = Sink(record)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_connect = sink.on_connect
    client.on_subscribe = sink.on_subscribe
    client.on_message = sink.on_message
    client.connect("127.0.0.1", args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    client.loop_start()
    if not sink.subscribed.wait(10):
        return 1
    print("ready", flush=True)
    stop.wait()
    client.loop_stop()
    if record is not None:
        record.close()
    print(sink.count, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
