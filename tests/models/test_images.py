import numpy as np
import pytest

from models.images import MAX_IMAGE_PIXELS, ImageError, read_rgb, write_rgb


def test_round_trip_keeps_rgb_order(tmp_path):
    img = np.zeros((4, 5, 3), np.uint8)
    img[..., 0] = 200  # red
    back = read_rgb(write_rgb(tmp_path / "r.png", img))
    np.testing.assert_array_equal(back, img)


def test_huge_image_is_refused_from_its_header(tmp_path):
    from PIL import Image

    side = int((MAX_IMAGE_PIXELS * 1.1) ** 0.5)
    path = tmp_path / "huge.png"
    Image.new("L", (side, side)).save(path, optimize=False)  # a flat image: a small file, many pixels
    assert path.stat().st_size < 20_000_000
    with pytest.raises(ImageError, match="megapixels"):
        read_rgb(path)


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"random bytes" * 50])
def test_unreadable_files_are_image_errors(tmp_path, content):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(ImageError):
        read_rgb(path)


def test_one_pixel_image_reads(tmp_path):
    assert read_rgb(write_rgb(tmp_path / "one.png", np.full((1, 1, 3), 7, np.uint8))).shape == (1, 1, 3)
