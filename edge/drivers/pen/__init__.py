"""NeoSmartpen protocol 2 driver: codec, stroke assembly, sessions, manager.

The codec, stroke assembler, session and emulation modules are pure; only
``transport_bleak`` touches the radio, and the manager takes it injected.
"""
