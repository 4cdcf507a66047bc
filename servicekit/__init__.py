"""The small runtime every thidua service is built on: settings, database, outbox and inbox,
the Kafka consumer wrapper, telemetry, the HTTP app factory and authentication."""
