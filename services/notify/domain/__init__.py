"""The notify service's domain core: who an event concerns, what to tell them, which webhook
subscriptions want it, and how deliveries retry. Pure functions, no I/O: the service feeds them
what its read model knows (a `Directory`) and the clock and randomness they need."""
