"""Notify's outgoing I/O other than its database and Kafka: webhook calls, SMTP, DNS, and the
encryption of the webhook secrets it keeps."""
