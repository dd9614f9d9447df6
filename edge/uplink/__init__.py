"""Store-and-forward to the city over MQTT 5, and signed downlink from it.

``Uplink(store, UplinkConfig.from_mapping(section)).start()`` drains the
outbox to the broker in the background; ``on_downlink(kind, handler)``
receives verified assignments, answer keys, rosters, models and
configuration.
"""

from edge.uplink.config import BrokerAddress, UplinkConfig
from edge.uplink.downlink import DownlinkError, DownlinkMessage
from edge.uplink.link import Uplink

__all__ = [
    "BrokerAddress",
    "DownlinkError",
    "DownlinkMessage",
    "Uplink",
    "UplinkConfig",
]
