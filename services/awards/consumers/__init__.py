"""Kafka consumers of the awards service: the read model fed by registry and progress events."""
