"""The demo: the seed's 2020 campaign played through the platform's public HTTP APIs, from the
files in demo/data (a province replaces them with its own). `./thidua demo` or `python -m demo`."""
