"""Stage two, the dispatcher: a loop of the service process that claims due deliveries, sends
them and records their attempts."""
