"""Setting up one classroom gateway: identity, keys, roster, pairing, checks.

The steps are pure where they can be (validation, planning, the seating
chart) and write only under a :class:`~edge.provision.layout.Layout` root, so
tests provision into a temporary folder exactly as an installer does on a
real box.
"""

from edge.provision.apply import Report, Step, provision
from edge.provision.errors import CertificateError, ProvisionError, RosterError
from edge.provision.layout import Layout
from edge.provision.request import Request, request_from_file

__all__ = [
    "CertificateError",
    "Layout",
    "ProvisionError",
    "Report",
    "Request",
    "RosterError",
    "Step",
    "provision",
    "request_from_file",
]
