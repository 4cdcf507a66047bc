"""Outgoing I/O other than the database and Kafka: the documents the service prints (a decision's
awardees as .xlsx and as an HTML page)."""
