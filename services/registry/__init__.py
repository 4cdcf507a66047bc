"""The registry service: units, people, emulation blocs, campaigns and their targets."""
