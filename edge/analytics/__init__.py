"""Learning analytics: mastery, item analysis, diagnosis, practice, homework time.

Submodules are pure functions over plain records, apart from ``mastery``
(persisted through the store), ``onnx_mastery`` (the ONNX session) and
``report`` (reads the store and assembles every section).
"""
