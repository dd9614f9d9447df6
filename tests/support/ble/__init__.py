"""Emulated BLE for tests: bleak backends over bumble, and emulated pens.

``VirtualRadio`` holds bumble's in-process LocalLink and the gateway's
adapters; ``BumbleScanner``/``BumbleClient`` are bleak backends bound to a
radio (``radio.scanner_backend``, ``radio.client_backend``); ``EmulatedPen``
is a pen's GATT server running the pen firmware model.
"""
