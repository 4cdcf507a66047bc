"""Outgoing HTTP: the four services' public APIs (backend) and the identity provider (oidc)."""
