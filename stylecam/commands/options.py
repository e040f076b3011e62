"""Command-line options shared by several subcommands."""

from __future__ import annotations

import argparse


def add_decoder_option(p: argparse.ArgumentParser, default: str) -> None:
    """``--decoder``: which AdaIN decoder a picture style runs on (:func:`models.registry.find_decoder`)."""
    p.add_argument("--decoder", metavar="vgg19|light|FILE",
                   help="picture styles: the AdaIN decoder, vgg19 (the paper's encoder, best quality), light "
                        f"(a distilled encoder, fast enough for live) or a decoder file (default: {default})")
