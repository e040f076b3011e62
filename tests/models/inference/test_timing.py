"""models.inference.timing: the stand-ins bench times where a style has no network of a tier."""

import numpy as np
import torch

from models.inference.registry import read_metadata
from models.inference.runtime import Stylizer
from models.inference.timing import eager_baseline, stand_in_style
from models.nets.transformer import TIERS


def test_stand_in_style_is_the_tiers_shape_and_runs(tmp_path, photo):
    path = stand_in_style("live", tmp_path)
    assert read_metadata(path)["name"] == "untrained-live"
    s = Stylizer(path, device="cpu")
    assert s.config == TIERS["live"] and s(photo).shape == photo.shape


def test_eager_baseline_runs_the_johnson_size_network_on_the_frame():
    frame = np.zeros((24, 32, 3), np.uint8)
    eager, net = eager_baseline(frame, torch.device("cpu"))
    assert net.config == TIERS["quality"] and tuple(eager(frame).shape) == (1, 3, 24, 32)
