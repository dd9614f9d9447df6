"""Clicker receivers: the wire codec, the host session and the serial transport.

The codec (``framing``, ``messages``, ``codec``) and the host state machine
(``session``) do no I/O; ``transport_serial`` owns the USB serial port. The
protocol is specified in ``firmware_protocols/clicker-receiver.md``.
"""
