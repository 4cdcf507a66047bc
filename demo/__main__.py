"""`python -m demo [--profile dev]`: play the demo on a running platform (see demo/player.py)."""

from __future__ import annotations

import argparse

from demo.player import play
from infra.profile import load

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default=None)
    play(load(parser.parse_args().profile))
