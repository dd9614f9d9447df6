"""Handwriting recognition: answer ink to ranked readings in linear notation.

The gateway calls :class:`Recognizer`::

    recognizer = Recognizer.load()
    reading = recognizer.read(strokes, box, kind_hint="numeric")
    if reading.confidence >= recognizer.confidence_threshold: ...
"""

from edge.inference.recognition.recognizer import Recognizer

__all__ = ["Recognizer"]
