"""The registry's domain model: pure rules, no I/O."""
