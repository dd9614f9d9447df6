"""The ``edge-gateway`` command line: one module per subcommand."""
