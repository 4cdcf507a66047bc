"""Notify's Kafka consumer: stage one, each batch of events into inbox items and deliveries."""
