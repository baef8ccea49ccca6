"""The conformance API: one routes module per resource, over the pure rules in `domain/`."""
