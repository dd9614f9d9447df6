"""Classroom edge gateway: smart-pen ink and clicker votes to graded answers."""

__version__ = "0.1.0"
