"""The notify service: notifications to people, units and subscribed systems."""
