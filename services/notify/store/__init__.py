"""Every SQL statement of notify, one module per table family or read model."""
