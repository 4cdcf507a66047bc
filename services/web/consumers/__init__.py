"""The events the live pages follow, read from Kafka (live)."""
